/* discover.c: a server's model list (see discover.h). */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "discover.h"
#include "http.h"
#include "msg.h"
#include "provider.h"

/* a model list is small; more is not one */
#define BODY_MAX (16u << 20)

struct fetch {
	long status;
	struct strbuf body;
	int too_big;
};

static int on_head(void *ctx, long status, const char *content_type)
{
	(void)content_type;
	((struct fetch *)ctx)->status = status;
	return 0;
}

static int on_data(void *ctx, const char *p, size_t n)
{
	struct fetch *f = ctx;

	if (f->body.len + n > BODY_MAX) {
		f->too_big = 1;
		return 1;
	}
	sb_add(&f->body, p, n);
	return 0;
}

struct server {
	const char *provider;
	char *base_url, *key;
	long timeout_s;
	volatile sig_atomic_t *cancel;
};

/* GET (body NULL) or POST url; the parsed JSON answer in *out. Prints
 * its error. */
static int ask(const struct server *s, const char *url, const char *body, json_t **out)
{
	char *headers[PROV_MAX_HEADERS];
	size_t nh = prov_build_headers(PROV_OPENAI, s->key, headers);
	struct fetch f = { 0, STRBUF_INIT, 0 };
	struct http_req req = {
		.url = url, .headers = headers, .nheaders = nh, .body = body,
		.connect_timeout_s = s->timeout_s < 10 ? s->timeout_s : 10,
		.stall_timeout_s = s->timeout_s, .cancel = s->cancel,
	};
	struct http_res res;
	char *shown = config_url_shown(url);
	int r = http_post(&req, &(struct http_cb){ on_head, on_data, NULL, &f }, &res);

	for (size_t i = 0; i < nh; i++)
		config_free_secret(headers[i]);
	*out = NULL;
	if (r == HTTP_EINTR) {
		r = t3_error(T3_EINTR, "interrupted");
	} else if (f.too_big) {
		r = t3_error(T3_EPROV, "%s: the answer to %s is too large (over %u MiB)",
			     s->provider, shown, BODY_MAX >> 20);
	} else if (r == HTTP_ENET || r == HTTP_ESTALL) {
		char *hint = r == HTTP_ENET && !f.status ?
			     config_local_hint(s->provider, s->base_url) : NULL;
		r = t3_error(T3_ENET, "network error: %s%s%s", res.errbuf, hint ? "; " : "",
			     hint ? hint : "");
		free(hint);
	} else if (f.status != 200) {
		char *line = res.redirect[0] ?
			xasprintf("HTTP %ld: redirected to %s, which is not followed (the request "
				  "carries the key)", f.status, res.redirect) :
			prov_error_line(PROV_OPENAI, f.status, f.body.buf, f.body.len);
		r = t3_error(T3_EPROV, "%s: %s (%s)", s->provider, line, shown);
		free(line);
	} else if (!(*out = json_loadb(f.body.buf, f.body.len, 0, NULL)) || !json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		r = t3_error(T3_EPROV, "%s: the answer to %s is not a JSON object", s->provider,
			     shown);
	} else {
		r = 0;
	}
	free(shown);
	sb_release(&f.body);
	return r;
}

/* A positive integer field, or 0. */
static int64_t count_of(const json_t *v)
{
	json_int_t n = json_is_integer(v) ? json_integer_value(v) : 0;
	return n > 0 ? (int64_t)n : 0;
}

static int64_t listed_context(const json_t *m)
{
	static const char *const keys[] = {
		"context_length", "context_window", "max_context_length", "max_model_len"
	};
	int64_t n;

	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
		if ((n = count_of(json_object_get(m, keys[i]))))
			return n;
	return count_of(json_object_get(json_object_get(m, "meta"), "n_ctx_train"));
}

static int has_string(const json_t *arr, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		if (json_is_string(v) && !strcmp(json_string_value(v), s))
			return 1;
	return 0;
}

static int listed_images(const json_t *m)
{
	return has_string(json_object_get(json_object_get(m, "architecture"), "input_modalities"),
			  "image") ||
	       json_is_true(json_object_get(json_object_get(m, "capabilities"), "vision"));
}

/* Ollama's ROOT/api/show for one model: fills context and images;
 * returns 1 for a model that does not chat (an embedding model). */
static int ollama_show(const struct server *s, const char *root, struct discovered *d, int *r)
{
	char *url = xasprintf("%s/api/show", root);
	json_t *req = json_pack("{ss}", "model", d->model_name), *ans, *info, *caps;
	char *body = prov_dump_body(req);
	const char *arch, *params;
	int skip = 0;

	json_decref(req);
	*r = ask(s, url, body, &ans);
	free(url);
	free(body);
	if (*r)
		return 0;
	caps = json_object_get(ans, "capabilities");
	if (json_is_array(caps) && !has_string(caps, "completion"))
		skip = 1;
	if (has_string(caps, "vision"))
		d->images = 1;
	/* the Modelfile's num_ctx is what the server runs it with */
	params = json_string_value(json_object_get(ans, "parameters"));
	for (const char *p = params; p && *p; p += strcspn(p, "\n"), p += !!*p) {
		long long n;
		if (sscanf(p, "num_ctx %lld", &n) == 1 && n > 0)
			d->context = n;
	}
	info = json_object_get(ans, "model_info");
	arch = json_string_value(json_object_get(info, "general.architecture"));
	if (!d->context && arch) {
		char *key = xasprintf("%s.context_length", arch);
		d->context = count_of(json_object_get(info, key));
		free(key);
	}
	json_decref(ans);
	return skip;
}

static int seen(const struct discover_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].model_name, name))
			return 1;
	return 0;
}

int discover_models(const struct config *cfg, const char *provider, long timeout_s,
		    volatile sig_atomic_t *cancel, struct discover_list *out)
{
	const struct prov_info *info = prov_info_of(provider);
	struct server s = { provider, NULL, NULL, timeout_s > 0 ? timeout_s : 30, cancel };
	json_t *ans = NULL, *data, *m;
	char *url = NULL, *root = NULL;
	size_t i, n;
	int r;

	memset(out, 0, sizeof *out);
	if (info->api != PROV_OPENAI)
		return t3_error(T3_EUSAGE, "provider '%s' does not serve an OpenAI-compatible model "
				"list: its models come with the shipped catalog (t3-models sync)",
				provider);
	if ((r = config_server(cfg, provider, &s.base_url, &s.key)))
		return r;
	n = strlen(s.base_url);
	while (n && s.base_url[n - 1] == '/')
		n--;
	url = xasprintf("%.*s/models", (int)n, s.base_url);
	if ((r = ask(&s, url, NULL, &ans)))
		goto out;
	if (!json_is_array(data = json_object_get(ans, "data"))) {
		char *shown = config_url_shown(url);
		r = t3_error(T3_EPROV, "%s: the answer to %s has no model list (\"data\")",
			     provider, shown);
		free(shown);
		goto out;
	}
	if (info->quirks & PROV_Q_OLLAMA)
		root = xasprintf("%.*s", (int)(n >= 3 && !strncmp(s.base_url + n - 3, "/v1", 3) ?
					       n - 3 : n), s.base_url);
	json_array_foreach(data, i, m) {
		const char *id = json_string_value(json_object_get(m, "id"));
		struct discovered d = { NULL, 0, 0 };
		size_t k;

		if (!id || !*id)
			continue;
		k = strlen(id);
		if ((info->quirks & PROV_Q_OLLAMA) && k > 7 && !strcmp(id + k - 7, ":latest"))
			k -= 7;
		d.model_name = xasprintf("%.*s", (int)k, id);
		if (seen(out, d.model_name)) {
			free(d.model_name);
			continue;
		}
		d.context = listed_context(m);
		d.images = listed_images(m);
		if (root && ollama_show(&s, root, &d, &r)) {
			free(d.model_name);
			continue;
		}
		if (r) {
			free(d.model_name);
			goto out;
		}
		out->v = xrealloc(out->v, (out->n + 1) * sizeof *out->v);
		out->v[out->n++] = d;
	}
	out->base_url = s.base_url;
	s.base_url = NULL;
out:
	if (r)
		discover_release(out);
	json_decref(ans);
	free(url);
	free(root);
	free(s.base_url);
	config_free_secret(s.key);
	return r;
}

void discover_release(struct discover_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].model_name);
	free(l->v);
	free(l->base_url);
	memset(l, 0, sizeof *l);
}

/* provider.c: what the three wire formats share -- dispatch to the
 * adapters, the decoder's bookkeeping, error bodies. See provider.h. */
#include <strings.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "msg.h"
#include "provider.h"

static const struct prov_ops *const ops_table[] = {
	[PROV_OPENAI] = &prov_openai_ops,
	[PROV_ANTHROPIC] = &prov_anthropic_ops,
	[PROV_GEMINI] = &prov_gemini_ops,
	[PROV_ECHO] = &prov_echo_ops,
};
#define NAPIS (sizeof ops_table / sizeof *ops_table)

const struct prov_ops *prov_ops_of(enum prov_api api)
{
	return (unsigned)api < NAPIS ? ops_table[api] : NULL;
}

/* the operations that build and decode: the wire format's */
static const struct prov_ops *wire_of(enum prov_api api)
{
	const struct prov_ops *ops = prov_ops_of(api);

	if (!ops)
		BUG("unknown api %d", (int)api);
	return ops->wire ? ops->wire : ops;
}

const char *prov_api_name(enum prov_api api)
{
	const struct prov_ops *ops = prov_ops_of(api);
	return ops ? ops->name : NULL;
}

int prov_api_parse(const char *name, enum prov_api *out)
{
	for (size_t i = 0; i < NAPIS; i++) {
		if (name && !strcmp(name, ops_table[i]->name)) {
			*out = (enum prov_api)i;
			return 0;
		}
	}
	return -1;
}

/* ---- the servers ---- */

static const struct prov_info infos[] = {
	{ "openai", "https://api.openai.com/v1", NULL,
	  PROV_Q_MAX_COMPLETION_TOKENS | PROV_Q_REASONING_NO_TEMP },
	{ "azure", NULL, NULL, PROV_Q_MAX_COMPLETION_TOKENS | PROV_Q_REASONING_NO_TEMP },
	{ "anthropic", "https://api.anthropic.com/v1", NULL, 0, NULL, PROV_ANTHROPIC },
	{ "gemini", "https://generativelanguage.googleapis.com/v1beta", "GOOGLE_API_KEY", 0, NULL,
	  PROV_GEMINI },
	{ "openrouter", "https://openrouter.ai/api/v1", NULL, 0 },
	{ "groq", "https://api.groq.com/openai/v1", NULL, 0 },
	{ "deepseek", "https://api.deepseek.com/v1", NULL, 0 },
	{ "xai", "https://api.x.ai/v1", NULL, 0 },
	{ "mistral", "https://api.mistral.ai/v1", NULL, PROV_Q_NO_STREAM_OPTIONS },
	{ "ollama", "http://localhost:11434/v1", NULL, PROV_Q_OLLAMA, "ollama serve", PROV_OPENAI },
	{ "echo", NULL, NULL, 0, NULL, PROV_ECHO },
};

const struct prov_info *prov_info_of(const char *provider)
{
	static const struct prov_info unknown = { NULL, NULL, NULL, 0, NULL, PROV_OPENAI };

	if (!provider)
		return &infos[0];
	for (size_t i = 0; i < sizeof infos / sizeof *infos; i++)
		if (!strcmp(infos[i].provider, provider))
			return &infos[i];
	return &unknown;
}

/* ---- requests ---- */

json_t *prov_build_body(enum prov_api api, const struct prov_req *req)
{
	return wire_of(api)->build_body(req, prov_info_of(req->provider));
}

int prov_takes_temperature(enum prov_api api, const char *provider, const char *model,
			   int reasoning_model)
{
	return wire_of(api)->takes_temperature(prov_info_of(provider), model, reasoning_model);
}

char *prov_dump_body(const json_t *body)
{
	char *s = json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(15));

	if (!s)
		BUG("json_dumps failed on a request body");
	return s;
}

char *prov_build_url(enum prov_api api, const char *base_url,
		     const char *model, int stream)
{
	struct strbuf sb = STRBUF_INIT;
	size_t n = strlen(base_url);

	while (n && base_url[n - 1] == '/')
		n--;
	sb_add(&sb, base_url, n);
	wire_of(api)->build_url(&sb, model, stream);
	return sb_detach(&sb, NULL);
}

size_t prov_build_headers(enum prov_api api, const char *api_key,
			  char *out[PROV_MAX_HEADERS])
{
	return wire_of(api)->build_headers(api_key && *api_key ? api_key : NULL, out);
}

int prov_header_is_secret(enum prov_api api, const char *header)
{
	const char *const *p = wire_of(api)->secret_headers;
	size_t n = strcspn(header, ":");

	for (; p && *p; p++)
		if (strlen(*p) == n && !strncasecmp(header, *p, n))
			return 1;
	return 0;
}

/* ---- decoder ---- */

void prov_decoder_init(struct prov_decoder *d, enum prov_api api,
		       const struct prov_sink *sink)
{
	memset(d, 0, sizeof(*d));
	d->api = api;
	d->ops = wire_of(api);
	if (sink)
		d->sink = *sink;
	sb_init(&d->text, 0);
	sb_init(&d->reasoning, 0);
	if (d->ops->state_size)
		d->state = xcalloc(1, d->ops->state_size);
	if (d->ops->state_init)
		d->ops->state_init(d->state);
}

void prov_decoder_release(struct prov_decoder *d)
{
	free(d->res.finish_reason);
	free(d->res.error);
	free(d->res.model);
	d->res.finish_reason = d->res.error = d->res.model = NULL;
	sb_release(&d->text);
	sb_release(&d->reasoning);
	if (d->state && d->ops->state_release)
		d->ops->state_release(d->state);
	free(d->state);
	d->state = NULL;
}

int prov_emit_text(struct prov_decoder *d, const char *s, size_t n)
{
	if (!n)
		return 0;
	if (d->collect) {
		sb_add(&d->text, s, n);
		return 0;
	}
	return d->sink.text ? d->sink.text(d->sink.ctx, s, n) : 0;
}

int prov_emit_reasoning(struct prov_decoder *d, const char *s, size_t n)
{
	if (!n)
		return 0;
	if (d->collect) {
		sb_add(&d->reasoning, s, n);
		return 0;
	}
	return d->sink.reasoning ? d->sink.reasoning(d->sink.ctx, s, n) : 0;
}

void prov_set_str(char **field, const char *s)
{
	if (s && *field && !strcmp(*field, s))
		return;
	free(*field);
	*field = s ? xstrdup(s) : NULL;
}

long prov_json_long(const json_t *obj, const char *key, long dflt)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

	if (json_is_integer(v))
		return (long)json_integer_value(v);
	if (json_is_real(v))
		return (long)json_real_value(v);
	return dflt;
}

json_t *prov_json_str(const char *s)
{
	return s ? prov_json_strn(s, strlen(s)) : json_null();
}

json_t *prov_text_part_new(const char *text)
{
	json_t *t = json_object();
	json_object_set_new(t, "type", json_string("text"));
	json_object_set_new(t, "text", prov_json_str(text ? text : ""));
	return t;
}

json_t *prov_json_strn(const char *s, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	json_t *j;

	j = json_stringn(s, len);
	if (j)
		return j;
	/* Keep the valid sequences, replace each bad byte. */
	while (p < end) {
		size_t n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 :
			   (*p & 0xf0) == 0xe0 ? 3 : (*p & 0xf8) == 0xf0 ? 4 : 0;
		size_t i;
		json_t *t = NULL;
		if (n > (size_t)(end - p))
			n = 0;	/* cut short by the end */
		for (i = 1; i < n; i++)
			if ((p[i] & 0xc0) != 0x80)
				break;
		/* jansson also rejects overlongs and surrogates: ask it. */
		if (n && i == n && (t = json_stringn((const char *)p, n))) {
			json_decref(t);
			sb_add(&sb, p, n);
			p += n;
		} else {
			sb_adds(&sb, "\xEF\xBF\xBD");
			p++;
		}
	}
	j = json_stringn(sb.buf, sb.len);
	sb_release(&sb);
	return j ? j : json_string("");
}

static json_t *load_json(const char *s, size_t n)
{
	json_error_t jerr;
	return json_loadb(s, n, 0, &jerr);
}

int prov_decode_event(struct prov_decoder *d, const struct sse_event *ev)
{
	const char *marker = d->ops->done_marker;
	json_t *root, *t;
	int rc;

	if (!ev->data_len)
		return 0;	/* an empty "data:" keep-alive carries nothing */
	if (marker && ev->data_len == strlen(marker) &&
	    !memcmp(ev->data, marker, ev->data_len)) {
		d->res.done = 1;
		return prov_decode_end(d);
	}
	root = load_json(ev->data, ev->data_len);
	if (!json_is_object(root)) {
		json_decref(root);
		return PROV_EMALFORMED;
	}
	t = json_object_get(root, "type");
	rc = d->ops->decode_event(d, json_is_string(t) ? json_string_value(t) : ev->type,
				  root);
	json_decref(root);
	return rc;
}

int prov_decode_end(struct prov_decoder *d)
{
	return d->ops->end ? d->ops->end(d) : 0;
}

int prov_decode_body(struct prov_decoder *d, const char *body, size_t len)
{
	json_t *root = load_json(body, len);
	int rc = 0;

	if (!root)
		return PROV_EMALFORMED;
	d->collect = 1;
	sb_reset(&d->text);
	sb_reset(&d->reasoning);
	rc = d->ops->decode_body(d, root);
	json_decref(root);
	d->collect = 0;
	if (!rc)
		d->res.done = 1;
	if (!rc && d->reasoning.len && d->sink.reasoning)
		rc = d->sink.reasoning(d->sink.ctx, d->reasoning.buf,
				       d->reasoning.len);
	if (!rc && d->text.len && d->sink.text)
		rc = d->sink.text(d->sink.ctx, d->text.buf, d->text.len);
	sb_release(&d->text);
	sb_release(&d->reasoning);
	return rc;
}

/* ---- error bodies ---- */

/* Append s as one line: runs of whitespace (newlines too) become one
 * space, other control bytes are dropped, leading and trailing space
 * trimmed. At most limit bytes (0: no limit), never splitting a UTF-8
 * sequence. */
static void sb_add_oneline(struct strbuf *sb, const char *s, size_t n,
			   size_t limit)
{
	size_t i, start = sb->len;
	int space = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ' || (c >= '\t' && c <= '\r')) {
			space = sb->len > start;
			continue;
		}
		if (c < 0x20 || c == 0x7f)
			continue;
		if (limit && sb->len - start + (size_t)space + 1 > limit)
			break;
		if (space)
			sb_addc(sb, ' ');
		space = 0;
		sb_addc(sb, c);
	}
	if (i < n) {
		/* Cut by the limit: drop an incomplete UTF-8 sequence. */
		size_t k = sb->len;
		unsigned char lead;
		while (k > start && ((unsigned char)sb->buf[k - 1] & 0xc0) == 0x80)
			k--;
		lead = k > start ? (unsigned char)sb->buf[k - 1] : 0;
		if (lead >= 0xc0 &&
		    sb->len - (k - 1) < (size_t)(lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2)) {
			sb->len = k - 1;
			sb->buf[sb->len] = '\0';
		}
	}
}

const char *prov_json_string(const json_t *obj, const char *key)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	return json_is_string(v) && *json_string_value(v) ?
		json_string_value(v) : NULL;
}

/* The object that describes the error in a body or chunk, NULL if none:
 * root.error when that is an object (OpenAI, Anthropic, Gemini); root
 * itself when it carries the error as a string "error", a "message" or a
 * FastAPI "detail"; the same inside OpenRouter's first choice
 * ({"choices":[{"error":{...},"finish_reason":"error"}]}). The first
 * element of an array is looked at (Gemini sometimes wraps). */
const json_t *prov_error_object(const json_t *root)
{
	const json_t *e, *c0;

	if (json_is_array(root))
		root = json_array_get(root, 0);
	if (!json_is_object(root))
		return NULL;
	e = json_object_get(root, "error");
	if (json_is_object(e))
		return e;
	if (json_is_string(e) || prov_json_string(root, "message") ||
	    json_is_array(json_object_get(root, "detail")) ||
	    json_is_object(json_object_get(root, "message")))
		return root;
	c0 = json_array_get(json_object_get(root, "choices"), 0);
	e = json_object_get(c0, "error");
	if (json_is_object(e))
		return e;
	return json_is_string(e) ? c0 : NULL;
}

/* The first complaint of a validation error as FastAPI/pydantic servers
 * give it (Mistral's 422 as "message", others at the top level):
 * {"detail":[{"loc":["body","stream_options"],"msg":"Extra inputs are
 * not permitted"}]}, as "body.stream_options: Extra inputs are not
 * permitted". NULL when there is none; the caller frees it. */
static char *detail_text(const json_t *err)
{
	const json_t *d = json_object_get(err, "detail"), *first, *p;
	struct strbuf sb = STRBUF_INIT;
	const char *msg;
	size_t i;

	if (!json_is_array(d))
		d = json_object_get(json_object_get(err, "message"), "detail");
	first = json_array_get(d, 0);
	if (!(msg = prov_json_string(first, "msg")))
		return NULL;
	json_array_foreach(json_object_get(first, "loc"), i, p) {
		if (i)
			sb_addc(&sb, '.');
		if (json_is_string(p))
			sb_adds(&sb, json_string_value(p));
		else if (json_is_integer(p))
			sb_addf(&sb, "%lld", (long long)json_integer_value(p));
	}
	if (sb.len)
		sb_adds(&sb, ": ");
	sb_adds(&sb, msg);
	if (json_array_size(d) > 1)
		sb_addf(&sb, " (and %zu more)", json_array_size(d) - 1);
	return sb_detach(&sb, NULL);
}

/* Append "CODE: MESSAGE", "CODE" or "MESSAGE" for an error object;
 * returns 0 if it has neither, else 1, or 2 if there was a code. status is
 * the HTTP status, to leave out a numeric code that only repeats it. */
static int sb_add_error(struct strbuf *sb, const json_t *err, long status,
			int depth)
{
	const char *code, *msg;
	char num[32], *detail = NULL;
	json_t *v, *meta;

	code = prov_json_string(err, "code");
	if (!code)
		code = prov_json_string(err, "status");
	if (!code)
		code = prov_json_string(err, "type");
	v = json_object_get(err, "code");
	if (!code && json_is_integer(v) && json_integer_value(v) != status) {
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		code = num;
	}
	msg = prov_json_string(err, "message");
	if (!msg && json_is_string(json_object_get(err, "error")))
		msg = json_string_value(json_object_get(err, "error"));
	if (!msg && (detail = detail_text(err)))
		msg = detail;
	if (!code && !msg)
		return 0;

	if (code)
		sb_add_oneline(sb, code, strlen(code), 0);
	if (code && msg)
		sb_adds(sb, ": ");
	if (msg)
		sb_add_oneline(sb, msg, strlen(msg), 0);
	free(detail);

	/* OpenRouter: the upstream provider's own body. */
	meta = json_object_get(err, "metadata");
	if (depth < 2 && json_is_object(meta) && prov_json_string(meta, "raw")) {
		const char *raw = prov_json_string(meta, "raw");
		const char *who = prov_json_string(meta, "provider_name");
		json_t *inner = load_json(raw, strlen(raw));
		const json_t *ie = prov_error_object(inner);
		size_t mark;

		sb_adds(sb, " (");
		if (who) {
			sb_add_oneline(sb, who, strlen(who), 0);
			sb_adds(sb, ": ");
		}
		mark = sb->len;
		if (!ie || !sb_add_error(sb, ie, status, depth + 1)) {
			sb->len = mark;
			sb_add_oneline(sb, raw, strlen(raw), 200);
		}
		sb_addc(sb, ')');
		json_decref(inner);
	}
	return code ? 2 : 1;
}

int prov_set_error(struct prov_decoder *d, const json_t *root)
{
	struct strbuf sb = STRBUF_INIT;
	const json_t *err = prov_error_object(root);

	if (!err)
		err = root;
	if (!json_is_object(err) || !sb_add_error(&sb, err, 0, 0))
		sb_adds(&sb, "unknown error");
	free(d->res.error);
	d->res.error = sb_detach(&sb, NULL);
	return PROV_EERROR;
}

char *prov_error_line(enum prov_api api, long http_status, const char *body,
		      size_t len)
{
	struct strbuf sb = STRBUF_INIT, e = STRBUF_INIT;
	json_t *root = len ? load_json(body, len) : NULL;
	const json_t *err = prov_error_object(root);
	int found = err ? sb_add_error(&e, err, http_status, 0) : 0;

	(void)api;	/* the shapes do not collide; one reader serves all */
	if (!found)
		sb_add_oneline(&e, body, len, 200);
	if (http_status > 0) {
		sb_addf(&sb, "HTTP %ld", http_status);
		if (e.len)
			sb_adds(&sb, found == 2 ? " " : ": ");
	}
	sb_add(&sb, e.buf, e.len);
	if (!sb.len)
		sb_adds(&sb, "empty error response");
	sb_release(&e);
	json_decref(root);
	return sb_detach(&sb, NULL);
}

/* Whether s (may be NULL) is one of the NULL-terminated list. */
static int in_list(const char *s, const char *const *list)
{
	for (; s && *list; list++)
		if (!strcmp(s, *list))
			return 1;
	return 0;
}

static int is_retryable_code(const char *c)
{
	static const char *const codes[] = {
		"overloaded_error", "api_error", "rate_limit_error", "timeout_error",
		"rate_limit_exceeded", "server_error", "timeout",
		"UNAVAILABLE", "RESOURCE_EXHAUSTED", "INTERNAL",
		"DEADLINE_EXCEEDED", NULL
	};
	return in_list(c, codes);
}

enum prov_finish prov_finish_kind(const char *fr)
{
	static const char *const length[] = { "length", "max_tokens", "MAX_TOKENS", NULL };
	static const char *const filter[] = {
		"content_filter", "refusal", "SAFETY", "RECITATION", "PROHIBITED_CONTENT",
		"BLOCKLIST", "SPII", "IMAGE_SAFETY", "LANGUAGE", NULL
	};

	if (in_list(fr, length))
		return PROV_FINISH_LENGTH;
	if (in_list(fr, filter))
		return PROV_FINISH_FILTER;
	return PROV_FINISH_OTHER;
}

long prov_error_retry_after(enum prov_api api, const char *body, size_t len)
{
	const struct prov_ops *ops = wire_of(api);
	json_t *root;
	long s;

	if (!ops->retry_after || !len || !(root = load_json(body, len)))
		return -1;
	s = ops->retry_after(prov_error_object(root));
	json_decref(root);
	return s;
}

int prov_error_is_retryable(enum prov_api api, long status, const char *body,
			    size_t len)
{
	json_t *root = len ? load_json(body, len) : NULL;
	const json_t *err = prov_error_object(root);
	const char *code = prov_json_string(err, "code");
	const char *type = prov_json_string(err, "type");
	const char *gstatus = prov_json_string(err, "status");
	json_t *num = err ? json_object_get(err, "code") : NULL;
	int yes;

	if ((code && !strcmp(code, "insufficient_quota")) ||
	    (type && !strcmp(type, "insufficient_quota")) ||
	    (err && wire_of(api)->never_retry && wire_of(api)->never_retry(err))) {
		yes = 0;
	} else if (status == 408 || status == 429 || status >= 500) {
		yes = 1;
	} else if (status >= 200 && status < 300) {
		/* A mid-stream error event after a 200. */
		yes = is_retryable_code(code) || is_retryable_code(type) ||
		      is_retryable_code(gstatus) ||
		      (json_is_integer(num) &&
		       (json_integer_value(num) == 429 ||
			json_integer_value(num) == 408 ||
			json_integer_value(num) >= 500));
	} else {
		yes = 0;
	}
	json_decref(root);
	return yes;
}

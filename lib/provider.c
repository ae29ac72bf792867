/* provider.c: what the three wire formats share -- dispatch to the
 * adapters, the decoder's bookkeeping, error bodies. See provider.h. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "msg.h"
#include "provider.h"

static const char *const api_names[] = {
	[PROV_OPENAI] = "openai",
	[PROV_ANTHROPIC] = "anthropic",
	[PROV_GEMINI] = "gemini",
	[PROV_ECHO] = "echo",
};

const char *prov_api_name(enum prov_api api)
{
	if ((unsigned)api >= sizeof(api_names) / sizeof(*api_names))
		return NULL;
	return api_names[api];
}

int prov_api_parse(const char *name, enum prov_api *out)
{
	size_t i;

	for (i = 0; i < sizeof(api_names) / sizeof(*api_names); i++) {
		if (name && !strcmp(name, api_names[i])) {
			*out = (enum prov_api)i;
			return 0;
		}
	}
	return -1;
}

json_t *prov_build_body(enum prov_api api, const struct prov_req *req)
{
	switch (api) {
	case PROV_ANTHROPIC:
		return anthropic_build_body(req);
	case PROV_GEMINI:
		return gemini_build_body(req);
	case PROV_OPENAI:
	case PROV_ECHO:
		break;
	}
	return openai_build_body(req);
}

int prov_takes_temperature(enum prov_api api, const char *provider, const char *model,
			   int reasoning_model)
{
	if (api == PROV_ANTHROPIC)
		return anthropic_version(model) < 407;
	if (api == PROV_OPENAI && reasoning_model)
		return !openai_is_proper(provider);
	return 1;
}

char *prov_dump_body(const json_t *body)
{
	char *s = json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(15));

	if (!s)
		BUG("json_dumps failed on a request body");
	return s;
}

/* Percent-encode all but RFC 3986 unreserved characters. */
static void sb_add_urlencoded(struct strbuf *sb, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
			sb_addc(sb, c);
		} else {
			sb_addc(sb, '%');
			sb_addc(sb, hex[c >> 4]);
			sb_addc(sb, hex[c & 15]);
		}
	}
}

char *prov_build_url(enum prov_api api, const char *base_url,
		     const char *model, int stream)
{
	struct strbuf sb = STRBUF_INIT;
	size_t n = strlen(base_url);

	while (n && base_url[n - 1] == '/')
		n--;
	sb_add(&sb, base_url, n);
	switch (api) {
	case PROV_ANTHROPIC:
		sb_adds(&sb, "/messages");
		break;
	case PROV_GEMINI:
		if (!strncmp(model, "models/", 7))
			model += 7;
		sb_adds(&sb, "/models/");
		sb_add_urlencoded(&sb, model);
		sb_adds(&sb, stream ? ":streamGenerateContent?alt=sse"
				    : ":generateContent");
		break;
	case PROV_OPENAI:
	case PROV_ECHO:
		sb_adds(&sb, "/chat/completions");
		break;
	}
	return sb_detach(&sb, NULL);
}

size_t prov_build_headers(enum prov_api api, const char *api_key,
			  char *out[PROV_MAX_HEADERS])
{
	size_t n = 0;
	int key = api_key && *api_key;

	switch (api) {
	case PROV_ANTHROPIC:
		if (key)
			out[n++] = xasprintf("x-api-key: %s", api_key);
		out[n++] = xstrdup("anthropic-version: 2023-06-01");
		break;
	case PROV_GEMINI:
		if (key)
			out[n++] = xasprintf("x-goog-api-key: %s", api_key);
		break;
	case PROV_OPENAI:
	case PROV_ECHO:
		if (key)
			out[n++] = xasprintf("Authorization: Bearer %s", api_key);
		break;
	}
	return n;
}

/* ---- decoder ---- */

void prov_decoder_init(struct prov_decoder *d, enum prov_api api,
		       const struct prov_sink *sink)
{
	memset(d, 0, sizeof(*d));
	d->api = api;
	if (sink)
		d->sink = *sink;
	sb_init(&d->text, 0);
	sb_init(&d->reasoning, 0);
	sb_init(&d->held, 0);
}

void prov_decoder_release(struct prov_decoder *d)
{
	free(d->res.finish_reason);
	free(d->res.error);
	free(d->res.model);
	d->res.finish_reason = d->res.error = d->res.model = NULL;
	sb_release(&d->text);
	sb_release(&d->reasoning);
	sb_release(&d->held);
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
	json_t *root;
	int rc;

	if (!ev->data_len)
		return 0;	/* an empty "data:" keep-alive carries nothing */
	if (d->api != PROV_ANTHROPIC && d->api != PROV_GEMINI &&
	    ev->data_len == 6 && !memcmp(ev->data, "[DONE]", 6)) {
		d->res.done = 1;
		return openai_flush(d);
	}
	root = load_json(ev->data, ev->data_len);
	if (!json_is_object(root)) {
		json_decref(root);
		return PROV_EMALFORMED;
	}
	switch (d->api) {
	case PROV_ANTHROPIC: {
		json_t *t = json_object_get(root, "type");
		rc = anthropic_decode_event(d, json_is_string(t) ?
					    json_string_value(t) : ev->type,
					    root);
		break;
	}
	case PROV_GEMINI:
		rc = gemini_decode_chunk(d, root);
		break;
	default:
		rc = openai_decode_chunk(d, root);
		break;
	}
	json_decref(root);
	return rc;
}

int prov_decode_end(struct prov_decoder *d)
{
	/* only the OpenAI decoder holds anything back */
	return openai_flush(d);
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
	switch (d->api) {
	case PROV_ANTHROPIC:
		rc = json_is_object(root) ? anthropic_decode_response(d, root)
					  : PROV_EMALFORMED;
		break;
	case PROV_GEMINI:
		if (json_is_array(root)) {
			size_t i;
			json_t *v;
			if (!json_array_size(root))
				rc = PROV_EMALFORMED;
			json_array_foreach(root, i, v) {
				rc = json_is_object(v) ? gemini_decode_chunk(d, v)
						       : PROV_EMALFORMED;
				if (rc)
					break;
			}
		} else if (json_is_object(root)) {
			rc = gemini_decode_chunk(d, root);
		} else {
			rc = PROV_EMALFORMED;
		}
		break;
	default:
		rc = json_is_object(root) ? openai_decode_response(d, root)
					  : PROV_EMALFORMED;
		break;
	}
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

static const char *str_or_null(const json_t *obj, const char *key)
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
static const json_t *error_object(const json_t *root)
{
	const json_t *e, *c0;

	if (json_is_array(root))
		root = json_array_get(root, 0);
	if (!json_is_object(root))
		return NULL;
	e = json_object_get(root, "error");
	if (json_is_object(e))
		return e;
	if (json_is_string(e) || str_or_null(root, "message") ||
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
	if (!(msg = str_or_null(first, "msg")))
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

	code = str_or_null(err, "code");
	if (!code)
		code = str_or_null(err, "status");
	if (!code)
		code = str_or_null(err, "type");
	v = json_object_get(err, "code");
	if (!code && json_is_integer(v) && json_integer_value(v) != status) {
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		code = num;
	}
	msg = str_or_null(err, "message");
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
	if (depth < 2 && json_is_object(meta) && str_or_null(meta, "raw")) {
		const char *raw = str_or_null(meta, "raw");
		const char *who = str_or_null(meta, "provider_name");
		json_t *inner = load_json(raw, strlen(raw));
		const json_t *ie = error_object(inner);
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
	const json_t *err = error_object(root);

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
	const json_t *err = error_object(root);
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

/* The google.rpc detail of this type ("type.googleapis.com/google.rpc.X")
 * in a Gemini error object, or NULL. */
static const json_t *google_detail(const json_t *err, const char *type)
{
	const json_t *d;
	size_t i, n = strlen(type);

	json_array_foreach(json_object_get(err, "details"), i, d) {
		const char *t = str_or_null(d, "@type");
		size_t tn = t ? strlen(t) : 0;
		if (tn >= n && !strcmp(t + tn - n, type))
			return d;
	}
	return NULL;
}

/* A Gemini quota that resets daily: no point in waiting seconds for it. */
static int google_daily_quota(const json_t *err)
{
	const json_t *v;
	size_t i;

	json_array_foreach(json_object_get(google_detail(err, "rpc.QuotaFailure"),
					   "violations"), i, v) {
		const char *id = str_or_null(v, "quotaId");
		if (id && strstr(id, "PerDay"))
			return 1;
	}
	return 0;
}

long prov_error_retry_after(enum prov_api api, const char *body, size_t len)
{
	json_t *root;
	const char *delay;
	long s = -1;

	if (api != PROV_GEMINI || !len || !(root = load_json(body, len)))
		return -1;
	/* "retryDelay": "3s" or "26.5s" (a protobuf Duration) */
	delay = str_or_null(google_detail(error_object(root), "rpc.RetryInfo"), "retryDelay");
	if (delay) {
		char *end;
		double d = strtod(delay, &end);
		if (end != delay && !strcmp(end, "s") && d >= 0 && d < 86400)
			s = (long)d + (d > (long)d);
	}
	json_decref(root);
	return s;
}

int prov_error_is_retryable(enum prov_api api, long status, const char *body,
			    size_t len)
{
	json_t *root = len ? load_json(body, len) : NULL;
	const json_t *err = error_object(root);
	const char *code = str_or_null(err, "code");
	const char *type = str_or_null(err, "type");
	const char *gstatus = str_or_null(err, "status");
	json_t *num = err ? json_object_get(err, "code") : NULL;
	int yes;

	if ((code && !strcmp(code, "insufficient_quota")) ||
	    (type && !strcmp(type, "insufficient_quota")) ||
	    (api == PROV_GEMINI && err && google_daily_quota(err))) {
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

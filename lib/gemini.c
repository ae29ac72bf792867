/* gemini.c: Gemini generateContent / streamGenerateContent wire format.
 * See provider.h. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "provider.h"

static long thinking_budget(const char *effort)
{
	if (!strcmp(effort, "low"))
		return 1024;
	if (!strcmp(effort, "high"))
		return 24576;	/* the most 2.5 Flash accepts */
	return 8192;
}

static json_t *part_new(const char *text)
{
	json_t *p = json_object();
	json_object_set_new(p, "text", prov_json_str(text ? text : ""));
	return p;
}

/* An attachment: an "inline_data" part, before the message's text. */
static json_t *inline_part_new(const struct prov_part *a)
{
	json_t *p = json_object(), *d = json_object();
	json_object_set_new(d, "mime_type", json_string(a->mime_type));
	json_object_set_new(d, "data", json_string(a->base64));
	json_object_set_new(p, "inline_data", d);
	return p;
}

/* Gemini 3 and later take a thinkingLevel; a thinkingBudget there is
 * only tolerated (and both together are refused). */
static int thinks_in_levels(const char *model)
{
	const char *p = model ? model : "";
	if (!strncmp(p, "models/", 7))
		p += 7;
	return !strncmp(p, "gemini-", 7) && p[7] >= '3' && p[7] <= '9';
}

static json_t *gemini_build_body(const struct prov_req *req, const struct prov_info *info)
{
	json_t *body = json_object(), *contents = json_array(), *gc, *parts = NULL;
	const char *last_role = NULL;
	long max = req->max_tokens;
	size_t i;

	(void)info;
	for (i = 0; i < req->nmsgs; i++) {
		const char *role = !strcmp(req->msgs[i].role, "assistant") ? "model" : "user";
		/* one turn a role: messages in a row of one role (an answer
		 * that never came) become parts of one content */
		if (!parts || strcmp(role, last_role)) {
			json_t *c = json_object();
			parts = json_array();
			json_object_set_new(c, "role", json_string(role));
			json_object_set_new(c, "parts", parts);
			json_array_append_new(contents, c);
			last_role = role;
		}
		for (size_t k = 0; k < req->msgs[i].nparts; k++)
			json_array_append_new(parts, inline_part_new(&req->msgs[i].parts[k]));
		json_array_append_new(parts, part_new(req->msgs[i].text));
	}
	json_object_set_new(body, "contents", contents);
	if (req->system) {
		json_t *si = json_object();
		parts = json_array();
		json_array_append_new(parts, part_new(req->system));
		json_object_set_new(si, "parts", parts);
		json_object_set_new(body, "systemInstruction", si);
	}
	gc = json_object();
	if (req->has_temperature)
		json_object_set_new(gc, "temperature", json_real(req->temperature));
	if (req->reasoning_effort) {
		json_t *tc = json_object();
		if (thinks_in_levels(req->model)) {
			json_object_set_new(tc, "thinkingLevel",
					    json_string(req->reasoning_effort));
		} else {
			long budget = thinking_budget(req->reasoning_effort);
			json_object_set_new(tc, "thinkingBudget", json_integer(budget));
			/* thinking counts against maxOutputTokens: leave the
			 * answer what was asked for */
			if (max > 0 && max <= budget)
				max += budget;
		}
		json_object_set_new(tc, "includeThoughts", json_true());
		json_object_set_new(gc, "thinkingConfig", tc);
	}
	if (max > 0)
		json_object_set_new(gc, "maxOutputTokens", json_integer(max));
	if (req->options)	/* -o: in generationConfig, as topP, topK, ... */
		json_object_update(gc, (json_t *)req->options);
	if (json_object_size(gc))
		json_object_set_new(body, "generationConfig", gc);
	else
		json_decref(gc);
	return body;
}

/* usageMetadata is cumulative: each chunk replaces the previous one.
 * candidatesTokenCount leaves thoughts out, but they are billed as output,
 * so completion_tokens adds them (see provider.h). promptTokenCount
 * includes cachedContentTokenCount. */
static void gemini_usage(struct prov_decoder *d, const json_t *u)
{
	long cand = prov_json_long(u, "candidatesTokenCount", 0);
	long thoughts = prov_json_long(u, "thoughtsTokenCount", 0);

	d->res.prompt_tokens = prov_json_long(u, "promptTokenCount", 0);
	d->res.completion_tokens = cand + thoughts;
	d->res.reasoning_tokens = thoughts;
	d->res.cached_tokens = prov_json_long(u, "cachedContentTokenCount", 0);
	d->res.have_usage = 1;
}

static int gemini_decode_chunk(struct prov_decoder *d, const json_t *root)
{
	json_t *err = json_object_get(root, "error");
	json_t *cands, *c0, *parts, *p, *v;
	size_t i;
	int rc;

	if (json_is_object(err))
		return prov_set_error(d, root);
	v = json_object_get(root, "modelVersion");
	if (json_is_string(v))
		prov_set_str(&d->res.model, json_string_value(v));

	cands = json_object_get(root, "candidates");
	if (cands && !json_is_array(cands))
		return PROV_EMALFORMED;
	c0 = json_array_get(cands, 0);
	if (c0 && !json_is_object(c0))
		return PROV_EMALFORMED;
	parts = json_object_get(json_object_get(c0, "content"), "parts");
	if (parts && !json_is_array(parts))
		return PROV_EMALFORMED;
	json_array_foreach(parts, i, p) {
		json_t *t = json_object_get(p, "text");
		if (!json_is_string(t))
			continue;	/* functionCall, inlineData, ... */
		if (json_is_true(json_object_get(p, "thought")))
			rc = prov_emit_reasoning(d, json_string_value(t),
						 json_string_length(t));
		else
			rc = prov_emit_text(d, json_string_value(t),
					    json_string_length(t));
		if (rc)
			return rc;
	}
	v = json_object_get(c0, "finishReason");
	if (json_is_string(v) && *json_string_value(v)) {
		prov_set_str(&d->res.finish_reason, json_string_value(v));
		d->res.done = 1;
	}
	/* A blocked prompt: no candidates, a promptFeedback.blockReason. */
	v = json_object_get(json_object_get(root, "promptFeedback"),
			    "blockReason");
	if (!c0 && json_is_string(v)) {
		prov_set_str(&d->res.finish_reason, json_string_value(v));
		d->res.done = 1;
	}
	v = json_object_get(root, "usageMetadata");
	if (json_is_object(v))
		gemini_usage(d, v);
	return 0;
}

static int gemini_decode_event(struct prov_decoder *d, const char *type, const json_t *root)
{
	(void)type;
	return gemini_decode_chunk(d, root);
}

/* an object, or a JSON array of chunks as streamGenerateContent sends
 * without alt=sse */
static int gemini_decode_body(struct prov_decoder *d, const json_t *root)
{
	size_t i;
	json_t *v;
	int rc = 0;

	if (json_is_object(root))
		return gemini_decode_chunk(d, root);
	if (!json_is_array(root) || !json_array_size(root))
		return PROV_EMALFORMED;
	json_array_foreach(root, i, v) {
		rc = json_is_object(v) ? gemini_decode_chunk(d, v) : PROV_EMALFORMED;
		if (rc)
			break;
	}
	return rc;
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

static void gemini_build_url(struct strbuf *sb, const char *model, int stream)
{
	if (!strncmp(model, "models/", 7))
		model += 7;
	sb_adds(sb, "/models/");
	sb_add_urlencoded(sb, model);
	sb_adds(sb, stream ? ":streamGenerateContent?alt=sse" : ":generateContent");
}

static size_t gemini_build_headers(const char *api_key, char *out[])
{
	size_t n = 0;

	if (api_key)
		out[n++] = xasprintf("x-goog-api-key: %s", api_key);
	return n;
}

/* The google.rpc detail of this type ("type.googleapis.com/google.rpc.X")
 * in an error object, or NULL. */
static const json_t *google_detail(const json_t *err, const char *type)
{
	const json_t *d;
	size_t i, n = strlen(type);

	json_array_foreach(json_object_get(err, "details"), i, d) {
		const char *t = prov_json_string(d, "@type");
		size_t tn = t ? strlen(t) : 0;
		if (tn >= n && !strcmp(t + tn - n, type))
			return d;
	}
	return NULL;
}

/* A quota that resets daily: no point in waiting seconds for it. */
static int gemini_never_retry(const json_t *err)
{
	const json_t *v;
	size_t i;

	json_array_foreach(json_object_get(google_detail(err, "rpc.QuotaFailure"),
					   "violations"), i, v) {
		const char *id = prov_json_string(v, "quotaId");
		if (id && strstr(id, "PerDay"))
			return 1;
	}
	return 0;
}

/* google.rpc.RetryInfo's "retryDelay": "3s" or "26.5s" (a protobuf
 * Duration), rounded up */
static long gemini_retry_after(const json_t *err)
{
	const char *delay = prov_json_string(google_detail(err, "rpc.RetryInfo"), "retryDelay");
	char *end;
	double d;

	if (!delay)
		return -1;
	d = strtod(delay, &end);
	if (end != delay && !strcmp(end, "s") && d >= 0 && d < 86400)
		return (long)d + (d > (long)d);
	return -1;
}

static int gemini_takes_temperature(const struct prov_info *info, const char *model,
				    int reasoning_model)
{
	(void)info, (void)model, (void)reasoning_model;
	return 1;
}

static const char *const gemini_secrets[] = { "x-goog-api-key", NULL };

const struct prov_ops prov_gemini_ops = {
	.api = PROV_GEMINI,
	.name = "gemini",
	.build_body = gemini_build_body,
	.build_url = gemini_build_url,
	.build_headers = gemini_build_headers,
	.secret_headers = gemini_secrets,
	.decode_event = gemini_decode_event,
	.decode_body = gemini_decode_body,
	.retry_after = gemini_retry_after,
	.never_retry = gemini_never_retry,
	.takes_temperature = gemini_takes_temperature,
};

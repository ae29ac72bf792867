/* gemini.c: Gemini generateContent / streamGenerateContent wire format.
 * See provider.h. */
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

static json_t *parts_new(const char *text)
{
	json_t *parts = json_array(), *p = json_object();
	json_object_set_new(p, "text", prov_json_str(text ? text : ""));
	json_array_append_new(parts, p);
	return parts;
}

json_t *gemini_build_body(const struct prov_req *req)
{
	json_t *body = json_object(), *contents = json_array(), *gc;
	size_t i;

	for (i = 0; i < req->nmsgs; i++) {
		json_t *c = json_object();
		json_object_set_new(c, "role", json_string(
			!strcmp(req->msgs[i].role, "assistant") ? "model" : "user"));
		json_object_set_new(c, "parts", parts_new(req->msgs[i].text));
		json_array_append_new(contents, c);
	}
	json_object_set_new(body, "contents", contents);
	if (req->system) {
		json_t *si = json_object();
		json_object_set_new(si, "parts", parts_new(req->system));
		json_object_set_new(body, "systemInstruction", si);
	}
	gc = json_object();
	if (req->has_temperature)
		json_object_set_new(gc, "temperature", json_real(req->temperature));
	if (req->max_tokens > 0)
		json_object_set_new(gc, "maxOutputTokens",
				    json_integer(req->max_tokens));
	if (req->reasoning_effort) {
		json_t *tc = json_object();
		json_object_set_new(tc, "thinkingBudget", json_integer(
			thinking_budget(req->reasoning_effort)));
		json_object_set_new(tc, "includeThoughts", json_true());
		json_object_set_new(gc, "thinkingConfig", tc);
	}
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

int gemini_decode_chunk(struct prov_decoder *d, const json_t *root)
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

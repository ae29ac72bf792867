/* anthropic.c: Anthropic Messages wire format. See provider.h. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "provider.h"

static long thinking_budget(const char *effort)
{
	if (!strcmp(effort, "low"))
		return 1024;	/* the API's minimum */
	if (!strcmp(effort, "high"))
		return 16384;
	return 4096;
}

/* The model's version as major * 100 + minor, from its name: the first
 * number is the major version, a second one below 100 the minor (a
 * trailing date is not): claude-sonnet-4-6 406, claude-3-7-sonnet-20250219
 * 307, claude-sonnet-4-20250514 400, claude-sonnet-5 500. 0 if none. */
int anthropic_version(const char *model)
{
	int v[2] = { 0, 0 }, n = 0;
	const char *p = model ? model : "";

	while (*p && n < 2) {
		if (*p >= '0' && *p <= '9') {
			char *end;
			long x = strtol(p, &end, 10);
			if (n == 1 && (end - p > 2 || x >= 100))
				break;	/* a date, not a minor version */
			v[n++] = (int)x;
			p = end;
		} else {
			p++;
		}
	}
	return n ? v[0] * 100 + v[1] : 0;
}

/* A message with attachments: content blocks, the files first (an
 * "image" or a "document" with a base64 source), then the text. */
static json_t *content_blocks_new(const struct prov_msg *msg)
{
	json_t *blocks = json_array(), *b, *src;

	for (size_t i = 0; i < msg->nparts; i++) {
		const struct prov_part *a = &msg->parts[i];
		b = json_object();
		src = json_object();
		json_object_set_new(b, "type", json_string(a->kind == PROV_PART_PDF ? "document" :
							   "image"));
		json_object_set_new(src, "type", json_string("base64"));
		json_object_set_new(src, "media_type", json_string(a->mime_type));
		json_object_set_new(src, "data", json_string(a->base64));
		json_object_set_new(b, "source", src);
		json_array_append_new(blocks, b);
	}
	json_array_append_new(blocks, prov_text_part_new(msg->text));
	return blocks;
}

/* the decoder's private state */
struct anthropic_state {
	long cache_write;	/* cache_creation_input_tokens */
};

static json_t *anthropic_build_body(const struct prov_req *req, const struct prov_info *info)
{
	json_t *body = json_object(), *msgs = json_array();
	int ver = anthropic_version(req->model);
	(void)info;
	int adaptive = ver >= 406;		/* budget deprecated, then refused */
	/* the model thinks when asked to, and from Claude 5 on unasked */
	int thinks = req->reasoning_effort || ver >= 500;
	long max = req->max_tokens;
	size_t i;

	json_object_set_new(body, "model", prov_json_str(req->model));
	if (req->system)
		json_object_set_new(body, "system", prov_json_str(req->system));
	for (i = 0; i < req->nmsgs; i++) {
		json_t *m = json_object();
		json_object_set_new(m, "role", json_string(req->msgs[i].role));
		json_object_set_new(m, "content", req->msgs[i].nparts ?
				    content_blocks_new(&req->msgs[i]) :
				    prov_json_str(req->msgs[i].text ?
						  req->msgs[i].text : ""));
		json_array_append_new(msgs, m);
	}
	json_object_set_new(body, "messages", msgs);
	if (req->reasoning_effort && !adaptive) {
		long budget = thinking_budget(req->reasoning_effort);
		json_t *t = json_object();
		json_object_set_new(t, "type", json_string("enabled"));
		json_object_set_new(t, "budget_tokens", json_integer(budget));
		json_object_set_new(body, "thinking", t);
		if (max <= 0)
			max = PROV_ANTHROPIC_DEFAULT_MAX_TOKENS;
		/* budget_tokens must be below max_tokens. */
		if (max <= budget)
			max = budget + PROV_ANTHROPIC_DEFAULT_MAX_TOKENS;
	} else if (thinks && (req->reasoning_effort || req->reasoning_text)) {
		json_t *t = json_object();
		json_object_set_new(t, "type", json_string("adaptive"));
		json_object_set_new(t, "display", json_string("summarized"));
		json_object_set_new(body, "thinking", t);
		if (req->reasoning_effort) {
			json_t *oc = json_object();
			json_object_set_new(oc, "effort", json_string(req->reasoning_effort));
			json_object_set_new(body, "output_config", oc);
		}
	} else if (req->has_temperature && !thinks) {
		/* never while thinking: the API refuses the two together */
		json_object_set_new(body, "temperature",
				    json_real(req->temperature));
	}
	if (max <= 0)
		max = thinks ? PROV_ANTHROPIC_THINKING_MAX_TOKENS
			     : PROV_ANTHROPIC_DEFAULT_MAX_TOKENS;
	json_object_set_new(body, "max_tokens", json_integer(max));
	if (req->options)	/* -o: top level (stop as stop_sequences) */
		json_object_update(body, (json_t *)req->options);
	if (req->stream)
		json_object_set_new(body, "stream", json_true());
	return body;
}

/* input_tokens leaves out the cached part; prompt_tokens counts it (see
 * provider.h). message_start carries the input side; message_delta the
 * final output_tokens, and newer streams repeat the input side there. */
static void anthropic_usage(struct prov_decoder *d, const json_t *u)
{
	struct anthropic_state *st = d->state;
	long in = prov_json_long(u, "input_tokens", -1);
	long out = prov_json_long(u, "output_tokens", -1);

	if (in >= 0) {
		/* the cache counts when given: a message_delta that repeats
		 * input_tokens may give them as null (the API allows it) */
		d->res.cached_tokens = prov_json_long(u, "cache_read_input_tokens",
						      d->res.cached_tokens);
		st->cache_write = prov_json_long(u, "cache_creation_input_tokens",
						st->cache_write);
		d->res.prompt_tokens = in + d->res.cached_tokens + st->cache_write;
	}
	if (out >= 0)
		d->res.completion_tokens = out;
	d->res.have_usage = 1;
}

static void anthropic_model(struct prov_decoder *d, const json_t *msg)
{
	json_t *m = json_object_get(msg, "model");
	if (json_is_string(m))
		prov_set_str(&d->res.model, json_string_value(m));
}

static void anthropic_stop(struct prov_decoder *d, const json_t *obj)
{
	json_t *s = json_object_get(obj, "stop_reason");
	if (json_is_string(s) && *json_string_value(s))
		prov_set_str(&d->res.finish_reason, json_string_value(s));
}

/* A content block (content_block_start, or an element of a response's
 * content): text and thinking carry text; tool_use, redacted_thinking
 * and others are not text. */
static int anthropic_block(struct prov_decoder *d, const json_t *b)
{
	json_t *t = json_object_get(b, "type");
	const char *type = json_is_string(t) ? json_string_value(t) : "";
	json_t *v;

	if (!strcmp(type, "text")) {
		v = json_object_get(b, "text");
		if (json_is_string(v))
			return prov_emit_text(d, json_string_value(v),
					      json_string_length(v));
	} else if (!strcmp(type, "thinking")) {
		v = json_object_get(b, "thinking");
		if (json_is_string(v))
			return prov_emit_reasoning(d, json_string_value(v),
						   json_string_length(v));
	}
	return 0;
}

static int anthropic_decode_event(struct prov_decoder *d, const char *type,
				  const json_t *root)
{
	json_t *o, *v;

	if (!strcmp(type, "content_block_delta")) {
		const char *dt;
		o = json_object_get(root, "delta");
		v = json_object_get(o, "type");
		if (!json_is_string(v))
			return PROV_EMALFORMED;
		dt = json_string_value(v);
		if (!strcmp(dt, "text_delta")) {
			v = json_object_get(o, "text");
			if (!json_is_string(v))
				return PROV_EMALFORMED;
			return prov_emit_text(d, json_string_value(v),
					      json_string_length(v));
		}
		if (!strcmp(dt, "thinking_delta")) {
			v = json_object_get(o, "thinking");
			if (!json_is_string(v))
				return PROV_EMALFORMED;
			return prov_emit_reasoning(d, json_string_value(v),
						   json_string_length(v));
		}
		return 0;	/* signature_delta, input_json_delta, ... */
	}
	if (!strcmp(type, "message_start")) {
		o = json_object_get(root, "message");
		if (!json_is_object(o))
			return PROV_EMALFORMED;
		anthropic_model(d, o);
		v = json_object_get(o, "usage");
		if (json_is_object(v))
			anthropic_usage(d, v);
		return 0;
	}
	if (!strcmp(type, "content_block_start")) {
		o = json_object_get(root, "content_block");
		if (!json_is_object(o))
			return PROV_EMALFORMED;
		return anthropic_block(d, o);
	}
	if (!strcmp(type, "message_delta")) {
		anthropic_stop(d, json_object_get(root, "delta"));
		v = json_object_get(root, "usage");
		if (json_is_object(v))
			anthropic_usage(d, v);
		return 0;
	}
	if (!strcmp(type, "message_stop")) {
		d->res.done = 1;
		return 0;
	}
	if (!strcmp(type, "error"))
		return prov_set_error(d, root);
	return 0;	/* ping, content_block_stop, and types yet to come */
}

static int anthropic_decode_response(struct prov_decoder *d, const json_t *root)
{
	json_t *content, *b, *v;
	size_t i;
	int rc;

	if (!json_is_object(root))
		return PROV_EMALFORMED;
	v = json_object_get(root, "type");
	if (json_is_string(v) && !strcmp(json_string_value(v), "error"))
		return prov_set_error(d, root);
	content = json_object_get(root, "content");
	if (!json_is_array(content))
		return PROV_EMALFORMED;
	anthropic_model(d, root);
	json_array_foreach(content, i, b) {
		if ((rc = anthropic_block(d, b)))
			return rc;
	}
	anthropic_stop(d, root);
	v = json_object_get(root, "usage");
	if (json_is_object(v))
		anthropic_usage(d, v);
	return 0;
}

static void anthropic_build_url(struct strbuf *sb, const char *model, int stream)
{
	(void)model, (void)stream;
	sb_adds(sb, "/messages");
}

static size_t anthropic_build_headers(const char *api_key, char *out[])
{
	size_t n = 0;

	if (api_key)
		out[n++] = xasprintf("x-api-key: %s", api_key);
	out[n++] = xstrdup("anthropic-version: 2023-06-01");
	return n;
}

/* from Claude 4.7 on the API refuses any temperature */
static int anthropic_takes_temperature(const struct prov_info *info, const char *model,
				       int reasoning_model)
{
	(void)info, (void)reasoning_model;
	return anthropic_version(model) < 407;
}

static const char *const anthropic_secrets[] = { "x-api-key", NULL };

const struct prov_ops prov_anthropic_ops = {
	.api = PROV_ANTHROPIC,
	.name = "anthropic",
	.build_body = anthropic_build_body,
	.build_url = anthropic_build_url,
	.build_headers = anthropic_build_headers,
	.secret_headers = anthropic_secrets,
	.decode_event = anthropic_decode_event,
	.decode_body = anthropic_decode_response,
	.takes_temperature = anthropic_takes_temperature,
	.state_size = sizeof(struct anthropic_state),
};

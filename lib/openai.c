/* openai.c: OpenAI Chat Completions wire format (also OpenRouter, Azure
 * OpenAI, DeepSeek and other compatible servers). See provider.h. */
#define _GNU_SOURCE	/* memmem */
#include <string.h>

#include "buf.h"
#include "provider.h"

static json_t *msg_new(const char *role, const char *text)
{
	json_t *m = json_object();
	json_object_set_new(m, "role", json_string(role));
	json_object_set_new(m, "content", prov_json_str(text ? text : ""));
	return m;
}

/* A message with attachments: content is an array of parts, the files
 * first ("image_url" with a data: URL, a PDF as "file" with "file_data"),
 * then the text. */
static json_t *content_parts_new(const struct prov_msg *msg)
{
	json_t *parts = json_array(), *p, *o;

	for (size_t i = 0; i < msg->nparts; i++) {
		const struct prov_part *a = &msg->parts[i];
		struct strbuf url = STRBUF_INIT;
		sb_addf(&url, "data:%s;base64,", a->mime_type);
		sb_adds(&url, a->base64);
		p = json_object();
		o = json_object();
		if (a->kind == PROV_PART_PDF) {
			json_object_set_new(p, "type", json_string("file"));
			json_object_set_new(o, "filename", prov_json_str(*a->name ? a->name : "file.pdf"));
			json_object_set_new(o, "file_data", json_stringn(url.buf, url.len));
			json_object_set_new(p, "file", o);
		} else {
			json_object_set_new(p, "type", json_string("image_url"));
			json_object_set_new(o, "url", json_stringn(url.buf, url.len));
			json_object_set_new(p, "image_url", o);
		}
		sb_release(&url);
		json_array_append_new(parts, p);
	}
	json_array_append_new(parts, prov_text_part_new(msg->text));
	return parts;
}

/* the decoder's private state */
struct openai_state {
	int think;		/* where a leading <think> block stands */
	struct strbuf held;	/* text not yet passed on, as it may be part
				   of a <think> or </think> tag */
};

static int openai_flush(struct prov_decoder *d);

static json_t *openai_build_body(const struct prov_req *req, const struct prov_info *info)
{
	json_t *body = json_object(), *msgs = json_array();
	size_t i;

	json_object_set_new(body, "model", prov_json_str(req->model));
	if (req->system)
		json_array_append_new(msgs, msg_new("system", req->system));
	for (i = 0; i < req->nmsgs; i++) {
		json_t *m = msg_new(req->msgs[i].role, req->msgs[i].text);
		if (req->msgs[i].nparts)
			json_object_set_new(m, "content", content_parts_new(&req->msgs[i]));
		json_array_append_new(msgs, m);
	}
	json_object_set_new(body, "messages", msgs);
	if (req->has_temperature)
		json_object_set_new(body, "temperature",
				    json_real(req->temperature));
	/* see provider.h: the same bound under two names */
	if (req->max_tokens > 0)
		json_object_set_new(body, info->quirks & PROV_Q_MAX_COMPLETION_TOKENS ?
				    "max_completion_tokens" : "max_tokens",
				    json_integer(req->max_tokens));
	if (req->reasoning_effort)
		json_object_set_new(body, "reasoning_effort",
				    json_string(req->reasoning_effort));
	if (req->options)	/* -o: top level */
		json_object_update(body, (json_t *)req->options);
	if (req->stream) {
		json_object_set_new(body, "stream", json_true());
		if (!(info->quirks & PROV_Q_NO_STREAM_OPTIONS)) {
			json_t *so = json_object();
			json_object_set_new(so, "include_usage", json_true());
			json_object_set_new(body, "stream_options", so);
		}
	}
	return body;
}

static void openai_usage(struct prov_decoder *d, const json_t *u)
{
	json_t *pd = json_object_get(u, "prompt_tokens_details");
	json_t *cd = json_object_get(u, "completion_tokens_details");
	long total = prov_json_long(u, "total_tokens", -1);

	d->res.prompt_tokens = prov_json_long(u, "prompt_tokens", 0);
	d->res.completion_tokens = prov_json_long(u, "completion_tokens", 0);
	d->res.reasoning_tokens = prov_json_long(cd, "reasoning_tokens", 0);
	/* xAI counts reasoning apart from completion_tokens (its total is
	 * prompt + completion + reasoning); everyone else within them, so a
	 * total that says so is the only sign */
	if (d->res.reasoning_tokens > 0 && total == d->res.prompt_tokens +
	    d->res.completion_tokens + d->res.reasoning_tokens)
		d->res.completion_tokens += d->res.reasoning_tokens;
	/* DeepSeek reports prompt_cache_hit_tokens instead. */
	d->res.cached_tokens = prov_json_long(pd, "cached_tokens",
		prov_json_long(u, "prompt_cache_hit_tokens", 0));
	d->res.have_usage = 1;
}

/* A part's "text", if it has one, to emit. */
static int emit_part(struct prov_decoder *d, const json_t *part,
		     int (*emit)(struct prov_decoder *, const char *, size_t))
{
	json_t *t = json_object_get(part, "text");
	return json_is_string(t) ? emit(d, json_string_value(t), json_string_length(t)) : 0;
}

/* Some servers put the model's reasoning at the start of the content as
 * <think>...</think>: Groq's qwen3 by default, vLLM without a reasoning
 * parser, llama.cpp with --reasoning-format none. It is passed on as
 * reasoning: only a block at the very start of the answer, however the
 * deltas cut the tags. */
enum { THINK_UNDECIDED, THINK_INSIDE, THINK_AFTER, THINK_TEXT };
static const char think_open[] = "<think>", think_close[] = "</think>";
#define OPEN_LEN (sizeof think_open - 1)
#define CLOSE_LEN (sizeof think_close - 1)

/* The length of the longest end of s[0..n) that begins a tag. */
static size_t tag_start_at_end(const char *s, size_t n, const char *tag, size_t tn)
{
	for (size_t k = n < tn - 1 ? n : tn - 1; k > 0; k--)
		if (!memcmp(s + n - k, tag, k))
			return k;
	return 0;
}

static int openai_text(struct prov_decoder *d, const char *s, size_t n)
{
	struct openai_state *st = d->state;
	const char *p;
	size_t k;
	int rc;

	if (!n)
		return 0;
	switch (st->think) {
	case THINK_TEXT:
		return prov_emit_text(d, s, n);
	case THINK_UNDECIDED:
		sb_add(&st->held, s, n);
		k = st->held.len < OPEN_LEN ? st->held.len : OPEN_LEN;
		if (memcmp(st->held.buf, think_open, k)) {
			st->think = THINK_TEXT;
			return openai_flush(d);
		}
		if (k < OPEN_LEN)
			return 0;	/* may still become the tag */
		st->think = THINK_INSIDE;
		sb_consume(&st->held, OPEN_LEN);
		break;
	case THINK_INSIDE:
		sb_add(&st->held, s, n);
		break;
	case THINK_AFTER:	/* the blank lines after </think> are the tag's */
		while (n && (*s == '\n' || *s == '\r'))
			s++, n--;
		if (!n)
			return 0;
		st->think = THINK_TEXT;
		return prov_emit_text(d, s, n);
	}
	/* inside the block: reasoning up to </think>, keeping back an end
	 * that may begin it */
	p = memmem(st->held.buf, st->held.len, think_close, CLOSE_LEN);
	if (p) {
		const char *rest = p + CLOSE_LEN;
		/* what follows goes straight to the sink (THINK_AFTER does
		 * not touch held), so held is emptied only after it */
		st->think = THINK_AFTER;
		rc = prov_emit_reasoning(d, st->held.buf, (size_t)(p - st->held.buf));
		if (!rc)
			rc = openai_text(d, rest, (size_t)(st->held.buf + st->held.len - rest));
		sb_reset(&st->held);
		return rc;
	}
	k = tag_start_at_end(st->held.buf, st->held.len, think_close, CLOSE_LEN);
	rc = prov_emit_reasoning(d, st->held.buf, st->held.len - k);
	sb_consume(&st->held, st->held.len - k);
	return rc;
}

static int openai_flush(struct prov_decoder *d)
{
	struct openai_state *st = d->state;
	int rc = 0;

	if (st->held.len)
		rc = st->think == THINK_INSIDE ? prov_emit_reasoning(d, st->held.buf, st->held.len)
					      : prov_emit_text(d, st->held.buf, st->held.len);
	sb_reset(&st->held);
	return rc;
}

/* content is a string, or (some compatible servers) an array of parts:
 * {"type":"text","text":...}, and Mistral's reasoning models'
 * {"type":"thinking","thinking":[{"type":"text","text":...}]}. */
static int openai_content(struct prov_decoder *d, const json_t *c)
{
	size_t i, k;
	json_t *part, *sub;
	int rc = 0;

	if (json_is_string(c))
		return openai_text(d, json_string_value(c), json_string_length(c));
	if (json_is_null(c) || !c)
		return 0;
	if (!json_is_array(c))
		return PROV_EMALFORMED;
	json_array_foreach(c, i, part) {
		const char *type = json_string_value(json_object_get(part, "type"));
		if (type && !strcmp(type, "thinking")) {
			json_array_foreach(json_object_get(part, "thinking"), k, sub)
				if ((rc = emit_part(d, sub, prov_emit_reasoning)))
					return rc;
		} else if ((rc = emit_part(d, part, prov_emit_text))) {
			return rc;
		}
	}
	return 0;
}

/* Reasoning text: reasoning_content (DeepSeek, vLLM) or reasoning
 * (OpenRouter). OpenAI itself does not return it. */
static int openai_reasoning(struct prov_decoder *d, const json_t *m)
{
	json_t *r = json_object_get(m, "reasoning_content");

	if (!json_is_string(r))
		r = json_object_get(m, "reasoning");
	if (!json_is_string(r))
		return 0;
	return prov_emit_reasoning(d, json_string_value(r),
				   json_string_length(r));
}

static int openai_common(struct prov_decoder *d, const json_t *root,
			 const char *msgkey)
{
	json_t *err = json_object_get(root, "error");
	json_t *choices, *c0, *m, *u, *fr;
	int rc;

	/* OpenRouter (and OpenAI) report mid-stream failures as a chunk
	 * with a top-level error object (or string). */
	if (json_is_object(err) || json_is_string(err))
		return prov_set_error(d, root);
	m = json_object_get(root, "model");
	if (json_is_string(m))
		prov_set_str(&d->res.model, json_string_value(m));

	choices = json_object_get(root, "choices");
	if (choices && !json_is_array(choices) && !json_is_null(choices))
		return PROV_EMALFORMED;
	c0 = json_array_get(choices, 0);
	if (c0) {
		if (!json_is_object(c0))
			return PROV_EMALFORMED;
		/* OpenRouter can also put the error inside the choice, with
		 * finish_reason "error" */
		err = json_object_get(c0, "error");
		if (json_is_object(err) || json_is_string(err))
			return prov_set_error(d, c0);
		m = json_object_get(c0, msgkey);
		if (m && !json_is_object(m) && !json_is_null(m))
			return PROV_EMALFORMED;
		if (json_is_object(m)) {
			if ((rc = openai_reasoning(d, m)))
				return rc;
			if ((rc = openai_content(d, json_object_get(m, "content"))))
				return rc;
		}
		/* OpenRouter's usage chunk repeats choices with a null
		 * finish_reason: never let it erase the real one. */
		fr = json_object_get(c0, "finish_reason");
		if (json_is_string(fr) && *json_string_value(fr)) {
			if ((rc = openai_flush(d)))
				return rc;
			prov_set_str(&d->res.finish_reason, json_string_value(fr));
			/* a finish reason ends the answer: [DONE] only closes
			 * the stream, and some servers (llama.cpp before
			 * 2024-09, llama-box) never send it */
			d->res.done = 1;
		}
	}
	u = json_object_get(root, "usage");
	/* Groq, without stream_options, reports it in its own object of
	 * the last chunk: {"x_groq":{"usage":{...}}}, same field names */
	if (!json_is_object(u))
		u = json_object_get(json_object_get(root, "x_groq"), "usage");
	if (json_is_object(u))
		openai_usage(d, u);
	return 0;
}

static int openai_decode_chunk(struct prov_decoder *d, const char *type, const json_t *root)
{
	(void)type;
	return openai_common(d, root, "delta");
}

static int openai_decode_response(struct prov_decoder *d, const json_t *root)
{
	int rc;

	if (!json_is_object(root))
		return PROV_EMALFORMED;
	rc = openai_common(d, root, "message");

	if (!rc)
		rc = openai_flush(d);
	if (!rc && !json_is_array(json_object_get(root, "choices")))
		return PROV_EMALFORMED;
	return rc;
}

static void openai_build_url(struct strbuf *sb, const char *model, int stream)
{
	(void)model, (void)stream;
	sb_adds(sb, "/chat/completions");
}

static size_t openai_build_headers(const char *api_key, char *out[])
{
	size_t n = 0;

	if (api_key)
		out[n++] = xasprintf("Authorization: Bearer %s", api_key);
	return n;
}

/* o-series and gpt-5 refuse any temperature but the default */
static int openai_takes_temperature(const struct prov_info *info, const char *model,
				    int reasoning_model)
{
	(void)model;
	return !(reasoning_model && (info->quirks & PROV_Q_REASONING_NO_TEMP));
}

static void openai_state_init(void *state)
{
	struct openai_state *st = state;
	sb_init(&st->held, 0);
}

static void openai_state_release(void *state)
{
	struct openai_state *st = state;
	sb_release(&st->held);
}

static const char *const openai_secrets[] = { "authorization", NULL };

const struct prov_ops prov_openai_ops = {
	.api = PROV_OPENAI,
	.name = "openai",
	.build_body = openai_build_body,
	.build_url = openai_build_url,
	.build_headers = openai_build_headers,
	.secret_headers = openai_secrets,
	.done_marker = "[DONE]",
	.decode_event = openai_decode_chunk,
	.decode_body = openai_decode_response,
	.end = openai_flush,
	.takes_temperature = openai_takes_temperature,
	.state_size = sizeof(struct openai_state),
	.state_init = openai_state_init,
	.state_release = openai_state_release,
};

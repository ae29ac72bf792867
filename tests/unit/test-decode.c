/* test-decode.c: the provider adapters on recorded streams and bodies,
 * error bodies, request bodies and URLs. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "provider.h"
#include "sse.h"
#include "tap.h"

static const char *fixdir;

static char *slurp(const char *name, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	char tmp[65536], *path = xasprintf("%s/%s", fixdir, name);
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f) {
		diag("cannot read '%s'", path);
		free(path);
		*len = 0;
		return NULL;
	}
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		sb_add(&sb, tmp, n);
	fclose(f);
	free(path);
	return sb_detach(&sb, len);
}

static uint64_t fnv1a(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* ---- a sink that records ---- */

struct cap {
	struct strbuf text, reas;
	int ntext, nreas;
	int stop_rc;		/* return this from the first text call */
};

static int cap_text(void *ctx, const char *s, size_t n)
{
	struct cap *c = ctx;
	c->ntext++;
	sb_add(&c->text, s, n);
	return c->stop_rc;
}

static int cap_reas(void *ctx, const char *s, size_t n)
{
	struct cap *c = ctx;
	c->nreas++;
	sb_add(&c->reas, s, n);
	return 0;
}

struct run {
	struct prov_decoder d;
	struct cap cap;
	int rc;
	int events;
};

static int on_event(void *ctx, const struct sse_event *ev)
{
	struct run *r = ctx;
	r->events++;
	return prov_decode_event(&r->d, ev);
}

static void run_init(struct run *r, enum prov_api api)
{
	struct prov_sink sink = { cap_text, cap_reas, NULL };

	memset(r, 0, sizeof(*r));
	sb_init(&r->cap.text, 0);
	sb_init(&r->cap.reas, 0);
	sink.ctx = &r->cap;
	prov_decoder_init(&r->d, api, &sink);
}

static void run_release(struct run *r)
{
	prov_decoder_release(&r->d);
	sb_release(&r->cap.text);
	sb_release(&r->cap.reas);
}

/* Feed a stream through the SSE parser into the decoder, in 7-byte
 * pieces so event boundaries never line up with feeds. */
static void run_stream(struct run *r, const char *s, size_t n)
{
	struct sse_parser p;
	size_t off;

	sse_init(&p, 0, on_event, r);
	for (off = 0; off < n && !r->rc; off += 7)
		r->rc = sse_feed(&p, s + off, n - off < 7 ? n - off : 7);
	sse_finish(&p);
	sse_release(&p);
}

/* ---- expectations ---- */

struct want {
	const char *file;
	enum prov_api api;
	int rc;
	const char *text;	/* exact, or NULL to check len + hash */
	size_t text_len;
	uint64_t text_fnv;
	size_t reas_len;
	uint64_t reas_fnv;
	long prompt, completion, reasoning, cached;
	int have_usage;
	const char *finish;
	int done;
	const char *model;
	const char *error;
};

static void check_run(struct run *r, const struct want *w, const char *how)
{
	const char *f = w->file;
	struct prov_result *res = &r->d.res;

	is_int(r->rc, w->rc, "%s %s: return code", f, how);
	if (w->text)
		is_str(r->cap.text.buf, w->text, "%s %s: text", f, how);
	else
		ok(r->cap.text.len == w->text_len &&
		   fnv1a(r->cap.text.buf, r->cap.text.len) == w->text_fnv,
		   "%s %s: text (%zu bytes, hash)", f, how, w->text_len);
	ok(r->cap.reas.len == w->reas_len &&
	   fnv1a(r->cap.reas.buf, r->cap.reas.len) == w->reas_fnv,
	   "%s %s: reasoning (%zu bytes, got %zu)", f, how, w->reas_len,
	   r->cap.reas.len);
	ok(res->prompt_tokens == w->prompt &&
	   res->completion_tokens == w->completion &&
	   res->reasoning_tokens == w->reasoning &&
	   res->cached_tokens == w->cached && res->have_usage == w->have_usage,
	   "%s %s: tokens %ld/%ld/%ld/%ld (got %ld/%ld/%ld/%ld)", f, how,
	   w->prompt, w->completion, w->reasoning, w->cached,
	   res->prompt_tokens, res->completion_tokens, res->reasoning_tokens,
	   res->cached_tokens);
	is_str(res->finish_reason, w->finish, "%s %s: finish reason", f, how);
	is_int(res->done, w->done, "%s %s: done", f, how);
	is_str(res->model, w->model, "%s %s: model", f, how);
	is_str(res->error, w->error, "%s %s: error", f, how);
}

#define EMPTY_FNV 0xcbf29ce484222325ULL

static const struct want streams[] = {
	{ "openai/chat-stream-gpt4omini-include-usage.sse", PROV_OPENAI, 0,
	  "The result of \\( 1231 \\times 2331 \\) is \\( 2,869,461 \\).", 0, 0,
	  0, EMPTY_FNV, 87, 26, 0, 0, 1, "stop", 1, "gpt-4o-mini-2024-07-18",
	  NULL },
	{ "openai/chat-stream-tool-calls.sse", PROV_OPENAI, 0, "", 0, 0,
	  0, EMPTY_FNV, 54, 20, 0, 0, 1, "tool_calls", 1,
	  "gpt-4o-mini-2024-07-18", NULL },
	{ "openrouter/chat-stream-gpt4o-usage.sse", PROV_OPENAI, 0,
	  "Pebbles and Skipper.", 0, 0, 0, EMPTY_FNV, 17, 6, 0, 0, 1, "stop", 1,
	  "openai/gpt-4o", NULL },
	{ "openrouter/chat-stream-tool-calls.sse", PROV_OPENAI, 0, "", 0, 0,
	  0, EMPTY_FNV, 48, 11, 0, 0, 1, "tool_calls", 1,
	  "openai/gpt-4.1-mini", NULL },
	{ "openrouter/chat-stream-after-tool-result.sse", PROV_OPENAI, 0,
	  "The current LLM version is 0.0+test.", 0, 0, 0, EMPTY_FNV,
	  73, 14, 0, 0, 1, "stop", 1, "openai/gpt-4.1-mini", NULL },
	{ "anthropic/messages-stream-text.sse", PROV_ANTHROPIC, 0, "Hello", 0, 0,
	  0, EMPTY_FNV, 10, 4, 0, 0, 1, "end_turn", 1,
	  "claude-haiku-4-5-20251001", NULL },
	{ "anthropic/messages-stream-thinking.sse", PROV_ANTHROPIC, 0,
	  "1. **Pouch** - references their iconic bill pouch\n"
	  "2. **Pel\xc3\xa9** - playful take on \"pelican\"", 0, 0,
	  290, 0xb574f8a3860ebd2aULL, 46, 133, 0, 0, 1, "end_turn", 1,
	  "claude-haiku-4-5-20251001", NULL },
	{ "anthropic/messages-stream-tool-use.sse", PROV_ANTHROPIC, 0, "", 0, 0,
	  0, EMPTY_FNV, 543, 40, 0, 0, 1, "tool_use", 1,
	  "claude-haiku-4-5-20251001", NULL },
	{ "anthropic/messages-stream-legacy-claude3.sse", PROV_ANTHROPIC, 0,
	  "1. Pelly\n2. Beaky", 0, 0, 0, EMPTY_FNV, 17, 15, 0, 0, 1, "end_turn",
	  1, "claude-3-opus-20240229", NULL },
	{ "anthropic/stream-error-event-overloaded-fragment.sse", PROV_ANTHROPIC,
	  PROV_EERROR, "", 0, 0, 0, EMPTY_FNV, 0, 0, 0, 0, 0, NULL, 0, NULL,
	  "overloaded_error: Overloaded" },
	{ "gemini/streamGenerateContent-sse-basic.sse", PROV_GEMINI, 0,
	  "The capital of France is Paris.\n", 0, 0, 0, EMPTY_FNV,
	  13, 8, 0, 0, 1, "STOP", 1, "gemini-2.0-flash-exp", NULL },
	{ "gemini/streamGenerateContent-sse-thinking.sse", PROV_GEMINI, 0,
	  NULL, 1938, 0xed375c041a90013cULL, 1575, 0xfcf281262781a381ULL,
	  34, 469 + 787, 787, 0, 1, "STOP", 1, "gemini-2.5-pro", NULL },
	{ "gemini/streamGenerateContent-sse-functioncall.sse", PROV_GEMINI, 0,
	  "", 0, 0, 0, EMPTY_FNV, 29, 10 + 202, 202, 0, 1, "STOP", 1,
	  "gemini-3-pro-preview", NULL },
};

static const struct want bodies[] = {
	{ "openai/chat-nonstream-gpt4omini.json", PROV_OPENAI, 0, "YES", 0, 0,
	  0, EMPTY_FNV, 146, 3, 0, 0, 1, "stop", 1, "gpt-4o-mini-2024-07-18",
	  NULL },
	{ "openai/chat-nonstream-reasoning-gpt5nano.json", PROV_OPENAI, 0,
	  "3\n\nThere are three 'r' letters in \"strawberry\" (positions 3, 8, and 9).",
	  0, 0, 0, EMPTY_FNV, 11, 228, 192, 0, 1, "stop", 1,
	  "gpt-5-nano-2025-08-07", NULL },
	{ "openai/azure-chat-nonstream-reasoning-gpt5nano.json", PROV_OPENAI, 0,
	  "3", 0, 0, 0, EMPTY_FNV, 11, 203, 192, 0, 1, "stop", 1,
	  "gpt-5-nano-2025-08-07", NULL },
	{ "openai/chat-nonstream-tool-calls.json", PROV_OPENAI, 0, "", 0, 0,
	  0, EMPTY_FNV, 92, 17, 0, 0, 1, "tool_calls", 1,
	  "gpt-4o-mini-2024-07-18", NULL },
	{ "openrouter/chat-nonstream-whitespace-padding-byok.json", PROV_OPENAI,
	  0, "The capital of France is Paris.", 0, 0, 0, EMPTY_FNV, 14, 7, 0, 0,
	  1, "stop", 1, "openai/gpt-4o-mini", NULL },
	{ "openrouter/chat-nonstream-whitespace-padding-reasoning.json",
	  PROV_OPENAI, 0, "The capital of France is **Paris**.", 0, 0,
	  7, 0xd9f8cf995aca62a3ULL, 74, 21, 2, 0, 1, "stop", 1,
	  "openai/gpt-oss-120b", NULL },
	{ "anthropic/messages-nonstream-claude3opus.json", PROV_ANTHROPIC, 0,
	  "When Nietzsche famously declared \"God is dead\" in his", 0, 0,
	  0, EMPTY_FNV, 22, 15, 0, 0, 1, "max_tokens", 1,
	  "claude-3-opus-20240229", NULL },
	{ "anthropic/messages-nonstream-thinking.json", PROV_ANTHROPIC, 0,
	  "The letter 'r' appears 3 times in the word \"strawberry\".", 0, 0,
	  429, 0x4ace3b817860c3b6ULL, 52, 215, 0, 0, 1, "end_turn", 1,
	  "claude-3-7-sonnet-20250219", NULL },
	{ "anthropic/messages-nonstream-tool-use.json", PROV_ANTHROPIC, 0,
	  NULL, 455, 0x31237125d09f36aaULL, 0, EMPTY_FNV, 599, 152, 0, 0, 1,
	  "tool_use", 1, "claude-3-opus-20240229", NULL },
	{ "gemini/generateContent-nonstream-thinking.json", PROV_GEMINI, 0,
	  NULL, 3415, 0x43284af9f5471182ULL, 0, EMPTY_FNV, 5, 711 + 1096, 1096,
	  0, 1, "STOP", 1, "gemini-2.5-flash", NULL },
	{ "gemini/generateContent-nonstream-text-short.json", PROV_GEMINI, 0,
	  "OK. I found a reference for \"recurring revenue\". What would you like to know about it? \n",
	  0, 0, 0, EMPTY_FNV, 207, 20, 0, 0, 1, "STOP", 1, "gemini-2.5-pro",
	  NULL },
	{ "gemini/generateContent-nonstream-functioncall.json", PROV_GEMINI, 0,
	  "", 0, 0, 0, EMPTY_FNV, 170, 16 + 132, 132, 0, 1, "STOP", 1,
	  "gemini-2.5-pro", NULL },
	{ "gemini/streamGenerateContent-jsonarray-text.json", PROV_GEMINI, 0,
	  "How about Charles and Sammy?", 0, 0, 0, EMPTY_FNV, 137, 6, 0, 0, 1,
	  "STOP", 1, "gemini-2.5-flash", NULL },
	{ "gemini/streamGenerateContent-jsonarray-thinking.json", PROV_GEMINI, 0,
	  "Scoop", 0, 0, 275, 0x809629092a54add7ULL, 11, 2 + 291, 291, 0, 1,
	  "STOP", 1, "gemini-3.6-flash", NULL },
	{ "gemini/error-429-RESOURCE_EXHAUSTED-simple.json", PROV_GEMINI,
	  PROV_EERROR, "", 0, 0, 0, EMPTY_FNV, 0, 0, 0, 0, 0, NULL, 0, NULL,
	  "RESOURCE_EXHAUSTED: Resource has been exhausted (e.g. check quota)." },
	{ "anthropic/error-529-overloaded_error-2024.json", PROV_ANTHROPIC,
	  PROV_EERROR, "", 0, 0, 0, EMPTY_FNV, 0, 0, 0, 0, 0, NULL, 0, NULL,
	  "overloaded_error: Overloaded" },
	{ "openai/error-429-insufficient_quota.json", PROV_OPENAI,
	  PROV_EERROR, "", 0, 0, 0, EMPTY_FNV, 0, 0, 0, 0, 0, NULL, 0, NULL,
	  "insufficient_quota: You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors." },
};

static void test_streams(void)
{
	size_t i;

	for (i = 0; i < sizeof(streams) / sizeof(*streams); i++) {
		const struct want *w = &streams[i];
		struct run r;
		size_t n;
		char *s = slurp(w->file, &n);

		run_init(&r, w->api);
		run_stream(&r, s ? s : "", n);
		check_run(&r, w, "stream");
		/* The sink sees pieces, never empty ones. */
		ok(r.cap.ntext >= (r.cap.text.len ? 1 : 0) &&
		   (size_t)r.cap.ntext <= r.cap.text.len,
		   "%s: %d non-empty text pieces", w->file, r.cap.ntext);
		run_release(&r);
		free(s);
	}
}

static void test_bodies(void)
{
	size_t i;

	for (i = 0; i < sizeof(bodies) / sizeof(*bodies); i++) {
		const struct want *w = &bodies[i];
		struct run r;
		size_t n;
		char *s = slurp(w->file, &n);

		run_init(&r, w->api);
		r.rc = prov_decode_body(&r.d, s ? s : "", n);
		check_run(&r, w, "body");
		ok(r.cap.ntext == (r.cap.text.len ? 1 : 0) &&
		   r.cap.nreas == (r.cap.reas.len ? 1 : 0),
		   "%s: sink called once per kind", w->file);
		run_release(&r);
		free(s);
	}
}

/* The OpenAI chunk stream recorded as payloads only (framing and [DONE]
 * stripped): frame it again. */
static void test_payload_stream(void)
{
	static const struct want w = {
		"openai/chat-stream-gpt41nano-obfuscation.payloads.ndjson",
		PROV_OPENAI, 0, NULL, 1730, 0xbc17797fcd79871aULL, 0, EMPTY_FNV,
		16, 300, 0, 0, 1, "stop", 1, "gpt-4.1-nano-2025-04-14", NULL
	};
	struct strbuf sse = STRBUF_INIT;
	struct run r;
	size_t n;
	char *s = slurp(w.file, &n), *line, *save = NULL;

	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		sb_addf(&sse, "data: %s\n\n", line);
	sb_adds(&sse, "data: [DONE]\n\n");
	run_init(&r, PROV_OPENAI);
	run_stream(&r, sse.buf, sse.len);
	check_run(&r, &w, "framed");
	run_release(&r);
	sb_release(&sse);
	free(s);
}

/* Mid-stream errors, in the context of a real stream. */
static void test_midstream_errors(void)
{
	struct strbuf sse = STRBUF_INIT;
	struct run r;
	size_t n;
	char *s, *cut;

	/* Anthropic: text, then "event: error" instead of message_delta. */
	s = slurp("anthropic/messages-stream-text.sse", &n);
	cut = strstr(s, "event: message_delta");
	sb_add(&sse, s, cut ? (size_t)(cut - s) : n);
	free(s);
	s = slurp("anthropic/stream-error-event-overloaded-fragment.sse", &n);
	sb_add(&sse, s, n);
	free(s);
	run_init(&r, PROV_ANTHROPIC);
	run_stream(&r, sse.buf, sse.len);
	is_int(r.rc, PROV_EERROR, "anthropic error event mid-stream: PROV_EERROR");
	is_str(r.cap.text.buf, "Hello", "anthropic error mid-stream: text so far kept");
	is_str(r.d.res.error, "overloaded_error: Overloaded",
	       "anthropic error mid-stream: one-line error");
	is_int(r.d.res.done, 0, "anthropic error mid-stream: not done");
	ok(prov_error_is_retryable(PROV_ANTHROPIC, 200, "{\"type\":\"error\",\"error\":"
				   "{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}", 75),
	   "anthropic overloaded error event is retryable");
	run_release(&r);
	sb_reset(&sse);

	/* The recorded payload with request_id, framed as an error event. */
	s = slurp("anthropic/stream-error-event-overloaded.payload.json", &n);
	sb_adds(&sse, "event: error\ndata: ");
	sb_add(&sse, s, n);
	sb_adds(&sse, "\n\n");
	free(s);
	run_init(&r, PROV_ANTHROPIC);
	run_stream(&r, sse.buf, sse.len);
	is_int(r.rc, PROV_EERROR, "anthropic error payload with request_id");
	is_str(r.d.res.error, "overloaded_error: Overloaded",
	       "anthropic error payload: one-line error");
	run_release(&r);
	sb_reset(&sse);

	/* OpenRouter: no recording exists; the shape is the one its docs
	 * give (top-level error, finish_reason "error"). */
	s = slurp("openrouter/chat-stream-gpt4o-usage.sse", &n);
	cut = strstr(s, "\"content\":\" and\"");
	cut = cut ? strstr(cut, "\n\n") + 2 : s + n;
	sb_add(&sse, s, (size_t)(cut - s));
	free(s);
	sb_adds(&sse, "data: {\"id\":\"gen-1\",\"object\":\"chat.completion.chunk\","
		"\"created\":1754441342,\"model\":\"openai/gpt-4o\",\"provider\":\"OpenAI\","
		"\"error\":{\"code\":\"server_error\",\"message\":\"Provider disconnected\\nunexpectedly\"},"
		"\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},\"finish_reason\":\"error\"}]}\n\n");
	run_init(&r, PROV_OPENAI);
	run_stream(&r, sse.buf, sse.len);
	is_int(r.rc, PROV_EERROR, "openrouter error chunk mid-stream: PROV_EERROR");
	is_str(r.cap.text.buf, "Pebbles and", "openrouter error: text so far kept");
	is_str(r.d.res.error, "server_error: Provider disconnected unexpectedly",
	       "openrouter error: one line");
	is_int(r.d.res.done, 0, "openrouter error: not done");
	run_release(&r);

	/* OpenRouter's numeric code. */
	run_init(&r, PROV_OPENAI);
	{
		const char *d = "{\"error\":{\"code\":502,\"message\":\"Upstream error\"}}";
		struct sse_event ev = { "message", 7, d, strlen(d), "", 0 };
		is_int(prov_decode_event(&r.d, &ev), PROV_EERROR,
		       "numeric error code: PROV_EERROR");
		is_str(r.d.res.error, "502: Upstream error", "numeric error code: line");
		ok(prov_error_is_retryable(PROV_OPENAI, 200, d, strlen(d)),
		   "mid-stream 502 is retryable");
	}
	run_release(&r);

	/* A stream cut short: no terminal event, done stays 0. */
	s = slurp("openai/chat-stream-gpt4omini-include-usage.sse", &n);
	run_init(&r, PROV_OPENAI);
	run_stream(&r, s, n / 2);
	is_int(r.rc, 0, "cut stream: no error from the decoder");
	is_int(r.d.res.done, 0, "cut stream: done is 0");
	is_int(r.d.res.have_usage, 0, "cut stream: no usage");
	run_release(&r);
	free(s);
	sb_release(&sse);
}

static int decode_one(enum prov_api api, const char *type, const char *data)
{
	struct run r;
	struct sse_event ev = { type, strlen(type), data, strlen(data), "", 0 };
	int rc;

	run_init(&r, api);
	rc = prov_decode_event(&r.d, &ev);
	run_release(&r);
	return rc;
}

static void test_malformed(void)
{
	is_int(decode_one(PROV_OPENAI, "message", "not json"), PROV_EMALFORMED,
	       "openai: data not JSON");
	is_int(decode_one(PROV_OPENAI, "message", ""), 0,
	       "openai: empty data ignored");
	is_int(decode_one(PROV_OPENAI, "message", "[1,2]"), PROV_EMALFORMED,
	       "openai: data not an object");
	is_int(decode_one(PROV_OPENAI, "message", "{\"choices\":5}"),
	       PROV_EMALFORMED, "openai: choices not an array");
	is_int(decode_one(PROV_OPENAI, "message", "{\"choices\":[{\"delta\":{\"content\":5}}]}"),
	       PROV_EMALFORMED, "openai: content a number");
	is_int(decode_one(PROV_OPENAI, "message", "{\"choices\":[]}"), 0,
	       "openai: empty choices fine");
	is_int(decode_one(PROV_OPENAI, "message", "{\"choices\":[{\"delta\":"
			  "{\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}}]}"), 0,
	       "openai: content as an array of parts");
	{
		/* Mistral's reasoning models: thinking parts, then text */
		struct run r;
		const char *d1 = "{\"choices\":[{\"delta\":{\"content\":[{\"type\":\"thinking\","
				 "\"thinking\":[{\"type\":\"text\",\"text\":\"Hmm, \"},"
				 "{\"type\":\"text\",\"text\":\"two.\"}]}]}}]}";
		const char *d2 = "{\"choices\":[{\"delta\":{\"content\":[{\"type\":\"text\","
				 "\"text\":\"2\"}]},\"finish_reason\":\"stop\"}]}";
		struct sse_event e1 = { "message", 7, d1, strlen(d1), "", 0 };
		struct sse_event e2 = { "message", 7, d2, strlen(d2), "", 0 };
		run_init(&r, PROV_OPENAI);
		is_int(prov_decode_event(&r.d, &e1) || prov_decode_event(&r.d, &e2), 0,
		       "openai: thinking parts decode");
		is_str(r.cap.reas.buf, "Hmm, two.", "openai: thinking parts are reasoning");
		is_str(r.cap.text.buf, "2", "openai: text parts are the answer");
		run_release(&r);
	}
	is_int(decode_one(PROV_ANTHROPIC, "content_block_delta",
			  "{\"type\":\"content_block_delta\",\"index\":0}"),
	       PROV_EMALFORMED, "anthropic: delta missing");
	is_int(decode_one(PROV_ANTHROPIC, "message_start",
			  "{\"type\":\"message_start\"}"),
	       PROV_EMALFORMED, "anthropic: message missing");
	is_int(decode_one(PROV_ANTHROPIC, "x", "{\"type\":\"brand_new_event\"}"), 0,
	       "anthropic: unknown event types ignored");
	is_int(decode_one(PROV_ANTHROPIC, "content_block_delta",
			  "{\"delta\":{\"type\":\"text_delta\",\"text\":\"a\"}}"), 0,
	       "anthropic: type from the SSE event name when JSON lacks one");
	is_int(decode_one(PROV_ANTHROPIC, "message", "[DONE]"), PROV_EMALFORMED,
	       "anthropic: [DONE] is not part of the format");
	is_int(decode_one(PROV_GEMINI, "message", "{\"candidates\":{}}"),
	       PROV_EMALFORMED, "gemini: candidates not an array");
	is_int(decode_one(PROV_GEMINI, "message", "{\"candidates\":[{\"content\":{\"parts\":3}}]}"),
	       PROV_EMALFORMED, "gemini: parts not an array");
	{
		struct run r;
		is_int(decode_one(PROV_GEMINI, "message",
				  "{\"promptFeedback\":{\"blockReason\":\"SAFETY\"}}"), 0,
		       "gemini: blocked prompt decodes");
		run_init(&r, PROV_GEMINI);
		prov_decode_body(&r.d, "{\"promptFeedback\":{\"blockReason\":\"SAFETY\"}}", 43);
		is_str(r.d.res.finish_reason, "SAFETY", "gemini: blockReason as finish reason");
		run_release(&r);
		run_init(&r, PROV_OPENAI);
		is_int(prov_decode_body(&r.d, "  \n", 3), PROV_EMALFORMED,
		       "body: whitespace only is malformed");
		is_int(prov_decode_body(&r.d, "{\"id\":1}", 8), PROV_EMALFORMED,
		       "openai body: no choices is malformed");
		run_release(&r);
	}
	{
		/* A sink's non-zero return comes back unchanged. */
		struct run r;
		size_t n;
		char *s = slurp("openai/chat-stream-gpt4omini-include-usage.sse", &n);
		run_init(&r, PROV_OPENAI);
		r.cap.stop_rc = 77;
		run_stream(&r, s, n);
		is_int(r.rc, 77, "sink's non-zero return stops decoding");
		is_int(r.cap.ntext, 1, "and no more text is delivered");
		run_release(&r);
		free(s);
	}
	{
		/* A stream with [DONE] then more events: still decoded. */
		struct run r;
		const char *s = "data: {\"choices\":[{\"delta\":{\"reasoning_content\":\"think\"}}]}\n\n"
			"data: {\"choices\":[{\"delta\":{\"reasoning\":\"ing\",\"content\":\"ok\"},"
			"\"finish_reason\":\"length\"}]}\n\n"
			"data: {\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":9,"
			"\"prompt_cache_hit_tokens\":3,\"completion_tokens_details\":{\"reasoning_tokens\":4}}}\n\n"
			"data: [DONE]\n\n";
		run_init(&r, PROV_OPENAI);
		run_stream(&r, s, strlen(s));
		is_str(r.cap.reas.buf, "thinking", "reasoning_content and reasoning deltas");
		is_str(r.cap.text.buf, "ok", "content beside reasoning");
		ok(r.d.res.prompt_tokens == 5 && r.d.res.completion_tokens == 9 &&
		   r.d.res.reasoning_tokens == 4 && r.d.res.cached_tokens == 3,
		   "usage chunk with DeepSeek's prompt_cache_hit_tokens");
		is_str(r.d.res.finish_reason, "length", "finish reason length");
		is_int(r.d.res.done, 1, "[DONE] sets done");
		run_release(&r);
	}
	{
		/* Groq's usage in x_groq (its documented last chunk); a top-level
		 * null usage does not hide it */
		struct run r;
		const char *s = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},"
			"\"finish_reason\":null}]}\n\n"
			"data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],"
			"\"usage\":null,\"x_groq\":{\"id\":\"req_01\",\"usage\":{\"queue_time\":0.07,"
			"\"prompt_tokens\":23,\"prompt_time\":0.006,\"completion_tokens\":19,"
			"\"total_tokens\":42}}}\n\n"
			"data: [DONE]\n\n";
		run_init(&r, PROV_OPENAI);
		run_stream(&r, s, strlen(s));
		ok(r.d.res.have_usage && r.d.res.prompt_tokens == 23 &&
		   r.d.res.completion_tokens == 19, "groq: usage from x_groq.usage");
		is_str(r.cap.text.buf, "hi", "groq: the text");
		run_release(&r);
	}
	{
		/* Anthropic cache tokens count into prompt_tokens. */
		struct run r;
		const char *s = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":"
			"{\"model\":\"m\",\"usage\":{\"input_tokens\":3,\"cache_read_input_tokens\":100,"
			"\"cache_creation_input_tokens\":20,\"output_tokens\":1}}}\n\n"
			"event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":"
			"{\"stop_reason\":\"max_tokens\"},\"usage\":{\"output_tokens\":50}}\n\n"
			"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
		run_init(&r, PROV_ANTHROPIC);
		run_stream(&r, s, strlen(s));
		ok(r.d.res.prompt_tokens == 123 && r.d.res.cached_tokens == 100 &&
		   r.d.res.completion_tokens == 50,
		   "anthropic: prompt = input + cache read + cache write; output last wins");
		is_str(r.d.res.finish_reason, "max_tokens", "anthropic: max_tokens");
		run_release(&r);
	}
	{
		/* a message_delta repeating input_tokens with null cache counts
		 * keeps those of message_start */
		struct run r;
		const char *s = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":"
			"{\"model\":\"m\",\"usage\":{\"input_tokens\":10,\"cache_read_input_tokens\":1000,"
			"\"cache_creation_input_tokens\":5,\"output_tokens\":1}}}\n\n"
			"event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":"
			"{\"stop_reason\":\"end_turn\"},\"usage\":{\"input_tokens\":10,"
			"\"cache_read_input_tokens\":null,\"cache_creation_input_tokens\":null,"
			"\"output_tokens\":7}}\n\n"
			"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
		run_init(&r, PROV_ANTHROPIC);
		run_stream(&r, s, strlen(s));
		ok(r.d.res.prompt_tokens == 1015 && r.d.res.cached_tokens == 1000 &&
		   r.d.res.completion_tokens == 7,
		   "anthropic: null cache counts in message_delta keep message_start's");
		run_release(&r);
	}
}

/* ---- error bodies ---- */

static void check_line(enum prov_api api, long status, const char *file,
		       const char *want)
{
	size_t n;
	char *s = slurp(file, &n), *line = prov_error_line(api, status, s ? s : "", n);
	is_str(line, want, "error line: %s", file);
	ok(!strchr(line, '\n') && !strchr(line, '\r'), "no line break: %s", file);
	free(line);
	free(s);
}

static void test_error_lines(void)
{
	char *line, big[400];
	size_t n;
	char *s;

	check_line(PROV_ANTHROPIC, 400, "anthropic/error-400-invalid_request_error.json",
		   "HTTP 400 invalid_request_error: messages.0: Input does not match the expected shape.");
	check_line(PROV_ANTHROPIC, 401, "anthropic/error-401-authentication_error.json",
		   "HTTP 401 authentication_error: invalid x-api-key");
	check_line(PROV_ANTHROPIC, 529, "anthropic/error-529-overloaded_error-2024.json",
		   "HTTP 529 overloaded_error: Overloaded");
	check_line(PROV_OPENAI, 404, "openai/azure-error-404-DeploymentNotFound.json",
		   "HTTP 404 DeploymentNotFound: The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.");
	check_line(PROV_OPENAI, 400, "openai/error-400-context_length_exceeded-compact.json",
		   "HTTP 400 context_length_exceeded: This model's maximum context length is 4097 tokens. However, your messages resulted in 4294 tokens. Please reduce the length of the messages.");
	check_line(PROV_OPENAI, 400, "openai/error-400-invalid_image_url.json",
		   "HTTP 400 invalid_image_url: Error while downloading https://source.unsplash.com/8xznAGy4HcY/800x400.");
	check_line(PROV_OPENAI, 400, "openai/error-400-model_not_found-responses.json",
		   "HTTP 400 model_not_found: The requested model 'invalid-model' does not exist.");
	check_line(PROV_OPENAI, 401, "openai/error-401-invalid_api_key-chat-2024.json",
		   "HTTP 401 invalid_api_key: Incorrect API key provided: <not-a-r****key>. You can find your API key at https://platform.openai.com/account/api-keys.");
	check_line(PROV_OPENAI, 401, "openai/error-401-invalid_api_key-responses.json",
		   "HTTP 401 invalid_api_key: Incorrect API key provided: <not-a-r****key>. You can find your API key at https://platform.openai.com/account/api-keys.");
	check_line(PROV_OPENAI, 404, "openai/error-404-model_not_found-deprecated-legacy.json",
		   "HTTP 404 model_not_found: The model `gpt-3.5-turbo-0613` has been deprecated, learn more here: https://platform.openai.com/docs/deprecations");
	check_line(PROV_OPENAI, 429, "openai/error-429-insufficient_quota.json",
		   "HTTP 429 insufficient_quota: You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.");
	check_line(PROV_OPENAI, 429, "openai/error-429-rate_limit_exceeded-rpm.json",
		   "HTTP 429 rate_limit_exceeded: Rate limit reached for gpt-4o-mini in organization org-2UNBOwAjq6LkaA8Fl347aXVc on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in 120ms. Visit https://platform.openai.com/account/rate-limits to learn more.");
	check_line(PROV_OPENAI, 400, "openrouter/error-400-provider-returned-error-byok.json",
		   "HTTP 400: Provider returned error (Google AI Studio: INVALID_ARGUMENT: API key not valid. Please pass a valid API key.)");
	check_line(PROV_GEMINI, 400, "gemini/error-400-API_KEY_INVALID.json",
		   "HTTP 400 INVALID_ARGUMENT: API key not valid. Please pass a valid API key.");
	check_line(PROV_GEMINI, 429, "gemini/error-429-RESOURCE_EXHAUSTED-simple.json",
		   "HTTP 429 RESOURCE_EXHAUSTED: Resource has been exhausted (e.g. check quota).");
	check_line(PROV_GEMINI, 429, "gemini/error-429-RESOURCE_EXHAUSTED-quota-retryinfo.json",
		   "HTTP 429 RESOURCE_EXHAUSTED: You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. To monitor your current usage, head to: https://ai.dev/usage?tab=rate-limit. * Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 2, model: gemini-2.5-pro Please retry in 3.598366221s.");

	/* Gemini sometimes wraps the error in an array. */
	s = slurp("gemini/error-429-RESOURCE_EXHAUSTED-simple.json", &n);
	{
		struct strbuf sb = STRBUF_INIT;
		sb_addc(&sb, '[');
		sb_add(&sb, s, n);
		sb_addc(&sb, ']');
		line = prov_error_line(PROV_GEMINI, 429, sb.buf, sb.len);
		is_str(line, "HTTP 429 RESOURCE_EXHAUSTED: Resource has been exhausted (e.g. check quota).",
		       "error line: gemini body wrapped in an array");
		free(line);
		sb_release(&sb);
	}
	free(s);

	line = prov_error_line(PROV_OPENAI, 502,
		"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
		"<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n", 122);
	is_str(line, "HTTP 502: <html> <head><title>502 Bad Gateway</title></head> <body> "
	       "<center><h1>502 Bad Gateway</h1></center> </body> </html>",
	       "error line: HTML body flattened");
	free(line);
	line = prov_error_line(PROV_OPENAI, 503, "", 0);
	is_str(line, "HTTP 503", "error line: empty body");
	free(line);
	line = prov_error_line(PROV_OPENAI, 503, "\n\n  \t", 5);
	is_str(line, "HTTP 503", "error line: blank body");
	free(line);
	line = prov_error_line(PROV_OPENAI, 0, "", 0);
	is_str(line, "empty error response", "error line: nothing at all");
	free(line);
	line = prov_error_line(PROV_OPENAI, 500, "{\"foo\":1}", 9);
	is_str(line, "HTTP 500: {\"foo\":1}", "error line: JSON without an error");
	free(line);
	line = prov_error_line(PROV_OPENAI, 500, "{\"error\":{\"message\":\"boom\",\"type\":null,\"code\":null}}", 52);
	is_str(line, "HTTP 500: boom", "error line: message without a code");
	free(line);
	line = prov_error_line(PROV_OPENAI, 500, "{\"error\":\"plain\"}", 17);
	is_str(line, "HTTP 500: plain", "error line: error as a string");
	free(line);
	line = prov_error_line(PROV_OPENAI, 403, "{\"error\":{\"code\":403,\"message\":\"Flagged\"}}", 42);
	is_str(line, "HTTP 403: Flagged", "error line: numeric code equal to status left out");
	free(line);
	line = prov_error_line(PROV_OPENAI, -1, "{\"error\":{\"code\":\"x\",\"message\":\"m\"}}", 36);
	is_str(line, "x: m", "error line: no status");
	free(line);

	memset(big, 'a', sizeof(big));
	line = prov_error_line(PROV_OPENAI, 500, big, sizeof(big));
	is_int((long long)strlen(line), 10 + 200, "error line: raw body cut at 200 bytes");
	free(line);
	memcpy(big + 199, "\xc3\xa9", 2);
	line = prov_error_line(PROV_OPENAI, 500, big, sizeof(big));
	is_int((long long)strlen(line), 10 + 199,
	       "error line: cut does not split a UTF-8 sequence");
	free(line);
	memcpy(big, "\x01\x02\x7f", 3);
	line = prov_error_line(PROV_OPENAI, 500, big, 10);
	is_str(line, "HTTP 500: aaaaaaa", "error line: control bytes dropped");
	free(line);
	{
		/* validation errors, FastAPI/pydantic style */
		const char *mistral = "{\"object\":\"error\",\"message\":{\"detail\":[{\"type\":"
			"\"extra_forbidden\",\"loc\":[\"body\",\"stream_options\"],\"msg\":"
			"\"Extra inputs are not permitted\",\"input\":{\"include_usage\":true}}]},"
			"\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}";
		const char *plain = "{\"detail\":[{\"loc\":[\"body\",\"messages\",0,\"role\"],"
			"\"msg\":\"Input should be 'user'\"},{\"loc\":[\"body\",\"model\"],"
			"\"msg\":\"Field required\"}]}";
		line = prov_error_line(PROV_OPENAI, 422, mistral, strlen(mistral));
		is_str(line, "HTTP 422 invalid_request_error: body.stream_options: Extra inputs are not permitted",
		       "error line: Mistral's 422 (the detail inside message)");
		free(line);
		line = prov_error_line(PROV_OPENAI, 422, plain, strlen(plain));
		is_str(line, "HTTP 422: body.messages.0.role: Input should be 'user' (and 1 more)",
		       "error line: a top-level detail array, the first complaint and a count");
		free(line);
	}
}

static int retry_file(enum prov_api api, long status, const char *file)
{
	size_t n;
	char *s = slurp(file, &n);
	int r = prov_error_is_retryable(api, status, s ? s : "", n);
	free(s);
	return r;
}

static void test_retryable(void)
{
	is_int(retry_file(PROV_OPENAI, 429, "openai/error-429-rate_limit_exceeded-rpm.json"), 1,
	       "retryable: openai 429 rate limit");
	is_int(retry_file(PROV_OPENAI, 429, "openai/error-429-insufficient_quota.json"), 0,
	       "not retryable: openai 429 insufficient_quota");
	is_int(retry_file(PROV_ANTHROPIC, 529, "anthropic/error-529-overloaded_error-2024.json"), 1,
	       "retryable: anthropic 529 overloaded");
	is_int(retry_file(PROV_ANTHROPIC, 401, "anthropic/error-401-authentication_error.json"), 0,
	       "not retryable: anthropic 401");
	is_int(retry_file(PROV_ANTHROPIC, 400, "anthropic/error-400-invalid_request_error.json"), 0,
	       "not retryable: anthropic 400");
	is_int(retry_file(PROV_GEMINI, 429, "gemini/error-429-RESOURCE_EXHAUSTED-quota-retryinfo.json"), 1,
	       "retryable: gemini 429 with RetryInfo");
	is_int(retry_file(PROV_GEMINI, 429, "gemini/error-429-RESOURCE_EXHAUSTED-simple.json"), 1,
	       "retryable: gemini 429");
	is_int(retry_file(PROV_GEMINI, 400, "gemini/error-400-API_KEY_INVALID.json"), 0,
	       "not retryable: gemini 400 bad key");
	is_int(retry_file(PROV_OPENAI, 400, "openrouter/error-400-provider-returned-error-byok.json"), 0,
	       "not retryable: openrouter 400");
	is_int(prov_error_is_retryable(PROV_OPENAI, 503, "<html>", 6), 1,
	       "retryable: 503 with HTML");
	is_int(prov_error_is_retryable(PROV_OPENAI, 500, "", 0), 1, "retryable: 500 empty");
	is_int(prov_error_is_retryable(PROV_OPENAI, 408, "", 0), 1, "retryable: 408");
	is_int(prov_error_is_retryable(PROV_OPENAI, 404, "", 0), 0, "not retryable: 404");
	is_int(prov_error_is_retryable(PROV_OPENAI, 402, "{\"error\":{\"code\":402,\"message\":\"Insufficient credits\"}}", 55), 0,
	       "not retryable: openrouter 402");
	is_int(prov_error_is_retryable(PROV_OPENAI, 429,
		"{\"error\":{\"code\":\"insufficient_quota\",\"message\":\"x\"}}", 53), 0,
	       "not retryable: openrouter-style insufficient_quota code");
	is_int(prov_error_is_retryable(PROV_ANTHROPIC, 200,
		"{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"x\"}}", 71), 0,
	       "not retryable: mid-stream invalid_request_error");
	{
		const char *t = "{\"type\":\"error\",\"error\":{\"type\":\"timeout_error\",\"message\":\"x\"}}";
		is_int(prov_error_is_retryable(PROV_ANTHROPIC, 200, t, strlen(t)), 1,
		       "retryable: mid-stream timeout_error (Anthropic's 504 type)");
	}
	{
		/* Gemini: the wait is in the body; a daily quota is not worth one */
		size_t n;
		char *s = slurp("gemini/error-429-RESOURCE_EXHAUSTED-quota-retryinfo.json", &n);
		const char *half = "{\"error\":{\"code\":429,\"status\":\"RESOURCE_EXHAUSTED\","
			"\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\","
			"\"retryDelay\":\"7.5s\"}]}}";
		const char *daily = "{\"error\":{\"code\":429,\"status\":\"RESOURCE_EXHAUSTED\","
			"\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.QuotaFailure\","
			"\"violations\":[{\"quotaId\":\"GenerateRequestsPerDayPerProjectPerModel-FreeTier\"}]}]}}";
		is_int(prov_error_retry_after(PROV_GEMINI, s, n), 3, "gemini RetryInfo retryDelay 3s");
		is_int(prov_error_retry_after(PROV_OPENAI, s, n), -1, "no body delay for other APIs");
		free(s);
		is_int(prov_error_retry_after(PROV_GEMINI, half, strlen(half)), 8,
		       "gemini retryDelay 7.5s: 8, rounded up");
		is_int(prov_error_is_retryable(PROV_GEMINI, 429, daily, strlen(daily)), 0,
		       "not retryable: gemini 429 for a daily quota");
		is_int(prov_error_retry_after(PROV_GEMINI, "{\"error\":{\"code\":429}}", 23), -1,
		       "gemini without RetryInfo: no delay");
	}
}

/* ---- requests ---- */

static const struct prov_msg history[] = {
	{ "user", "Name a pelican." },
	{ "assistant", "Percy." },
	{ "user", "Another, \"quoted\"\n\u00e9." },
};

/* The body built for REQ, compact with sorted keys, is WANT_FMT with its
 * arguments (the messages, mostly, which many cases share). */
__attribute__((format(printf, 4, 5)))
static void check_body(enum prov_api api, const struct prov_req *req,
		       const char *desc, const char *want_fmt, ...)
{
	json_t *body = prov_build_body(api, req);
	char *got = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
	struct strbuf want = STRBUF_INIT;
	va_list ap;

	va_start(ap, want_fmt);
	sb_vaddf(&want, want_fmt, ap);
	va_end(ap);
	is_str(got, want.buf, "body: %s", desc);
	sb_release(&want);
	free(got);
	json_decref(body);
}

static void test_bodies_build(void)
{
	struct prov_req req = {
		.model = "m-1", .system = "Be brief.", .msgs = history, .nmsgs = 3,
		.has_temperature = 1, .temperature = 0.5, .max_tokens = 1000,
		.reasoning_effort = NULL, .stream = 1,
	};
	const char *msgs_oa =
		"[{\"content\":\"Be brief.\",\"role\":\"system\"},"
		"{\"content\":\"Name a pelican.\",\"role\":\"user\"},"
		"{\"content\":\"Percy.\",\"role\":\"assistant\"},"
		"{\"content\":\"Another, \\\"quoted\\\"\\n\u00e9.\",\"role\":\"user\"}]";
	const char *msgs_an =
		"[{\"content\":\"Name a pelican.\",\"role\":\"user\"},"
		"{\"content\":\"Percy.\",\"role\":\"assistant\"},"
		"{\"content\":\"Another, \\\"quoted\\\"\\n\u00e9.\",\"role\":\"user\"}]";
	const char *contents_ge =
		"[{\"parts\":[{\"text\":\"Name a pelican.\"}],\"role\":\"user\"},"
		"{\"parts\":[{\"text\":\"Percy.\"}],\"role\":\"model\"},"
		"{\"parts\":[{\"text\":\"Another, \\\"quoted\\\"\\n\u00e9.\"}],\"role\":\"user\"}]";

	check_body(PROV_OPENAI, &req, "openai stream, system, temperature, max",
		   "{\"max_completion_tokens\":1000,\"messages\":%s,\"model\":\"m-1\","
		   "\"stream\":true,\"stream_options\":{\"include_usage\":true},"
		   "\"temperature\":0.5}", msgs_oa);
	req.provider = "openai";
	check_body(PROV_OPENAI, &req, "provider openai: max_completion_tokens",
		   "{\"max_completion_tokens\":1000,\"messages\":%s,\"model\":\"m-1\","
		   "\"stream\":true,\"stream_options\":{\"include_usage\":true},"
		   "\"temperature\":0.5}", msgs_oa);

	req.provider = "groq";
	check_body(PROV_OPENAI, &req, "another OpenAI-compatible server: max_tokens",
		   "{\"max_tokens\":1000,\"messages\":%s,\"model\":\"m-1\","
		   "\"stream\":true,\"stream_options\":{\"include_usage\":true},"
		   "\"temperature\":0.5}", msgs_oa);
	req.provider = "mistral";
	check_body(PROV_OPENAI, &req, "mistral: max_tokens, no stream_options",
		   "{\"max_tokens\":1000,\"messages\":%s,\"model\":\"m-1\","
		   "\"stream\":true,\"temperature\":0.5}", msgs_oa);
	req.provider = NULL;

	req.reasoning_effort = "high";
	req.stream = 0;
	req.has_temperature = 0;
	req.max_tokens = 0;
	check_body(PROV_OPENAI, &req, "openai reasoning effort, no stream",
		   "{\"messages\":%s,\"model\":\"m-1\",\"reasoning_effort\":\"high\"}", msgs_oa);
	check_body(PROV_ECHO, &req, "echo uses the openai shape",
		   "{\"messages\":%s,\"model\":\"m-1\",\"reasoning_effort\":\"high\"}", msgs_oa);

	req.reasoning_effort = NULL;
	req.has_temperature = 1;
	req.stream = 1;
	check_body(PROV_ANTHROPIC, &req, "anthropic default max_tokens, system, temperature",
		   "{\"max_tokens\":4096,\"messages\":%s,\"model\":\"m-1\","
		   "\"stream\":true,\"system\":\"Be brief.\",\"temperature\":0.5}", msgs_an);

	req.reasoning_effort = "low";
	req.max_tokens = 1000;
	check_body(PROV_ANTHROPIC, &req,
		   "anthropic thinking low: max_tokens raised past budget, no temperature",
		   "{\"max_tokens\":5120,\"messages\":%s,\"model\":\"m-1\","
		   "\"stream\":true,\"system\":\"Be brief.\","
		   "\"thinking\":{\"budget_tokens\":1024,\"type\":\"enabled\"}}", msgs_an);

	req.reasoning_effort = "medium";
	req.max_tokens = 30000;
	req.system = NULL;
	req.stream = 0;
	check_body(PROV_ANTHROPIC, &req, "anthropic thinking medium, no system",
		   "{\"max_tokens\":30000,\"messages\":%s,\"model\":\"m-1\","
		   "\"thinking\":{\"budget_tokens\":4096,\"type\":\"enabled\"}}", msgs_an);

	req.system = "Be brief.";
	req.reasoning_effort = "high";
	req.max_tokens = 2048;
	check_body(PROV_GEMINI, &req,
		   "gemini all options: maxOutputTokens 2048 below the budget gets the budget added",
		   "{\"contents\":%s,\"generationConfig\":{\"maxOutputTokens\":26624,"
		   "\"temperature\":0.5,\"thinkingConfig\":{\"includeThoughts\":true,"
		   "\"thinkingBudget\":24576}},\"systemInstruction\":{\"parts\":"
		   "[{\"text\":\"Be brief.\"}]}}", contents_ge);
	req.max_tokens = 30000;
	check_body(PROV_GEMINI, &req, "gemini: maxOutputTokens above the budget sent as given",
		   "{\"contents\":%s,\"generationConfig\":{\"maxOutputTokens\":30000,"
		   "\"temperature\":0.5,\"thinkingConfig\":{\"includeThoughts\":true,"
		   "\"thinkingBudget\":24576}},\"systemInstruction\":{\"parts\":"
		   "[{\"text\":\"Be brief.\"}]}}", contents_ge);
	req.model = "gemini-3.5-flash";
	req.reasoning_effort = "medium";
	check_body(PROV_GEMINI, &req, "gemini 3: thinkingLevel, no budget",
		   "{\"contents\":%s,\"generationConfig\":{\"maxOutputTokens\":30000,"
		   "\"temperature\":0.5,\"thinkingConfig\":{\"includeThoughts\":true,"
		   "\"thinkingLevel\":\"medium\"}},\"systemInstruction\":{\"parts\":"
		   "[{\"text\":\"Be brief.\"}]}}", contents_ge);
	req.model = "m-1";
	{
		/* an answer that never came: two user messages in a row */
		struct prov_msg two[] = { { "user", "first" }, { "user", "second" },
					  { "assistant", "ok" }, { "user", "third" } };
		struct prov_req r2 = { .model = "gemini-2.5-flash", .msgs = two, .nmsgs = 4 };
		check_body(PROV_GEMINI, &r2,
			   "gemini: messages of one role in a row become parts of one turn",
			   "{\"contents\":[{\"parts\":[{\"text\":\"first\"},{\"text\":\"second\"}],"
			   "\"role\":\"user\"},{\"parts\":[{\"text\":\"ok\"}],\"role\":\"model\"},"
			   "{\"parts\":[{\"text\":\"third\"}],\"role\":\"user\"}]}");
	}

	req.system = NULL;
	req.reasoning_effort = NULL;
	req.has_temperature = 0;
	req.max_tokens = 0;
	check_body(PROV_GEMINI, &req, "gemini bare",
		   "{\"contents\":%s}", contents_ge);

	{
		struct prov_req r3 = { .model = "m", .has_temperature = 1,
				       .temperature = 0.7 };
		json_t *b = prov_build_body(PROV_OPENAI, &r3);
		char *txt = prov_dump_body(b);
		is_str(txt, "{\"model\":\"m\",\"messages\":[],\"temperature\":0.7}",
		       "prov_dump_body: compact, temperature 0.7 as written");
		free(txt);
		json_decref(b);
	}
	{
		/* Bytes that are not UTF-8 are replaced, not lost. */
		struct prov_msg bad[] = { { "user", "a\xff" "b\xc3" } };
		struct prov_req r2 = { .model = "m", .msgs = bad, .nmsgs = 1 };
		check_body(PROV_OPENAI, &r2, "invalid UTF-8 replaced by U+FFFD",
			   "{\"messages\":[{\"content\":\"a\xef\xbf\xbd" "b\xef\xbf\xbd\",\"role\":\"user\"}],"
			   "\"model\":\"m\"}");
	}
}

/* The tables: one per API, looked up by enum; the servers as rows. */
static void test_tables(void)
{
	const struct prov_ops *echo = prov_ops_of(PROV_ECHO);

	ok(prov_ops_of(PROV_OPENAI)->api == PROV_OPENAI &&
	   prov_ops_of(PROV_ANTHROPIC)->api == PROV_ANTHROPIC &&
	   prov_ops_of(PROV_GEMINI)->api == PROV_GEMINI && echo->api == PROV_ECHO &&
	   prov_ops_of((enum prov_api)99) == NULL, "one table per API");
	ok(echo->answer && echo->wire == prov_ops_of(PROV_OPENAI) &&
	   !prov_ops_of(PROV_OPENAI)->answer, "echo answers locally, in OpenAI's wire format");
	ok((prov_info_of("openai")->quirks & PROV_Q_MAX_COMPLETION_TOKENS) &&
	   (prov_info_of(NULL)->quirks & PROV_Q_MAX_COMPLETION_TOKENS) &&
	   (prov_info_of("mistral")->quirks & PROV_Q_NO_STREAM_OPTIONS) &&
	   !prov_info_of("groq")->quirks, "quirks are rows");
	ok(!strcmp(prov_info_of("gemini")->key_env_alt, "GOOGLE_API_KEY") &&
	   !strcmp(prov_info_of("ollama")->base_url, "http://localhost:11434/v1") &&
	   !prov_info_of("my-vllm")->base_url && !prov_info_of("my-vllm")->quirks,
	   "default URLs and key variables are rows; an unknown server has none");
	ok(prov_header_is_secret(PROV_OPENAI, "Authorization: Bearer x") &&
	   prov_header_is_secret(PROV_ECHO, "authorization: x") &&
	   prov_header_is_secret(PROV_ANTHROPIC, "x-api-key: k") &&
	   !prov_header_is_secret(PROV_ANTHROPIC, "anthropic-version: 2023-06-01") &&
	   prov_header_is_secret(PROV_GEMINI, "X-Goog-Api-Key: g") &&
	   !prov_header_is_secret(PROV_GEMINI, "x-goog-api-key-not: g"),
	   "each API names the headers that carry its key");
}

static void test_urls(void)
{
	char *u;
	char *h[PROV_MAX_HEADERS];
	size_t n, i;

	u = prov_build_url(PROV_OPENAI, "https://api.openai.com/v1", "gpt-4o", 1);
	is_str(u, "https://api.openai.com/v1/chat/completions", "url: openai");
	free(u);
	u = prov_build_url(PROV_OPENAI, "https://openrouter.ai/api/v1/", "x/y", 0);
	is_str(u, "https://openrouter.ai/api/v1/chat/completions", "url: trailing slash");
	free(u);
	u = prov_build_url(PROV_ANTHROPIC, "https://api.anthropic.com/v1", "claude", 1);
	is_str(u, "https://api.anthropic.com/v1/messages", "url: anthropic");
	free(u);
	u = prov_build_url(PROV_GEMINI, "https://generativelanguage.googleapis.com/v1beta",
			   "gemini-2.5-flash", 1);
	is_str(u, "https://generativelanguage.googleapis.com/v1beta/models/"
	       "gemini-2.5-flash:streamGenerateContent?alt=sse", "url: gemini stream");
	free(u);
	u = prov_build_url(PROV_GEMINI, "http://127.0.0.1:9/v1beta//",
			   "models/gemini 2/x", 0);
	is_str(u, "http://127.0.0.1:9/v1beta/models/gemini%202%2Fx:generateContent",
	       "url: gemini non-stream, models/ prefix dropped, encoded");
	free(u);

	n = prov_build_headers(PROV_OPENAI, "sk-1", h);
	ok(n == 1 && !strcmp(h[0], "Authorization: Bearer sk-1"), "headers: openai");
	for (i = 0; i < n; i++)
		free(h[i]);
	n = prov_build_headers(PROV_ANTHROPIC, "k", h);
	ok(n == 2 && !strcmp(h[0], "x-api-key: k") &&
	   !strcmp(h[1], "anthropic-version: 2023-06-01"), "headers: anthropic");
	for (i = 0; i < n; i++)
		free(h[i]);
	n = prov_build_headers(PROV_GEMINI, "g", h);
	ok(n == 1 && !strcmp(h[0], "x-goog-api-key: g"), "headers: gemini");
	for (i = 0; i < n; i++)
		free(h[i]);
	n = prov_build_headers(PROV_OPENAI, NULL, h);
	is_int((long long)n, 0, "headers: no key, no header");

	{
		enum prov_api a;
		ok(!prov_api_parse("gemini", &a) && a == PROV_GEMINI &&
		   prov_api_parse("nope", &a) == -1 &&
		   !strcmp(prov_api_name(PROV_ANTHROPIC), "anthropic") &&
		   prov_api_name((enum prov_api)99) == NULL,
		   "api names");
	}
}

/* OpenAI-compatible servers that differ from OpenAI's own stream. */
static void test_openai_variants(void)
{
	struct run r;
	const char *s;

	/* No [DONE] (llama.cpp before 2024-09): the finish reason ends it. */
	s = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},"
	    "\"finish_reason\":null}]}\n\n"
	    "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n";
	run_init(&r, PROV_OPENAI);
	run_stream(&r, s, strlen(s));
	ok(r.rc == 0 && r.d.res.done, "a finish reason without [DONE]: the answer is complete");
	run_release(&r);
	s = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},"
	    "\"finish_reason\":null}]}\n\n";
	run_init(&r, PROV_OPENAI);
	run_stream(&r, s, strlen(s));
	ok(r.rc == 0 && !r.d.res.done, "neither [DONE] nor a finish reason: not complete");
	run_release(&r);

	/* xAI: reasoning outside completion_tokens, which its total shows */
	s = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"4\"},"
	    "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":32,"
	    "\"completion_tokens\":9,\"total_tokens\":376,\"completion_tokens_details\":"
	    "{\"reasoning_tokens\":335}}}\n\ndata: [DONE]\n\n";
	run_init(&r, PROV_OPENAI);
	run_stream(&r, s, strlen(s));
	ok(r.d.res.prompt_tokens == 32 && r.d.res.completion_tokens == 344 &&
	   r.d.res.reasoning_tokens == 335, "xai: reasoning added to completion tokens");
	run_release(&r);
	s = "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":11,"
	    "\"completion_tokens\":228,\"total_tokens\":239,\"completion_tokens_details\":"
	    "{\"reasoning_tokens\":192}}}\n\ndata: [DONE]\n\n";
	run_init(&r, PROV_OPENAI);
	run_stream(&r, s, strlen(s));
	ok(r.d.res.completion_tokens == 228 && r.d.res.reasoning_tokens == 192,
	   "openai: reasoning already within completion tokens, not added again");
	run_release(&r);

	/* A leading <think> block in the content is reasoning, wherever the
	 * deltas cut it: here one delta a byte, and the whole in one. */
	{
		const char *content = "<think>\nWeigh x < y </thin and more.</think>\n\nThe answer: <think> stays.";
		for (int whole = 0; whole < 2; whole++) {
			struct strbuf sse = STRBUF_INIT;
			size_t n = strlen(content);
			size_t step = whole ? n : 1;
			for (size_t i = 0; i < n; i += step) {
				sb_adds(&sse, "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"");
				for (size_t j = i; j < i + step; j++) {
					if (content[j] == '\n')
						sb_adds(&sse, "\\n");
					else
						sb_addc(&sse, content[j]);
				}
				sb_adds(&sse, "\"},\"finish_reason\":null}]}\n\n");
			}
			sb_adds(&sse, "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n");
			run_init(&r, PROV_OPENAI);
			run_stream(&r, sse.buf, sse.len);
			is_str(r.cap.reas.buf, "\nWeigh x < y </thin and more.",
			       "<think> block as reasoning (%s)", whole ? "one delta" : "a byte a delta");
			is_str(r.cap.text.buf, "The answer: <think> stays.",
			       "the answer after it, blank lines dropped, a later <think> kept (%s)",
			       whole ? "one delta" : "a byte a delta");
			run_release(&r);
			sb_release(&sse);
		}
		s = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"<th\"},"
		    "\"finish_reason\":null}]}\n\ndata: {\"choices\":[{\"index\":0,\"delta\":{},"
		    "\"finish_reason\":\"stop\"}]}\n\n";
		run_init(&r, PROV_OPENAI);
		run_stream(&r, s, strlen(s));
		is_str(r.cap.text.buf, "<th", "an answer that only began like <think> is given at the end");
		run_release(&r);
		s = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"<th\"},"
		    "\"finish_reason\":null}]}\n\ndata: [DONE]\n\n";
		run_init(&r, PROV_OPENAI);
		run_stream(&r, s, strlen(s));
		is_str(r.cap.text.buf, "<th", "... at [DONE] too, without a finish reason");
		run_release(&r);
		s = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"<th\"},"
		    "\"finish_reason\":null}]}\n\n";
		run_init(&r, PROV_OPENAI);
		run_stream(&r, s, strlen(s));
		ok(!r.cap.text.len && !r.d.res.done, "a stream cut while undecided: nothing given yet");
		ok(prov_decode_end(&r.d) == 0 && !strcmp(r.cap.text.buf, "<th"),
		   "prov_decode_end gives the held start");
		ok(prov_decode_end(&r.d) == 0 && !strcmp(r.cap.text.buf, "<th"),
		   "... once");
		run_release(&r);
		s = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"<think>hm</th\"},"
		    "\"finish_reason\":null}]}\n\ndata: {\"choices\":[{\"index\":0,\"delta\":{},"
		    "\"finish_reason\":\"length\"}]}\n\n";
		run_init(&r, PROV_OPENAI);
		run_stream(&r, s, strlen(s));
		ok(!strcmp(r.cap.reas.buf, "hm</th") && !r.cap.text.len,
		   "a <think> block never closed: all of it reasoning, the held end too");
		run_release(&r);
		s = "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
		    "\"content\":\"<th\"}}]}";
		run_init(&r, PROV_OPENAI);
		r.rc = prov_decode_body(&r.d, s, strlen(s));
		ok(r.rc == 0 && !strcmp(r.cap.text.buf, "<th"),
		   "--no-stream without a finish reason: the held start given too");
		run_release(&r);
		s = "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
		    "\"<think>hm</think>Yes.\"},\"finish_reason\":\"stop\"}]}";
		run_init(&r, PROV_OPENAI);
		r.rc = prov_decode_body(&r.d, s, strlen(s));
		ok(r.rc == 0 && !strcmp(r.cap.reas.buf, "hm") && !strcmp(r.cap.text.buf, "Yes."),
		   "--no-stream: the <think> block split off too");
		run_release(&r);
	}

	/* OpenRouter: the error inside the choice */
	s = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Pe\"},"
	    "\"finish_reason\":null}]}\n\n"
	    "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},"
	    "\"finish_reason\":\"error\",\"error\":{\"code\":502,"
	    "\"message\":\"Upstream error from Fireworks\"}}]}\n\n";
	run_init(&r, PROV_OPENAI);
	run_stream(&r, s, strlen(s));
	is_int(r.rc, PROV_EERROR, "openrouter: an error inside the choice is an error");
	is_str(r.d.res.error, "502: Upstream error from Fireworks", "openrouter: choice error, one line");
	is_str(r.cap.text.buf, "Pe", "openrouter: the text before it kept");
	run_release(&r);
	{
		/* the retry check reads the error where the decoder found it */
		const char *d = "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},"
				"\"finish_reason\":\"error\",\"error\":{\"code\":502,"
				"\"message\":\"Upstream error from Fireworks\"}}]}";
		char *line = prov_error_line(PROV_OPENAI, 0, d, strlen(d));
		ok(prov_error_is_retryable(PROV_OPENAI, 200, d, strlen(d)),
		   "openrouter: a 502 inside the choice mid-stream is retryable");
		is_str(line, "502: Upstream error from Fireworks",
		       "openrouter: choice error, prov_error_line reads it too");
		free(line);
	}
}

/* Claude's thinking controls by generation, and which models take a
 * temperature (see provider.h). */
static void test_claude_generations(void)
{
	static const struct { const char *model; int v; } vers[] = {
		{ "claude-3-7-sonnet-20250219", 307 }, { "claude-sonnet-4-20250514", 400 },
		{ "claude-opus-4-1-20250805", 401 }, { "claude-haiku-4-5-20251001", 405 },
		{ "claude-opus-4-6", 406 }, { "claude-opus-4-7", 407 },
		{ "claude-sonnet-5", 500 }, { "claude-fable-5-1", 501 }, { "no-number", 0 },
	};
	struct prov_msg one[] = { { "user", "hi" } };
	struct prov_req req = { .model = "claude-sonnet-5", .msgs = one, .nmsgs = 1,
				.stream = 1 };
	const char *m = "\"messages\":[{\"content\":\"hi\",\"role\":\"user\"}]";

	for (size_t i = 0; i < sizeof vers / sizeof vers[0]; i++)
		is_int(anthropic_version(vers[i].model), vers[i].v, "version of %s", vers[i].model);

	check_body(PROV_ANTHROPIC, &req,
		   "claude 5, nothing asked: no thinking field (on by default), room for it",
		   "{\"max_tokens\":32000,%s,\"model\":\"claude-sonnet-5\","
		   "\"stream\":true}", m);
	req.reasoning_text = 1;
	check_body(PROV_ANTHROPIC, &req, "claude 5, --show-reasoning: the thinking text asked for",
		   "{\"max_tokens\":32000,%s,\"model\":\"claude-sonnet-5\","
		   "\"stream\":true,\"thinking\":{\"display\":\"summarized\","
		   "\"type\":\"adaptive\"}}", m);
	req.reasoning_text = 0;
	req.reasoning_effort = "low";
	check_body(PROV_ANTHROPIC, &req,
		   "claude 5, effort: adaptive thinking with output_config.effort",
		   "{\"max_tokens\":32000,%s,\"model\":\"claude-sonnet-5\","
		   "\"output_config\":{\"effort\":\"low\"},\"stream\":true,"
		   "\"thinking\":{\"display\":\"summarized\",\"type\":\"adaptive\"}}", m);

	req.model = "claude-opus-4-7";
	req.reasoning_effort = NULL;
	req.reasoning_text = 1;
	check_body(PROV_ANTHROPIC, &req, "opus 4.7, not asked to think: does not",
		   "{\"max_tokens\":4096,%s,\"model\":\"claude-opus-4-7\","
		   "\"stream\":true}", m);
	req.reasoning_effort = "high";
	req.max_tokens = 1000;
	check_body(PROV_ANTHROPIC, &req,
		   "opus 4.7, effort: adaptive, no budget; --max-tokens bounds thinking and answer",
		   "{\"max_tokens\":1000,%s,\"model\":\"claude-opus-4-7\","
		   "\"output_config\":{\"effort\":\"high\"},\"stream\":true,"
		   "\"thinking\":{\"display\":\"summarized\",\"type\":\"adaptive\"}}", m);

	req.model = "claude-opus-4-6";
	req.max_tokens = 0;
	req.reasoning_effort = "medium";
	check_body(PROV_ANTHROPIC, &req, "opus 4.6: adaptive rather than the deprecated budget",
		   "{\"max_tokens\":32000,%s,\"model\":\"claude-opus-4-6\","
		   "\"output_config\":{\"effort\":\"medium\"},\"stream\":true,"
		   "\"thinking\":{\"display\":\"summarized\",\"type\":\"adaptive\"}}", m);
	req.model = "claude-haiku-4-5-20251001";
	check_body(PROV_ANTHROPIC, &req, "haiku 4.5: the budget form, as before",
		   "{\"max_tokens\":8192,%s,\"model\":\"claude-haiku-4-5-20251001\","
		   "\"stream\":true,\"thinking\":{\"budget_tokens\":4096,"
		   "\"type\":\"enabled\"}}", m);

	req.model = "claude-sonnet-5";
	req.reasoning_effort = NULL;
	req.reasoning_text = 0;
	req.has_temperature = 1;
	req.temperature = 0.5;
	check_body(PROV_ANTHROPIC, &req, "claude 5 thinks unasked: no temperature beside it",
		   "{\"max_tokens\":32000,%s,\"model\":\"claude-sonnet-5\","
		   "\"stream\":true}", m);

	ok(prov_takes_temperature(PROV_ANTHROPIC, "anthropic", "claude-opus-4-6", 1) &&
	   !prov_takes_temperature(PROV_ANTHROPIC, "anthropic", "claude-opus-4-7", 1) &&
	   !prov_takes_temperature(PROV_ANTHROPIC, "anthropic", "claude-sonnet-5", 1),
	   "anthropic: a temperature up to 4.6, none from 4.7 on");
	ok(!prov_takes_temperature(PROV_OPENAI, "openai", "gpt-5-nano", 1) &&
	   !prov_takes_temperature(PROV_OPENAI, "azure", "o4-mini", 1) &&
	   prov_takes_temperature(PROV_OPENAI, "openai", "gpt-4o-mini", 0) &&
	   prov_takes_temperature(PROV_OPENAI, "deepseek", "deepseek-reasoner", 1) &&
	   prov_takes_temperature(PROV_GEMINI, "gemini", "gemini-2.5-pro", 1),
	   "openai: none for OpenAI's own reasoning models; others take one");
}

static void test_finish_kinds(void)
{
	is_int(prov_finish_kind("length"), PROV_FINISH_LENGTH, "finish: length");
	is_int(prov_finish_kind("max_tokens"), PROV_FINISH_LENGTH, "finish: max_tokens");
	is_int(prov_finish_kind("MAX_TOKENS"), PROV_FINISH_LENGTH, "finish: MAX_TOKENS");
	is_int(prov_finish_kind("content_filter"), PROV_FINISH_FILTER, "finish: content_filter");
	is_int(prov_finish_kind("refusal"), PROV_FINISH_FILTER, "finish: refusal");
	is_int(prov_finish_kind("SAFETY"), PROV_FINISH_FILTER, "finish: SAFETY");
	is_int(prov_finish_kind("stop"), PROV_FINISH_OTHER, "finish: stop");
	is_int(prov_finish_kind("end_turn"), PROV_FINISH_OTHER, "finish: end_turn");
	is_int(prov_finish_kind(NULL), PROV_FINISH_OTHER, "finish: none");
}

/* Text for JSON output: valid UTF-8 as it is, each bad byte as U+FFFD,
 * also a sequence cut by the end of a piece and an embedded NUL. */
static void test_json_str(void)
{
	static const struct { const char *in; size_t n; const char *want; size_t wn; } t[] = {
		{ "caf\xc3\xa9", 5, "caf\xc3\xa9", 5 },
		{ "caf\xe9 ok", 7, "caf\xef\xbf\xbd ok", 9 },
		{ "ab\xc3", 3, "ab\xef\xbf\xbd", 5 },
		{ "ab\xc3\xa9", 3, "ab\xef\xbf\xbd", 5 },
		{ "a\0b", 3, "a\0b", 3 },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		json_t *j = prov_json_strn(t[i].in, t[i].n);
		ok(j && json_string_length(j) == t[i].wn &&
		   !memcmp(json_string_value(j), t[i].want, t[i].wn),
		   "prov_json_strn case %zu", i + 1);
		json_decref(j);
	}
	json_t *j = prov_json_str(NULL);
	ok(json_is_null(j), "prov_json_str(NULL) is null");
	json_decref(j);
}

int main(void)
{
	fixdir = getenv("T3_FIXTURES");
	if (!fixdir || !*fixdir)
		fixdir = "tests/fixtures";
	test_streams();
	test_bodies();
	test_payload_stream();
	test_midstream_errors();
	test_malformed();
	test_error_lines();
	test_retryable();
	test_bodies_build();
	test_json_str();
	test_claude_generations();
	test_openai_variants();
	test_finish_kinds();
	test_urls();
	test_tables();
	return done_testing();
}

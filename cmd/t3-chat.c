/* t3-chat: one-shot chats with real providers, streamed, persisted,
 * metered and quota-checked. */
#include <errno.h>
#include <signal.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "chat-history.h"
#include "chats.h"
#include "common.h"
#include "config.h"
#include "http.h"
#include "models.h"
#include "provider.h"
#include "sse.h"
#include "timeutil.h"
#include "usage.h"
#include "users.h"

#define MAX_STDIN (64u << 20)        /* bytes of prompt read from stdin */
#define MAX_BODY (16u << 20)         /* a non-streamed or error body */
#define MAX_STREAM (256u << 20)      /* a whole streamed response */
#define DEFAULT_USER "local@localhost"
#define LOCAL_PLAN "local"
#define LOCAL_ALLOWANCE 1000000000000000LL

/* long-only options (the others have a short letter) */
enum {
	OPT_CHAT = OPT_COMMON_END, OPT_USER, OPT_TEMPERATURE, OPT_MAX_TOKENS,
	OPT_NO_STREAM, OPT_SHOW_REASONING, OPT_REASONING_EFFORT, OPT_RETRIES, OPT_TIMEOUT
};

static struct {
	struct common c;
	const char *model, *system, *chat, *user, *effort;
	int cont, no_stream, show_reasoning, usage, no_log, verbose;
	int has_temp;
	double temp;
	long max_tokens, retries, stall_s;
} o = { .retries = -1, .stall_s = -1 };

/* what a call produced */
struct call {
	struct prov_decoder dec;
	struct sse_parser sse;
	struct strbuf text, reasoning, body;
	int mode;                 /* 0 undecided, 1 SSE, 2 body */
	long status;
	int64_t t0, first_ms;     /* first_ms < 0: no answer text yet */
	int pipe_closed;          /* EPIPE: nobody reads stdout any more */
	int out_failed;           /* another write error (out_finish says which) */
	int dec_ret;
	int err_retryable;        /* an error event that may pass on retry */
	size_t total;             /* body bytes so far: past call_max, too large */
	int reasoning_open;       /* reasoning on stderr lacks its final newline */
	int64_t total_ms;
};

static void usage(FILE *fp)
{
	fputs("usage: t3-chat [-m MODEL] [-s SYSTEM] [-c | --chat ID] [--user EMAIL]\n"
	      "               [--temperature T] [--max-tokens N]\n"
	      "               [--reasoning-effort low|medium|high] [--show-reasoning]\n"
	      "               [--no-stream] [--json | --jsonl] [-u] [-n] [-v]\n"
	      "               [--retries N] [--timeout SECONDS] [PROMPT...]\n"
	      "\n"
	      "The prompt is the arguments; when standard input is not a terminal its\n"
	      "content follows them, after a blank line (arguments: the instruction,\n"
	      "stdin: the material), e.g.  git diff | t3-chat -m sonnet 'review this'\n"
	      "\n"
	      "  -m, --model MODEL     a name from 't3-models list'; else a continued chat's\n"
	      "                        model, T3_MODEL, or 'model = ...' in the config file;\n"
	      "                        -m echo is offline\n"
	      "  -s, --system TEXT     system prompt (stored with a new chat)\n"
	      "  -c, --continue        continue your latest chat\n"
	      "      --chat ID         continue that chat (an id or a unique prefix)\n"
	      "      --user EMAIL      act as this user (or T3_USER, or 'user = ...' in the\n"
	      "                        config file; default local@localhost)\n"
	      "      --json            one object at the end (also when the call fails)\n"
	      "      --jsonl           one event per line as it happens\n"
	      "  -u, --usage           tokens, cost and latency on stderr afterwards\n"
	      "  -n, --no-log          do not store this exchange (usage is still metered)\n"
	      "  -v, --verbose         request details on stderr (never the API key)\n"
	      "      --retries N       retries of a rate-limited or overloaded call: HTTP\n"
	      "                        408, 429, 5xx, an overload in the stream (3)\n"
	      "      --timeout SECONDS give up when no byte arrives for this long (120),\n"
	      "                        or connecting takes this long (at most 10)\n"
	      "      --user-db PATH, --data-db PATH, --help, --version\n"
	      "exit: 0 ok, 1 not found, 2 usage, 3 local data/config, 4 network or cut-off\n"
	      "      stream, 5 provider error or no answer text, 6 quota/model policy,\n"
	      "      130 interrupted, 141 standard output closed\n", fp);
}

static void on_sigint(int sig)
{
	(void)sig;
	http_interrupted = 1;
}

/* ---- output ----
 * Decoded text goes into stdout's buffer; out_flush() writes it out once
 * libcurl has handed over all the bytes that had arrived, before waiting
 * for more (and after each word of the echo model), so no text that has
 * arrived waits for the network; the first piece of text is flushed at
 * once. Deltas that arrived together leave in one write(2): the same
 * moment for the reader, without a system call per delta. */

static int out_gone(const struct call *c)
{
	return c->pipe_closed || c->out_failed;
}

/* Stop the transfer when stdout fails: nobody is reading (EPIPE), or
 * nothing can be written (a full disk, as curl stops too). */
static int out_flush(struct call *c)
{
	if (out_gone(c) || !out_flush_stdout())
		return 0;
	if (errno == EPIPE)
		c->pipe_closed = 1;
	else
		c->out_failed = 1;
	return 1;
}

/* One JSON line; ev (taken over) may be NULL: a json_pack that failed. */
static void emit_event(json_t *ev)
{
	char *s;

	if (!ev)
		return;
	s = json_dumps(ev, OUT_JSON_FLAGS);
	fputs(s, stdout);
	fputc('\n', stdout);
	free(s);
	json_decref(ev);
}

/* The reasoning shown on stderr is over: end its line, so that neither
 * the answer nor a diagnostic runs on from it on a terminal. */
static void end_reasoning(struct call *c)
{
	if (c->reasoning_open) {
		fputc('\n', stderr);
		c->reasoning_open = 0;
	}
}

static int sink_text(void *ctx, const char *s, size_t n)
{
	struct call *c = ctx;
	int first = c->first_ms < 0;

	end_reasoning(c);

	if (first)
		c->first_ms = time_mono_ms() - c->t0;
	sb_add(&c->text, s, n);
	if (out_gone(c) || o.c.fmt == OUT_JSON || o.no_stream)
		return 0;
	if (o.c.fmt == OUT_JSONL)
		emit_event(json_pack("{s:s, s:o}", "type", "delta", "text", prov_json_strn(s, n)));
	else
		fwrite(s, 1, n, stdout);
	/* the first words at once: the wait for them is what a user feels */
	return first ? out_flush(c) : 0;
}

static int sink_reasoning(void *ctx, const char *s, size_t n)
{
	struct call *c = ctx;
	sb_add(&c->reasoning, s, n);
	if (o.c.fmt == OUT_JSONL) {
		if (!out_gone(c))
			emit_event(json_pack("{s:s, s:o}", "type", "reasoning", "text",
					     prov_json_strn(s, n)));
	} else if (o.show_reasoning) {
		fwrite(s, 1, n, stderr);
		fflush(stderr);
		c->reasoning_open = s[n - 1] != '\n';
	}
	return 0;
}

/* ---- the HTTP callbacks ---- */

/* Note what decoding json (an event's data or a whole body) returned; an
 * error the provider reported after its 200 may pass on retry. */
static int decoded(struct call *c, int r, const char *json, size_t n)
{
	if (r)
		c->dec_ret = r;
	if (r == PROV_EERROR)
		c->err_retryable = prov_error_is_retryable(c->dec.api, 200, json, n);
	return r;
}

static int on_event(void *ctx, const struct sse_event *ev)
{
	struct call *c = ctx;
	return decoded(c, prov_decode_event(&c->dec, ev), ev->data, ev->data_len);
}

static int on_head(void *ctx, long status, const char *ctype)
{
	struct call *c = ctx;
	c->status = status;
	c->mode = status == 200 && strstr(ctype, "text/event-stream") ? 1 : 2;
	return 0;
}

/* the most a response may be: a whole stream, or a body */
static size_t call_max(const struct call *c)
{
	return c->mode == 1 ? MAX_STREAM : MAX_BODY;
}

static int on_data(void *ctx, const char *p, size_t n)
{
	struct call *c = ctx;
	c->total += n;
	if (c->total > call_max(c))
		return c->dec_ret = PROV_EMALFORMED;
	if (c->mode == 1) {
		/* SSE_ETOOLONG comes from the parser itself, not on_event:
		 * remember it, or the stream would pass for merely cut off */
		int r = sse_feed(&c->sse, p, n);
		if (r && !c->dec_ret)
			c->dec_ret = r;
		return r;
	}
	sb_add(&c->body, p, n);
	return 0;
}

static int on_idle(void *ctx)
{
	return out_flush(ctx);
}

static void call_init(struct call *c, enum prov_api api)
{
	struct prov_sink sink = { sink_text, sink_reasoning, c };
	memset(c, 0, sizeof *c);
	prov_decoder_init(&c->dec, api, &sink);
	sse_init(&c->sse, 0, on_event, c);
	sb_init(&c->text, 0);
	sb_init(&c->reasoning, 0);
	sb_init(&c->body, 0);
	c->first_ms = -1;
	c->t0 = time_mono_ms();
}

static void call_release(struct call *c)
{
	prov_decoder_release(&c->dec);
	sse_release(&c->sse);
	sb_release(&c->text);
	sb_release(&c->reasoning);
	sb_release(&c->body);
}

/* ---- the echo model: offline, deterministic, free ---- */

static int run_echo(struct call *c, const struct prov_req *req)
{
	const char *s = req->nmsgs ? req->msgs[req->nmsgs - 1].text : "";
	const char *delay = getenv("T3_ECHO_DELAY_MS");
	long ms = delay ? atol(delay) : 0;

	/* the last user message back, a word (with its spaces) at a time */
	while (*s) {
		size_t n = strcspn(s, " \n\t");
		n += strspn(s + n, " \n\t");
		if (http_interrupted)
			return HTTP_EINTR;
		if (sink_text(c, s, n) || out_flush(c))
			return 0;
		s += n;
		if (ms > 0 && *s)
			usleep((useconds_t)ms * 1000);
	}
	c->dec.res.done = 1;
	prov_set_str(&c->dec.res.finish_reason, "stop");
	return 0;
}

/* ---- the request ---- */

static long estimate_tokens(size_t bytes)
{
	return (long)((bytes + 3) / 4);
}

static void sleep_interruptibly(long ms)
{
	for (long t = 0; t < ms && !http_interrupted; t += 50)
		usleep(50000);
}

/* what one attempt ended with */
enum outcome { DONE, RETRY, FAIL };

struct run {
	struct model *m;
	const char *user_id, *chat_id;
	const char *api_key;
	enum prov_api api;
	struct prov_req req;
	/* the HTTP request, built once and sent on every attempt */
	char *url, *body, *headers[PROV_MAX_HEADERS];
	size_t nheaders;
	int attempt;
	int recorded;    /* the last attempt's usage row is already written */
	struct usage_hold hold;   /* quota held for the call */
	/* result of the last attempt */
	enum usage_status status;
	int exit_code;
	char *message;   /* one-line error */
};

/* The usage row of an attempt; tokens as the provider reported them, or
 * an estimate (flagged) when it reported none. */
static void fill_usage(struct run *run, struct call *c, struct usage_row *u)
{
	struct prov_result *res = &c->dec.res;
	int estimated = 0;

	if (!res->have_usage && (c->text.len || c->reasoning.len || !run->exit_code)) {
		size_t in = run->req.system ? strlen(run->req.system) : 0;
		for (size_t i = 0; i < run->req.nmsgs; i++)
			in += strlen(run->req.msgs[i].text);
		res->prompt_tokens = estimate_tokens(in);
		res->completion_tokens = estimate_tokens(c->text.len + c->reasoning.len);
		estimated = 1;
	}
	memset(u, 0, sizeof *u);
	u->user_id = run->user_id;
	u->model_name = run->m->model_name;
	u->provider_name = run->m->provider_name;
	u->status = run->status;
	u->chat_id = run->chat_id;
	u->prompt_tokens = res->prompt_tokens;
	u->completion_tokens = res->completion_tokens;
	u->reasoning_tokens = res->reasoning_tokens;
	u->cached_tokens = res->cached_tokens;
	u->estimated = estimated;
	u->cost_usd = models_cost_usd(run->m, res->prompt_tokens, res->completion_tokens,
				      res->reasoning_tokens, res->cached_tokens);
	u->first_token_ms = c->first_ms;
	u->total_ms = c->total_ms;
	u->http_status = c->status > 0 ? c->status : -1;   /* echo: no HTTP */
	u->attempt = run->attempt;
}

/* A usage row in a transaction of its own; a failure has been reported
 * by the db layer and does not stop the run. */
static void insert_usage(struct usage_row *u)
{
	if (db_begin(&o.c.ddb))
		return;
	if (usage_insert(&o.c.ddb, u) || db_commit(&o.c.ddb))
		db_rollback(&o.c.ddb);
}

/* A failed attempt that will be retried is metered and charged on its
 * own. */
static void record_failed_attempt(struct run *run, struct call *c)
{
	struct usage_row u;
	fill_usage(run, c, &u);
	usage_finish(&o.c.ddb, &o.c.udb, &run->hold, 0, &u, NULL, NULL);
}

static void verbose_request(const char *url, char **headers, size_t nh)
{
	fprintf(stderr, "%s: POST %s\n", t3_progname, url);
	for (size_t i = 0; i < nh; i++) {
		const char *colon = strchr(headers[i], ':');
		int secret = !strncasecmp(headers[i], "authorization", 13) ||
			     !strncasecmp(headers[i], "x-api-key", 9) ||
			     !strncasecmp(headers[i], "x-goog-api-key", 14);
		fprintf(stderr, "%s:   %.*s: %s\n", t3_progname,
			colon ? (int)(colon - headers[i]) : 0, headers[i],
			secret ? "(redacted)" : colon ? colon + 2 : "");
	}
}

/* Keys shorter than this are placeholders for servers that want none
 * ("x", "none", "ollama"), not secrets: redacting them would cut every
 * such string out of the message. Real keys are 30 and more. */
#define REDACT_MIN 8

/* A provider (or a proxy in front of it) may echo the key back in an
 * error message: it is never printed, whatever the server sends. */
static char *redact_key(char *s, const char *key)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = s, *q;
	size_t n = key ? strlen(key) : 0;

	if (n < REDACT_MIN || !strstr(s, key))
		return s;
	while ((q = strstr(p, key))) {
		sb_add(&sb, p, (size_t)(q - p));
		sb_adds(&sb, "(redacted)");
		p = q + n;
	}
	sb_adds(&sb, p);
	common_free_secret(s);
	return sb_detach(&sb, NULL);
}

/* A retryable failure: wait (Retry-After or the body's retryDelay, else
 * exponential backoff with jitter) and try again, unless answer text has
 * come (and may have been shown), the retries are used up, or the wait
 * would be too long. */
static enum outcome maybe_retry(struct run *run, struct call *c, long retry_after_s)
{
	long wait = retry_after_s >= 0 ? retry_after_s * 1000 :
		    500L << (run->attempt - 1 < 5 ? run->attempt - 1 : 5);

	if (c->text.len || run->attempt > o.retries)
		return FAIL;
	if (retry_after_s < 0)   /* jitter: [0, wait/2) */
		wait += (long)randombytes_uniform((uint32_t)(wait / 2));
	if (wait > 30000)
		return FAIL;
	end_reasoning(c);
	fprintf(stderr, "%s: %s; retrying in %.1f s\n", t3_progname, run->message,
		(double)wait / 1000);
	record_failed_attempt(run, c);
	run->recorded = 1;
	sleep_interruptibly(wait);
	if (http_interrupted) {
		/* Ctrl-C while waiting: this attempt's row is written; the
		 * user asked to stop */
		run->exit_code = T3_EINTR;
		free(run->message);
		run->message = xstrdup("interrupted");
		return FAIL;
	}
	run->recorded = 0;
	return RETRY;
}

static void run_build_request(struct run *run, const char *base_url)
{
	json_t *jb = prov_build_body(run->api, &run->req);
	run->body = prov_dump_body(jb);
	json_decref(jb);
	run->url = prov_build_url(run->api, base_url, run->m->model_name, run->req.stream);
	run->nheaders = prov_build_headers(run->api, run->api_key, run->headers);
}

static void run_release(struct run *run)
{
	for (size_t i = 0; i < run->nheaders; i++)
		common_free_secret(run->headers[i]);
	free(run->url);
	free(run->body);
	free(run->message);
}

static enum outcome attempt(struct run *run, struct call *c)
{
	struct http_res hres = { .retry_after_s = -1 };
	int r;

	free(run->message);
	run->message = NULL;
	if (run->api == PROV_ECHO) {
		r = run_echo(c, &run->req);
	} else {
		struct http_req hr = {
			.url = run->url, .headers = run->headers, .nheaders = run->nheaders,
			.body = run->body, .stall_timeout_s = o.stall_s,
			/* connecting: 10 s, or less with a shorter --timeout */
			.connect_timeout_s = o.stall_s < 10 ? o.stall_s : 10,
		};
		if (o.verbose)
			verbose_request(run->url, run->headers, run->nheaders);
		r = http_post(&hr, &(struct http_cb){ on_head, on_data, on_idle, c }, &hres);
		/* a half event left at the end is dropped, as the SSE rules say;
		 * the done check below then reports the stream incomplete */
		if (r == 0 && c->mode == 1)
			sse_finish(&c->sse);
		if (r == 0 && c->mode == 2 && c->status == 200)
			r = decoded(c, prov_decode_body(&c->dec, c->body.buf, c->body.len),
				    c->body.buf, c->body.len);
	}
	c->total_ms = time_mono_ms() - c->t0;
	if (out_gone(c)) {
		/* the write error itself is reported by out_finish at exit */
		run->status = USAGE_INTERRUPTED;
		run->exit_code = c->pipe_closed ? 141 : T3_EDATA;
		return FAIL;
	}
	if (r == HTTP_EINTR) {
		run->status = USAGE_INTERRUPTED;
		run->exit_code = T3_EINTR;
		run->message = xstrdup("interrupted");
	} else if (r == HTTP_ENET || r == HTTP_ESTALL) {
		run->status = r == HTTP_ESTALL ? USAGE_STALLED : c->status ? USAGE_INCOMPLETE :
			      USAGE_NETWORK;
		run->exit_code = T3_ENET;
		run->message = xasprintf("%s: %s", r == HTTP_ESTALL ? "stream stalled" :
					 c->status ? "stream cut off" : "network error", hres.errbuf);
	} else if (c->status != 200 && run->api != PROV_ECHO) {
		char *line = hres.redirect[0] ?
			xasprintf("HTTP %ld: redirected to %s, which t3-chat does not follow "
				  "(the request carries the key): set the base URL to it",
				  c->status, hres.redirect) :
			prov_error_line(run->api, c->status, c->body.buf, c->body.len);
		int retry = prov_error_is_retryable(run->api, c->status, c->body.buf, c->body.len);
		run->status = c->status == 429 ? USAGE_RATE_LIMITED : USAGE_HTTP_ERROR;
		run->exit_code = T3_EPROV;
		run->message = redact_key(xasprintf("%s: %s", run->m->provider_name, line),
					  run->api_key);
		free(line);
		if (retry && hres.retry_after_s < 0)
			hres.retry_after_s = prov_error_retry_after(run->api, c->body.buf,
								    c->body.len);
		return retry ? maybe_retry(run, c, hres.retry_after_s) : FAIL;
	} else if (c->dec_ret == PROV_EERROR) {
		run->status = USAGE_STREAM_ERROR;
		run->exit_code = T3_EPROV;
		run->message = redact_key(xasprintf("%s: error in the stream: %s",
						    run->m->provider_name, c->dec.res.error ?
						    c->dec.res.error : "unknown"), run->api_key);
		/* an overload reported in the stream before any answer text */
		if (c->err_retryable)
			return maybe_retry(run, c, -1);
	} else if (c->dec_ret == PROV_EMALFORMED || c->dec_ret == SSE_ETOOLONG) {
		run->status = USAGE_MALFORMED;
		run->exit_code = T3_EPROV;
		run->message = c->total > call_max(c) ?
			xasprintf("%s: response too large (over %zu MiB)", run->m->provider_name,
				  call_max(c) >> 20) :
			xasprintf("%s: malformed response%s", run->m->provider_name,
				  c->dec_ret == SSE_ETOOLONG ? " (line too long)" : "");
	} else if (!c->dec.res.done) {
		run->status = USAGE_INCOMPLETE;
		run->exit_code = T3_ENET;
		run->message = xasprintf("%s: the stream ended before the answer was complete",
					 run->m->provider_name);
	} else if (!c->text.len) {
		/* complete, but nothing to show: thinking used up the limit,
		 * a filter stopped it, or the prompt itself was blocked */
		const char *fr = c->dec.res.finish_reason;
		run->status = USAGE_EMPTY;
		run->exit_code = T3_EPROV;
		run->message = prov_finish_kind(fr) == PROV_FINISH_LENGTH ?
			xasprintf("%s: no answer: the model reached its token limit (%s) "
				  "before writing any; raise --max-tokens", run->m->provider_name, fr) :
			xasprintf("%s: no answer text (finish reason %s)", run->m->provider_name,
				  fr ? fr : "none");
	} else {
		run->status = USAGE_SUCCESS;
		run->exit_code = 0;
	}
	return run->exit_code ? FAIL : DONE;
}

/* ---- history and context ---- */

struct history {
	struct chat_msg *rows;
	size_t nrows;
	struct prov_msg *msgs;
	size_t nmsgs;
};

static long msg_cost(const char *text)
{
	return estimate_tokens(strlen(text)) + 4;
}

/* NULL, empty or only white space: nothing to send (Anthropic and Gemini
 * refuse a text that is) */
static int blank(const char *s)
{
	return !s || !s[strspn(s, " \t\r\n")];
}

/* Fit system (NULL: none) + history + prompt into the model's context,
 * dropping the oldest turns first. */
static int build_messages(struct history *h, const struct model *m, const char *system,
			  const char *prompt)
{
	long limit = m->max_token_limit, reserve, need;
	size_t first = 0, dropped = 0;

	reserve = o.max_tokens > 0 ? o.max_tokens :
		  m->max_output_tokens > 0 ? m->max_output_tokens : 4096;
	if (reserve > limit / 4)
		reserve = limit / 4;
	need = msg_cost(prompt) + (system ? msg_cost(system) : 0);
	if (need > limit - reserve)
		return t3_error(T3_EPOLICY, "the prompt is about %ld tokens, more than fits in "
				"the context of '%s' (%ld tokens)", need, m->model_name, limit);
	for (size_t i = 0; i < h->nrows; i++)
		if (!blank(h->rows[i].text))
			need += msg_cost(h->rows[i].text);
	/* whole turns: once something is dropped, the kept history must
	 * start with a user message (Anthropic and Gemini refuse one that
	 * starts with the assistant) */
	while (first < h->nrows && (need > limit - reserve ||
				    (dropped && strcmp(h->rows[first].sender_type, "user")))) {
		if (!blank(h->rows[first].text)) {
			need -= msg_cost(h->rows[first].text);
			dropped++;
		}
		first++;
	}
	if (dropped)
		fprintf(stderr, "%s: left out the %zu oldest message%s to fit the context of '%s'\n",
			t3_progname, dropped, dropped == 1 ? "" : "s", m->model_name);
	h->msgs = xcalloc(h->nrows - first + 1, sizeof *h->msgs);
	for (size_t i = first; i < h->nrows; i++) {
		if (blank(h->rows[i].text))
			continue;
		h->msgs[h->nmsgs].role = !strcmp(h->rows[i].sender_type, "ai") ? "assistant" : "user";
		h->msgs[h->nmsgs++].text = h->rows[i].text;
	}
	h->msgs[h->nmsgs].role = "user";
	h->msgs[h->nmsgs++].text = prompt;
	return 0;
}

/* What a call may use: its prompt as sent and the answer it may get. */
static int64_t request_estimate(const struct history *h, const struct model *m,
				const char *system)
{
	int64_t n = system ? msg_cost(system) : 0;
	for (size_t i = 0; i < h->nmsgs; i++)
		n += msg_cost(h->msgs[i].text);
	return n + (o.max_tokens > 0 ? o.max_tokens :
		    m->max_output_tokens > 0 ? m->max_output_tokens : 4096);
}

/* ---- the acting user ---- */

/* --user, T3_USER or the config's user; NULL for the local account */
static const char *named_user(const struct config *cfg)
{
	const char *who = o.user ? o.user : getenv("T3_USER");

	if (!who || !*who)
		who = config_get(cfg, "user");
	return who && *who ? who : NULL;
}

static int acting_user(const struct config *cfg, struct user *u)
{
	const char *who = named_user(cfg);
	int64_t allowance;
	int r;

	if (who) {
		r = users_find(&o.c.udb, who, u);
		return r == T3_ENEG ? t3_error(T3_ENEG, "user '%s' not found", who) : r;
	}
	/* a single person needs no admin step: a local account on first use */
	if ((r = users_find(&o.c.udb, DEFAULT_USER, u)) != T3_ENEG)
		return r;
	if ((r = db_begin(&o.c.udb)))
		return r;
	if (plans_allowance_quiet(&o.c.udb, LOCAL_PLAN, &allowance) &&
	    (r = plans_set(&o.c.udb, LOCAL_PLAN, LOCAL_ALLOWANCE,
			   "the default account of a single-person install")))
		goto fail;
	memset(u, 0, sizeof *u);
	u->email = xstrdup(DEFAULT_USER);
	u->subscription_plan = xstrdup(LOCAL_PLAN);
	u->timezone = xstrdup("UTC");
	u->token_quota = LOCAL_ALLOWANCE;
	if ((r = users_insert(&o.c.udb, u)) || (r = db_commit(&o.c.udb)))
		goto fail;
	return 0;
fail:
	db_rollback(&o.c.udb);
	user_release(u);
	return r;
}

/* -c and --chat: the user and the chat, looked up before the model is
 * chosen, since the chat's own model is the default. Nothing is created:
 * a local account not yet made has no chat to continue. */
static int continued_chat(const struct config *cfg, struct user *u, struct chat *chat)
{
	const char *who = named_user(cfg);
	int r = users_find(&o.c.udb, who ? who : DEFAULT_USER, u);

	if (r == T3_ENEG && who)
		return t3_error(T3_ENEG, "user '%s' not found", who);
	if (r == T3_ENEG)
		return o.cont ? t3_error(T3_ENEG, "no chat to continue") :
				t3_error(T3_ENEG, "chat '%s' not found", o.chat);
	if (r)
		return r;
	return o.cont ? chats_latest(&o.c.ddb, u->user_id, chat) :
			chats_find(&o.c.ddb, u->user_id, o.chat, chat);
}

/* ---- reading the prompt ---- */

static int read_prompt(int argc, char **argv, char **out)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[65536];
	size_t n, in = 0;

	for (int i = 0; i < argc; i++) {
		if (i)
			sb_addc(&sb, ' ');
		sb_adds(&sb, argv[i]);
	}
	if (!isatty(STDIN_FILENO)) {
		struct strbuf rd = STRBUF_INIT;
		while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) {
			in += n;
			if (in > MAX_STDIN) {
				sb_release(&rd);
				sb_release(&sb);
				return t3_error(T3_EUSAGE, "standard input is larger than %u MiB", MAX_STDIN >> 20);
			}
			sb_add(&rd, buf, n);
		}
		while (rd.len && (rd.buf[rd.len - 1] == '\n' || rd.buf[rd.len - 1] == '\r'))
			rd.buf[--rd.len] = '\0';
		if (rd.len) {
			if (sb.len)
				sb_adds(&sb, "\n\n");
			sb_add(&sb, rd.buf, rd.len);
		}
		sb_release(&rd);
	}
	if (strspn(sb.buf, " \t\r\n") == sb.len) {
		sb_release(&sb);
		return common_bad_usage("no prompt: give it as arguments or on standard input");
	}
	if (strlen(sb.buf) != sb.len) {
		sb_release(&sb);
		return t3_error(T3_EUSAGE, "the prompt contains a NUL byte");
	}
	*out = sb_detach(&sb, NULL);
	return 0;
}

static char *title_of(const char *prompt)
{
	size_t n = strcspn(prompt, "\r\n");
	if (n > 80) {
		n = 80;
		while (n && ((unsigned char)prompt[n] & 0xc0) == 0x80)
			n--;
	}
	return xstrndup(prompt, n);
}

/* ---- main ---- */

static int parse_long(const char *s, const char *what, long min, long max, long *out)
{
	char *end;
	long v;
	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < min || v > max)
		return t3_error(T3_EUSAGE, "%s '%s' must be an integer from %ld to %ld", what, s, min, max);
	*out = v;
	return 0;
}

/* JSON null for NULL or "" (an id not made, no finish reason, no error) */
static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static json_t *first_token_ms(const struct call *c)
{
	return c->first_ms >= 0 ? json_integer(c->first_ms) : json_null();
}

/* The members the --json object and the --jsonl usage event share. */
static void add_usage(json_t *j, const struct usage_row *ur)
{
	json_object_set_new(j, "prompt_tokens", json_integer(ur->prompt_tokens));
	json_object_set_new(j, "completion_tokens", json_integer(ur->completion_tokens));
	json_object_set_new(j, "reasoning_tokens", json_integer(ur->reasoning_tokens));
	json_object_set_new(j, "cached_tokens", json_integer(ur->cached_tokens));
	json_object_set_new(j, "tokens_estimated", json_boolean(ur->estimated));
	json_object_set_new(j, "cost_usd", json_real(ur->cost_usd));
}

/* The result after the answer: the --json object, the --jsonl usage and
 * done events, -u on stderr. ur is the last attempt's usage row. The
 * error message may carry bytes of a non-JSON error body: prov_json_str
 * keeps it valid JSON. */
static void print_result(struct run *run, struct call *c, const struct usage_row *ur,
			 const char *msg_id, const char *user_msg_id)
{
	struct prov_result *res = &c->dec.res;
	int64_t total = c->total_ms;
	char sbuf[USAGE_STATUS_MAX];
	const char *status = usage_status_name(run->status, c->status, sbuf);
	json_t *j;

	if (!out_gone(c)) {
		switch (o.c.fmt) {
		case OUT_JSON:
			j = json_object();
			json_object_set_new(j, "chat_id", str_or_null(run->chat_id));
			json_object_set_new(j, "message_id", str_or_null(msg_id));
			json_object_set_new(j, "user_message_id", str_or_null(user_msg_id));
			json_object_set_new(j, "model", json_string(run->m->model_name));
			json_object_set_new(j, "provider", json_string(run->m->provider_name));
			json_object_set_new(j, "text", prov_json_str(c->text.buf));
			json_object_set_new(j, "reasoning", c->reasoning.len ? prov_json_str(c->reasoning.buf) : json_null());
			json_object_set_new(j, "status", json_string(status));
			json_object_set_new(j, "finish_reason", str_or_null(res->finish_reason));
			add_usage(j, ur);
			json_object_set_new(j, "first_token_ms", first_token_ms(c));
			json_object_set_new(j, "total_ms", json_integer(total));
			json_object_set_new(j, "attempts", json_integer(run->attempt));
			json_object_set_new(j, "error", run->message ? prov_json_str(run->message) : json_null());
			emit_event(j);
			break;
		case OUT_JSONL:
			j = json_pack("{s:s}", "type", "usage");
			add_usage(j, ur);
			emit_event(j);
			if (run->exit_code)
				emit_event(json_pack("{s:s, s:s, s:o}", "type", "error", "status",
						     status, "message", run->message ?
						     prov_json_str(run->message) : json_string("")));
			emit_event(json_pack("{s:s, s:s, s:o, s:o, s:o, s:I}", "type", "done",
					     "status", status,
					     "finish_reason", str_or_null(res->finish_reason),
					     "message_id", str_or_null(msg_id),
					     "first_token_ms", first_token_ms(c),
					     "total_ms", (json_int_t)total));
			break;
		default:
			if (o.no_stream)
				fwrite(c->text.buf, 1, c->text.len, stdout);
			if (c->text.len && c->text.buf[c->text.len - 1] != '\n' && isatty(STDOUT_FILENO))
				fputc('\n', stdout);
			break;
		}
		out_flush(c);
	}
	if (o.usage) {
		fprintf(stderr, "%s: %s: %ld prompt + %ld completion tokens", t3_progname,
			run->m->model_name, res->prompt_tokens, res->completion_tokens);
		if (res->reasoning_tokens)
			fprintf(stderr, " (%ld reasoning)", res->reasoning_tokens);
		fprintf(stderr, "%s, $%.6f, first token ", ur->estimated ? " (estimated)" : "",
			ur->cost_usd);
		if (c->first_ms >= 0)
			fprintf(stderr, "%lld ms", (long long)c->first_ms);
		else
			fputc('-', stderr);
		fprintf(stderr, ", total %lld ms\n", (long long)total);
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "model", required_argument, NULL, 'm' },
		{ "system", required_argument, NULL, 's' },
		{ "continue", no_argument, NULL, 'c' },
		{ "chat", required_argument, NULL, OPT_CHAT },
		{ "user", required_argument, NULL, OPT_USER },
		{ "temperature", required_argument, NULL, OPT_TEMPERATURE },
		{ "max-tokens", required_argument, NULL, OPT_MAX_TOKENS },
		{ "no-stream", no_argument, NULL, OPT_NO_STREAM },
		{ "show-reasoning", no_argument, NULL, OPT_SHOW_REASONING },
		{ "reasoning-effort", required_argument, NULL, OPT_REASONING_EFFORT },
		{ "usage", no_argument, NULL, 'u' },
		{ "no-log", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "retries", required_argument, NULL, OPT_RETRIES },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ 0 }
	};
	static const char optstring[] = ":m:s:cunvq";
	struct config cfg = { 0 };
	struct user u = { 0 };
	struct model m;
	struct chat chat = { 0 };
	struct history h = { 0 };
	struct run run = { 0 };
	struct call call;
	char *prompt = NULL, *base_url = NULL, *key = NULL, *endp;
	char user_msg_id[UUID_STRLEN + 1] = "", ai_msg_id[UUID_STRLEN + 1] = "",
	     parent[UUID_STRLEN + 1] = "";
	const char *cv, *sys;
	int opt, r, have_chat = 0, have_call = 0, handled;

	/* --list, --show, --search, --rm, ...: the history, never a turn */
	r = chat_history_main(argc, argv, &handled);
	if (handled)
		return r;
	common_init(&o.c, "t3-chat");
	memset(&m, 0, sizeof m);   /* models_resolve fills it; model_init would leak */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
		if (opt != 'q' && common_option(&o.c, opt, optarg, usage))
			continue;
		switch (opt) {
		case 'm': o.model = optarg; break;
		case 's': o.system = optarg; break;
		case 'c': o.cont = 1; break;
		case OPT_CHAT: o.chat = optarg; break;
		case OPT_USER:
			/* an empty T3_USER counts as unset; an empty --user
			 * is a mistake, not a way to act as someone else */
			if (!*optarg) {
				r = t3_error(T3_EUSAGE, "the user given to --user is empty");
				goto out;
			}
			o.user = optarg;
			break;
		case OPT_TEMPERATURE:
			errno = 0;
			o.temp = strtod(optarg, &endp);
			if (!*optarg || *endp || errno || !(o.temp >= 0 && o.temp <= 2)) {
				r = t3_error(T3_EUSAGE, "temperature '%s' must be a number from 0 to 2", optarg);
				goto out;
			}
			o.has_temp = 1;
			break;
		case OPT_MAX_TOKENS:
			if ((r = parse_long(optarg, "max tokens", 1, 100000000, &o.max_tokens)))
				goto out;
			break;
		case OPT_NO_STREAM: o.no_stream = 1; break;
		case OPT_SHOW_REASONING: o.show_reasoning = 1; break;
		case OPT_REASONING_EFFORT:
			if (strcmp(optarg, "low") && strcmp(optarg, "medium") && strcmp(optarg, "high")) {
				r = t3_error(T3_EUSAGE, "reasoning effort '%s' must be low, medium or high", optarg);
				goto out;
			}
			o.effort = optarg;
			break;
		case 'u': o.usage = 1; break;
		case 'n': o.no_log = 1; break;
		case 'v': o.verbose = 1; break;
		case OPT_RETRIES:
			if ((r = parse_long(optarg, "retries", 0, 10, &o.retries)))
				goto out;
			break;
		case OPT_TIMEOUT:
			if ((r = parse_long(optarg, "timeout", 1, 3600, &o.stall_s)))
				goto out;
			break;
		case 'q':
			r = common_bad_usage("-q does not apply to t3-chat");
			goto out;
		default:   /* ':' or '?' */
			r = common_getopt_error(opt, argv, optstring);
			goto out;
		}
	}
	if (o.c.fmt_set && o.c.fmt != OUT_JSON && o.c.fmt != OUT_JSONL) {
		r = common_bad_usage("t3-chat writes text, --json or --jsonl");
		goto out;
	}
	if (o.cont && o.chat) {
		r = common_bad_usage("choose one of -c and --chat");
		goto out;
	}
	/* libcurl's TLS set-up overlaps the database work below */
	http_prepare();
	if ((r = read_prompt(argc - optind, argv + optind, &prompt)))
		goto out;
	if ((r = common_paths(&o.c)) || (r = config_load(&cfg, o.c.paths.config)))
		goto out;
	if (o.retries < 0 && (cv = config_get(&cfg, "retries")) &&
	    parse_long(cv, "config 'retries'", 0, 10, &o.retries)) {
		r = T3_EDATA;
		goto out;
	}
	if (o.stall_s < 0 && (cv = config_get(&cfg, "timeout")) &&
	    parse_long(cv, "config 'timeout'", 1, 3600, &o.stall_s)) {
		r = T3_EDATA;
		goto out;
	}
	if (o.retries < 0)
		o.retries = 3;
	if (o.stall_s < 0)
		o.stall_s = 120;
	if ((r = common_open_user(&o.c)) || (r = common_open_data(&o.c)))
		goto out;

	/* a continued chat first: its model is the default */
	if (o.cont || o.chat) {
		if ((r = continued_chat(&cfg, &u, &chat)))
			goto out;
		have_chat = 1;
	}

	/* the model: -m, else the continued chat's, else T3_MODEL, else the
	 * config */
	if (!o.model && have_chat && chat.model_default)
		o.model = chat.model_default;
	if (!o.model && (o.model = getenv("T3_MODEL")) && !*o.model)
		o.model = NULL;   /* an empty variable counts as unset */
	if (!o.model && !(o.model = config_get(&cfg, "model"))) {
		r = t3_error(T3_EUSAGE, "no model chosen: use -m MODEL, set T3_MODEL, or put "
			     "'model = NAME' in %s (try -m echo offline, or set OPENAI_API_KEY "
			     "and use -m gpt-4o-mini)", o.c.paths.config ? o.c.paths.config : "the config");
		goto out;
	}
	if (!*o.model) {
		r = t3_error(T3_EUSAGE, "the model name is empty");
		goto out;
	}
	/* a chat's model may have gone since: say whose it is */
	if (have_chat && o.model == chat.model_default)
		t3_error_context = "the chat's model (choose another with -m)";
	r = models_resolve(&o.c.ddb, o.model, &m);
	t3_error_context = NULL;
	if (r)
		goto out;
	if (o.effort && !m.reasoning_enabled) {
		r = t3_error(T3_EPOLICY, "model '%s' does not support reasoning effort", m.model_name);
		goto out;
	}
	if (prov_api_parse(m.api, &run.api)) {
		r = t3_error(T3_EDATA, "model '%s' has an unknown api '%s'", m.model_name, m.api);
		goto out;
	}
	if (o.has_temp && !prov_takes_temperature(run.api, m.provider_name, m.model_name,
						  m.reasoning_enabled)) {
		r = t3_error(T3_EPOLICY, "model '%s' does not take a temperature (its API "
			     "refuses any but the default)", m.model_name);
		goto out;
	}
	if (run.api != PROV_ECHO) {
		if (!(base_url = config_base_url(&cfg, m.provider_name))) {
			char env[96];
			config_env_prefix(m.provider_name, env, sizeof env);
			r = t3_error(T3_EDATA, "no base URL for provider '%s': set %s_BASE_URL or "
				     "'%s.base_url' in the config", m.provider_name, env, m.provider_name);
			goto out;
		}
		if ((r = config_api_key(&cfg, m.provider_name, &key)))
			goto out;
		if (!key && !config_key_optional(base_url)) {
			char env[96];
			config_env_prefix(m.provider_name, env, sizeof env);
			r = t3_error(T3_EDATA, "no API key for '%s': set %s_API_KEY or '%s.key_command' "
				     "in %s", m.provider_name, env, m.provider_name,
				     o.c.paths.config ? o.c.paths.config : "the config");
			goto out;
		}
	}

	/* the user last (a continued chat has found it): every refusal above
	 * leaves the data as it was, even the default account uncreated */
	if (!have_chat && (r = acting_user(&cfg, &u)))
		goto out;

	run.m = &m;
	run.user_id = u.user_id;

	/* the chat */
	if (have_chat) {
		if ((r = chats_history(&o.c.ddb, chat.chat_id, &h.rows, &h.nrows)))
			goto out;
		if (h.nrows)   /* the new message follows the newest one */
			memcpy(parent, h.rows[h.nrows - 1].message_id, sizeof parent);
	}
	/* -s (which replaces a continued chat's), else the chat's system
	 * prompt; a blank one is none */
	sys = o.system ? o.system : have_chat ? chat.system_prompt : NULL;
	if (blank(sys))
		sys = NULL;
	if ((r = build_messages(&h, &m, sys, prompt)))
		goto out;
	/* quota: hold what the call may use, or refuse before anything is
	 * sent or stored */
	r = usage_reserve(&o.c.udb, u.user_id, request_estimate(&h, &m, sys), &run.hold);
	if (r == T3_EPOLICY) {
		struct usage_row ur = { .user_id = u.user_id, .model_name = m.model_name,
			.provider_name = m.provider_name, .status = USAGE_QUOTA_EXCEEDED,
			.first_token_ms = -1, .total_ms = -1, .http_status = -1 };
		insert_usage(&ur);
		r = t3_error(T3_EPOLICY, "token quota of '%s' is used up (plan '%s')", u.email,
			     u.subscription_plan);
		goto out;
	}
	if (r)
		goto out;
	if (!o.no_log) {
		/* the user's message is stored before the request, with what
		 * changes in a continued chat: nothing of it before a refusal */
		if ((r = db_begin(&o.c.ddb)))
			goto out;
		if (!have_chat) {
			char *title = title_of(prompt);
			r = chats_create(&o.c.ddb, &o.c.udb, u.user_id, title, o.system,
					 m.model_name, &chat);
			free(title);
			have_chat = !r;
		} else {
			if (o.system && (!chat.system_prompt || strcmp(o.system, chat.system_prompt)))
				r = chats_set_system(&o.c.ddb, chat.chat_id, o.system);
			/* the chat goes on with the model of this run */
			if (!r && (!chat.model_default || strcmp(chat.model_default, m.model_name)))
				r = chats_set_model(&o.c.ddb, chat.chat_id, m.model_name);
		}
		if (r || (r = chats_add_user(&o.c.ddb, chat.chat_id, parent, prompt, user_msg_id)) ||
		    (r = db_commit(&o.c.ddb))) {
			db_rollback(&o.c.ddb);
			goto out;
		}
		run.chat_id = chat.chat_id;
	}

	run.api_key = key;
	run.req.provider = m.provider_name;
	run.req.model = m.model_name;
	run.req.system = sys;
	run.req.msgs = h.msgs;
	run.req.nmsgs = h.nmsgs;
	run.req.has_temperature = o.has_temp;
	run.req.temperature = o.temp;
	run.req.max_tokens = o.max_tokens;
	run.req.reasoning_effort = o.effort;
	run.req.reasoning_text = o.show_reasoning;
	run.req.stream = !o.no_stream;
	if (run.api != PROV_ECHO)
		run_build_request(&run, base_url);

	struct sigaction sa = { 0 };
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (o.c.fmt == OUT_JSONL)
		emit_event(json_pack("{s:s, s:o, s:s, s:s}", "type", "start", "chat_id",
				     str_or_null(run.chat_id), "model", m.model_name,
				     "provider", m.provider_name));
	/* out before the network; a failure's errno is kept for out_finish */
	out_flush_stdout();
	for (run.attempt = 1;; run.attempt++) {
		if (have_call)
			call_release(&call);
		call_init(&call, run.api);
		have_call = 1;
		enum outcome oc = attempt(&run, &call);
		if (oc != RETRY)
			break;
	}
	/* a cut or stopped stream may end inside a possible <think> tag */
	prov_decode_end(&call.dec);
	end_reasoning(&call);

	/* store what came back in one transaction: the AI message (a partial
	 * one flagged) and the usage row of the last attempt */
	struct prov_result *res = &call.dec.res;
	struct usage_row ur;
	int stored = 1;
	fill_usage(&run, &call, &ur);
	if (run.recorded) {
		/* interrupted while waiting to retry: that attempt is metered */
		usage_release(&o.c.udb, &run.hold);
	} else {
		const char *st = run.exit_code == 0 ? "complete" :
				 run.exit_code == T3_EINTR || out_gone(&call) ? "interrupted" :
				 run.exit_code == T3_ENET ? "incomplete" : "error";
		struct ai_message am = {
			.chat_id = chat.chat_id, .parent_id = user_msg_id, .text = call.text.buf,
			.model = m.model_name, .finish_reason = res->finish_reason, .status = st,
			.reasoning_text = call.reasoning.buf,
			.prompt_tokens = res->prompt_tokens,
			.completion_tokens = res->completion_tokens,
			.reasoning_tokens = res->reasoning_tokens, .cost_usd = ur.cost_usd,
			.first_token_ms = call.first_ms, .total_ms = call.total_ms,
		};
		stored = !usage_finish(&o.c.ddb, &o.c.udb, &run.hold, 1, &ur,
				       !o.no_log && call.text.len ? &am : NULL, ai_msg_id);
	}
	print_result(&run, &call, &ur, ai_msg_id, user_msg_id);
	/* an answer cut short says so; --json and --jsonl carry the reason */
	if (run.exit_code == 0 && o.c.fmt != OUT_JSON && o.c.fmt != OUT_JSONL) {
		enum prov_finish k = prov_finish_kind(res->finish_reason);
		if (k == PROV_FINISH_LENGTH)
			t3_warning("the answer was cut at the token limit (%s)", res->finish_reason);
		else if (k == PROV_FINISH_FILTER)
			t3_warning("the provider stopped the answer (%s)", res->finish_reason);
	}
	/* a stdout that failed has no message: out_finish, in common_exit,
	 * names a write error, or exits 141 quietly for a closed pipe */
	if (run.message)
		t3_error(run.exit_code, "%s", run.message);
	r = run.exit_code;
	/* the database said why already; an answer that was shown but not
	 * stored or metered must not pass for a success */
	if (!stored && !r)
		r = T3_EDATA;
out:
	if (have_call)
		call_release(&call);
	run_release(&run);
	chat_msgs_free(h.rows, h.nrows);
	free(h.msgs);
	chat_release(&chat);
	model_release(&m);
	user_release(&u);
	free(prompt);
	free(base_url);
	common_free_secret(key);
	config_release(&cfg);
	http_ready();
	return common_exit(&o.c, r);
}

/* chat-sink.c: the turn sink of t3-chat (see chat-sink.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "chat-sink.h"
#include "msg.h"
#include "provider.h"
#include "timeutil.h"
#include "usage.h"

/* ---- output ----
 * Decoded text goes into stdout's buffer; out_flush() writes it out once
 * libcurl has handed over all the bytes that had arrived, before waiting
 * for more (and after each word of the echo model), so no text that has
 * arrived waits for the network; the first piece of text is flushed at
 * once. Deltas that arrived together leave in one write(2): the same
 * moment for the reader, without a system call per delta. On a terminal
 * the answer and the reasoning go through safe_out (control characters
 * shown, not executed); into a pipe or a file the bytes are exact. */

/* Stop the transfer when stdout fails: nobody is reading (EPIPE: 141),
 * or nothing can be written (a full disk, as curl stops too). */
static int out_flush(void *ctx)
{
	struct chat_writer *w = ctx;

	if (w->gone || !out_flush_stdout())
		return w->gone;
	return w->gone = errno == EPIPE ? T3_EPIPE : T3_EDATA;
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
static void end_reasoning(struct chat_writer *w)
{
	if (w->reasoning_open) {
		safe_out_end(&w->reas);
		fputc('\n', stderr);
		w->reasoning_open = 0;
	}
}

static void write_text(struct chat_writer *w, const char *s, size_t n)
{
	safe_out_write(&w->text, s, n);
	w->line_open = s[n - 1] != '\n';
}

static int sink_text(void *ctx, const char *s, size_t n)
{
	struct chat_writer *w = ctx;
	int first = w->first;

	end_reasoning(w);
	w->first = 0;
	if (w->fmt == OUT_JSON || w->no_stream)
		return 0;
	if (w->fmt == OUT_JSONL)
		emit_event(json_pack("{s:s, s:o}", "type", "delta", "text", prov_json_strn(s, n)));
	else
		write_text(w, s, n);
	/* the first words at once: the wait for them is what a user feels */
	return first ? out_flush(w) : 0;
}

static int sink_reasoning(void *ctx, const char *s, size_t n)
{
	struct chat_writer *w = ctx;

	if (w->fmt == OUT_JSONL) {
		emit_event(json_pack("{s:s, s:o}", "type", "reasoning", "text",
				     prov_json_strn(s, n)));
	} else if (w->show_reasoning) {
		safe_out_write(&w->reas, s, n);
		fflush(stderr);
		w->reasoning_open = s[n - 1] != '\n';
	}
	return 0;
}

static void sink_start(void *ctx, const struct turn *t)
{
	struct chat_writer *w = ctx;

	if (w->fmt == OUT_JSONL)
		emit_event(json_pack("{s:s, s:o, s:s, s:s}", "type", "start", "chat_id",
				     t->chat_id ? json_string(t->chat_id) : json_null(),
				     "model_name", t->model.model_name,
				     "provider_name", t->model.provider_name));
	/* out before the network; a failure's errno is kept for out_finish */
	out_flush_stdout();
}

static void sink_notice(void *ctx, const char *msg)
{
	fprintf(stderr, "%s: %s\n", t3_progname, msg);
}

static void sink_retry(void *ctx, const char *why, long wait_ms)
{
	end_reasoning(ctx);
	fprintf(stderr, "%s: %s; retrying in %.1f s\n", t3_progname, why, (double)wait_ms / 1000);
}

static void sink_request(void *ctx, const char *url, char *const *headers, size_t n)
{
	fprintf(stderr, "%s: POST %s\n", t3_progname, url);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%s:   %s\n", t3_progname, headers[i]);
}

static void sink_error(void *ctx, int code, const char *message)
{
	t3_error(code, "%s", message);
}

/* JSON null for NULL or "" (an id not made, no finish reason, no error) */
static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static json_t *first_token_ms(const struct turn *t)
{
	return t->first_ms >= 0 ? json_integer(t->first_ms) : json_null();
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

/* The --json object. The error message may carry bytes of a non-JSON
 * error body: prov_json_str keeps it valid JSON. */
static void print_json(const struct turn *t, const char *status, const char *when)
{
	json_t *j = json_object();

	json_object_set_new(j, "chat_id", str_or_null(t->chat_id));
	json_object_set_new(j, "message_id", str_or_null(t->ai_msg_id));
	json_object_set_new(j, "user_message_id", str_or_null(t->user_msg_id));
	json_object_set_new(j, "model_name", json_string(t->model.model_name));
	json_object_set_new(j, "provider_name", json_string(t->model.provider_name));
	json_object_set_new(j, "timestamp", json_string(when));
	json_object_set_new(j, "text", prov_json_str(t->text.buf));
	json_object_set_new(j, "reasoning", t->reasoning.len ? prov_json_str(t->reasoning.buf)
							      : json_null());
	json_object_set_new(j, "status", json_string(status));
	json_object_set_new(j, "finish_reason", str_or_null(t->res->finish_reason));
	add_usage(j, &t->usage);
	json_object_set_new(j, "first_token_ms", first_token_ms(t));
	json_object_set_new(j, "total_ms", json_integer(t->total_ms));
	json_object_set_new(j, "attempts", json_integer(t->attempts));
	json_object_set_new(j, "error", t->message ? prov_json_str(t->message) : json_null());
	emit_event(j);
}

/* The result after the answer: the --json object, the --jsonl usage and
 * done events, the text's final newline, -u on stderr. */
static void sink_done(void *ctx, const struct turn *t)
{
	struct chat_writer *w = ctx;
	const struct prov_result *res = t->res;
	char sbuf[USAGE_STATUS_MAX], when[TIME_ISO_LEN + 1];
	const char *status = usage_status_name(t->status, t->http_status, sbuf);

	end_reasoning(w);
	time_fmt_iso(when, time_now_ms());
	if (!w->gone) {
		if (w->fmt == OUT_JSON) {
			print_json(t, status, when);
		} else if (w->fmt == OUT_JSONL) {
			json_t *j = json_pack("{s:s}", "type", "usage");
			add_usage(j, &t->usage);
			emit_event(j);
			if (t->exit_code)
				emit_event(json_pack("{s:s, s:s, s:o}", "type", "error", "status",
						     status, "message", t->message ?
						     prov_json_str(t->message) : json_string("")));
			emit_event(json_pack("{s:s, s:s, s:o, s:o, s:o, s:I, s:s}", "type", "done",
					     "status", status,
					     "finish_reason", str_or_null(res->finish_reason),
					     "message_id", str_or_null(t->ai_msg_id),
					     "first_token_ms", first_token_ms(t),
					     "total_ms", (json_int_t)t->total_ms,
					     "timestamp", when));
		} else {
			if (w->no_stream && t->text.len)
				write_text(w, t->text.buf, t->text.len);
			safe_out_end(&w->text);
			/* a line, for wc -l and while read */
			if (w->line_open)
				fputc('\n', stdout);
		}
		out_flush(w);
	}
	if (w->usage) {
		fprintf(stderr, "%s: %s: %ld prompt + %ld completion tokens", t3_progname,
			t->model.model_name, res->prompt_tokens, res->completion_tokens);
		if (res->reasoning_tokens)
			fprintf(stderr, " (%ld reasoning)", res->reasoning_tokens);
		fprintf(stderr, "%s, $%.6f, first token ", t->usage.estimated ? " (estimated)" : "",
			t->usage.cost_usd);
		if (t->first_ms >= 0)
			fprintf(stderr, "%lld ms", (long long)t->first_ms);
		else
			fputc('-', stderr);
		fprintf(stderr, ", total %lld ms\n", (long long)t->total_ms);
	}
	/* an answer cut short says so; --json and --jsonl carry the reason */
	if (t->exit_code == 0 && w->fmt != OUT_JSON && w->fmt != OUT_JSONL) {
		enum prov_finish k = prov_finish_kind(res->finish_reason);
		if (k == PROV_FINISH_LENGTH)
			t3_warning("the answer was cut at the token limit (%s)", res->finish_reason);
		else if (k == PROV_FINISH_FILTER)
			t3_warning("the provider stopped the answer (%s)", res->finish_reason);
	}
}

void chat_sink_init(struct turn_sink *s, struct chat_writer *w, int verbose)
{
	const struct turn_sink sink = {
		sink_start, sink_text, sink_reasoning, out_flush, sink_notice, sink_retry,
		verbose ? sink_request : NULL, sink_done, sink_error, w
	};

	*s = sink;
	chat_writer_start(w);
}

void chat_writer_start(struct chat_writer *w)
{
	w->first = 1;
	w->reasoning_open = w->line_open = 0;
	safe_out_init(&w->text, stdout);
	safe_out_init(&w->reas, stderr);
}

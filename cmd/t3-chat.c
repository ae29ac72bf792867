/* t3-chat: one-shot chats with real providers, streamed, persisted,
 * metered and quota-checked. The turn itself is lib/turn.c; this file
 * holds the options, the sink that writes stdout and stderr, and the
 * exit codes. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chat-history.h"
#include "common.h"
#include "http.h"
#include "num.h"
#include "safe.h"
#include "timeutil.h"
#include "turn.h"

#define MAX_STDIN (64u << 20)        /* bytes of prompt read from stdin */

/* long-only options (the others have a short letter) */
enum {
	OPT_CHAT = OPT_COMMON_END, OPT_USER, OPT_TEMPERATURE, OPT_MAX_TOKENS,
	OPT_NO_STREAM, OPT_SHOW_REASONING, OPT_REASONING_EFFORT, OPT_RETRIES, OPT_TIMEOUT
};

static struct {
	struct common c;
	struct turn_opts t;
	int show_reasoning, usage, verbose;
} o = { .t = { .retries = -1, .stall_s = -1 } };

/* Ctrl-C and SIGTERM cancel the answer under way */
static volatile sig_atomic_t interrupted;

/* the sink's state: what stdout and stderr have been given */
struct writer {
	struct safe_out text;     /* the answer on stdout */
	struct safe_out reas;     /* reasoning on stderr */
	int first;                /* no answer text written yet */
	int gone;                 /* stdout failed: 141 (EPIPE) or T3_EDATA */
	int reasoning_open;       /* reasoning on stderr lacks its final newline */
	int line_open;            /* the answer written lacks its final newline */
};

static void usage(FILE *fp)
{
	fputs("usage: t3-chat [-m MODEL] [-s SYSTEM] [-c | --chat ID] [--user EMAIL]\n"
	      "               [--temperature T] [--max-tokens N]\n"
	      "               [--reasoning-effort low|medium|high] [--show-reasoning]\n"
	      "               [--no-stream] [--json | --jsonl] [-u] [-n] [-v]\n"
	      "               [--retries N] [--timeout SECONDS] [PROMPT...]\n"
	      "history: --list, --show, --search, --rm, --rename, --export, --import\n"
	      "         (t3-chat --list --help)\n"
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
	interrupted = 1;
}

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
	struct writer *w = ctx;

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
static void end_reasoning(struct writer *w)
{
	if (w->reasoning_open) {
		safe_out_end(&w->reas);
		fputc('\n', stderr);
		w->reasoning_open = 0;
	}
}

static void write_text(struct writer *w, const char *s, size_t n)
{
	safe_out_write(&w->text, s, n);
	w->line_open = s[n - 1] != '\n';
}

static int sink_text(void *ctx, const char *s, size_t n)
{
	struct writer *w = ctx;
	int first = w->first;

	end_reasoning(w);
	w->first = 0;
	if (o.c.fmt == OUT_JSON || o.t.no_stream)
		return 0;
	if (o.c.fmt == OUT_JSONL)
		emit_event(json_pack("{s:s, s:o}", "type", "delta", "text", prov_json_strn(s, n)));
	else
		write_text(w, s, n);
	/* the first words at once: the wait for them is what a user feels */
	return first ? out_flush(w) : 0;
}

static int sink_reasoning(void *ctx, const char *s, size_t n)
{
	struct writer *w = ctx;

	if (o.c.fmt == OUT_JSONL) {
		emit_event(json_pack("{s:s, s:o}", "type", "reasoning", "text",
				     prov_json_strn(s, n)));
	} else if (o.show_reasoning) {
		safe_out_write(&w->reas, s, n);
		fflush(stderr);
		w->reasoning_open = s[n - 1] != '\n';
	}
	return 0;
}

static void sink_start(void *ctx, const struct turn *t)
{
	if (o.c.fmt == OUT_JSONL)
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
	struct writer *w = ctx;
	const struct prov_result *res = t->res;
	char sbuf[USAGE_STATUS_MAX], when[TIME_ISO_LEN + 1];
	const char *status = usage_status_name(t->status, t->http_status, sbuf);

	end_reasoning(w);
	time_fmt_iso(when, time_now_ms());
	if (!w->gone) {
		if (o.c.fmt == OUT_JSON) {
			print_json(t, status, when);
		} else if (o.c.fmt == OUT_JSONL) {
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
			if (o.t.no_stream && t->text.len)
				write_text(w, t->text.buf, t->text.len);
			safe_out_end(&w->text);
			/* a line, for wc -l and while read */
			if (w->line_open)
				fputc('\n', stdout);
		}
		out_flush(w);
	}
	if (o.usage) {
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
	if (t->exit_code == 0 && o.c.fmt != OUT_JSON && o.c.fmt != OUT_JSONL) {
		enum prov_finish k = prov_finish_kind(res->finish_reason);
		if (k == PROV_FINISH_LENGTH)
			t3_warning("the answer was cut at the token limit (%s)", res->finish_reason);
		else if (k == PROV_FINISH_FILTER)
			t3_warning("the provider stopped the answer (%s)", res->finish_reason);
	}
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
	static const char optstring[] = ":m:s:cunvqh";
	struct config cfg = { 0 };
	struct turn t;
	struct writer w = { .first = 1 };
	struct turn_sink sink = {
		sink_start, sink_text, sink_reasoning, out_flush, sink_notice, sink_retry,
		NULL, sink_done, sink_error, &w
	};
	char *prompt = NULL;
	int opt, r, handled;

	/* --list, --show, --search, --rm, ...: the history, never a turn */
	r = chat_history_main(argc, argv, &handled);
	if (handled)
		return r;
	common_init(&o.c, "t3-chat");
	turn_init(&t);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
		if (opt != 'q' && common_option(&o.c, opt, optarg, usage))
			continue;
		switch (opt) {
		case 'm': o.t.model = optarg; break;
		case 's': o.t.system = optarg; break;
		case 'c': o.t.cont = 1; break;
		case OPT_CHAT: o.t.chat = optarg; break;
		case OPT_USER:
			/* an empty T3_USER counts as unset; an empty --user
			 * is a mistake, not a way to act as someone else */
			if (!*optarg) {
				r = t3_error(T3_EUSAGE, "the user given to --user is empty");
				goto out;
			}
			o.t.user = optarg;
			break;
		case OPT_TEMPERATURE:
			if (num_parse_double(optarg, 0, 2, &o.t.temperature)) {
				r = t3_error(T3_EUSAGE, "temperature '%s' must be a number from 0 to 2", optarg);
				goto out;
			}
			o.t.has_temperature = 1;
			break;
		case OPT_MAX_TOKENS:
			if ((r = turn_parse_long(optarg, "max tokens", 1, 100000000, &o.t.max_tokens)))
				goto out;
			break;
		case OPT_NO_STREAM: o.t.no_stream = 1; break;
		case OPT_SHOW_REASONING: o.show_reasoning = o.t.reasoning_text = 1; break;
		case OPT_REASONING_EFFORT:
			if (strcmp(optarg, "low") && strcmp(optarg, "medium") && strcmp(optarg, "high")) {
				r = t3_error(T3_EUSAGE, "reasoning effort '%s' must be low, medium or high", optarg);
				goto out;
			}
			o.t.effort = optarg;
			break;
		case 'u': o.usage = 1; break;
		case 'n': o.t.no_log = 1; break;
		case 'v': o.verbose = 1; break;
		case OPT_RETRIES:
			if ((r = turn_parse_long(optarg, "retries", 0, 10, &o.t.retries)))
				goto out;
			break;
		case OPT_TIMEOUT:
			if ((r = turn_parse_long(optarg, "timeout", 1, 3600, &o.t.stall_s)))
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
	if (o.t.cont && o.t.chat) {
		r = common_bad_usage("choose one of -c and --chat");
		goto out;
	}
	/* libcurl's TLS set-up overlaps the database work below */
	http_prepare();
	if ((r = read_prompt(argc - optind, argv + optind, &prompt)))
		goto out;
	if ((r = common_paths(&o.c)) || (r = config_load(&cfg, o.c.paths.config)))
		goto out;
	if ((r = turn_opts_config(&o.t, &cfg)))
		goto out;
	/* Ctrl-C and SIGTERM end a wait for a lock as they end a request */
	struct sigaction sa = { .sa_handler = on_sigint };   /* no SA_RESTART */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if ((r = common_open_user(&o.c)) || (r = common_open_data(&o.c)))
		goto out;
	if (interrupted) {	/* turn_prepare clears it for a new turn */
		r = T3_EINTR;
		goto out;
	}
	o.t.cancel = &interrupted;
	if (o.verbose)
		sink.request = sink_request;
	safe_out_init(&w.text, stdout);
	safe_out_init(&w.reas, stderr);
	if ((r = turn_prepare(&t, &o.c.udb, &o.c.ddb, &cfg, &o.t, prompt, &sink)))
		goto out;

	/* a stdout that failed has no message: out_finish, in common_exit,
	 * names a write error, or exits 141 quietly for a closed pipe */
	r = turn_send(&t);
out:
	turn_release(&t);
	free(prompt);
	config_release(&cfg);
	http_ready();
	return common_exit(&o.c, r);
}

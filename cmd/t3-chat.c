/* t3-chat: one-shot chats with real providers, streamed, persisted,
 * metered and quota-checked. The turn itself is lib/turn.c, the sink
 * that writes stdout and stderr cmd/chat-sink.c, the history modes
 * cmd/chat-history.c, --server-models cmd/chat-server.c; this file holds the options and the exit codes. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chat-history.h"
#include "chat-roles.h"
#include "chat-repl.h"
#include "chat-server.h"
#include "chat-sink.h"
#include "common.h"
#include "http.h"
#include "num.h"
#include "turn.h"

#define MAX_STDIN (64u << 20)        /* bytes of prompt read from stdin */

static struct {
	struct common c;
	struct turn_opts t;
	int show_reasoning, usage, verbose;
	const char **attach;	/* -a FILE..., in order */
	const char **options;	/* -o KEY=VALUE, in order */
	size_t noptions;
} o = { .t = { .retries = -1, .stall_s = -1 } };

/* Ctrl-C and SIGTERM cancel the answer under way */
static volatile sig_atomic_t interrupted;


static void usage(FILE *fp)
{
	fputs("usage: t3-chat [-m MODEL] [-s SYSTEM] [-c | --chat ID] [--user EMAIL]\n"
	      "               [--temperature T] [--max-tokens N]\n"
	      "               [--reasoning-effort low|medium|high] [--show-reasoning]\n"
	      "               [--no-stream] [--json | --jsonl] [-u] [-n] [-v]\n"
	      "               [--retries N] [--timeout SECONDS] [-a FILE]... [PROMPT...]\n"
	      "       t3-chat [--title TEXT | --no-title] [options] PROMPT...\n"
	      "       t3-chat [-c | --chat ID] [--from MSGID] [options] PROMPT...\n"
	      "       t3-chat --retry [-m MODEL] [-c | --chat ID] [--from MSGID] [options]\n"
	      "       t3-chat --branch MSGID [options] [PROMPT...]\n"
	      "history: --list, --show, --search, --rm, --rename, --export, --import\n"
	      "         (t3-chat --list --help)\n"
	      "roles:   --save-role NAME -s TEXT, --roles, --rm-role NAME\n"
	      "         (t3-chat --roles --help)\n"
	      "servers: --server-models PROVIDER, the models a server lists\n"
	      "         (t3-chat --server-models x --help)\n"
	      "\n"
	      "The prompt is the arguments; when standard input is not a terminal its\n"
	      "content follows them, after a blank line (arguments: the instruction,\n"
	      "stdin: the material), e.g.  git diff | t3-chat -m sonnet 'review this'\n"
	      "With no prompt and a terminal on stdin: an interactive session (/help there).\n"
	      "\n"
	      "  -m, --model MODEL     a name from 't3-models list'; else a continued chat's\n"
	      "                        model, T3_MODEL, or 'model = ...' in the config file;\n"
	      "                        -m echo is offline\n"
	      "  -s, --system TEXT     system prompt (stored with a new chat)\n"
	      "  -a, --attach FILE     send an image (PNG, JPEG, WebP, GIF) or a PDF with the\n"
	      "                        prompt, or quote a text file into it; repeatable\n"
	      "      --role NAME       a saved role's prompt as the system prompt (not with -s)\n"
	      "  -o, --option KEY=VALUE  a provider option beyond the flags above, checked\n"
	      "                        against the model's API: top_p, top_k, seed, stop,\n"
	      "                        frequency_penalty, presence_penalty (repeatable)\n"
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
	      "      --title TEXT      a new chat's title (no title call)\n"
	      "      --no-title        no title call (or 'titles = off' in the config); else\n"
	      "                        a model ('title_model = ...', else the chat's) titles\n"
	      "                        a new chat after its first answer\n"
	      "      --from MSGID      go on from that message of the chat (a retry's other\n"
	      "                        answer), not its newest\n"
	      "      --retry           answer the chat's last question again (-m: another\n"
	      "                        model); both answers are kept, as siblings\n"
	      "      --branch MSGID    a new chat with a copy of the history up to that\n"
	      "                        message, then PROMPT in it; without one, its id\n"
	      "      --user-db PATH, --data-db PATH, --help, --version\n"
	      "exit: 0 ok, 1 not found, 2 usage, 3 local data/config, 4 network or cut-off\n"
	      "      stream, 5 provider error or no answer text, 6 quota/model policy,\n"
	      "      130 interrupted, 141 standard output closed\n", fp);
}

static void on_sigint(int sig)
{
	interrupted = 1;
}

/* ---- reading the prompt ---- */

static int read_prompt(int argc, char **argv, int optional, char **out)
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
		*out = NULL;
		if (optional)
			return 0;
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
	struct config cfg = { 0 };
	struct turn t;
	struct chat_writer w = { 0 };
	struct turn_sink sink;
	char *prompt = NULL;
	enum chat_mode mode;
	int opt, idx, r;

	common_init(&o.c, "t3-chat");
	/* --list, --show, ...: the history; --save-role, --roles, --rm-role:
	 * the saved system prompts; --server-models: a server's list; never
	 * a turn */
	if ((r = chat_mode_of(argc, argv, &mode)))
		return common_exit(&o.c, r);
	if (CM_IS_HISTORY(mode))
		return chat_history_main(mode, argc, argv);
	if (CM_IS_ROLES(mode))
		return chat_roles_main(mode, argc, argv);
	if (mode == CM_SERVER_MODELS)
		return chat_server_main(argc, argv);
	turn_init(&t);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, CHAT_OPTSTRING, chat_longopts, &idx)) != -1) {
		if (opt != 'q' && common_option(&o.c, opt, optarg, usage))
			continue;
		switch (opt) {
		case 'm': o.t.model = optarg; break;
		case 's': o.t.system = optarg; break;
		case 'a':
			o.attach = xrealloc(o.attach, (o.t.nattach + 1) * sizeof *o.attach);
			o.attach[o.t.nattach++] = optarg;
			break;
		case 'c': o.t.cont = 1; break;
		case CO_CHAT: o.t.chat = optarg; break;
		case CO_USER:
			/* an empty T3_USER counts as unset; an empty --user
			 * is a mistake, not a way to act as someone else */
			if (!*optarg) {
				r = t3_error(T3_EUSAGE, "the user given to --user is empty");
				goto out;
			}
			o.t.user = optarg;
			break;
		case CO_TEMPERATURE:
			if (num_parse_double(optarg, 0, 2, &o.t.temperature)) {
				r = t3_error(T3_EUSAGE, "temperature '%s' must be a number from 0 to 2", optarg);
				goto out;
			}
			o.t.has_temperature = 1;
			break;
		case CO_MAX_TOKENS:
			if ((r = turn_parse_long(optarg, "max tokens", 1, 100000000, &o.t.max_tokens)))
				goto out;
			break;
		case CO_NO_STREAM: o.t.no_stream = 1; break;
		case CO_SHOW_REASONING: o.show_reasoning = o.t.reasoning_text = 1; break;
		case CO_REASONING_EFFORT:
			if (strcmp(optarg, "low") && strcmp(optarg, "medium") && strcmp(optarg, "high")) {
				r = t3_error(T3_EUSAGE, "reasoning effort '%s' must be low, medium or high", optarg);
				goto out;
			}
			o.t.effort = optarg;
			break;
		case CO_ROLE: o.t.role = optarg; break;
		case 'o':
			o.options = xrealloc(o.options, (o.noptions + 1) * sizeof *o.options);
			o.options[o.noptions++] = optarg;
			break;
		case 'u': o.usage = 1; break;
		case 'n': case CO_NO_LOG: o.t.no_log = 1; break;
		case 'v': o.verbose = 1; break;
		case CO_RETRIES:
			if ((r = turn_parse_long(optarg, "retries", 0, 10, &o.t.retries)))
				goto out;
			break;
		case CO_TIMEOUT:
			if ((r = turn_parse_long(optarg, "timeout", 1, 3600, &o.t.stall_s)))
				goto out;
			break;
		case CO_TITLE: o.t.title = optarg; break;
		case CO_NO_TITLE: o.t.no_title = 1; break;
		case CO_FROM: o.t.from = optarg; break;
		case CO_BRANCH: o.t.branch = optarg; break;
		case CO_RETRY: o.t.retry = 1; break;
		case 'q':
			r = common_bad_usage("-q does not apply to t3-chat");
			goto out;
		case ':': case '?':
			r = common_getopt_error(opt, argv, CHAT_OPTSTRING);
			goto out;
		default:   /* a history mode's (-y, --since, ...) */
			r = chat_not_here(opt, idx, CM_TURN);
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
	if (o.t.role && o.t.system) {
		r = common_bad_usage("choose one of --role and -s");
		goto out;
	}
	o.t.attach = (const char *const *)o.attach;
	o.t.options = o.options;
	o.t.noptions = o.noptions;
	if (optind == argc && isatty(STDIN_FILENO) && !o.t.retry && !o.t.branch) {
		/* no prompt and a terminal: the interactive session */
		struct chat_repl_opts ro = { o.show_reasoning, o.usage, o.verbose };
		if (o.t.nattach || o.t.title || o.t.from) {
			r = common_bad_usage("%s goes with a prompt: the interactive session "
					     "takes none", o.t.nattach ? "-a" : o.t.title ? "--title" : "--from");
			goto out;
		}
		r = chat_repl_main(&o.c, &cfg, &o.t, &ro);
		goto out;
	}
	/* libcurl's TLS set-up overlaps the database work below */
	http_prepare();
	/* --retry and --branch: a prompt only if given */
	if ((r = read_prompt(argc - optind, argv + optind, o.t.retry || o.t.branch, &prompt)) ||
	    (r = turn_opts_check(&o.t, prompt != NULL)))
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
	w.fmt = o.c.fmt;
	w.no_stream = o.t.no_stream;
	w.show_reasoning = o.show_reasoning;
	w.usage = o.usage;
	chat_sink_init(&sink, &w, o.verbose);
	if ((r = turn_prepare(&t, &o.c.udb, &o.c.ddb, &cfg, &o.t, prompt, &sink)))
		goto out;
	if (o.t.branch && !prompt) {   /* the branch alone: its id */
		printf("%s\n", t.chat_id);
		goto out;
	}

	/* a stdout that failed has no message: out_finish, in common_exit,
	 * names a write error, or exits 141 quietly for a closed pipe */
	r = turn_send(&t);
	/* the title after the answer is out; its outcome is not the chat's */
	fflush(stdout);
	turn_title(&t, &cfg);
out:
	turn_release(&t);
	free(prompt);
	free(o.attach);
	free(o.options);
	config_release(&cfg);
	http_ready();
	return common_exit(&o.c, r);
}

/* chat-history.c: t3-chat's history modes. A mode is chosen by an
 * option, never by a prompt word: `t3-chat logs` is a prompt, `t3-chat
 * --list` a listing. Every mode acts for the acting user alone; another
 * user's chat is not found. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "chat-history.h"
#include "chat-opts.h"
#include "chats.h"
#include "common.h"
#include "config.h"
#include "safe.h"
#include "timeutil.h"
#include "turn.h"
#include "users.h"

#define EXPORT_FORMAT "t3-chat-export"
#define EXPORT_VERSION 1

/* the options a mode may or may not take, as bits for common_only */
enum { K_MODEL, K_N, K_SINCE, K_UNTIL, K_OLDER, K_YES, K_FORMAT, K_JSON, K_JSONL, K_TSV,
       K_CSV, K_Q };
static const char *const knob_names[] = {
	"-m", "-n", "--since", "--until", "--older-than", "-y", "--format", "--json",
	"--jsonl", "--tsv", "--csv", "-q"
};
#define BIT(k) (1ull << (k))
#define K_TABLES (BIT(K_JSON) | BIT(K_JSONL) | BIT(K_TSV) | BIT(K_CSV) | BIT(K_Q))
static const unsigned long long mode_allows[] = {
	[CM_LIST] = BIT(K_MODEL) | BIT(K_N) | BIT(K_SINCE) | BIT(K_UNTIL) | K_TABLES,
	[CM_SHOW] = BIT(K_FORMAT) | BIT(K_JSON),
	[CM_SEARCH] = BIT(K_N) | K_TABLES,
	[CM_RM] = BIT(K_OLDER) | BIT(K_YES),
	[CM_RENAME] = 0,
	[CM_EXPORT] = BIT(K_FORMAT) | BIT(K_JSON),
	[CM_IMPORT] = 0,
};

struct hist {
	struct common c;
	enum chat_mode mode;
	unsigned long long seen;
	const char *model, *user, *format;
	long limit;
	int64_t since, until, older;
	struct user u;     /* the acting user; user_id "" when the local one is not made yet */
	int user_tx;       /* the local account is being made: user.db's transaction is open */
	struct config cfg;
};

void chat_history_usage(FILE *fp)
{
	fputs("       t3-chat -l | --list [-m MODEL] [--since DATE] [--until DATE] [-n N]\n"
	      "               [--json | --jsonl | --tsv | --csv | -q] [TEXT...]\n"
	      "       t3-chat --show [--format text|md|json | --json] [ID]\n"
	      "       t3-chat --search [-n N] [--json | --jsonl | --tsv | --csv | -q] WORD...\n"
	      "       t3-chat --rm [-y] ID... | - | --older-than DATE\n"
	      "       t3-chat --rename ID TITLE...\n"
	      "       t3-chat --export [--format json|md] ID... | -\n"
	      "       t3-chat --import FILE | -\n", fp);
}

static void usage(FILE *fp)
{
	fputs("usage: t3-chat [options] [PROMPT...]   (see t3-chat --help)\n", fp);
	chat_history_usage(fp);
	fputs("\n"
	      "Chat history, the acting user's only (--user EMAIL, T3_USER, the config's\n"
	      "user, else local@localhost). ID: a chat id or a unique prefix of 4 or more\n"
	      "characters; '-': ids one per line on standard input. DATE: ISO-8601\n"
	      "(2026-11-25, 2026-11-25T15:37Z) or an age: 90m, 12h, 30d, 4w.\n"
	      "\n"
	      "  -l, --list       chats, most recently active first; TEXT: in the title\n"
	      "                   or a message; -m: a chat with that model\n"
	      "      --show       a transcript; without ID the latest chat\n"
	      "      --search     messages with every word, best match first, a snippet\n"
	      "                   each; WORD* matches a prefix\n"
	      "      --rm         remove chats with their messages (asks on a terminal\n"
	      "                   unless -y, --yes); their usage rows stay\n"
	      "      --rename     set a chat's title\n"
	      "      --export     chats as JSON (for --import) or Markdown\n"
	      "      --import     chats exported by --export, all or nothing; ids kept,\n"
	      "                   new ones where taken; prints the chat ids\n"
	      "Chat turns on the history (t3-chat --help): --retry answers a chat's last\n"
	      "question again, --from MSGID goes on from an earlier message, --branch\n"
	      "MSGID copies the history up to one into a new chat.\n"
	      "exit: 0 ok, 1 not found or not confirmed, 2 usage, 3 local data\n", fp);
}

/* ---- helpers ---- */

static int parse_count(const char *s, long *out)
{
	char *end;
	long v;
	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < 1 || v > 1000000000)
		return common_bad_usage("count '%s' must be an integer from 1 to 1000000000", s);
	*out = v;
	return 0;
}

/* ISO-8601, or an age before now: N followed by m, h, d or w. */
static int parse_when(const char *s, const char *opt, int64_t *out)
{
	static const struct { char c; int64_t ms; } units[] = {
		{ 'm', 60000 }, { 'h', 3600000 }, { 'd', 86400000 }, { 'w', 604800000 }
	};
	size_t n = strspn(s, "0123456789");

	if (n && n <= 9 && s[n] && !s[n + 1])
		for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
			if (s[n] == units[i].c) {
				*out = time_now_ms() - atol(s) * units[i].ms;
				return 0;
			}
	if (!time_parse_iso(s, out))
		return 0;
	return common_bad_usage("%s '%s' is neither an ISO-8601 date (2026-11-25, "
				"2026-11-25T15:37Z) nor an age (90m, 12h, 30d, 4w)", opt, s);
}

/* The acting user, as a chat turn finds it; create: make the local
 * account when it is the one and does not exist yet (for --import), in
 * a transaction left open (h->user_tx) for the caller to end, else leave
 * user_id empty, so that every query finds nothing. */
static int find_user(struct hist *h, int create)
{
	int r = turn_acting_user(&h->c.udb, &h->cfg, h->user,
				 create ? TURN_USER_MAKE_OPEN : TURN_USER_FIND, &h->u);
	h->user_tx = !r && h->c.udb.in_tx;
	return r;
}

/* Chat ids: the arguments, or with a lone '-' standard input's lines;
 * each resolved (a prefix to its chat), once, in order. All are checked
 * before anything is done. */
static int resolve_ids(struct hist *h, int argc, char **argv, char ***out, size_t *n)
{
	char **words = NULL;
	int nw = 0, r = 0;

	*out = xcalloc((size_t)argc + 1, sizeof **out);
	*n = 0;
	if (argc == 1 && !strcmp(argv[0], "-")) {
		words = common_read_words(stdin, &nw);
		argv = words;
		argc = nw;
		*out = xrealloc(*out, ((size_t)nw + 1) * sizeof **out);
		if (!nw)
			r = common_bad_usage("no chat ids on standard input");
	}
	for (int i = 0; !r && i < argc; i++) {
		struct chat c;
		int dup = 0;
		if ((r = chats_resolve(&h->c.ddb, h->u.user_id, argv[i], &c)))
			break;
		for (size_t j = 0; j < *n; j++)
			dup |= !strcmp((*out)[j], c.chat_id);
		if (!dup)
			(*out)[(*n)++] = xstrdup(c.chat_id);
		chat_release(&c);
	}
	common_free_words(words);
	return r;
}

/* Text from the data for a line on a terminal: controls shown, not run. */
static void safe_member(json_t *row, const char *key)
{
	json_t *v = json_object_get(row, key);
	struct strbuf sb = STRBUF_INIT;
	if (!json_is_string(v))
		return;
	safe_append(&sb, json_string_value(v), json_string_length(v));
	json_object_set_new(row, key, json_stringn(sb.buf, sb.len));
	sb_release(&sb);
}

struct rows {
	struct out out;
	int tty;          /* text formats on a terminal: titles made safe */
	json_t *seen;     /* -q of a search: each chat once */
};

static int put_row(void *ctx, const char *json, size_t len)
{
	struct rows *rw = ctx;
	json_t *row;

	if (!rw->tty && !rw->seen) {
		out_row_text(&rw->out, json, len);
		return 0;
	}
	row = json_loadb(json, len, 0, NULL);
	if (!row)
		BUG("a row that is not JSON");
	if (rw->seen) {
		const char *id = json_string_value(json_object_get(row, "chat_id"));
		if (json_object_get(rw->seen, id)) {
			json_decref(row);
			return 0;
		}
		json_object_set_new(rw->seen, id, json_true());
	}
	if (rw->tty) {
		safe_member(row, "title");
		safe_member(row, "snippet");
	}
	out_row_new(&rw->out, row);
	return 0;
}

static void rows_begin(struct hist *h, struct rows *rw, const struct out_col *cols, int ncols)
{
	enum out_fmt fmt = h->c.fmt_set ? h->c.fmt : OUT_TABLE;
	memset(rw, 0, sizeof *rw);
	rw->tty = fmt != OUT_JSON && fmt != OUT_JSONL && isatty(STDOUT_FILENO);
	out_begin(&rw->out, fmt, cols, ncols, 0);
}

static char *join_words(int argc, char **argv)
{
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < argc; i++) {
		if (i)
			sb_addc(&sb, ' ');
		sb_adds(&sb, argv[i]);
	}
	return sb_detach(&sb, NULL);
}

/* ---- the modes ---- */

static int do_list(struct hist *h, int argc, char **argv)
{
	static const struct out_col cols[] = {
		{ "chat_id", "ID" }, { "updated_at", "UPDATED" }, { "message_count", "MSGS" },
		{ "model_default", "MODEL" }, { "title", "TITLE" },
	};
	struct chats_filter f = { .user_id = h->u.user_id, .model = h->model, .since = h->since,
				  .until = h->until, .limit = h->limit };
	struct rows rw;
	char *text = argc ? join_words(argc, argv) : NULL;
	int r;

	f.text = text;
	rows_begin(h, &rw, cols, 5);
	r = chats_list(&h->c.ddb, &f, put_row, &rw);
	out_end(&rw.out);
	free(text);
	return r;
}

static int do_search(struct hist *h, int argc, char **argv)
{
	static const struct out_col cols[] = {
		{ "chat_id", "CHAT" }, { "timestamp", "WHEN" }, { "sender_type", "FROM" },
		{ "title", "TITLE" }, { "snippet", "SNIPPET" },
	};
	struct rows rw;
	char *text;
	int r;

	if (!argc)
		return common_bad_usage("--search needs the words to look for");
	text = join_words(argc, argv);
	rows_begin(h, &rw, cols, 5);
	if (rw.out.fmt == OUT_IDS)
		rw.seen = json_object();
	r = chats_search(&h->c.ddb, h->u.user_id, text, h->limit, put_row, &rw);
	out_end(&rw.out);
	json_decref(rw.seen);
	free(text);
	return r;
}

/* -- transcripts: plain text and Markdown -- */

static void put(struct safe_out *so, const char *s)
{
	safe_out_write(so, s, strlen(s));
}

static const char *member(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* Text, then a newline unless it ends with one. */
static void put_block(struct safe_out *so, const char *s, size_t n)
{
	safe_out_write(so, s, n);
	if (!n || s[n - 1] != '\n')
		put(so, "\n");
}

struct transcript {
	struct safe_out so;
	int md;
};

static int put_message(void *ctx, const struct chat_row *m)
{
	struct transcript *t = ctx;
	struct safe_out *so = &t->so;
	char iso[TIME_ISO_LEN + 1];
	int ai = !strcmp(m->sender_type, "ai"), md = t->md;

	put(so, md ? "\n## " : "\n--- ");
	put(so, ai ? *m->model_used ? m->model_used : "ai" : "user");
	put(so, md ? " · " : ", ");
	put(so, time_fmt_iso(iso, m->timestamp));
	if (ai && strcmp(m->status, "complete")) {
		put(so, md ? " · *" : ", ");
		put(so, m->status);
		put(so, md ? "*" : "");
	}
	/* a retry's answers side by side, and which one the chat goes on from */
	if (m->siblings > 1) {
		char nth[64];
		snprintf(nth, sizeof nth, "%s %d of %d", ai ? "answer" : "question", m->sibling,
			 m->siblings);
		put(so, md ? " · *" : ", ");
		put(so, nth);
		put(so, m->on_path ? ", continued" : "");
		put(so, md ? "*" : "");
	}
	put(so, md ? "\n\n" : "\n");
	put_block(so, m->text, m->text_len);
	if (!m->answered)
		put(so, md ? "\n*(no answer)*\n" : "--- no answer\n");
	return 0;
}

/* One chat as a transcript: plain (md = 0) or Markdown. */
static int put_transcript(struct db *ddb, const struct chat *c, int md)
{
	struct transcript t = { .md = md };
	struct safe_out *so = &t.so;
	char iso[TIME_ISO_LEN + 1];
	int r;

	safe_out_init(so, stdout);
	put(so, md ? "# " : "");
	put(so, *c->title ? c->title : "(untitled)");
	put(so, md ? "\n\n- chat: `" : "\nchat ");
	put(so, c->chat_id);
	put(so, md ? "`\n- created: " : ", created ");
	put(so, time_fmt_iso(iso, c->created_at));
	if (c->model_default && *c->model_default) {
		put(so, md ? "\n- model: " : ", model ");
		put(so, c->model_default);
	}
	if (c->branched_from) {
		put(so, md ? "\n- branched from: `" : ", branched from ");
		put(so, c->branched_from);
		put(so, md ? "`" : "");
	}
	put(so, "\n");
	if (c->system_prompt && *c->system_prompt) {
		put(so, md ? "- system prompt:\n\n```\n" : "system: ");
		put_block(so, c->system_prompt, strlen(c->system_prompt));
		if (md)
			put(so, "```\n");
	}
	r = chats_each_message(ddb, c->chat_id, put_message, &t);
	safe_out_end(so);
	out_check_pipe(stdout);
	return r;
}

/* --format for --show (text, md, json) and --export (json, md). */
static int pick_format(struct hist *h, int show, int *fmt)
{
	const char *f = h->format ? h->format : (h->seen & BIT(K_JSON)) || !show ? "json" : "text";

	if ((h->seen & BIT(K_JSON)) && h->format && strcmp(h->format, "json"))
		return common_bad_usage("choose one of --json and --format %s", h->format);
	*fmt = !strcmp(f, "json") ? 2 : !strcmp(f, "md") ? 1 : show && !strcmp(f, "text") ? 0 : -1;
	if (*fmt < 0)
		return common_bad_usage("format '%s' must be %s", f, show ? "text, md or json" :
					"json or md");
	return 0;
}

static int do_show(struct hist *h, int argc, char **argv)
{
	struct strbuf sb = STRBUF_INIT;
	struct chat c;
	int fmt, r;

	if ((r = pick_format(h, 1, &fmt)) || (r = common_nargs("--show", argc, 0, 1)))
		return r;
	if (argc)
		r = chats_resolve(&h->c.ddb, h->u.user_id, argv[0], &c);
	else if ((r = chats_last(&h->c.ddb, h->u.user_id, &c)) == T3_ENEG)
		return t3_error(T3_ENEG, "no chat to show");
	if (r)
		return r;
	if (fmt != 2) {
		r = put_transcript(&h->c.ddb, &c, fmt);
	} else if (!(r = chats_json(&h->c.ddb, c.chat_id, &sb))) {
		sb_addc(&sb, '\n');
		fwrite(sb.buf, 1, sb.len, stdout);
	}
	sb_release(&sb);
	chat_release(&c);
	return r;
}

/* One JSON line: {"format":..., "version":..., "chats":[...]}, the
 * chats as --show --json writes them. */
static int do_export(struct hist *h, int argc, char **argv)
{
	struct strbuf sb = STRBUF_INIT;
	char **ids;
	size_t n;
	int fmt, r;

	if ((r = pick_format(h, 0, &fmt)))
		return r;
	if (!argc)
		return common_bad_usage("--export needs chat ids, or '-' to read them from standard input");
	if ((r = resolve_ids(h, argc, argv, &ids, &n)))
		goto out;
	if (fmt == 2)
		sb_addf(&sb, "{\"format\":\"%s\",\"version\":%d,\"chats\":[", EXPORT_FORMAT,
			EXPORT_VERSION);
	for (size_t i = 0; i < n && !r; i++) {
		struct chat c;
		if (fmt == 2) {
			if (i)
				sb_addc(&sb, ',');
			r = chats_json(&h->c.ddb, ids[i], &sb);
			continue;
		}
		if (i)
			fputs("\n---\n\n", stdout);
		if (!(r = chats_resolve(&h->c.ddb, h->u.user_id, ids[i], &c))) {
			r = put_transcript(&h->c.ddb, &c, 1);
			chat_release(&c);
		}
	}
	if (!r && fmt == 2) {
		sb_adds(&sb, "]}\n");
		fwrite(sb.buf, 1, sb.len, stdout);
	}
out:
	sb_release(&sb);
	chats_ids_free(ids, n);
	return r;
}

static int do_import(struct hist *h, int argc, char **argv)
{
	json_error_t jerr;
	json_t *in, *chats, *chat;
	struct strbuf ids = STRBUF_INIT, notes = STRBUF_INIT;
	char what[64], id[UUID_STRLEN + 1];
	long long version;
	size_t i;
	int r;

	if ((r = common_nargs("--import", argc, 1, 1)))
		return r;
	in = strcmp(argv[0], "-") ? json_load_file(argv[0], 0, &jerr) :
	     json_loadf(stdin, 0, &jerr);
	if (!in)
		return t3_error(T3_EUSAGE, "'%s': not JSON (%s, line %d)", argv[0], jerr.text, jerr.line);
	chats = json_object_get(in, "chats");
	if (strcmp(member(in, "format"), EXPORT_FORMAT) || !json_is_array(chats)) {
		json_decref(in);
		return t3_error(T3_EUSAGE, "'%s' is not an export of t3-chat", argv[0]);
	}
	version = json_integer_value(json_object_get(in, "version"));
	if (version != EXPORT_VERSION) {
		json_decref(in);
		return t3_error(T3_EUSAGE, "'%s' is an export of version %lld; this t3-chat reads "
				"version %d", argv[0], version, EXPORT_VERSION);
	}
	if ((r = find_user(h, 1)) || (r = db_begin(&h->c.ddb)))
		goto out;
	json_array_foreach(chats, i, chat) {
		snprintf(what, sizeof what, "'%s': chats[%zu]", argv[0], i);
		t3_error_context = what;
		r = chats_from_json(&h->c.ddb, h->u.user_id, chat, id);
		t3_error_context = NULL;
		if (r)
			break;
		if (strcmp(id, member(chat, "chat_id")))
			sb_addf(&notes, "%s: chat '%s' exists already: imported as '%s'\n",
				t3_progname, member(chat, "chat_id"), id);
		sb_addf(&ids, "%s\n", id);
	}
	/* the account made for the import, then the chats: a file that
	 * fails leaves neither */
	if (!r && h->user_tx && !(r = db_commit(&h->c.udb)))
		h->user_tx = 0;
	if (r || (r = db_commit(&h->c.ddb))) {
		db_rollback(&h->c.ddb);
	} else {
		fputs(notes.buf, stderr);
		fwrite(ids.buf, 1, ids.len, stdout);
	}
out:
	if (h->user_tx)
		db_rollback(&h->c.udb);
	sb_release(&ids);
	sb_release(&notes);
	json_decref(in);
	return r;
}

static int confirm_rm(struct hist *h, char **ids, size_t n)
{
	struct strbuf q = STRBUF_INIT;
	struct chat c;
	int yes;

	if (n == 1 && !chats_resolve(&h->c.ddb, h->u.user_id, ids[0], &c)) {
		sb_addf(&q, "remove chat %s '", c.chat_id);
		safe_append(&q, c.title, strlen(c.title));
		sb_adds(&q, "' with its messages?");
		chat_release(&c);
	} else {
		sb_addf(&q, "remove %zu chats with their messages?", n);
	}
	yes = common_confirm(q.buf);
	sb_release(&q);
	return yes;
}

static int do_rm(struct hist *h, int argc, char **argv)
{
	char **ids = NULL;
	size_t n = 0;
	int yes = !!(h->seen & BIT(K_YES)), r;

	if (argc && (h->seen & BIT(K_OLDER)))
		return common_bad_usage("choose chat ids or --older-than");
	if (!argc && !(h->seen & BIT(K_OLDER)))
		return common_bad_usage("--rm needs chat ids, '-' to read them from standard "
					"input, or --older-than DATE");
	if (!yes && !isatty(STDIN_FILENO))
		return common_bad_usage("refusing to remove without a terminal to ask: use -y");
	if (h->seen & BIT(K_OLDER))
		r = chats_older_than(&h->c.ddb, h->u.user_id, h->older, &ids, &n);
	else
		r = resolve_ids(h, argc, argv, &ids, &n);
	if (r || !n)
		goto out;
	if (!yes && !confirm_rm(h, ids, n)) {
		r = t3_error(T3_ENEG, "not removed");
		goto out;
	}
	if ((r = db_begin(&h->c.ddb)))
		goto out;
	for (size_t i = 0; i < n && !r; i++)
		r = chats_remove(&h->c.ddb, h->u.user_id, ids[i]);
	if (r || (r = db_commit(&h->c.ddb)))
		db_rollback(&h->c.ddb);
	else if (h->seen & BIT(K_OLDER))
		fprintf(stderr, "%s: removed %zu chat%s\n", t3_progname, n, n == 1 ? "" : "s");
out:
	chats_ids_free(ids, n);
	return r;
}

static int do_rename(struct hist *h, int argc, char **argv)
{
	struct chat c;
	char *title;
	int r;

	if ((r = common_nargs("--rename", argc, 2, -1)))
		return r;
	title = join_words(argc - 1, argv + 1);
	if ((r = chats_check_title(title)) || (r = chats_resolve(&h->c.ddb, h->u.user_id, argv[0], &c)))
		goto out;
	if (!(r = db_begin(&h->c.ddb))) {
		if ((r = chats_rename(&h->c.ddb, c.chat_id, title)) || (r = db_commit(&h->c.ddb)))
			db_rollback(&h->c.ddb);
	}
	chat_release(&c);
out:
	free(title);
	return r;
}

/* ---- options ---- */

static int knob_of(int opt)
{
	switch (opt) {
	case 'm': return K_MODEL;
	case 'n': return K_N;
	case CO_SINCE: return K_SINCE;
	case CO_UNTIL: return K_UNTIL;
	case CO_OLDER: return K_OLDER;
	case 'y': return K_YES;
	case CO_FORMAT: return K_FORMAT;
	case OPT_JSON: return K_JSON;
	case OPT_JSONL: return K_JSONL;
	case OPT_TSV: return K_TSV;
	case OPT_CSV: return K_CSV;
	case 'q': return K_Q;
	default: return -1;
	}
}

static int parse_options(struct hist *h, int argc, char **argv)
{
	int opt, idx, r, k;

	opterr = 0;
	optind = 0;
	while ((opt = getopt_long(argc, argv, CHAT_HISTORY_OPTSTRING, chat_longopts, &idx)) != -1) {
		if ((k = knob_of(opt)) >= 0)
			h->seen |= BIT(k);
		if (opt == OPT_HELP || opt == 'h' || opt == OPT_VERSION || opt == OPT_USER_DB ||
		    opt == OPT_DATA_DB || k >= K_JSON) {
			common_option(&h->c, opt, optarg, usage);
			continue;
		}
		switch (opt) {
		case 'l': case CO_SHOW: case CO_SEARCH: case CO_RM: case CO_RENAME: case CO_EXPORT:
		case CO_IMPORT:
			break;
		case 'm': h->model = optarg; break;
		case 'n':
			if ((r = parse_count(optarg, &h->limit)))
				return r;
			break;
		case CO_SINCE:
			if ((r = parse_when(optarg, "--since", &h->since)))
				return r;
			break;
		case CO_UNTIL:
			if ((r = parse_when(optarg, "--until", &h->until)))
				return r;
			break;
		case CO_OLDER:
			if ((r = parse_when(optarg, "--older-than", &h->older)))
				return r;
			break;
		case 'y': break;
		case CO_FORMAT: h->format = optarg; break;
		case CO_USER:
			if (!*optarg)
				return t3_error(T3_EUSAGE, "the user given to --user is empty");
			h->user = optarg;
			break;
		case ':': case '?':
			return common_getopt_error(opt, argv, CHAT_HISTORY_OPTSTRING);
		default:   /* a turn's or a role mode's */
			return chat_not_here(opt, idx, h->mode);
		}
	}
	return common_only(chat_mode_name(h->mode), h->seen, mode_allows[h->mode], knob_names,
			   (int)(sizeof knob_names / sizeof knob_names[0]));
}

int chat_history_main(enum chat_mode mode, int argc, char **argv)
{
	static int (*const run[])(struct hist *, int, char **) = {
		[CM_LIST] = do_list, [CM_SHOW] = do_show, [CM_SEARCH] = do_search, [CM_RM] = do_rm,
		[CM_RENAME] = do_rename, [CM_EXPORT] = do_export, [CM_IMPORT] = do_import,
	};
	struct hist h = { .mode = mode, .since = -1, .until = -1 };
	int r;

	common_init(&h.c, "t3-chat");
	if ((r = parse_options(&h, argc, argv)))
		goto out;
	if ((r = common_paths(&h.c)) || (r = config_load(&h.cfg, h.c.paths.config)) ||
	    (r = common_open_user(&h.c)) || (r = common_open_data(&h.c)))
		goto out;
	/* --import makes the local account if need be, once the file is read */
	if (h.mode != CM_IMPORT && (r = find_user(&h, 0)))
		goto out;
	r = run[h.mode](&h, argc - optind, argv + optind);
out:
	user_release(&h.u);
	config_release(&h.cfg);
	optind = 0;
	return common_exit(&h.c, r);
}

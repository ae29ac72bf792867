/* chat-repl.c: t3-chat's interactive session (see chat-repl.h).
 *
 * readline's callback interface: the loop waits in pselect(2) for a key
 * or a signal and hands each key to readline, which calls on_line() with
 * a whole line. readline installs no signal handler (rl_catch_signals 0):
 * ours only set flags. Ctrl-C at the prompt clears the line; while an
 * answer streams it sets the turn's cancel flag, and lib/turn stops the
 * answer within ~50 ms and stores what came as interrupted. A line is
 * handled with readline's handler removed, so the terminal is as
 * readline found it while an answer streams or an editor runs. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>
#include <sodium.h>

#include "chat-repl.h"
#include "chat-sink.h"
#include "chats.h"
#include "http.h"
#include "models.h"
#include "safe.h"
#include "timeutil.h"
#include "usage-report.h"
#include "users.h"

#define REPL_HISTORY_MAX 1000	/* lines kept in the history file */
#define REPL_RECENT 4		/* messages shown of a chat resumed or opened */
#define REPL_SHOWN 120		/* bytes of each of them */
#define REPL_CHATS 10		/* chats listed by /chats */
#define REPL_EDIT_MAX (64u << 20)	/* bytes read back from /edit */
#define BLOCK_MARK "\"\"\""

/* set by the signal handlers, read by the loop and by lib/turn */
static volatile sig_atomic_t cancel_flag;	/* Ctrl-C: the answer, or the line */
static volatile sig_atomic_t quit_flag;		/* SIGTERM, SIGHUP: the session */
static volatile sig_atomic_t winch_flag;	/* the terminal's size changed */
static volatile sig_atomic_t tstp_flag;		/* Ctrl-Z at the prompt */

struct repl {
	struct common *c;
	const struct config *cfg;
	struct turn_opts base;		/* the command line's */
	char *model;			/* -m or /model; NULL: the chat's, the default */
	char *model_shown;		/* the last turn's model, for the prompt */
	char *system;			/* -s or /system; NULL: the chat's */
	char chat_id[UUID_STRLEN + 1];	/* "": the next turn starts a chat */
	struct strbuf answer;		/* the last answer, for /copy */
	struct chat_writer w;
	struct turn_sink sink;
	char *history;			/* the history file; NULL: none */
	struct strbuf block;		/* a """ block being typed */
	int in_block;
	struct strbuf prompt;
	char *line;			/* what on_line was given */
	int have_line, installed, done, code;
	char **attach;			/* /attach: files for the next message */
	size_t nattach;
	char **cands;			/* completion candidates */
	size_t ncands, cand_next;
};

/* readline's callbacks take no context: the one session */
static struct repl *the_repl;

static void on_signal(int sig)
{
	if (sig == SIGWINCH || sig == SIGTSTP) {
		*(sig == SIGWINCH ? &winch_flag : &tstp_flag) = 1;
		return;
	}
	cancel_flag = 1;
	if (sig != SIGINT)
		quit_flag = 1;
}

/* ---- output ---- */

/* "  TEXT" on stdout: text from the data shown safely, on one line, cut
 * after max bytes (on a UTF-8 boundary) */
static void put_brief(const char *label, const char *text, size_t max)
{
	struct strbuf sb = STRBUF_INIT;
	size_t n = strcspn(text, "\r\n");
	int cut = text[n] != '\0';

	if (n > max) {
		n = max;
		while (n && ((unsigned char)text[n] & 0xc0) == 0x80)
			n--;
		cut = 1;
	}
	safe_append(&sb, text, n);
	printf("  %s%s%s\n", label, sb.buf, cut ? " ..." : "");
	sb_release(&sb);
}

/* the chat now continued: its title, and the last messages of the
 * thread it goes on from, briefly */
static int show_chat(struct repl *r, const struct chat *c)
{
	struct chat_msg *rows = NULL;
	size_t n = 0;
	struct strbuf title = STRBUF_INIT;
	int rc;

	if ((rc = chats_thread(&r->c->ddb, c->chat_id, NULL, &rows, &n)))
		return rc;
	safe_append(&title, c->title, strlen(c->title));
	printf("chat %s '%s', %zu message%s\n", c->chat_id, title.buf, n, n == 1 ? "" : "s");
	for (size_t i = n > REPL_RECENT ? n - REPL_RECENT : 0; i < n; i++)
		put_brief(strcmp(rows[i].sender_type, "ai") ? "you: " : "ai:  ", rows[i].text,
			  REPL_SHOWN);
	sb_release(&title);
	chat_msgs_free(rows, n);
	return 0;
}

/* ---- the acting user and the chat ---- */

/* The acting user, as a turn finds it: 0, with user_id "" while the
 * local account is not made yet (it has no chat either), else after a
 * message. */
static int find_user(struct repl *r, struct user *u)
{
	return turn_acting_user(&r->c->udb, r->cfg, r->base.user, TURN_USER_FIND, u);
}

/* Continue chat key (an id or a prefix; NULL: the latest) from here on. */
static int open_chat(struct repl *r, const char *key)
{
	struct user u;
	struct chat c;
	int rc = find_user(r, &u);

	if (rc)
		return rc;
	rc = key ? chats_resolve(&r->c->ddb, u.user_id, key, &c) :
		   chats_latest(&r->c->ddb, u.user_id, &c);
	user_release(&u);
	if (rc)
		return rc;
	memcpy(r->chat_id, c.chat_id, sizeof r->chat_id);
	free(r->model_shown);
	r->model_shown = c.model_default ? xstrdup(c.model_default) : NULL;
	rc = show_chat(r, &c);
	chat_release(&c);
	return rc;
}

/* ---- a turn ---- */

/* One turn: of text (NULL for a retry or a branch alone), with the
 * files /attach gathered; retry answers the chat's last question again,
 * with model (NULL: the session's); branch copies the thread up to that
 * message into a new chat, which the session goes on with. */
static void run_turn(struct repl *r, const char *text, int retry, const char *model,
		     const char *branch)
{
	struct turn t;
	struct turn_opts o = r->base;
	int rc;

	o.model = model ? model : r->model;
	o.system = r->system;
	o.chat = r->chat_id[0] && !branch ? r->chat_id : NULL;
	o.cont = 0;
	o.retry = retry;
	o.branch = branch;
	o.attach = text ? (const char *const *)r->attach : NULL;
	o.nattach = text ? r->nattach : 0;
	o.cancel = &cancel_flag;
	if (cancel_flag) {	/* Ctrl-C after Enter: turn_prepare would forget it */
		cancel_flag = 0;
		puts("^C: not sent");
		return;
	}
	turn_init(&t);
	chat_writer_start(&r->w);
	rc = turn_prepare(&t, &r->c->udb, &r->c->ddb, r->cfg, &o, text, &r->sink);
	if (!rc && branch && !text)
		printf("a new chat %s, branched from %s; it goes on here\n", t.chat_id, branch);
	else if (!rc) {
		rc = turn_send(&t);
		fflush(stdout);
		turn_title(&t, r->cfg);   /* a new chat's, after its answer */
	}
	/* the chat goes on, whatever became of this turn */
	if (t.chat_id)
		snprintf(r->chat_id, sizeof r->chat_id, "%s", t.chat_id);
	if (t.model.model_name) {
		free(r->model_shown);
		r->model_shown = xstrdup(t.model.model_name);
	}
	if (t.text.len) {
		sb_reset(&r->answer);
		sb_add(&r->answer, t.text.buf, t.text.len);
	}
	/* the files went with this message, or were refused with it */
	if (o.nattach) {
		for (size_t i = 0; i < r->nattach; i++)
			free(r->attach[i]);
		r->nattach = 0;
	}
	turn_release(&t);
	/* a Ctrl-C of this answer is spent */
	cancel_flag = 0;
	if (r->w.gone) {	/* nothing can be shown any more */
		r->done = 1;
		r->code = rc;
	}
}

static void send_turn(struct repl *r, const char *text)
{
	run_turn(r, text, 0, NULL, NULL);
}

static void remember(struct repl *r, const char *text)
{
	HIST_ENTRY *last = history_length ? history_get(history_base + history_length - 1) : NULL;

	if (last && !strcmp(last->line, text))
		return;
	add_history(text);
	if (r->history && append_history(1, r->history)) {
		t3_warning("cannot write the history file '%s': %s; not saving it", r->history,
			   strerror(errno));
		free(r->history);
		r->history = NULL;
	}
}

/* ---- slash commands ---- */

enum arg_kind { ARG_NONE, ARG_TEXT, ARG_MODEL, ARG_CHAT, ARG_COMMAND, ARG_FILE };

struct command {
	const char *name, *args, *help;
	int (*fn)(struct repl *r, const char *arg);
	enum arg_kind arg;
};

static int cmd_help(struct repl *r, const char *arg);
static int cmd_model(struct repl *r, const char *arg);
static int cmd_system(struct repl *r, const char *arg);
static int cmd_new(struct repl *r, const char *arg);
static int cmd_chats(struct repl *r, const char *arg);
static int cmd_open(struct repl *r, const char *arg);
static int cmd_title(struct repl *r, const char *arg);
static int cmd_usage(struct repl *r, const char *arg);
static int cmd_copy(struct repl *r, const char *arg);
static int cmd_edit(struct repl *r, const char *arg);
static int cmd_retry(struct repl *r, const char *arg);
static int cmd_branch(struct repl *r, const char *arg);
static int cmd_attach(struct repl *r, const char *arg);
static int cmd_exit(struct repl *r, const char *arg);

/* ARG_NONE: an argument is refused before fn is called */
static const struct command commands[] = {
	{ "help", "[COMMAND]", "these lines, or one command's", cmd_help, ARG_COMMAND },
	{ "model", "[NAME]", "switch the model from the next message (or show it)", cmd_model,
	  ARG_MODEL },
	{ "system", "[TEXT | --clear]", "set this chat's system prompt, clear it, or show it",
	  cmd_system, ARG_TEXT },
	{ "new", "", "start a new chat with the next message", cmd_new, ARG_NONE },
	{ "chats", "", "your recent chats (* the current one)", cmd_chats, ARG_NONE },
	{ "open", "ID", "continue that chat (an id or a prefix of 4+)", cmd_open, ARG_CHAT },
	{ "title", "TEXT", "set this chat's title", cmd_title, ARG_TEXT },
	{ "usage", "", "this chat's tokens and cost, your quota left", cmd_usage, ARG_NONE },
	{ "copy", "", "the last answer to the clipboard (OSC 52)", cmd_copy, ARG_NONE },
	{ "edit", "", "write the message in $VISUAL or $EDITOR", cmd_edit, ARG_NONE },
	{ "retry", "[MODEL]", "answer the last question again (both answers kept)", cmd_retry,
	  ARG_MODEL },
	{ "branch", "[MSGID]", "a new chat with this one's history up to that message (the last)",
	  cmd_branch, ARG_TEXT },
	{ "attach", "[FILE]", "send a file with the next message (or list those waiting)",
	  cmd_attach, ARG_FILE },
	{ "exit", "", "end the session (as Ctrl-D does)", cmd_exit, ARG_NONE },
};
static const size_t ncommands = sizeof commands / sizeof commands[0];

static const struct command *command_find(const char *name, size_t n)
{
	for (size_t i = 0; i < ncommands; i++)
		if (strlen(commands[i].name) == n && !strncmp(commands[i].name, name, n))
			return &commands[i];
	return NULL;
}

static int cmd_help(struct repl *r, const char *arg)
{
	const struct command *one = NULL;

	if (*arg && !(one = command_find(arg + (*arg == '/'), strlen(arg + (*arg == '/')))))
		return t3_error(T3_EUSAGE, "no command '%s' (try /help)", arg);
	for (size_t i = 0; i < ncommands; i++) {
		char head[64];
		if (one && one != &commands[i])
			continue;
		snprintf(head, sizeof head, "/%s%s%s", commands[i].name, *commands[i].args ? " " : "",
			 commands[i].args);
		printf("  %-16s %s\n", head, commands[i].help);
	}
	if (!one)
		fputs("A line that starts with '//' is sent with one '/' less. A line \"\"\" opens a\n"
		      "block of lines, sent as one message when a line \"\"\" closes it.\n"
		      "Keys: Tab completes, Up/Down and Ctrl-R search the history, Ctrl-C\n"
		      "stops an answer or clears the line, Ctrl-D on an empty line ends.\n", stdout);
	return 0;
}

static int cmd_model(struct repl *r, const char *arg)
{
	struct model m;
	int rc;

	if (!*arg) {
		const char *cur = r->model ? r->model : r->model_shown;
		if (cur)
			printf("model: %s\n", cur);
		else
			puts("model: the default (-m, T3_MODEL or the config's 'model')");
		return 0;
	}
	if ((rc = models_resolve(&r->c->ddb, arg, &m)))
		return rc;
	free(r->model);
	r->model = xstrdup(arg);
	printf("model: %s (%s)\n", m.model_name, m.provider_name);
	model_release(&m);
	return 0;
}

static int cmd_system(struct repl *r, const char *arg)
{
	struct strbuf sb = STRBUF_INIT;

	if (!*arg) {
		const char *cur = r->system;
		struct chat c;
		struct user u;
		int have = 0;
		/* the chat's own, when the session has set none */
		if (!cur && r->chat_id[0] && !find_user(r, &u)) {
			have = !chats_find(&r->c->ddb, u.user_id, r->chat_id, &c);
			user_release(&u);
			if (have)
				cur = c.system_prompt;
		}
		if (cur && *cur) {
			safe_append(&sb, cur, strlen(cur));
			printf("system: %s\n", sb.buf);
		} else {
			puts("system: none");
		}
		if (have)
			chat_release(&c);
		sb_release(&sb);
		return 0;
	}
	free(r->system);
	/* cleared: an empty one, which replaces the chat's as -s '' does */
	r->system = xstrdup(strcmp(arg, "--clear") ? arg : "");
	if (!*r->system)
		puts(r->chat_id[0] ? "system prompt cleared for this chat from the next message" :
		     "no system prompt for the new chat");
	else
		puts(r->chat_id[0] ? "system prompt set for this chat from the next message" :
		     "system prompt set for the new chat");
	return 0;
}

/* Another chat: a /system of the one before does not follow it there;
 * -s of the command line does. */
static void system_reset(struct repl *r)
{
	free(r->system);
	r->system = r->base.system ? xstrdup(r->base.system) : NULL;
}

static int cmd_new(struct repl *r, const char *arg)
{
	r->chat_id[0] = '\0';
	system_reset(r);
	puts("a new chat starts with the next message");
	return 0;
}

struct chats_ctx {
	const char *current;
	int n;
};

static int put_chat_row(void *ctx, const char *json, size_t len)
{
	struct chats_ctx *cc = ctx;
	json_t *row = json_loadb(json, len, 0, NULL);
	const char *id, *title, *when;
	struct strbuf sb = STRBUF_INIT;

	if (!row)
		BUG("a row that is not JSON");
	id = json_string_value(json_object_get(row, "chat_id"));
	title = json_string_value(json_object_get(row, "title"));
	when = json_string_value(json_object_get(row, "updated_at"));
	safe_append(&sb, title ? title : "", title ? strlen(title) : 0);
	printf("%c %s  %.10s %.5s  %4lld  %s\n", !strcmp(id, cc->current) ? '*' : ' ', id,
	       when, when + 11, (long long)json_integer_value(json_object_get(row, "message_count")),
	       sb.buf);
	sb_release(&sb);
	json_decref(row);
	cc->n++;
	return 0;
}

static int cmd_chats(struct repl *r, const char *arg)
{
	struct chats_ctx cc = { r->chat_id, 0 };
	struct user u;
	int rc;

	if (!(rc = find_user(r, &u)) && u.user_id[0]) {
		struct chats_filter f = { .user_id = u.user_id, .since = -1, .until = -1,
					  .limit = REPL_CHATS };
		rc = chats_list(&r->c->ddb, &f, put_chat_row, &cc);
	}
	user_release(&u);
	if (!rc && !cc.n)
		puts("no chats yet");
	return rc;
}

static int cmd_open(struct repl *r, const char *arg)
{
	int rc;

	if (!*arg)
		return t3_error(T3_EUSAGE, "/open needs a chat id (see /chats)");
	if ((rc = open_chat(r, arg)))
		return rc;
	system_reset(r);
	return 0;
}

static int cmd_title(struct repl *r, const char *arg)
{
	int rc;

	if (!r->chat_id[0])
		return t3_error(T3_EUSAGE, "no chat to name yet: send a message first");
	if ((rc = chats_check_title(arg)) || (rc = db_begin(&r->c->ddb)))
		return rc;
	if ((rc = chats_rename(&r->c->ddb, r->chat_id, arg)) || (rc = db_commit(&r->c->ddb))) {
		db_rollback(&r->c->ddb);
		return rc;
	}
	puts("title set");
	return 0;
}

static int cmd_usage(struct repl *r, const char *arg)
{
	struct usage_report rep;
	struct usage_report_opts uo = { .by = { USAGE_BY_CHAT }, .nby = 1 };
	struct usage_sum s = { 0 };
	const char *ids[2] = { NULL, NULL };
	struct user u;
	char cost[32];
	int rc;

	if ((rc = find_user(r, &u)))
		return rc;
	if (!u.user_id[0]) {
		puts("no usage yet");
		return 0;
	}
	ids[0] = u.user_id;
	uo.user_ids = ids;
	uo.now_ms = time_now_ms();
	if (r->chat_id[0]) {
		if ((rc = usage_report_run(&r->c->ddb, &r->c->udb, &uo, &rep)))
			goto out;
		for (size_t i = 0; i < rep.n; i++)
			if (rep.g[i].chat && !strcmp(rep.g[i].chat, r->chat_id))
				s = rep.g[i].sum;
		usage_report_release(&rep);
		printf("this chat: %lld request%s, %lld prompt + %lld completion tokens, $%s\n",
		       (long long)s.requests, s.requests == 1 ? "" : "s", (long long)s.prompt,
		       (long long)s.completion, usage_cost_fmt(s.cost_nusd, cost));
	} else {
		puts("this chat: none yet");
	}
	printf("quota left: %lld tokens (%s, plan '%s')\n", (long long)u.token_quota, u.email,
	       u.subscription_plan);
out:
	user_release(&u);
	return rc;
}

/* The last answer to the terminal's clipboard: OSC 52, which the
 * terminal (not this machine) acts on; written only when asked. */
static int cmd_copy(struct repl *r, const char *arg)
{
	size_t n = sodium_base64_ENCODED_LEN(r->answer.len, sodium_base64_VARIANT_ORIGINAL);
	char *b64;
	FILE *tty;

	if (!r->answer.len)
		return t3_error(T3_EUSAGE, "no answer to copy yet");
	if (!(tty = fopen("/dev/tty", "w")))
		return t3_error(T3_EDATA, "cannot open the terminal: %s", strerror(errno));
	b64 = xmalloc(n);
	sodium_bin2base64(b64, n, (const unsigned char *)r->answer.buf, r->answer.len,
			  sodium_base64_VARIANT_ORIGINAL);
	fprintf(tty, "\033]52;c;%s\a", b64);
	fclose(tty);
	free(b64);
	printf("copied the last answer (%zu bytes) to the clipboard\n", r->answer.len);
	return 0;
}

/* Read the file the editor wrote: its text without trailing newlines. */
static int read_edited(const char *path, struct strbuf *sb)
{
	char buf[65536];
	size_t n;
	FILE *fp = fopen(path, "r");

	if (!fp)
		return t3_error(T3_EDATA, "cannot read '%s': %s", path, strerror(errno));
	while ((n = fread(buf, 1, sizeof buf, fp)) > 0 && sb->len + n <= REPL_EDIT_MAX)
		sb_add(sb, buf, n);
	fclose(fp);
	if (n > 0)
		return t3_error(T3_EUSAGE, "the message is larger than %u MiB", REPL_EDIT_MAX >> 20);
	if (strlen(sb->buf) != sb->len)
		return t3_error(T3_EUSAGE, "the message contains a NUL byte");
	while (sb->len && (sb->buf[sb->len - 1] == '\n' || sb->buf[sb->len - 1] == '\r'))
		sb->buf[--sb->len] = '\0';
	return 0;
}

/* $VISUAL or $EDITOR (else vi) on a private temporary file, run by the
 * shell as git runs it; what it leaves there is sent. */
static int cmd_edit(struct repl *r, const char *arg)
{
	const char *ed = getenv("VISUAL"), *tmp = getenv("TMPDIR");
	struct strbuf text = STRBUF_INIT;
	char *path, *sh;
	pid_t pid;
	int fd, st = 0, rc;

	if (!ed || !*ed)
		ed = getenv("EDITOR");
	if (!ed || !*ed)
		ed = "vi";
	path = xasprintf("%s/t3-chat-XXXXXX.md", tmp && *tmp ? tmp : "/tmp");
	if ((fd = mkstemps(path, 3)) < 0) {   /* mode 0600 */
		rc = t3_error(T3_EDATA, "cannot make a temporary file in '%s': %s",
			      tmp && *tmp ? tmp : "/tmp", strerror(errno));
		free(path);
		return rc;
	}
	close(fd);
	sh = xasprintf("%s \"$@\"", ed);
	fflush(stdout);
	if ((pid = fork()) == 0) {
		execl("/bin/sh", "sh", "-c", sh, ed, path, (char *)NULL);
		_exit(127);
	}
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	cancel_flag = 0;   /* a Ctrl-C meant for the editor */
	if (pid < 0)
		rc = t3_error(T3_EDATA, "cannot run the editor: %s", strerror(errno));
	else if (!WIFEXITED(st) || WEXITSTATUS(st))
		rc = t3_error(T3_EUSAGE, "the editor '%s' failed: nothing sent", ed);
	else
		rc = read_edited(path, &text);
	unlink(path);
	if (!rc && !text.buf[strspn(text.buf, " \t\r\n")])
		puts("nothing to send");
	else if (!rc) {
		remember(r, text.buf);
		send_turn(r, text.buf);
	}
	sb_release(&text);
	free(sh);
	free(path);
	return rc;
}

static int cmd_retry(struct repl *r, const char *arg)
{
	if (!r->chat_id[0])
		return t3_error(T3_EUSAGE, "no chat yet: nothing to retry");
	run_turn(r, NULL, 1, *arg ? arg : NULL, NULL);
	return 0;
}

static int cmd_branch(struct repl *r, const char *arg)
{
	char tip[UUID_STRLEN + 1];
	int rc;

	if (!*arg) {
		if (!r->chat_id[0])
			return t3_error(T3_EUSAGE, "no chat yet: /branch MSGID names the message");
		if ((rc = chats_tip(&r->c->ddb, r->chat_id, tip)))
			return rc;
		arg = tip;
	}
	run_turn(r, NULL, 0, NULL, arg);
	return 0;
}

static int cmd_attach(struct repl *r, const char *arg)
{
	if (!*arg) {
		if (!r->nattach)
			puts("no file waits for the next message");
		for (size_t i = 0; i < r->nattach; i++)
			printf("%s\n", r->attach[i]);
		return 0;
	}
	/* read and checked when the message is sent, as -a's are */
	if (access(arg, R_OK))
		return t3_error(T3_EUSAGE, "cannot read '%s': %s", arg, strerror(errno));
	r->attach = xrealloc(r->attach, (r->nattach + 1) * sizeof *r->attach);
	r->attach[r->nattach++] = xstrdup(arg);
	printf("%s goes with the next message\n", arg);
	return 0;
}

static int cmd_exit(struct repl *r, const char *arg)
{

	r->done = 1;
	return 0;
}


static void run_command(struct repl *r, const char *line)
{
	size_t n = strcspn(line + 1, " \t");
	const struct command *cmd = command_find(line + 1, n);
	const char *arg = line + 1 + n;
	char *a;

	if (!cmd) {
		t3_error(T3_EUSAGE, "unknown command '%.*s' (try /help; '//' sends a '/')",
			 (int)n + 1, line);
		return;
	}
	arg += strspn(arg, " \t");
	if (cmd->arg == ARG_NONE && *arg) {
		t3_error(T3_EUSAGE, "/%s takes no argument", cmd->name);
		return;
	}
	a = xstrdup(arg);
	for (size_t k = strlen(a); k && (a[k - 1] == ' ' || a[k - 1] == '\t');)
		a[--k] = '\0';
	cmd->fn(r, a);
	free(a);
}

/* ---- completion ---- */

static void cands_add(struct repl *r, const char *s)
{
	r->cands = xrealloc(r->cands, (r->ncands + 1) * sizeof *r->cands);
	r->cands[r->ncands++] = xstrdup(s);
}

static void cands_free(struct repl *r)
{
	for (size_t i = 0; i < r->ncands; i++)
		free(r->cands[i]);
	free(r->cands);
	r->cands = NULL;
	r->ncands = r->cand_next = 0;
}

static int cand_model(void *ctx, const struct model *m)
{
	cands_add(ctx, m->name);
	return 0;
}

static int cand_alias(void *ctx, const char *alias, const struct model *m)
{
	cands_add(ctx, alias);
	return 0;
}

static int cand_chat(void *ctx, const char *json, size_t len)
{
	json_t *row = json_loadb(json, len, 0, NULL);

	if (row)
		cands_add(ctx, json_string_value(json_object_get(row, "chat_id")));
	json_decref(row);
	return 0;
}

static char *cand_next(const char *text, int state)
{
	struct repl *r = the_repl;
	size_t n = strlen(text);

	while (r->cand_next < r->ncands) {
		const char *c = r->cands[r->cand_next++];
		if (!strncmp(c, text, n))
			return xstrdup(c);   /* readline frees it */
	}
	return NULL;
}

static char **complete(const char *text, int start, int end)
{
	struct repl *r = the_repl;
	const struct command *cmd;
	size_t n;

	cands_free(r);
	/* file names after /attach, nothing else */
	n = strcspn(rl_line_buffer + 1, " \t");
	cmd = rl_line_buffer[0] == '/' && start > 0 ? command_find(rl_line_buffer + 1, n) : NULL;
	rl_attempted_completion_over = !cmd || cmd->arg != ARG_FILE;
	if (!rl_attempted_completion_over)
		return NULL;
	if (rl_line_buffer[0] != '/')
		return NULL;
	n = strcspn(rl_line_buffer + 1, " \t");
	if (start == 0) {
		for (size_t i = 0; i < ncommands; i++) {
			char *c = xasprintf("/%s", commands[i].name);
			cands_add(r, c);
			free(c);
		}
	} else if ((cmd = command_find(rl_line_buffer + 1, n))) {
		struct models_filter mf = { .max_price = -1 };
		struct user u;
		switch (cmd->arg) {
		case ARG_COMMAND:
			for (size_t i = 0; i < ncommands; i++)
				cands_add(r, commands[i].name);
			break;
		case ARG_MODEL:
			models_each(&r->c->ddb, &mf, cand_model, r);
			models_aliases_each(&r->c->ddb, cand_alias, r);
			break;
		case ARG_CHAT:
			if (!find_user(r, &u)) {
				struct chats_filter f = { .user_id = u.user_id, .since = -1,
							  .until = -1, .limit = 50 };
				chats_list(&r->c->ddb, &f, cand_chat, r);
				user_release(&u);
			}
			break;
		default:
			break;
		}
	}
	return rl_completion_matches(text, cand_next);
}

/* ---- the prompt and the loop ---- */

static void on_line(char *line)
{
	struct repl *r = the_repl;

	r->line = line;
	r->have_line = 1;
	/* the line is handled with the terminal as readline found it, and
	 * Ctrl-Z stops at once, as it does any program */
	rl_callback_handler_remove();
	r->installed = 0;
	signal(SIGTSTP, SIG_DFL);
}

static void install(struct repl *r)
{
	const char *m = r->model ? r->model : r->model_shown ? r->model_shown : "t3";

	sb_reset(&r->prompt);
	if (r->in_block) {
		sb_adds(&r->prompt, "... ");
	} else {
		safe_append(&r->prompt, m, strlen(m));
		sb_adds(&r->prompt, "> ");
	}
	fflush(stdout);
	rl_callback_handler_install(r->prompt.buf, on_line);
	r->installed = 1;
	/* at the prompt the terminal is readline's: Ctrl-Z gives it back first */
	sigaction(SIGTSTP, &(struct sigaction){ .sa_handler = on_signal }, NULL);
}

/* Ctrl-Z at the prompt: the terminal as it was, stopped; on fg the
 * prompt again with the line as it was. */
static void suspend(struct repl *r)
{
	char *line = xstrdup(rl_line_buffer);
	int point = rl_point;

	rl_callback_handler_remove();
	r->installed = 0;
	fputc('\n', stdout);
	fflush(stdout);
	signal(SIGTSTP, SIG_DFL);
	raise(SIGTSTP);		/* here until SIGCONT */
	install(r);
	rl_replace_line(line, 0);
	rl_point = point <= rl_end ? point : rl_end;
	rl_redisplay();
	free(line);
}

static int is_mark(const char *line)
{
	const char *p = line + strspn(line, " \t");
	size_t n = strlen(BLOCK_MARK);

	return !strncmp(p, BLOCK_MARK, n) && !p[n + strspn(p + n, " \t")];
}

static void handle_line(struct repl *r, const char *line)
{
	if (r->in_block) {
		if (!is_mark(line)) {
			if (r->block.len || r->in_block > 1)
				sb_addc(&r->block, '\n');
			sb_adds(&r->block, line);
			r->in_block = 2;   /* a line has come */
			return;
		}
		r->in_block = 0;
		if (!r->block.buf[strspn(r->block.buf, " \t\r\n")]) {
			puts("nothing to send");
			return;
		}
		remember(r, r->block.buf);
		send_turn(r, r->block.buf);
		return;
	}
	if (is_mark(line)) {
		r->in_block = 1;
		sb_reset(&r->block);
		return;
	}
	if (!line[strspn(line, " \t\r\n")])
		return;
	remember(r, line);
	if (line[0] == '/' && line[1] != '/')
		run_command(r, line);
	else
		send_turn(r, line + (line[0] == '/'));
}

/* Ctrl-C at the prompt: the line (and a block begun) dropped, a new
 * prompt below it. */
static void clear_line(struct repl *r)
{
	rl_free_line_state();
	rl_callback_sigcleanup();
	if (r->installed) {
		/* "^C" after the line as it was, the new prompt below it */
		rl_point = rl_end;
		rl_redisplay();
		fputs("^C", rl_outstream);
		rl_callback_handler_remove();
		r->installed = 0;
	}
	fputs("\n", stdout);
	r->in_block = 0;
	sb_reset(&r->block);
}

static void loop(struct repl *r)
{
	int fd = fileno(rl_instream);
	sigset_t block, orig;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGWINCH);
	sigaddset(&block, SIGTSTP);
	while (!r->done) {
		fd_set fds;
		int n;

		if (!r->installed)
			install(r);
		FD_ZERO(&fds);
		FD_SET(fd, &fds);
		/* the flags are read with the signals blocked, and pselect
		 * unblocks them as it waits: none is missed */
		sigprocmask(SIG_BLOCK, &block, &orig);
		if (quit_flag || cancel_flag || winch_flag || tstp_flag)
			n = -1, errno = EINTR;
		else
			n = pselect(fd + 1, &fds, NULL, NULL, NULL, &orig);
		sigprocmask(SIG_SETMASK, &orig, NULL);
		if (quit_flag) {
			r->code = T3_EINTR;
			break;
		}
		if (winch_flag) {
			winch_flag = 0;
			rl_resize_terminal();
		}
		if (cancel_flag) {
			cancel_flag = 0;
			clear_line(r);
			continue;
		}
		if (tstp_flag) {
			tstp_flag = 0;
			suspend(r);
			continue;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r->code = t3_error(T3_EDATA, "cannot read the terminal: %s", strerror(errno));
			break;
		}
		rl_callback_read_char();
		if (!r->have_line)
			continue;
		r->have_line = 0;
		if (!r->line) {		/* Ctrl-D on an empty line */
			if (r->in_block)
				puts("block dropped");
			else
				r->done = 1;
			r->in_block = 0;
		} else {
			handle_line(r, r->line);
		}
		free(r->line);
		r->line = NULL;
	}
	if (r->installed)
		rl_callback_handler_remove();
	r->installed = 0;
}

/* ---- set-up ---- */

static void history_start(struct repl *r)
{
	int fd;

	stifle_history(REPL_HISTORY_MAX);
	/* entries of several lines (a block, a paste) stay whole */
	history_write_timestamps = 1;
	history_comment_char = '#';
	history_multiline_entries = 1;
	if (paths_history(&r->history))
		return;   /* said why; the session goes on without */
	if ((fd = open(r->history, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) < 0) {
		t3_warning("cannot open the history file '%s': %s; not saving it", r->history,
			   strerror(errno));
		free(r->history);
		r->history = NULL;
		return;
	}
	close(fd);
	read_history(r->history);
}

static void repl_release(struct repl *r)
{
	if (r->history)
		history_truncate_file(r->history, REPL_HISTORY_MAX);
	cands_free(r);
	for (size_t i = 0; i < r->nattach; i++)
		free(r->attach[i]);
	free(r->attach);
	free(r->model);
	free(r->model_shown);
	free(r->system);
	free(r->history);
	sb_release(&r->answer);
	sb_release(&r->block);
	sb_release(&r->prompt);
}

int chat_repl_main(struct common *c, struct config *cfg, const struct turn_opts *o,
		   const struct chat_repl_opts *ro)
{
	struct repl r = { .c = c, .cfg = cfg, .base = *o };
	struct sigaction sa = { .sa_handler = on_signal };   /* no SA_RESTART */
	int rc;

	if (c->fmt_set)
		return common_bad_usage("--json and --jsonl need a prompt: the interactive "
					"session writes text");
	if (o->no_log)
		return common_bad_usage("-n needs a prompt: the interactive session is a "
					"stored chat");
	sb_init(&r.answer, 0);
	sb_init(&r.block, 0);
	sb_init(&r.prompt, 0);
	http_prepare();
	if ((rc = common_paths(c)) || (rc = config_load(cfg, c->paths.config)) ||
	    (rc = turn_opts_config(&r.base, cfg)))
		goto out;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGWINCH, &sa, NULL);
	if ((rc = common_open_user(c)) || (rc = common_open_data(c)))
		goto out;
	r.model = o->model ? xstrdup(o->model) : NULL;
	r.system = o->system ? xstrdup(o->system) : NULL;
	if ((o->cont || o->chat) && (rc = open_chat(&r, o->chat)))
		goto out;
	r.w.fmt = OUT_TABLE;
	r.w.no_stream = o->no_stream;
	r.w.show_reasoning = ro->show_reasoning;
	r.w.usage = ro->usage;
	chat_sink_init(&r.sink, &r.w, ro->verbose);

	the_repl = &r;
	rl_readline_name = "t3-chat";
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_attempted_completion_function = complete;
	/* a paste is one piece, newlines and all, unless ~/.inputrc says no */
	rl_variable_bind("enable-bracketed-paste", "on");
	rl_initialize();
	history_start(&r);
	if (!o->cont && !o->chat)
		puts("t3-chat: a new chat; /help for commands, Ctrl-D to end");
	loop(&r);
	rc = r.code;
	the_repl = NULL;
out:
	repl_release(&r);
	return rc;
}

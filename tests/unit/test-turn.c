/* test-turn.c: the turn engine as a REPL uses it: three turns of one chat
 * in one process through lib/turn alone (the echo adapter, databases in a
 * temporary T3_HOME), the second cancelled from its text callback as a
 * SIGINT handler would, the third going on as if nothing had happened. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "buf.h"
#include "config.h"
#include "db.h"
#include "models.h"
#include "msg.h"
#include "turn.h"

static char tmpdir[] = "/tmp/t3turn.XXXXXX";
static volatile sig_atomic_t cancel;

/* what a REPL's sink saw of one turn */
struct seen {
	struct strbuf text;
	int pieces, starts, dones, errors, error_code;
	int cancel_at;		/* set the flag at this piece (0: never) */
};

static void on_start(void *ctx, const struct turn *t)
{
	struct seen *s = ctx;
	(void)t;
	s->starts++;
}

static int on_text(void *ctx, const char *p, size_t n)
{
	struct seen *s = ctx;

	sb_add(&s->text, p, n);
	if (++s->pieces == s->cancel_at)
		cancel = 1;   /* as the SIGINT handler does */
	return 0;
}

static void on_done(void *ctx, const struct turn *t)
{
	struct seen *s = ctx;
	(void)t;
	s->dones++;
}

static void on_error(void *ctx, int code, const char *message)
{
	struct seen *s = ctx;
	(void)message;
	s->errors++;
	s->error_code = code;
}

/* one turn, prepared and sent; the exit code */
static int one_turn(struct db *udb, struct db *ddb, const struct config *cfg, int cont,
		    const char *prompt, struct seen *s, struct turn *t)
{
	struct turn_opts o = { .model = "echo", .cont = cont, .retries = 3, .stall_s = 10,
			       .cancel = &cancel };
	struct turn_sink sink = { .start = on_start, .text = on_text, .done = on_done,
				  .error = on_error, .ctx = s };
	int r;

	sb_init(&s->text, 0);
	turn_init(t);
	if ((r = turn_prepare(t, udb, ddb, cfg, &o, prompt, &sink)))
		return r;
	return turn_send(t);
}

static long long count(struct db *db, const char *sql, const char *arg)
{
	int64_t n = -1;
	db_read_int64(db, sql, arg, &n, "count");
	return n;
}

int main(void)
{
	struct db udb = { 0 }, ddb = { 0 };
	struct config cfg = { 0 };
	struct seen s1 = { 0 }, s2 = { .cancel_at = 2 }, s3 = { 0 };
	struct turn t;
	char *path, chat_id[UUID_STRLEN + 1] = "";
	int r;

	t3_progname = "test-turn";
	if (!mkdtemp(tmpdir))
		return 1;
	unsetenv("T3_USER");
	unsetenv("T3_MODEL");
	unsetenv("T3_ECHO_DELAY_MS");
	path = xasprintf("%s/user.db", tmpdir);
	ok(!db_open(&udb, path, DB_USER), "user.db opened");
	free(path);
	path = xasprintf("%s/data.db", tmpdir);
	ok(!db_open(&ddb, path, DB_DATA), "data.db opened");
	free(path);

	/* 1: a new chat, answered whole */
	cancel = 1;   /* a cancel left over from before is spent by prepare */
	r = one_turn(&udb, &ddb, &cfg, 0, "one two three", &s1, &t);
	is_int(r, 0, "turn 1 completes");
	is_str(s1.text.buf, "one two three", "turn 1: the answer, through the sink");
	ok(s1.starts == 1 && s1.dones == 1 && s1.errors == 0, "turn 1: start, done, no error");
	is_int(t.status, USAGE_SUCCESS, "turn 1: status success");
	ok(t.chat_id && *t.ai_msg_id, "turn 1: chat and answer stored");
	if (t.chat_id)
		memcpy(chat_id, t.chat_id, sizeof chat_id);
	turn_release(&t);

	/* 2: the same chat, cancelled at its second piece */
	r = one_turn(&udb, &ddb, &cfg, 1, "four five six seven", &s2, &t);
	is_int(r, T3_EINTR, "turn 2 is interrupted (exit 130)");
	is_str(s2.text.buf, "four five ", "turn 2: it stopped after the piece that cancelled");
	ok(s2.dones == 1 && s2.errors == 1 && s2.error_code == T3_EINTR,
	   "turn 2: done, then the error");
	is_int(t.status, USAGE_INTERRUPTED, "turn 2: status interrupted");
	is_str(t.chat_id, chat_id, "turn 2 continued the chat");
	turn_release(&t);

	/* 3: the cancel was for turn 2 only */
	r = one_turn(&udb, &ddb, &cfg, 1, "eight nine", &s3, &t);
	is_int(r, 0, "turn 3 completes after the cancelled one");
	is_str(s3.text.buf, "eight nine", "turn 3: the whole answer");
	is_int(cancel, 0, "the flag was cleared for turn 3");
	is_str(t.chat_id, chat_id, "turn 3 continued the chat");
	turn_release(&t);

	/* what was stored: one chat, three prompts, three answers, the
	 * second flagged; three usage rows, the second interrupted */
	is_int(count(&ddb, "SELECT count(*) FROM chat_sessions", NULL), 1, "one chat");
	is_int(count(&ddb, "SELECT count(*) FROM chat_messages WHERE chat_id = ?1 AND "
		     "sender_type = 'user'", chat_id), 3, "three prompts stored");
	is_int(count(&ddb, "SELECT count(*) FROM chat_messages WHERE chat_id = ?1 AND "
		     "sender_type = 'ai' AND status = 'complete'", chat_id), 2,
	       "two complete answers");
	is_int(count(&ddb, "SELECT count(*) FROM chat_messages WHERE chat_id = ?1 AND "
		     "sender_type = 'ai' AND status = 'interrupted' AND "
		     "message_text = 'four five '", chat_id), 1,
	       "the second answer stored as far as it came, interrupted");
	is_int(count(&ddb, "SELECT count(*) FROM usage_metrics WHERE status_code = ?1",
		     "success"), 2, "two usage rows of success");
	is_int(count(&ddb, "SELECT count(*) FROM usage_metrics WHERE status_code = ?1",
		     "interrupted"), 1, "one usage row interrupted");

	/* a prepared turn released unsent: no answer, nothing metered (the
	 * quota it held is released) */
	{
		struct seen s4 = { 0 };
		struct turn_opts o = { .model = "echo", .retries = 0, .stall_s = 10,
				       .cancel = &cancel };
		struct turn_sink sink = { .ctx = &s4 };
		turn_init(&t);
		ok(!turn_prepare(&t, &udb, &ddb, &cfg, &o, "never sent", &sink),
		   "a fourth turn prepared");
		turn_release(&t);
		is_int(count(&ddb, "SELECT count(*) FROM usage_metrics", NULL), 3,
		       "released unsent: no usage row");
		is_int(count(&ddb, "SELECT count(*) FROM chat_messages WHERE sender_type = 'ai'",
			     NULL), 3, "released unsent: no answer");
	}

	sb_release(&s1.text);
	sb_release(&s2.text);
	sb_release(&s3.text);
	db_close(&udb);
	db_close(&ddb);
	path = xasprintf("rm -rf %s", tmpdir);
	if (system(path))
		diag("could not remove %s", tmpdir);
	free(path);
	return done_testing();
}

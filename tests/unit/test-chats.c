/* test-chats.c: the history parts of lib/chats: words to FTS5 queries,
 * chats to JSON and back (ids kept, or new ones with the links
 * following), id prefixes. */
#include <stdlib.h>
#include <unistd.h>

#include "tap.h"
#include "buf.h"
#include "chats.h"
#include "msg.h"
#include "out.h"

static char tmpdir[] = "/tmp/t3-unit-chats.XXXXXX";

static void test_fts_query(void)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "rust", "\"rust\"" },
		{ "  rust \t lifetimes\n", "\"rust\" \"lifetimes\"" },
		{ "lifet*", "\"lifet\"*" },
		{ "*", "\"*\"" },
		{ "say \"hi\"", "\"say\" \"\"\"hi\"\"\"" },
		{ "NOT (a OR b)", "\"NOT\" \"(a\" \"OR\" \"b)\"" },
		{ "NEAR(x y)", "\"NEAR(x\" \"y)\"" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *q = chats_fts_query(cases[i].in);
		is_str(q, cases[i].want, "fts query %zu: %s", i, cases[i].want);
		free(q);
	}
	ok(chats_fts_query(" \t\n") == NULL, "no word: no query");
}

static int run_sql(struct db *db, const char *sql)
{
	return db_exec(db, sql);
}

static const char *const fixture =
	"INSERT INTO chat_sessions (chat_id, user_id, title, created_at, system_prompt, updated_at, model_default) VALUES ('01900000-0000-7000-8000-000000000001', 'u1', 'T', 1000, "
	"'sys', 5000, 'm');"
	"INSERT INTO chat_messages (message_id, chat_id, sender_type, message_text, timestamp, parent_id) "
	"VALUES ('01900000-0000-7000-8000-0000000000a1', '01900000-0000-7000-8000-000000000001', "
	"'user', 'q', 1000, NULL);"
	"INSERT INTO chat_messages (message_id, chat_id, sender_type, message_text, timestamp, parent_id, "
	"cost_usd, status) VALUES ('01900000-0000-7000-8000-0000000000a2', "
	"'01900000-0000-7000-8000-000000000001', 'ai', 'a', 2000, "
	"'01900000-0000-7000-8000-0000000000a1', 0.1 + 0.2, 'complete');"
	"INSERT INTO chat_messages (message_id, chat_id, sender_type, message_text, timestamp, parent_id) "
	"VALUES ('01900000-0000-7000-8000-0000000000a3', '01900000-0000-7000-8000-000000000001', "
	"'user', 'q2', 3000, '01900000-0000-7000-8000-0000000000a2');"
	"INSERT INTO usage_metrics (usage_id, user_id, timestamp, model_name, status_code, chat_id, "
	"message_id, cost_usd) VALUES ('01900000-0000-7000-8000-0000000000e1', 'u1', 2000, 'm', "
	"'success', '01900000-0000-7000-8000-000000000001', '01900000-0000-7000-8000-0000000000a2', "
	"1e-7);";

/* chats_json of chat_id, parsed (NULL after an error) and as text */
static json_t *load(struct db *db, const char *chat_id, char **text)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *j = NULL;
	if (!chats_json(db, chat_id, &sb))
		j = json_loads(sb.buf, 0, NULL);
	*text = sb_detach(&sb, NULL);
	return j;
}

static void test_json(void)
{
	struct db a, b;
	char *pa = xasprintf("%s/a.db", tmpdir), *pb = xasprintf("%s/b.db", tmpdir);
	char id[UUID_STRLEN + 1];
	json_t *ja = NULL, *jb = NULL, *jc = NULL;
	char *sa, *sb, *sc;
	struct chat c;

	ok(!db_open(&a, pa, DB_DATA) && !db_open(&b, pb, DB_DATA), "two data.db");
	ok(!run_sql(&a, fixture), "a chat of 3 messages and a usage row");
	ok((ja = load(&a, "01900000-0000-7000-8000-000000000001", &sa)) != NULL, "to JSON");
	is_str(json_string_value(json_object_get(json_array_get(json_object_get(ja, "messages"), 2),
						 "parent_id")),
	       "01900000-0000-7000-8000-0000000000a2", "the parent link");
	ok(json_is_false(json_object_get(json_array_get(json_object_get(ja, "messages"), 2), "answered")),
	   "the last question is unanswered");
	struct strbuf none = STRBUF_INIT;
	is_int(chats_json(&a, "01900000-0000-7000-8000-00000000ffff", &none), T3_ENEG,
	       "an unknown chat is not found");
	is_int((long long)none.len, 0, "and nothing is written");

	ok(!db_begin(&b) && !chats_from_json(&b, "u2", ja, id) && !db_commit(&b), "from JSON into b");
	is_str(id, "01900000-0000-7000-8000-000000000001", "the id kept");
	ok((jb = load(&b, id, &sb)) != NULL, "b to JSON");
	is_str(sb, sa, "the same JSON, the real 0.1 + 0.2 and 1e-7 included");

	ok(!db_begin(&b) && !chats_from_json(&b, "u2", ja, id) && !db_commit(&b), "again: ids taken");
	ok(strcmp(id, "01900000-0000-7000-8000-000000000001") != 0, "a new chat id");
	ok((jc = load(&b, id, &sc)) != NULL, "the copy to JSON");
	json_t *m = json_object_get(jc, "messages");
	ok(strcmp(json_string_value(json_object_get(json_array_get(m, 0), "message_id")),
		  "01900000-0000-7000-8000-0000000000a1") != 0, "a new message id");
	is_str(json_string_value(json_object_get(json_array_get(m, 2), "parent_id")),
	       json_string_value(json_object_get(json_array_get(m, 1), "message_id")),
	       "the parent link follows the new id");
	is_str(json_string_value(json_object_get(json_array_get(json_object_get(jc, "usage"), 0),
						 "message_id")),
	       json_string_value(json_object_get(json_array_get(m, 1), "message_id")),
	       "the usage link too");

	/* a parent outside the chat: refused, rolled back by the caller */
	json_t *bad = json_deep_copy(ja);
	json_object_set_new(json_array_get(json_object_get(bad, "messages"), 0), "parent_id",
			    json_string("01900000-0000-7000-8000-0000000000ff"));
	ok(!db_begin(&b), "begin");
	is_int(chats_from_json(&b, "u2", bad, id), T3_EUSAGE, "a parent outside the chat is refused");
	db_rollback(&b);
	json_decref(bad);

	/* bytes that are not UTF-8: U+FFFD in the JSON, which stays valid */
	ok(!run_sql(&b, "INSERT INTO chat_sessions (chat_id, user_id, title, created_at, system_prompt, updated_at, model_default) VALUES ('01950000-0000-7000-8000-000000000009', "
		    "'u3', CAST(X'54C3A9FF' AS TEXT), 0, NULL, 0, NULL);"
		    "INSERT INTO chat_messages (message_id, chat_id, sender_type, message_text, timestamp) "
		    "VALUES ('01950000-0000-7000-8000-0000000000f9', '01950000-0000-7000-8000-000000000009', "
		    "'user', CAST(X'61FF62C0AFE282AC' AS TEXT), 0)"), "a chat with bytes that are not UTF-8");
	char *st9;
	json_t *j9 = load(&b, "01950000-0000-7000-8000-000000000009", &st9);
	ok(j9 != NULL, "its JSON parses");
	is_str(json_string_value(json_object_get(j9, "title")), "T\xc3\xa9\xef\xbf\xbd",
	       "the title: a stray byte replaced, the valid é kept");
	is_str(json_string_value(json_object_get(json_array_get(json_object_get(j9, "messages"), 0),
						 "message_text")),
	       "a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd\xe2\x82\xac",
	       "the text: each bad byte (an overlong C0 AF too) replaced, the euro sign kept");
	json_decref(j9);
	free(st9);

	is_int(chats_resolve(&b, "u2", "019", &c), T3_EUSAGE, "a 3-character prefix is too short");
	ok(!run_sql(&b, "INSERT INTO chat_sessions (chat_id, user_id, title, created_at, system_prompt, updated_at, model_default) VALUES ('01900000-0000-7000-8000-000000000002', "
		    "'u2', 'T2', 1000, NULL, 1000, NULL)"), "a second chat of u2 starting 0190");
	is_int(chats_resolve(&b, "u2", "0190", &c), T3_EUSAGE, "a prefix of both chats is ambiguous");
	is_int(chats_resolve(&b, "u1", "0190", &c), T3_ENEG, "another user's chats are not found");
	ok(!chats_resolve(&b, "u2", "01900000-0000-7000-8000-000000000001", &c), "a whole id");
	is_str(c.title, "T", "finds its chat");
	chat_release(&c);

	free(sa);
	free(sb);
	free(sc);
	json_decref(ja);
	json_decref(jb);
	json_decref(jc);
	db_close(&a);
	db_close(&b);
	free(pa);
	free(pb);
}

/* the message tree: tips, threads, siblings, questions never answered */
/* The questions t3-user check reports as unanswered (CHATS_SQL_UNANSWERED),
 * of one user or all */
static int unanswered(struct db *d, const char *user_id, int64_t *n)
{
	return db_read_int64(d, "SELECT count(*) " CHATS_SQL_UNANSWERED
			     " AND (?1 IS NULL OR s.user_id = ?1)", user_id, n, "count");
}

static void test_tree(void)
{
	struct db a;
	char *pa = xasprintf("%s/tree.db", tmpdir), tip[UUID_STRLEN + 1];
	struct chat_msg *rows;
	struct chat_msgref ref;
	size_t n;
	int64_t k = -1;
	const char *chat = "01900000-0000-7000-8000-000000000001";

	ok(!db_open(&a, pa, DB_DATA), "a data.db");
	ok(!run_sql(&a, fixture), "the chat of 3 messages");
	ok(!unanswered(&a, NULL, &k) && k == 1, "one question never answered (all users)");
	ok(!unanswered(&a, "u1", &k) && k == 1, "u1's");
	ok(!unanswered(&a, "u9", &k) && k == 0, "none of another user's");
	ok(!chats_tip(&a, chat, tip), "a tip");
	is_str(tip, "01900000-0000-7000-8000-0000000000a3", "the question, newest and followed by none");
	/* a call metered after it (failed, no answer stored): not a lost turn */
	ok(!run_sql(&a, "INSERT INTO usage_metrics (usage_id, user_id, timestamp, model_name, "
		    "status_code, chat_id) VALUES ('01900000-0000-7000-8000-0000000000e2', 'u1', 3500, "
		    "'m', 'http_500', '01900000-0000-7000-8000-000000000001')"), "a failed call after it");
	ok(!unanswered(&a, NULL, &k) && k == 0, "then it is not counted");
	/* a title call does not count as the answer's */
	ok(!run_sql(&a, "UPDATE usage_metrics SET purpose = 'title' WHERE usage_id = "
		    "'01900000-0000-7000-8000-0000000000e2'"), "that call a title's");
	ok(!unanswered(&a, NULL, &k) && k == 1, "then it counts again");
	/* a second answer to the first question, newer than everything */
	ok(!run_sql(&a, "INSERT INTO chat_messages (message_id, chat_id, sender_type, message_text, "
		    "timestamp, parent_id) VALUES ('01900000-0000-7000-8000-0000000000a4', "
		    "'01900000-0000-7000-8000-000000000001', 'ai', 'a-again', 4000, "
		    "'01900000-0000-7000-8000-0000000000a1')"), "a retried answer");
	ok(!chats_tip(&a, chat, tip), "the tip");
	is_str(tip, "01900000-0000-7000-8000-0000000000a4", "moves to it");
	ok(!chats_thread(&a, chat, NULL, &rows, &n) && n == 2, "the thread of the tip: 2 messages");
	is_str(rows[1].text, "a-again", "ending with the new answer");
	chat_msgs_free(rows, n);
	ok(!chats_thread(&a, chat, "01900000-0000-7000-8000-0000000000a3", &rows, &n) && n == 3,
	   "the thread of the older question: 3");
	is_str(rows[1].text, "a", "through the first answer");
	chat_msgs_free(rows, n);
	ok(!chats_thread(&a, "01900000-0000-7000-8000-00000000ffff",
			 "01900000-0000-7000-8000-0000000000a3", &rows, &n) && n == 0,
	   "a message of another chat: no thread");
	free(rows);
	is_int(chats_resolve_message(&a, "u1", NULL, "01900000-0000-7000-8000-0000000000a", &ref),
	       T3_EUSAGE, "an ambiguous message prefix");
	is_int(chats_resolve_message(&a, "u2", NULL, "01900000-0000-7000-8000-0000000000a4", &ref),
	       T3_ENEG, "another user's message is not found");
	ok(!chats_resolve_message(&a, "u1", chat, "01900000-0000-7000-8000-0000000000a4", &ref),
	   "a whole id");
	is_str(ref.sender_type, "ai", "an answer");
	is_str(ref.chat_id, chat, "of its chat");
	db_close(&a);
	free(pa);
}

/* --search's two walks over the index (chat-history.c, pick_walk):
 * the same matches, ranked the same, whichever runs */
static int collect(void *ctx, const char *json, size_t len)
{
	struct strbuf *sb = ctx;
	sb_add(sb, json, len);
	sb_addc(sb, '\n');
	return 0;
}

static char *search(struct db *d, const char *user, const char *text, long limit,
		    enum search_walk walk, size_t *rows)
{
	struct strbuf sb = STRBUF_INIT;
	int r = chats_search_walk(d, user, text, limit, walk, collect, &sb);
	*rows = 0;
	for (size_t i = 0; i < sb.len; i++)
		*rows += sb.buf[i] == '\n';
	if (r)
		*rows = (size_t)-1;
	return sb_detach(&sb, NULL);
}

static void test_search_walks(void)
{
	static const char *const walks[] = { "auto", "lookup", "own", "every" };
	struct db a;
	char *pa = xasprintf("%s/search.db", tmpdir), *out[4];
	size_t n[4];

	ok(!db_open(&a, pa, DB_DATA), "a data.db to search");
	/* u1: 30 chats, 2,400 messages; u2: 970 chats, 9,600 newer ones
	 * interleaved; 'kiwi' in every other, 'fig' in every fifth */
	ok(!run_sql(&a, "BEGIN;"
		    "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 999) "
		    "INSERT INTO chat_sessions (chat_id, user_id, title, created_at, updated_at) "
		    "SELECT printf('01960000-0000-7000-8000-%012x', i), CASE WHEN i < 30 THEN 'u1' "
		    "ELSE 'u2' END, 'c' || i, i, i FROM n;"
		    "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 11999) "
		    "INSERT INTO chat_messages (message_id, chat_id, sender_type, message_text, timestamp) "
		    "SELECT printf('01970000-0000-7000-8000-%012x', i), printf('01960000-0000-7000-8000-%012x', "
		    "CASE WHEN i % 5 = 0 THEN i / 5 % 30 ELSE 30 + i % 970 END), 'user', "
		    "CASE WHEN i % 2 = 0 THEN 'kiwi ' ELSE '' END || CASE WHEN i % 3 = 0 THEN 'fig ' "
		    "ELSE '' END || 'word ' || (i % 7) || substr(' padding padding', 1, i % 17), i FROM n;"
		    "COMMIT"), "two users' messages, one with a fifth of them");
	for (int w = 0; w < 3; w++)
		out[w] = search(&a, "u1", "kiwi", -1, (enum search_walk)w, &n[w]);
	is_int((long long)n[0], 1200, "u1's 1,200 matches of 6,000 (auto)");
	for (int w = 1; w < 3; w++)
		is_str(out[w], out[0], "%s: the same rows in the same order", walks[w]);
	ok(!strstr(out[0], "\"c30\"") && strstr(out[0], "\"c28\""), "u1's chats only");
	for (int w = 0; w < 3; w++)
		free(out[w]);
	/* more than SEARCH_RANKED of u1's: the 2,000 stored last */
	ok(!run_sql(&a, "WITH RECURSIVE n(i) AS (SELECT 12000 UNION ALL SELECT i + 1 FROM n WHERE i < 16999) "
		    "INSERT INTO chat_messages (message_id, chat_id, sender_type, message_text, timestamp) "
		    "SELECT printf('01970000-0000-7000-8000-%012x', i), printf('01960000-0000-7000-8000-%012x', "
		    "i % 30), 'ai', 'kiwi fig ' || substr('padding padding padding', 1, i % 23), i FROM n"),
	   "5,000 more of u1's");
	for (int w = 0; w < 3; w++)
		out[w] = search(&a, "u1", "kiwi fig", 7, (enum search_walk)w, &n[w]);
	is_int((long long)n[0], 7, "-n 7 of them (auto)");
	for (int w = 1; w < 3; w++)
		is_str(out[w], out[0], "%s: the same best 7", walks[w]);
	for (int w = 0; w < 3; w++) {
		free(out[w]);
		out[w] = search(&a, "u2", "kiwi", -1, (enum search_walk)w, &n[w]);
	}
	is_int((long long)n[0], SEARCH_RANKED, "u2's newest 2,000 (auto)");
	for (int w = 1; w < 3; w++)
		is_str(out[w], out[0], "%s: the same 2,000", walks[w]);
	for (int w = 0; w < 3; w++) {
		free(out[w]);
		out[w] = search(&a, "u9", "kiwi", -1, (enum search_walk)w, &n[w]);
		is_int((long long)n[w], 0, "%s: a user with no chat finds nothing", walks[w]);
		free(out[w]);
	}
	/* u1's chats gone: u2 has every chat, and every match is u2's */
	ok(!run_sql(&a, "DELETE FROM chat_sessions WHERE user_id = 'u1'"), "u1's chats removed");
	for (int w = 0; w < 4; w++)
		out[w] = search(&a, "u2", "fig", 9, (enum search_walk)w, &n[w]);
	is_int((long long)n[0], 9, "u2's best 9 (auto: no check of the owner)");
	for (int w = 1; w < 4; w++)
		is_str(out[w], out[0], "%s: the same 9", walks[w]);
	for (int w = 0; w < 4; w++)
		free(out[w]);
	db_close(&a);
	free(pa);
}

int main(void)
{
	t3_progname = "test-chats";
	if (!mkdtemp(tmpdir))
		return 1;
	test_fts_query();
	test_json();
	test_tree();
	test_search_walks();
	char *cmd = xasprintf("rm -rf %s", tmpdir);
	ok(system(cmd) == 0, "clean up");
	free(cmd);
	return done_testing();
}

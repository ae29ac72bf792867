/* chat-history.c: listing, searching, removing, exporting and importing
 * chats (see chats.h). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "attach.h"
#include "buf.h"
#include "chats.h"
#include "msg.h"
#include "timeutil.h"

/* Step st to its end, handing column 0 (JSON text) of each row to fn. */
static int each_json_row(struct db *ddb, sqlite3_stmt *st, chats_row_fn fn, void *ctx,
			 const char *what)
{
	int rc, r = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *s = (const char *)sqlite3_column_text(st, 0);
		if ((r = fn(ctx, s ? s : "{}", (size_t)sqlite3_column_bytes(st, 0))))
			break;
	}
	if (!r && rc != SQLITE_DONE)
		r = db_error(ddb, what);
	sqlite3_finalize(st);
	return r;
}

static void bind_opt_int64(sqlite3_stmt *st, int i, int64_t v)
{
	if (v < 0)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, v);
}

int chats_list(struct db *ddb, const struct chats_filter *f, chats_row_fn fn, void *ctx)
{
	sqlite3_stmt *st;
	char *match = f->text ? chats_fts_query(f->text) : NULL;

	if (db_prepare(ddb, &st, "SELECT json_object('chat_id', s.chat_id, 'title', s.title, "
		       "'created_at', " DB_SQL_ISO("s.created_at") ", 'updated_at', "
		       DB_SQL_ISO("s.updated_at") ", 'model_default', s.model_default, "
		       "'message_count', (SELECT count(*) FROM chat_messages m WHERE m.chat_id = s.chat_id)) "
		       "FROM chat_sessions s WHERE s.user_id = ?1 "
		       "AND (?2 IS NULL OR s.model_default = ?2 OR EXISTS (SELECT 1 FROM chat_messages m "
		       "WHERE m.chat_id = s.chat_id AND m.model_used = ?2)) "
		       "AND (?3 IS NULL OR s.updated_at >= ?3) AND (?4 IS NULL OR s.updated_at < ?4) "
		       "AND (?5 IS NULL OR instr(lower(s.title), lower(?5)) OR s.chat_id IN "
		       "(SELECT m.chat_id FROM chat_messages m WHERE m.rowid IN (SELECT rowid FROM "
		       "chat_messages_fts WHERE chat_messages_fts MATCH ?6))) "
		       "ORDER BY s.updated_at DESC, s.chat_id DESC LIMIT ?7")) {
		free(match);
		return T3_EDATA;
	}
	db_bind_text(st, 1, f->user_id);
	db_bind_text(st, 2, f->model);
	bind_opt_int64(st, 3, f->since);
	bind_opt_int64(st, 4, f->until);
	db_bind_text(st, 5, f->text);
	/* text with no word in it: the title test alone */
	db_bind_text(st, 6, match ? match : "\"\"");
	sqlite3_bind_int64(st, 7, f->limit > 0 ? f->limit : -1);
	free(match);
	return each_json_row(ddb, st, fn, ctx, "list chats");
}

char *chats_fts_query(const char *text)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = text;
	const char *ws = " \t\r\n\f\v";

	for (;;) {
		p += strspn(p, ws);
		size_t n = strcspn(p, ws);
		if (!n)
			break;
		int prefix = n > 1 && p[n - 1] == '*';
		if (sb.len)
			sb_addc(&sb, ' ');
		sb_addc(&sb, '"');
		for (size_t i = 0; i < n - (size_t)prefix; i++) {
			if (p[i] == '"')
				sb_addc(&sb, '"');
			sb_addc(&sb, p[i]);
		}
		sb_addc(&sb, '"');
		if (prefix)
			sb_addc(&sb, '*');
		p += n;
	}
	if (!sb.len) {
		sb_release(&sb);
		return NULL;
	}
	return sb_detach(&sb, NULL);
}

/* t3_rank(chat_messages_fts): bm25's weighting of each word's count in
 * a message against the message's length (k1 = 1.2, b = 0.75, as FTS5's
 * bm25), summed over the words, without bm25's inverse document
 * frequency. Every word is required in a match, so that factor only
 * weighs the words against each other, and FTS5 finds it by reading
 * each word's whole list of messages: ~20 ms for a common word in 1M
 * messages, before the first row. Lower is better, as bm25's. */
static void rank_fn(const Fts5ExtensionApi *api, Fts5Context *fc, sqlite3_context *ctx,
		    int nval, sqlite3_value **val)
{
	const double k1 = 1.2, b = 0.75;
	sqlite3_int64 rows = 0, tokens = 0;
	double avg, score = 0;
	int len = 0, rc;

	(void)nval;
	(void)val;
	if ((rc = api->xRowCount(fc, &rows)) || (rc = api->xColumnTotalSize(fc, 0, &tokens)) ||
	    (rc = api->xColumnSize(fc, 0, &len))) {
		sqlite3_result_error_code(ctx, rc);
		return;
	}
	avg = rows > 0 && tokens > 0 ? (double)tokens / (double)rows : 1;
	for (int p = 0; p < api->xPhraseCount(fc); p++) {
		Fts5PhraseIter it;
		int col, off, tf = 0;
		if ((rc = api->xPhraseFirst(fc, p, &it, &col, &off))) {
			sqlite3_result_error_code(ctx, rc);
			return;
		}
		for (; col >= 0; api->xPhraseNext(fc, &it, &col, &off))
			tf++;
		score += tf * (k1 + 1) / (tf + k1 * (1 - b + b * len / avg));
	}
	sqlite3_result_double(ctx, -score);
}

/* Register t3_rank on the connection (a second time replaces the first). */
static int rank_register(struct db *ddb)
{
	sqlite3_stmt *st;
	fts5_api *api = NULL;

	if (db_prepare(ddb, &st, "SELECT fts5(?1)"))
		return T3_EDATA;
	sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
	sqlite3_step(st);
	sqlite3_finalize(st);
	if (!api || api->iVersion < 2 ||
	    api->xCreateFunction(api, "t3_rank", NULL, rank_fn, NULL) != SQLITE_OK)
		return t3_error(T3_EDATA, "cannot rank the search: no FTS5 in this SQLite");
	return 0;
}

/* Register (fn) or drop (fn NULL) a function whose user data lives only
 * as long as its caller's statements. SQLite refuses either while a
 * statement of the connection is being stepped, which would leave the
 * function pointing at freed memory: a caller's bug, so it stops. */
static int set_fn(struct db *ddb, const char *name, int nargs, void *ctx,
		  void (*fn)(sqlite3_context *, int, sqlite3_value **))
{
	if (sqlite3_create_function(ddb->h, name, nargs, SQLITE_UTF8, ctx, fn, NULL, NULL) !=
	    SQLITE_OK) {
		if (!fn)
			BUG("cannot drop SQL function %s: a statement is running", name);
		return db_error(ddb, "register a function");
	}
	return 0;
}

/* A match ranked by chats_search's first pass: FTS5 rowid, t3_rank. */
struct hit {
	sqlite3_int64 rowid;
	double k;
	size_t place;	/* in the output, best first */
};

static int hit_by_rowid(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;
	return (x->rowid > y->rowid) - (x->rowid < y->rowid);
}

static int hit_by_rank(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;
	/* equal ranks: in the index's order, the older first */
	if (x->k != y->k)
		return x->k < y->k ? -1 : 1;
	return hit_by_rowid(a, b);
}

struct hits {
	struct hit *h;	/* by rowid, for t3_hit's search */
	size_t n, cap;
};

/* t3_hit(rowid, k): a picked match's place (k = 0) or rank (k = 1), NULL
 * for a match not picked. */
static void hit_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct hits *hs = sqlite3_user_data(ctx);
	struct hit key = { .rowid = sqlite3_value_int64(argv[0]) };
	const struct hit *h = bsearch(&key, hs->h, hs->n, sizeof *hs->h, hit_by_rowid);

	(void)argc;
	if (!h)
		sqlite3_result_null(ctx);
	else if (sqlite3_value_int(argv[1]))
		sqlite3_result_double(ctx, h->k);
	else
		sqlite3_result_int64(ctx, (sqlite3_int64)h->place);
}

static int hit_row(void *ctx, sqlite3_stmt *st)
{
	struct hits *hs = ctx;

	hs->h = xgrow(hs->h, hs->n, &hs->cap, sizeof *hs->h);
	hs->h[hs->n++] = (struct hit){ .rowid = sqlite3_column_int64(st, 0),
				      .k = sqlite3_column_double(st, 1) };
	return 0;
}

/* The user's message rowids, sorted, for t3_mine: the walk over the
 * index for a user with a small share of the messages. */
struct own {
	sqlite3_int64 *id;
	size_t n, cap;
};

static int own_row(void *ctx, sqlite3_stmt *st)
{
	struct own *o = ctx;

	o->id = xgrow(o->id, o->n, &o->cap, sizeof *o->id);
	o->id[o->n++] = sqlite3_column_int64(st, 0);
	return 0;
}

static int int64_cmp(const void *a, const void *b)
{
	sqlite3_int64 x = *(const sqlite3_int64 *)a, y = *(const sqlite3_int64 *)b;
	return (x > y) - (x < y);
}

/* t3_mine(rowid): 1 for a message of the user's, else 0. */
static void mine_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct own *o = sqlite3_user_data(ctx);
	sqlite3_int64 id = sqlite3_value_int64(argv[0]);

	(void)argc;
	sqlite3_result_int(ctx, o->n && bsearch(&id, o->id, o->n, sizeof *o->id, int64_cmp) != NULL);
}

/* Which walk finds the user's newest matches for less. The index knows
 * no users. Either each match is looked up (its message, then its
 * chat: ~1.1 us) until SEARCH_RANKED are the user's, some
 * SEARCH_RANKED / share lookups; or the user's message rowids are read
 * first (~0.15 us each, share * messages of them) and each match is
 * checked against them. The share is the user's of the chats; the
 * messages are counted by the largest rowid. Over 1M messages a user
 * with more than about an eighth of the chats walks with lookups; one
 * with 1% of them searches in ~30 ms instead of ~190. A user who has
 * every chat (one person's data.db) has every match: no check. */
static int pick_walk(struct db *ddb, const char *user_id, enum search_walk *walk)
{
	sqlite3_stmt *st;
	double mine = 0, all = 0, msgs = 0;
	int rc;

	if (db_prepare(ddb, &st, "SELECT (SELECT count(*) FROM chat_sessions WHERE user_id = ?1), "
		       "(SELECT count(*) FROM chat_sessions), (SELECT max(rowid) FROM chat_messages)"))
		return T3_EDATA;
	db_bind_text(st, 1, user_id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		mine = sqlite3_column_double(st, 0);
		all = sqlite3_column_double(st, 1);
		msgs = sqlite3_column_double(st, 2);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return db_error(ddb, "search messages");
	if (*walk == SEARCH_AUTO) {
		double share = all > 0 ? mine / all : 1;
		*walk = mine == 0 ? SEARCH_NONE : mine == all ? SEARCH_EVERY :
			share > 0 && SEARCH_RANKED / share * 1.1 <= share * msgs * 0.15 ?
			SEARCH_LOOKUP : SEARCH_OWN;
	}
	return 0;
}

/* The first pass: the user's SEARCH_RANKED newest matches (the index's
 * rowid order, no sort) with their rank, the best limit of them kept,
 * in rowid order. */
static int rank_hits(struct db *ddb, const char *match, const char *user_id, long limit,
		     enum search_walk walk, struct hits *hs)
{
	struct own own = { 0 };
	sqlite3_stmt *st;
	int r, mine = 0;

	memset(hs, 0, sizeof *hs);
	if ((r = pick_walk(ddb, user_id, &walk)) || walk == SEARCH_NONE)
		return r;
	if (walk == SEARCH_OWN) {
		if (db_prepare(ddb, &st, "SELECT m.rowid FROM chat_sessions s JOIN chat_messages m "
			       "ON m.chat_id = s.chat_id WHERE s.user_id = ?1"))
			return T3_EDATA;
		db_bind_text(st, 1, user_id);
		if ((r = db_each_row(ddb, st, own_row, &own, "search messages")))
			goto out;
		if (own.n)
			qsort(own.id, own.n, sizeof *own.id, int64_cmp);
		if ((r = set_fn(ddb, "t3_mine", 1, &own, mine_fn)))
			goto out;
		mine = 1;
		r = db_prepare(ddb, &st, "SELECT rowid, t3_rank(chat_messages_fts) FROM "
			       "chat_messages_fts WHERE chat_messages_fts MATCH ?1 AND t3_mine(rowid) "
			       "ORDER BY rowid DESC LIMIT ?3");
	} else if (walk == SEARCH_EVERY) {
		r = db_prepare(ddb, &st, "SELECT rowid, t3_rank(chat_messages_fts) FROM "
			       "chat_messages_fts WHERE chat_messages_fts MATCH ?1 "
			       "ORDER BY rowid DESC LIMIT ?3");
	} else {
		r = db_prepare(ddb, &st, "SELECT f.rowid, t3_rank(chat_messages_fts) FROM "
			       "chat_messages_fts f JOIN chat_messages m ON m.rowid = f.rowid JOIN "
			       "chat_sessions s ON s.chat_id = m.chat_id WHERE f.chat_messages_fts "
			       "MATCH ?1 AND s.user_id = ?2 ORDER BY f.rowid DESC LIMIT ?3");
	}
	if (r) {
		r = T3_EDATA;
		goto out;
	}
	db_bind_text(st, 1, match);
	if (walk == SEARCH_LOOKUP)
		db_bind_text(st, 2, user_id);
	sqlite3_bind_int64(st, 3, SEARCH_RANKED);
	if ((r = db_each_row(ddb, st, hit_row, hs, "search messages")) || !hs->n)
		goto out;
	qsort(hs->h, hs->n, sizeof *hs->h, hit_by_rank);
	if (limit > 0 && (size_t)limit < hs->n)
		hs->n = (size_t)limit;
	for (size_t i = 0; i < hs->n; i++)
		hs->h[i].place = i;
	qsort(hs->h, hs->n, sizeof *hs->h, hit_by_rowid);
out:
	if (mine)
		set_fn(ddb, "t3_mine", 1, NULL, NULL);
	free(own.id);
	return r;
}

int chats_search(struct db *ddb, const char *user_id, const char *text, long limit,
		 chats_row_fn fn, void *ctx)
{
	return chats_search_walk(ddb, user_id, text, limit, SEARCH_AUTO, fn, ctx);
}

int chats_search_walk(struct db *ddb, const char *user_id, const char *text, long limit,
		      enum search_walk walk, chats_row_fn fn, void *ctx)
{
	struct hits hs = { 0 };
	sqlite3_stmt *st;
	char *match = chats_fts_query(text);
	int r, txn = 0;

	if (!match)
		return t3_error(T3_EUSAGE, "nothing to search for");
	if ((r = rank_register(ddb)) || (r = db_begin_read(ddb, &txn)) ||
	    (r = rank_hits(ddb, match, user_id, limit, walk, &hs)) || !hs.n)
		goto out;
	/* The second pass: the picked matches' rows and snippets, in one
	 * walk of the index over their rowids (a snippet found by its
	 * rowid alone seeks in every segment: ~0.4 ms each), best first. */
	if ((r = set_fn(ddb, "t3_hit", 2, &hs, hit_fn)))
		goto out;
	if (db_prepare(ddb, &st, "SELECT json_object('chat_id', m.chat_id, 'message_id', m.message_id, "
		       "'title', s.title, 'sender_type', m.sender_type, 'timestamp', "
		       DB_SQL_ISO("m.timestamp") ", 'snippet', snippet(chat_messages_fts, 0, '**', "
		       "'**', '...', 12), 'score', round(-t3_hit(f.rowid, 1), 4)) FROM "
		       "chat_messages_fts f JOIN chat_messages m ON m.rowid = f.rowid JOIN "
		       "chat_sessions s ON s.chat_id = m.chat_id WHERE f.chat_messages_fts MATCH ?1 "
		       "AND f.rowid BETWEEN ?2 AND ?3 AND t3_hit(f.rowid, 0) IS NOT NULL "
		       "AND s.user_id = ?4 ORDER BY t3_hit(f.rowid, 0)")) {
		r = T3_EDATA;
	} else {
		db_bind_text(st, 1, match);
		sqlite3_bind_int64(st, 2, hs.h[0].rowid);
		sqlite3_bind_int64(st, 3, hs.h[hs.n - 1].rowid);
		db_bind_text(st, 4, user_id);
		r = each_json_row(ddb, st, fn, ctx, "search messages");
	}
	set_fn(ddb, "t3_hit", 2, NULL, NULL);
out:
	if (txn)
		db_rollback(ddb);
	free(hs.h);
	free(match);
	return r;
}

int chats_older_than(struct db *ddb, const char *user_id, int64_t before_ms, char ***out,
		     size_t *n)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	*out = xcalloc(1, sizeof **out);
	*n = 0;
	if (db_prepare(ddb, &st, "SELECT chat_id FROM chat_sessions WHERE user_id = ?1 AND "
		       "updated_at < ?2 ORDER BY updated_at, chat_id"))
		return T3_EDATA;
	db_bind_text(st, 1, user_id);
	sqlite3_bind_int64(st, 2, before_ms);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n + 2 > cap) {
			cap = cap ? cap * 2 : 16;
			*out = xrealloc(*out, cap * sizeof **out);
		}
		(*out)[(*n)++] = xstrdup(db_col_text(st, 0));
		(*out)[*n] = NULL;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_error(ddb, "read chats");
}

void chats_ids_free(char **ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

int chats_remove(struct db *ddb, const char *user_id, const char *chat_id)
{
	if (db_exec_text(ddb, "DELETE FROM chat_sessions WHERE chat_id = ?1 AND user_id = ?2",
			 chat_id, user_id))
		return T3_EDATA;
	return sqlite3_changes(ddb->h) ? 0 : t3_error(T3_ENEG, "chat '%s' not found", chat_id);
}

int chats_check_title(const char *title)
{
	if (!title[strspn(title, " \t")])
		return t3_error(T3_EUSAGE, "the title is empty");
	if (strpbrk(title, "\r\n"))
		return t3_error(T3_EUSAGE, "a title is one line");
	return 0;
}

int chats_rename(struct db *ddb, const char *chat_id, const char *title)
{
	return db_exec_text(ddb, "UPDATE chat_sessions SET title = ?2 WHERE chat_id = ?1",
			    chat_id, title);
}

/* ---- export and import ----
 * One column list per table serves both ways, so that what is exported
 * is what is imported. Times are INTEGER unix ms stored, ISO-8601 in
 * JSON. */

enum col_kind { COL_TEXT, COL_INT, COL_REAL, COL_TIME };

struct col {
	const char *name;
	enum col_kind kind;
	const char *dflt;	/* imported when the member is absent (an older export) */
};

static const struct col chat_cols[] = {
	{ "chat_id", COL_TEXT }, { "title", COL_TEXT }, { "created_at", COL_TIME },
	{ "updated_at", COL_TIME }, { "model_default", COL_TEXT }, { "system_prompt", COL_TEXT },
	{ "branched_from", COL_TEXT },
};
static const struct col msg_cols[] = {
	{ "message_id", COL_TEXT }, { "parent_id", COL_TEXT }, { "sender_type", COL_TEXT },
	{ "message_text", COL_TEXT }, { "timestamp", COL_TIME }, { "model_used", COL_TEXT },
	{ "tokens_used", COL_INT }, { "prompt_tokens", COL_INT }, { "completion_tokens", COL_INT },
	{ "reasoning_tokens", COL_INT }, { "cost_usd", COL_REAL }, { "first_token_ms", COL_INT },
	{ "total_ms", COL_INT }, { "finish_reason", COL_TEXT }, { "status", COL_TEXT },
	{ "reasoning_text", COL_TEXT },
};
static const struct col usage_cols[] = {
	{ "usage_id", COL_TEXT }, { "message_id", COL_TEXT }, { "timestamp", COL_TIME },
	{ "model_name", COL_TEXT }, { "provider_name", COL_TEXT }, { "status_code", COL_TEXT },
	{ "tokens_used", COL_INT }, { "prompt_tokens", COL_INT }, { "completion_tokens", COL_INT },
	{ "reasoning_tokens", COL_INT }, { "cached_tokens", COL_INT },
	{ "tokens_estimated", COL_INT }, { "cost_usd", COL_REAL }, { "first_token_ms", COL_INT },
	{ "total_ms", COL_INT }, { "http_status", COL_INT }, { "attempt", COL_INT },
	{ "purpose", COL_TEXT, "chat" },
};
#define NCOLS(a) ((int)(sizeof a / sizeof a[0]))

static void add_col_names(struct strbuf *sb, const char *prefix, const struct col *cols, int n)
{
	for (int i = 0; i < n; i++)
		sb_addf(sb, "%s%s%s", i ? ", " : "", prefix, cols[i].name);
}

/* json_object()'s arguments for cols: names, then values in their JSON
 * form (times ISO-8601, text valid UTF-8). */
static void add_json_cols(struct strbuf *sb, const char *prefix, const struct col *cols, int n)
{
	for (int i = 0; i < n; i++) {
		const char *f = cols[i].kind == COL_TIME ? "t3_iso" :
				cols[i].kind == COL_TEXT ? "t3_utf8" : "";
		sb_addf(sb, "%s'%s', %s(%s%s)", i ? ", " : "", cols[i].name, f, prefix, cols[i].name);
	}
}

/* t3_utf8(x): text with each byte that is not part of valid UTF-8
 * replaced by U+FFFD, so that JSON made of it is valid; NULL stays. */
static size_t utf8_valid_len(const unsigned char *p, size_t n)
{
	unsigned c = p[0];
	size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 :
		     (c & 0xf8) == 0xf0 ? 4 : 0;
	unsigned cp;

	if (!len || len > n || (len == 2 && c < 0xc2))
		return 0;
	cp = len == 1 ? c : c & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp < 0xe000))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

static void utf8_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char *p = sqlite3_value_text(argv[0]);
	size_t n = (size_t)sqlite3_value_bytes(argv[0]), i = 0, k;
	struct strbuf sb = STRBUF_INIT;

	(void)argc;
	if (sqlite3_value_type(argv[0]) != SQLITE_TEXT) {
		sqlite3_result_value(ctx, argv[0]);
		return;
	}
	while (i < n && (k = utf8_valid_len(p + i, n - i)))
		i += k;
	if (i == n) {
		sqlite3_result_value(ctx, argv[0]);
		return;
	}
	sb_add(&sb, p, i);
	while (i < n) {
		if ((k = utf8_valid_len(p + i, n - i))) {
			sb_add(&sb, p + i, k);
			i += k;
		} else {
			sb_adds(&sb, "\xef\xbf\xbd");
			i++;
		}
	}
	sqlite3_result_text(ctx, sb.buf, (int)sb.len, SQLITE_TRANSIENT);
	sb_release(&sb);
}

/* Append ",\"name\":[" and the JSON objects of the rows of sql (?1 =
 * chat_id, column 0 a json_object()) and "]". */
static int json_rows(struct db *ddb, const char *name, const char *sql, const char *chat_id,
		     struct strbuf *out)
{
	sqlite3_stmt *st;
	int rc, n = 0;

	if (db_prepare(ddb, &st, sql))
		return T3_EDATA;
	db_bind_text(st, 1, chat_id);
	sb_addf(out, ",\"%s\":[", name);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n++)
			sb_addc(out, ',');
		sb_add(out, sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0));
	}
	sb_addc(out, ']');
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_error(ddb, "read chat");
}

/* A chat's tree, worked out in C from one read of its messages' ids,
 * parents and senders, oldest first: each message's place among its
 * parent's children (sibling of siblings), whether a question has an
 * answer, and the thread the chat continues from (on_path, from the tip
 * CHATS_SQL_TIP picks: the newest message without a child). Children
 * count within the chat, as for CHATS_SQL_TIP; every writer of t3's keeps
 * a message's parent in its chat (turns, branch copies, import remaps)
 * in any case. A parent of '' is none, as t3 writes it. Two window sorts
 * and the thread's recursive query did this in SQL; over 5,000
 * messages they took three times as long as the rows' read. */
struct shape_msg {
	char *id, *parent;	/* parent "" for none */
	int ai, has_child, has_answer, sibling, siblings, on_path;
};
struct shape {
	struct shape_msg *m;	/* oldest first */
	struct shape_msg **by_id, **by_parent;	/* into m, sorted */
	size_t n, cap;
};

static int by_id_cmp(const void *a, const void *b)
{
	return strcmp((*(struct shape_msg *const *)a)->id, (*(struct shape_msg *const *)b)->id);
}
/* by parent, then by time: m's order */
static int by_parent_cmp(const void *a, const void *b)
{
	const struct shape_msg *x = *(struct shape_msg *const *)a, *y = *(struct shape_msg *const *)b;
	int c = strcmp(x->parent, y->parent);
	return c ? c : (x > y) - (x < y);
}

static struct shape_msg *shape_find(const struct shape *sh, const char *id)
{
	size_t lo = 0, hi = sh->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(sh->by_id[mid]->id, id);
		if (!c)
			return sh->by_id[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void shape_release(struct shape *sh)
{
	for (size_t i = 0; i < sh->n; i++) {
		free(sh->m[i].id);
		free(sh->m[i].parent);
	}
	free(sh->m);
	free(sh->by_id);
	free(sh->by_parent);
	memset(sh, 0, sizeof *sh);
}

static int shape_row(void *ctx, sqlite3_stmt *st)
{
	struct shape *sh = ctx;
	struct shape_msg *m;

	sh->m = xgrow(sh->m, sh->n, &sh->cap, sizeof *sh->m);
	m = memset(&sh->m[sh->n++], 0, sizeof *m);
	m->id = xstrdup(db_col_text(st, 0));
	m->parent = xstrdup(db_col_text(st, 1));
	m->ai = sqlite3_column_int(st, 2);
	return 0;
}

static int shape_read(struct db *ddb, const char *chat_id, struct shape *sh)
{
	sqlite3_stmt *st;
	int r;

	memset(sh, 0, sizeof *sh);
	if (db_prepare(ddb, &st, "SELECT message_id, parent_id, sender_type = 'ai' FROM "
		       "chat_messages WHERE chat_id = ?1 ORDER BY timestamp, message_id"))
		return T3_EDATA;
	db_bind_text(st, 1, chat_id);
	if ((r = db_each_row(ddb, st, shape_row, sh, "read messages"))) {
		shape_release(sh);
		return r;
	}
	sh->by_id = xcalloc(sh->n + 1, sizeof *sh->by_id);
	sh->by_parent = xcalloc(sh->n + 1, sizeof *sh->by_parent);
	for (size_t i = 0; i < sh->n; i++)
		sh->by_id[i] = sh->by_parent[i] = &sh->m[i];
	qsort(sh->by_id, sh->n, sizeof *sh->by_id, by_id_cmp);
	qsort(sh->by_parent, sh->n, sizeof *sh->by_parent, by_parent_cmp);
	/* the children of one parent (or the chat's first questions, with
	 * none) are a run of by_parent, in time order */
	for (size_t i = 0, j; i < sh->n; i = j) {
		const char *p = sh->by_parent[i]->parent;
		struct shape_msg *parent = *p ? shape_find(sh, p) : NULL;
		for (j = i; j < sh->n && !strcmp(sh->by_parent[j]->parent, p); j++) {
			struct shape_msg *m = sh->by_parent[j];
			m->sibling = (int)(j - i + 1);
			if (parent) {
				parent->has_child = 1;
				parent->has_answer |= m->ai;
			}
		}
		for (size_t k = i; k < j; k++)
			sh->by_parent[k]->siblings = (int)(j - i);
	}
	/* the tip: the newest message without a child; its thread up, each
	 * message once whatever the parents say */
	for (size_t i = sh->n; i-- > 0;) {
		if (sh->m[i].has_child)
			continue;
		for (struct shape_msg *m = &sh->m[i]; m && !m->on_path;
		     m = *m->parent ? shape_find(sh, m->parent) : NULL)
			m->on_path = 1;
		break;
	}
	return 0;
}

/* t3_shape(message_id, k): for a message of the chat shape_read read,
 * k = 0 its sibling number, 1 the siblings', 2 on_path, 3 answered (1 or
 * 0 for a question, -1 for an answer). A message the read did not see
 * (none can, in its read transaction): NULL. */
static void shape_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct shape *sh = sqlite3_user_data(ctx);
	const char *id = (const char *)sqlite3_value_text(argv[0]);
	const struct shape_msg *m = id ? shape_find(sh, id) : NULL;

	(void)argc;
	if (!m) {
		sqlite3_result_null(ctx);
		return;
	}
	switch (sqlite3_value_int(argv[1])) {
	case 0: sqlite3_result_int(ctx, m->sibling); break;
	case 1: sqlite3_result_int(ctx, m->siblings); break;
	case 2: sqlite3_result_int(ctx, m->on_path); break;
	default: sqlite3_result_int(ctx, m->ai ? -1 : m->has_answer); break;
	}
}

/* The messages of chat ?1 as a table m with every column and sibling,
 * siblings, on_path and answered from t3_shape. */
#define MESSAGES_SQL "(SELECT w.*, t3_shape(w.message_id, 0) AS sibling, " \
	"t3_shape(w.message_id, 1) AS siblings, t3_shape(w.message_id, 2) AS on_path, " \
	"t3_shape(w.message_id, 3) AS answered FROM chat_messages w WHERE w.chat_id = ?1) m"

/* Read chat_id's shape and make it t3_shape's, in a read transaction
 * unless the caller has one: shape_end ends both. */
static int shape_begin(struct db *ddb, const char *chat_id, struct shape *sh, int *txn)
{
	int r;

	if ((r = db_begin_read(ddb, txn)))
		return r;
	if (!(r = shape_read(ddb, chat_id, sh)) && (r = set_fn(ddb, "t3_shape", 2, sh, shape_fn)))
		shape_release(sh);
	if (r && *txn)
		db_rollback(ddb);
	return r;
}

static void shape_end(struct db *ddb, struct shape *sh, int txn)
{
	set_fn(ddb, "t3_shape", 2, NULL, NULL);
	shape_release(sh);
	if (txn)
		db_rollback(ddb);	/* it only read */
}

int chats_json(struct db *ddb, const char *chat_id, struct strbuf *out)
{
	struct strbuf sql = STRBUF_INIT;
	struct shape sh;
	sqlite3_stmt *st;
	size_t start = out->len;
	int rc, r, txn;

	if ((r = shape_begin(ddb, chat_id, &sh, &txn)))
		return r;
	sqlite3_create_function(ddb->h, "t3_utf8", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC |
				SQLITE_INNOCUOUS, NULL, utf8_fn, NULL, NULL);
	sb_adds(&sql, "SELECT json_object(");
	add_json_cols(&sql, "", chat_cols, NCOLS(chat_cols));
	sb_adds(&sql, ") FROM chat_sessions WHERE chat_id = ?1");
	if (db_prepare(ddb, &st, sql.buf)) {
		r = T3_EDATA;
		goto out;
	}
	db_bind_text(st, 1, chat_id);
	rc = sqlite3_step(st);
	/* the object without its '}': the arrays follow */
	if (rc == SQLITE_ROW)
		sb_add(out, sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0) - 1);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW) {
		r = rc == SQLITE_DONE ? t3_error(T3_ENEG, "chat '%s' not found", chat_id) :
		    db_error(ddb, "read chat");
		goto out;
	}
	/* a question is answered when an answer follows it; a message with
	 * files gets "attachments" last (attach.h) */
	sb_reset(&sql);
	attach_sql_functions(ddb);
	sb_adds(&sql, "SELECT CASE WHEN att IS NULL THEN o ELSE json_insert(o, '$.attachments', "
		"json(att)) END FROM (SELECT json_object(");
	add_json_cols(&sql, "m.", msg_cols, NCOLS(msg_cols));
	sb_adds(&sql, ", 'answered', CASE m.answered WHEN 1 THEN json('true') WHEN 0 THEN "
		"json('false') END, 'sibling_index', m.sibling, "
		"'sibling_count', m.siblings, 'on_path', json(CASE WHEN m.on_path THEN 'true' ELSE "
		"'false' END)) AS o, " ATTACH_SQL_JSON("m.message_id") " AS att FROM " MESSAGES_SQL
		" ORDER BY m.timestamp, m.message_id)");
	r = json_rows(ddb, "messages", sql.buf, chat_id, out);
	sb_reset(&sql);
	sb_adds(&sql, "SELECT json_object(");
	add_json_cols(&sql, "", usage_cols, NCOLS(usage_cols));
	sb_adds(&sql, ") FROM usage_metrics WHERE chat_id = ?1 ORDER BY timestamp, usage_id");
	if (!r)
		r = json_rows(ddb, "usage", sql.buf, chat_id, out);
	sb_addc(out, '}');
out:
	sb_release(&sql);
	shape_end(ddb, &sh, txn);
	if (r) {
		out->len = start;
		out->buf[start] = '\0';
	}
	return r;
}

int chats_each_message(struct db *ddb, const char *chat_id,
		       int (*fn)(void *ctx, const struct chat_row *m), void *ctx)
{
	struct shape sh;
	sqlite3_stmt *st;
	int rc, r = 0, txn;

	if ((r = shape_begin(ddb, chat_id, &sh, &txn)))
		return r;
	if (db_prepare(ddb, &st, "SELECT m.message_id, m.sender_type, m.message_text, m.model_used, "
		       "m.status, m.timestamp, m.answered, m.sibling, m.siblings, m.on_path FROM "
		       MESSAGES_SQL " ORDER BY m.timestamp, m.message_id")) {
		shape_end(ddb, &sh, txn);
		return T3_EDATA;
	}
	db_bind_text(st, 1, chat_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct chat_row m = {
			.message_id = db_col_text(st, 0), .sender_type = db_col_text(st, 1),
			.text = db_col_text(st, 2), .text_len = (size_t)sqlite3_column_bytes(st, 2),
			.model_used = db_col_text(st, 3), .status = db_col_text(st, 4),
			.timestamp = sqlite3_column_int64(st, 5), .answered = sqlite3_column_int(st, 6),
			.sibling = sqlite3_column_int(st, 7), .siblings = sqlite3_column_int(st, 8),
			.on_path = sqlite3_column_int(st, 9),
		};
		if ((r = fn(ctx, &m)))
			break;
	}
	if (!r && rc != SQLITE_DONE)
		r = db_error(ddb, "read messages");
	sqlite3_finalize(st);
	shape_end(ddb, &sh, txn);
	return r;
}

/* Import: where in the input an error is ("messages[3].parent_id") */
static int bad(const char *where, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int bad(const char *where, const char *field, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	int r;
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	r = t3_error(T3_EUSAGE, "%s%s%s: %s", where, *where && field ? "." : "", field ? field : "",
		     sb.buf);
	sb_release(&sb);
	return r;
}

/* Bind member cols[i].name of obj to parameter i + 1 of st, checked
 * against its kind. */
static int bind_cols(sqlite3_stmt *st, json_t *obj, const struct col *cols, int n,
		     const char *where)
{
	for (int i = 0; i < n; i++) {
		json_t *v = json_object_get(obj, cols[i].name);
		int64_t ms;

		if (!v || json_is_null(v)) {
			db_bind_text(st, i + 1, cols[i].dflt);
			continue;
		}
		switch (cols[i].kind) {
		case COL_TEXT:
			if (!json_is_string(v))
				return bad(where, cols[i].name, "%s", "not a string");
			sqlite3_bind_text(st, i + 1, json_string_value(v), (int)json_string_length(v),
					  SQLITE_TRANSIENT);
			break;
		case COL_TIME:
			if (!json_is_string(v) || time_parse_iso(json_string_value(v), &ms))
				return bad(where, cols[i].name, "%s", "not an ISO-8601 time");
			sqlite3_bind_int64(st, i + 1, ms);
			break;
		case COL_INT:
			if (!json_is_integer(v))
				return bad(where, cols[i].name, "%s", "not an integer");
			sqlite3_bind_int64(st, i + 1, json_integer_value(v));
			break;
		case COL_REAL:
			if (!json_is_number(v))
				return bad(where, cols[i].name, "%s", "not a number");
			sqlite3_bind_double(st, i + 1, json_number_value(v));
			break;
		}
	}
	return 0;
}

/* An INSERT of cols (and the extra columns, bound after them). */
static int prepare_insert(struct db *ddb, sqlite3_stmt **st, const char *table,
			  const struct col *cols, int n, const char *extra, int nextra)
{
	struct strbuf sql = STRBUF_INIT;
	int r;

	sb_addf(&sql, "INSERT INTO %s (", table);
	add_col_names(&sql, "", cols, n);
	sb_addf(&sql, "%s) VALUES (", extra);
	for (int i = 0; i < n + nextra; i++)
		sb_addf(&sql, "%s?%d", i ? ", " : "", i + 1);
	sb_addc(&sql, ')');
	r = db_prepare(ddb, st, sql.buf);
	sb_release(&sql);
	return r ? T3_EDATA : 0;
}

/* Step an import INSERT: a constraint the input breaks is its mistake. */
static int step_insert(struct db *ddb, sqlite3_stmt *st, const char *where)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return bad(where, NULL, "%s", sqlite3_errmsg(ddb->h));
	return db_error(ddb, "import");
}

/* The id the row will have: its own unless taken (in the table, or by an
 * earlier row of this import: seen), then a new one for time ms. */
static int pick_id(struct db *ddb, const char *sql, json_t *seen, const char *id, int64_t ms,
		   char out[UUID_STRLEN + 1])
{
	int e = db_exists(ddb, sql, id, "import");
	if (e < 0)
		return T3_EDATA;
	if (!e && !json_object_get(seen, id))
		snprintf(out, UUID_STRLEN + 1, "%s", id);
	else
		uuid_v7_at(out, ms);
	json_object_set_new(seen, out, json_true());
	return 0;
}

/* obj's member name as a valid id (lower-cased in place of nothing:
 * ids are taken as given) and its time member tname in ms. */
static int id_and_time(json_t *obj, const char *name, const char *tname, const char *where,
		       const char **id, int64_t *ms)
{
	json_t *v = json_object_get(obj, name), *t = json_object_get(obj, tname);

	if (!json_is_object(obj))
		return bad(where, NULL, "%s", "not an object");
	if (!json_is_string(v) || !uuid_valid(json_string_value(v)))
		return bad(where, name, "%s", "not a UUID");
	if (!json_is_string(t) || time_parse_iso(json_string_value(t), ms))
		return bad(where, tname, "%s", "not an ISO-8601 time");
	*id = json_string_value(v);
	return 0;
}

/* Replace member name of obj (an old message id) by its new id in map;
 * one that is not a message of the chat is a mistake. */
static int remap(json_t *obj, const char *name, json_t *map, const char *where)
{
	json_t *v = json_object_get(obj, name), *to;

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v) || !(to = json_object_get(map, json_string_value(v))))
		return bad(where, name, "%s", "not a message of this chat");
	json_object_set(obj, name, to);
	return 0;
}

static int import_rows(struct db *ddb, json_t *rows, const char *what, const char *table,
		       const struct col *cols, int n, const char *idsql, const char *chat_id,
		       const char *user_id, json_t *map, json_t *seen)
{
	sqlite3_stmt *st;
	char where[64], id[UUID_STRLEN + 1];
	const char *old;
	size_t i;
	json_t *row;
	int64_t ms;
	int r = 0, usage = !strcmp(what, "usage");

	if (!json_is_array(rows))
		return bad(what, NULL, "%s", "not an array");
	if (prepare_insert(ddb, &st, table, cols, n, usage ? ", chat_id, user_id" : ", chat_id",
			   usage ? 2 : 1))
		return T3_EDATA;
	/* messages: every new id first, so that a parent may come later */
	if (!usage)
		json_array_foreach(rows, i, row) {
			snprintf(where, sizeof where, "%s[%zu]", what, i);
			if ((r = id_and_time(row, cols[0].name, "timestamp", where, &old, &ms)))
				goto out;
			if (json_object_get(map, old)) {
				r = bad(where, cols[0].name, "'%s' appears twice", old);
				goto out;
			}
			if ((r = pick_id(ddb, idsql, seen, old, ms, id)))
				goto out;
			json_object_set_new(map, old, json_string(id));
		}
	json_array_foreach(rows, i, row) {
		json_t *copy;
		snprintf(where, sizeof where, "%s[%zu]", what, i);
		if ((r = id_and_time(row, cols[0].name, "timestamp", where, &old, &ms)))
			goto out;
		copy = json_copy(row);
		if (usage) {
			if (!(r = pick_id(ddb, idsql, seen, old, ms, id)))
				json_object_set_new(copy, cols[0].name, json_string(id));
		} else {
			json_object_set(copy, cols[0].name, json_object_get(map, old));
			r = remap(copy, "parent_id", map, where);
		}
		if (!r && usage)
			r = remap(copy, "message_id", map, where);
		if (!r && !(r = bind_cols(st, copy, cols, n, where))) {
			db_bind_text(st, n + 1, chat_id);
			if (usage)
				db_bind_text(st, n + 2, user_id);
			r = step_insert(ddb, st, where);
			if (!r && !usage)
				r = attach_from_json(ddb, json_object_get(row, "attachments"),
						     json_string_value(json_object_get(copy, cols[0].name)),
						     where);
		}
		json_decref(copy);
		if (r)
			goto out;
	}
out:
	sqlite3_finalize(st);
	return r;
}

int chats_from_json(struct db *ddb, const char *user_id, json_t *chat,
		    char out_id[UUID_STRLEN + 1])
{
	sqlite3_stmt *st;
	json_t *copy = NULL, *map = json_object(), *seen = json_object();
	const char *old;
	int64_t ms;
	int r;

	if ((r = id_and_time(chat, "chat_id", "created_at", "", &old, &ms)))
		goto out;
	/* a parent may follow its child in the file: the keys are checked
	 * at COMMIT (the pragma ends with the transaction) */
	if ((r = db_exec(ddb, "PRAGMA defer_foreign_keys = ON")))
		goto out;
	if ((r = pick_id(ddb, "SELECT 1 FROM chat_sessions WHERE chat_id = ?1", seen, old, ms,
			 out_id)))
		goto out;
	copy = json_copy(chat);
	json_object_set_new(copy, "chat_id", json_string(out_id));
	if (!json_is_string(json_object_get(copy, "title")))
		json_object_set_new(copy, "title", json_string(""));
	if ((r = prepare_insert(ddb, &st, "chat_sessions", chat_cols, NCOLS(chat_cols), ", user_id", 1)))
		goto out;
	if (!(r = bind_cols(st, copy, chat_cols, NCOLS(chat_cols), ""))) {
		db_bind_text(st, NCOLS(chat_cols) + 1, user_id);
		r = step_insert(ddb, st, "chat");
	}
	sqlite3_finalize(st);
	if (r)
		goto out;
	json_object_clear(seen);
	if ((r = import_rows(ddb, json_object_get(chat, "messages"), "messages", "chat_messages",
			     msg_cols, NCOLS(msg_cols), "SELECT 1 FROM chat_messages WHERE message_id = ?1",
			     out_id, user_id, map, seen)))
		goto out;
	json_object_clear(seen);
	r = import_rows(ddb, json_object_get(chat, "usage"), "usage", "usage_metrics", usage_cols,
			NCOLS(usage_cols), "SELECT 1 FROM usage_metrics WHERE usage_id = ?1", out_id,
			user_id, map, seen);
out:
	json_decref(copy);
	json_decref(map);
	json_decref(seen);
	return r;
}

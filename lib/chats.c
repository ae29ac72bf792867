#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attach.h"
#include "buf.h"
#include "chats.h"
#include "msg.h"
#include "safe.h"
#include "timeutil.h"
#include "users.h"

void chat_release(struct chat *c)
{
	free(c->title);
	free(c->system_prompt);
	free(c->model_default);
	free(c->branched_from);
	memset(c, 0, sizeof *c);
}

void chat_msgs_free(struct chat_msg *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(m[i].sender_type);
		free(m[i].text);
		free(m[i].status);
	}
	free(m);
}

int chats_create(struct db *ddb, struct db *udb, const char *user_id, const char *title,
		 const char *system_prompt, const char *model, struct chat *out)
{
	sqlite3_stmt *st;
	int r, e;

	memset(out, 0, sizeof *out);
	if ((e = users_exists(udb, user_id)) < 0)
		return T3_EDATA;
	if (!e)
		return t3_error(T3_EDATA, "user '%s' does not exist in '%s'", user_id, udb->path);
	uuid_v7(out->chat_id);
	snprintf(out->user_id, sizeof out->user_id, "%s", user_id);
	out->title = xstrdup(title);
	out->system_prompt = system_prompt ? xstrdup(system_prompt) : NULL;
	out->model_default = model ? xstrdup(model) : NULL;
	out->created_at = time_now_ms();
	if (db_prepare(ddb, &st, "INSERT INTO chat_sessions (chat_id, user_id, title, created_at, "
		       "system_prompt, updated_at, model_default) VALUES (?1, ?2, ?3, ?4, ?5, ?4, ?6)"))
		return T3_EDATA;
	db_bind_text(st, 1, out->chat_id);
	db_bind_text(st, 2, user_id);
	db_bind_text(st, 3, title);
	sqlite3_bind_int64(st, 4, out->created_at);
	db_bind_text(st, 5, system_prompt);
	db_bind_text(st, 6, model);
	r = db_step_done(ddb, st);
	sqlite3_finalize(st);
	return r;
}

/* The columns find() reads, in its order. */
#define SELECT_CHAT "SELECT chat_id, user_id, title, system_prompt, created_at, " \
		    "model_default, branched_from FROM chat_sessions "

/* Run a SELECT_CHAT query with parameters a and b into out. */
static int find(struct db *ddb, const char *sql, const char *a, const char *b, struct chat *out)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof *out);
	if (db_prepare(ddb, &st, sql))
		return T3_EDATA;
	db_bind_text(st, 1, a);
	db_bind_text(st, 2, b);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(out->chat_id, sizeof out->chat_id, "%s", db_col_text(st, 0));
		snprintf(out->user_id, sizeof out->user_id, "%s", db_col_text(st, 1));
		out->title = xstrdup(db_col_text(st, 2));
		out->system_prompt = sqlite3_column_type(st, 3) == SQLITE_NULL ? NULL :
				     xstrdup(db_col_text(st, 3));
		out->created_at = sqlite3_column_int64(st, 4);
		out->model_default = sqlite3_column_type(st, 5) == SQLITE_NULL ? NULL :
				     xstrdup(db_col_text(st, 5));
		out->branched_from = sqlite3_column_type(st, 6) == SQLITE_NULL ? NULL :
				     xstrdup(db_col_text(st, 6));
		/* a prefix must be unique */
		if (sqlite3_step(st) == SQLITE_ROW) {
			sqlite3_finalize(st);
			chat_release(out);
			return t3_error(T3_EUSAGE, "chat id prefix '%s' is ambiguous", b);
		}
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? T3_ENEG : db_error(ddb, "read chat");
}

int chats_find(struct db *ddb, const char *user_id, const char *key, struct chat *out)
{
	int r;
	if (strlen(key) < 8 || strlen(key) > UUID_STRLEN || strspn(key, "0123456789abcdefABCDEF-") != strlen(key))
		return t3_error(T3_ENEG, "chat '%s' not found", key);
	r = find(ddb, SELECT_CHAT "WHERE user_id = ?1 AND chat_id >= lower(?2) AND "
		 "chat_id < lower(?2) || 'g' ORDER BY chat_id LIMIT 2", user_id, key, out);
	if (r == T3_ENEG)
		return t3_error(T3_ENEG, "chat '%s' not found", key);
	return r;
}

/* The rows of a prepared and bound st (column 0 an id, column 1 its
 * description), ordered by id, for a prefix key of a what ("chat",
 * "message"): the one id into first; none: T3_ENEG; several: T3_EUSAGE,
 * up to 10 candidates listed on stderr. */
static int resolve_prefix(struct db *ddb, sqlite3_stmt *st, const char *what, const char *key,
			  char first[UUID_STRLEN + 1])
{
	struct strbuf sb = STRBUF_INIT;
	int rc, n = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = db_col_text(st, 0), *desc = db_col_text(st, 1);
		if (!n++)
			snprintf(first, UUID_STRLEN + 1, "%s", id);
		if (n > 10) {
			sb_addf(&sb, "%s:   and more\n", t3_progname);
			break;
		}
		sb_addf(&sb, "%s:   %s  ", t3_progname, id);
		safe_append(&sb, desc, strlen(desc));
		sb_addc(&sb, '\n');
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sb_release(&sb);
		return db_error(ddb, "read chats");
	}
	if (n > 1) {
		t3_error(T3_EUSAGE, "%s id prefix '%s' is ambiguous; the candidates are:", what, key);
		fputs(sb.buf, stderr);
	}
	sb_release(&sb);
	if (!n)
		return t3_error(T3_ENEG, "%s '%s' not found", what, key);
	return n > 1 ? T3_EUSAGE : 0;
}

/* A prefix of what that may name one: long enough (else T3_EUSAGE),
 * and made of an id's characters (else not found, T3_ENEG). */
static int check_prefix(const char *what, const char *key)
{
	size_t len = strlen(key);

	if (len < CHATS_PREFIX_MIN)
		return t3_error(T3_EUSAGE, "%s id prefix '%s' is too short (at least %d characters)",
				what, key, CHATS_PREFIX_MIN);
	if (len > UUID_STRLEN || strspn(key, "0123456789abcdefABCDEF-") != len)
		return t3_error(T3_ENEG, "%s '%s' not found", what, key);
	return 0;
}

int chats_resolve(struct db *ddb, const char *user_id, const char *key, struct chat *out)
{
	sqlite3_stmt *st;
	char first[UUID_STRLEN + 1] = "";
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = check_prefix("chat", key)))
		return rc;
	/* the id's range first ('+': not the user's index, which would read
	 * every chat of theirs: 2.7 ms of 10,000). A short prefix spans
	 * weeks of everyone's ids (UUIDv7s); the scan ends at the user's
	 * 11th, so only a user with few ids among many pays for it. */
	if (db_prepare(ddb, &st, "SELECT chat_id, title FROM chat_sessions WHERE +user_id = ?1 AND "
		       "chat_id >= lower(?2) AND chat_id < lower(?2) || 'g' ORDER BY chat_id LIMIT 11"))
		return T3_EDATA;
	db_bind_text(st, 1, user_id);
	db_bind_text(st, 2, key);
	if ((rc = resolve_prefix(ddb, st, "chat", key, first)))
		return rc;
	rc = find(ddb, SELECT_CHAT "WHERE user_id = ?1 AND chat_id = ?2", user_id, first, out);
	return rc == T3_ENEG ? t3_error(T3_ENEG, "chat '%s' not found", key) : rc;
}

int chats_last(struct db *ddb, const char *user_id, struct chat *out)
{
	return find(ddb, SELECT_CHAT "WHERE user_id = ?1 AND ?2 IS NULL "
		    "ORDER BY updated_at DESC, chat_id DESC LIMIT 1", user_id, NULL, out);
}

int chats_latest(struct db *ddb, const char *user_id, struct chat *out)
{
	int r = chats_last(ddb, user_id, out);
	if (r == T3_ENEG)
		return t3_error(T3_ENEG, "no chat to continue");
	return r;
}

int chats_set_system(struct db *ddb, const char *chat_id, const char *system_prompt)
{
	return db_exec_text(ddb, "UPDATE chat_sessions SET system_prompt = ?2 WHERE chat_id = ?1",
			    chat_id, system_prompt);
}

int chats_set_model(struct db *ddb, const char *chat_id, const char *model)
{
	return db_exec_text(ddb, "UPDATE chat_sessions SET model_default = ?2 WHERE chat_id = ?1",
			    chat_id, model);
}

/* Step st (columns message_id, sender_type, message_text, status) into
 * an array. */
static int read_msgs(struct db *ddb, sqlite3_stmt *st, struct chat_msg **out, size_t *n)
{
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*out = xrealloc(*out, cap * sizeof **out);
		}
		struct chat_msg *m = &(*out)[(*n)++];
		snprintf(m->message_id, sizeof m->message_id, "%s", db_col_text(st, 0));
		m->sender_type = xstrdup(db_col_text(st, 1));
		m->text = xstrdup(db_col_text(st, 2));
		m->status = xstrdup(db_col_text(st, 3));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		chat_msgs_free(*out, *n);
		*out = NULL;
		*n = 0;
		return db_error(ddb, "read messages");
	}
	return 0;
}

/* ---- branches and retries ---- */

/* SQL: path(id, depth), the thread of chat ?1 up from message ?2 (NULL:
 * the chat's tip), ending in a NULL id. Each step is a scalar subquery:
 * as a join, SQLite builds a Bloom filter on chat_messages at every step
 * (~40 us: 0.2 s for a 5,000-message thread, against 5 ms). */
#define PATH_SQL "WITH RECURSIVE path(id, depth) AS (SELECT message_id, 0 FROM chat_messages " \
		 "WHERE message_id = coalesce(?2, " CHATS_SQL_TIP ") AND chat_id = ?1 UNION ALL " \
		 "SELECT (SELECT m.parent_id FROM chat_messages m WHERE m.message_id = p.id), " \
		 "p.depth + 1 FROM path p WHERE p.id IS NOT NULL) "

int chats_tip(struct db *ddb, const char *chat_id, char out[UUID_STRLEN + 1])
{
	sqlite3_stmt *st;
	int rc;

	out[0] = '\0';
	if (db_prepare(ddb, &st, "SELECT " CHATS_SQL_TIP))
		return T3_EDATA;
	db_bind_text(st, 1, chat_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		snprintf(out, UUID_STRLEN + 1, "%s", db_col_text(st, 0));
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return db_error(ddb, "read messages");
	return out[0] ? 0 : T3_ENEG;
}

int chats_thread(struct db *ddb, const char *chat_id, const char *tip, struct chat_msg **out,
		 size_t *n)
{
	sqlite3_stmt *st;

	*out = NULL;
	*n = 0;
	if (db_prepare(ddb, &st, PATH_SQL "SELECT m.message_id, m.sender_type, m.message_text, "
		       "m.status FROM path p JOIN chat_messages m ON m.message_id = p.id AND "
		       "m.chat_id = ?1 ORDER BY p.depth DESC"))
		return T3_EDATA;
	db_bind_text(st, 1, chat_id);
	db_bind_text(st, 2, tip);
	return read_msgs(ddb, st, out, n);
}

int chats_resolve_message(struct db *ddb, const char *user_id, const char *chat_id,
			  const char *key, struct chat_msgref *out)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = check_prefix("message", key)))
		return rc;
	/* as for a chat: the id's range, then its chat (the user's index
	 * first read every message of theirs: 0.4 s of 1M) */
	if (db_prepare(ddb, &st, "SELECT m.message_id, substr(replace(m.message_text, char(10), ' '), "
		       "1, 40) FROM chat_messages m JOIN chat_sessions s ON s.chat_id = m.chat_id "
		       "WHERE +s.user_id = ?1 AND (?3 IS NULL OR m.chat_id = ?3) AND "
		       "m.message_id >= lower(?2) AND m.message_id < lower(?2) || 'g' "
		       "ORDER BY m.message_id LIMIT 11"))
		return T3_EDATA;
	db_bind_text(st, 1, user_id);
	db_bind_text(st, 2, key);
	db_bind_text(st, 3, chat_id);
	if ((rc = resolve_prefix(ddb, st, "message", key, out->message_id)))
		return rc;
	if (db_prepare(ddb, &st, "SELECT chat_id, sender_type FROM chat_messages WHERE message_id = ?1"))
		return T3_EDATA;
	db_bind_text(st, 1, out->message_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(out->chat_id, sizeof out->chat_id, "%s", db_col_text(st, 0));
		snprintf(out->sender_type, sizeof out->sender_type, "%s", db_col_text(st, 1));
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : db_error(ddb, "read messages");
}

int chats_branch(struct db *ddb, struct db *udb, const char *user_id,
		 const struct chat_msgref *from, const char *title, struct chat *out)
{
	struct chat orig;
	sqlite3_stmt *st, *ins;
	char prev[UUID_STRLEN + 1] = "", id[UUID_STRLEN + 1];
	int rc, r;

	if ((r = find(ddb, SELECT_CHAT "WHERE user_id = ?1 AND chat_id = ?2", user_id, from->chat_id,
		      &orig)))
		return r == T3_ENEG ? t3_error(T3_ENEG, "chat '%s' not found", from->chat_id) : r;
	r = chats_create(ddb, udb, user_id, title ? title : orig.title, orig.system_prompt,
			 orig.model_default, out);
	chat_release(&orig);
	if (r || (r = db_exec_text(ddb, "UPDATE chat_sessions SET branched_from = ?2 WHERE chat_id = ?1",
				   out->chat_id, from->message_id)))
		return r;
	out->branched_from = xstrdup(from->message_id);
	if (db_prepare(ddb, &st, PATH_SQL "SELECT m.message_id, m.timestamp FROM path p "
		       "JOIN chat_messages m ON m.message_id = p.id AND m.chat_id = ?1 "
		       "ORDER BY p.depth DESC"))
		return T3_EDATA;
	if (db_prepare(ddb, &ins, "INSERT INTO chat_messages (message_id, chat_id, sender_type, "
		       "message_text, timestamp, tokens_used, model_used, parent_id, prompt_tokens, "
		       "completion_tokens, reasoning_tokens, cost_usd, first_token_ms, total_ms, "
		       "finish_reason, status, reasoning_text) SELECT ?1, ?2, sender_type, message_text, "
		       "timestamp, tokens_used, model_used, ?3, prompt_tokens, completion_tokens, "
		       "reasoning_tokens, cost_usd, first_token_ms, total_ms, finish_reason, status, "
		       "reasoning_text FROM chat_messages WHERE message_id = ?4")) {
		sqlite3_finalize(st);
		return T3_EDATA;
	}
	db_bind_text(st, 1, from->chat_id);
	db_bind_text(st, 2, from->message_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		uuid_v7_at(id, sqlite3_column_int64(st, 1));
		db_bind_text(ins, 1, id);
		db_bind_text(ins, 2, out->chat_id);
		db_bind_text(ins, 3, prev[0] ? prev : NULL);
		db_bind_text(ins, 4, db_col_text(st, 0));
		/* the copy and its files */
		if ((r = db_step_done(ddb, ins)) ||
		    (r = attach_copy_links(ddb, db_col_text(st, 0), id)))
			break;
		sqlite3_reset(ins);
		memcpy(prev, id, sizeof prev);
	}
	if (!r && rc != SQLITE_DONE)
		r = db_error(ddb, "read messages");
	sqlite3_finalize(st);
	sqlite3_finalize(ins);
	return r;
}

int chats_retitle(struct db *ddb, const char *chat_id, const char *old, const char *title)
{
	sqlite3_stmt *st;
	int r;

	if (db_prepare(ddb, &st, "UPDATE chat_sessions SET title = ?3 WHERE chat_id = ?1 AND title = ?2"))
		return T3_EDATA;
	db_bind_text(st, 1, chat_id);
	db_bind_text(st, 2, old);
	db_bind_text(st, 3, title);
	r = db_step_done(ddb, st);
	sqlite3_finalize(st);
	return r;
}

static int touch(struct db *ddb, const char *chat_id, int64_t now)
{
	sqlite3_stmt *st;
	int r;
	if (db_prepare(ddb, &st, "UPDATE chat_sessions SET updated_at = ?2 WHERE chat_id = ?1"))
		return T3_EDATA;
	db_bind_text(st, 1, chat_id);
	sqlite3_bind_int64(st, 2, now);
	r = db_step_done(ddb, st);
	sqlite3_finalize(st);
	return r;
}

int chats_add_user(struct db *ddb, const char *chat_id, const char *parent_id,
		   const char *text, char out_id[UUID_STRLEN + 1])
{
	sqlite3_stmt *st;
	int64_t now = time_now_ms();
	int r;

	uuid_v7(out_id);
	if (db_prepare(ddb, &st, "INSERT INTO chat_messages (message_id, chat_id, sender_type, "
		       "message_text, timestamp, parent_id) VALUES (?1, ?2, 'user', ?3, ?4, ?5)"))
		return T3_EDATA;
	db_bind_text(st, 1, out_id);
	db_bind_text(st, 2, chat_id);
	db_bind_text(st, 3, text);
	sqlite3_bind_int64(st, 4, now);
	db_bind_text(st, 5, parent_id && *parent_id ? parent_id : NULL);
	r = db_step_done(ddb, st);
	sqlite3_finalize(st);
	return r ? r : touch(ddb, chat_id, now);
}

int chats_add_ai(struct db *ddb, const struct ai_message *m, char out_id[UUID_STRLEN + 1])
{
	sqlite3_stmt *st;
	int64_t now = time_now_ms();
	int r;

	if (!out_id[0])
		uuid_v7(out_id);
	if (db_prepare(ddb, &st, "INSERT INTO chat_messages (message_id, chat_id, sender_type, "
		       "message_text, timestamp, tokens_used, model_used, parent_id, prompt_tokens, "
		       "completion_tokens, reasoning_tokens, cost_usd, first_token_ms, total_ms, "
		       "finish_reason, status, reasoning_text) VALUES (?1, ?2, 'ai', ?3, ?4, ?5, ?6, "
		       "?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"))
		return T3_EDATA;
	db_bind_text(st, 1, out_id);
	db_bind_text(st, 2, m->chat_id);
	db_bind_text(st, 3, m->text);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, m->prompt_tokens + m->completion_tokens);
	db_bind_text(st, 6, m->model);
	db_bind_text(st, 7, m->parent_id && *m->parent_id ? m->parent_id : NULL);
	sqlite3_bind_int64(st, 8, m->prompt_tokens);
	sqlite3_bind_int64(st, 9, m->completion_tokens);
	sqlite3_bind_int64(st, 10, m->reasoning_tokens);
	sqlite3_bind_double(st, 11, m->cost_usd);
	db_bind_opt_long(st, 12, m->first_token_ms);
	db_bind_opt_long(st, 13, m->total_ms);
	db_bind_text(st, 14, m->finish_reason);
	db_bind_text(st, 15, m->status);
	db_bind_text(st, 16, m->reasoning_text && *m->reasoning_text ? m->reasoning_text : NULL);
	r = db_step_done(ddb, st);
	sqlite3_finalize(st);
	return r ? r : touch(ddb, m->chat_id, now);
}

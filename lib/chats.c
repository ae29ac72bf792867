#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
		    "model_default FROM chat_sessions "

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

int chats_resolve(struct db *ddb, const char *user_id, const char *key, struct chat *out)
{
	sqlite3_stmt *st;
	struct strbuf sb = STRBUF_INIT;
	char first[UUID_STRLEN + 1] = "";
	size_t len = strlen(key);
	int rc, n = 0;

	memset(out, 0, sizeof *out);
	if (len < CHATS_PREFIX_MIN)
		return t3_error(T3_EUSAGE, "chat id prefix '%s' is too short (at least %d characters)",
				key, CHATS_PREFIX_MIN);
	if (len > UUID_STRLEN || strspn(key, "0123456789abcdefABCDEF-") != len)
		return t3_error(T3_ENEG, "chat '%s' not found", key);
	if (db_prepare(ddb, &st, "SELECT chat_id, title FROM chat_sessions WHERE user_id = ?1 AND "
		       "chat_id >= lower(?2) AND chat_id < lower(?2) || 'g' ORDER BY chat_id LIMIT 11"))
		return T3_EDATA;
	db_bind_text(st, 1, user_id);
	db_bind_text(st, 2, key);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = db_col_text(st, 0), *title = db_col_text(st, 1);
		if (!n++)
			snprintf(first, sizeof first, "%s", id);
		if (n > 10) {
			sb_addf(&sb, "%s:   and more\n", t3_progname);
			break;
		}
		sb_addf(&sb, "%s:   %s  ", t3_progname, id);
		safe_append(&sb, title, strlen(title));
		sb_addc(&sb, '\n');
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sb_release(&sb);
		return db_error(ddb, "read chats");
	}
	if (n > 1) {
		t3_error(T3_EUSAGE, "chat id prefix '%s' is ambiguous; the candidates are:", key);
		fputs(sb.buf, stderr);
		sb_release(&sb);
		return T3_EUSAGE;
	}
	sb_release(&sb);
	if (!n)
		return t3_error(T3_ENEG, "chat '%s' not found", key);
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

int chats_history(struct db *ddb, const char *chat_id, struct chat_msg **out, size_t *n)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (db_prepare(ddb, &st, "SELECT message_id, sender_type, message_text, status FROM chat_messages "
		       "WHERE chat_id = ? ORDER BY timestamp, message_id"))
		return T3_EDATA;
	db_bind_text(st, 1, chat_id);
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

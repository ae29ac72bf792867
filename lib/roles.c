/* roles.c: saved system prompts per user. See roles.h. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "msg.h"
#include "roles.h"
#include "safe.h"
#include "timeutil.h"

int roles_check_name(const char *name)
{
	size_t n = strlen(name);

	if (!n || n > ROLES_NAME_MAX || *name == '-' || strchr(name, ' ') ||
	    !safe_text_valid(name, n))
		return t3_error(T3_EUSAGE, "role name '%s' must be 1-%d bytes of UTF-8 without "
				"spaces or control characters, not starting with '-'", name,
				ROLES_NAME_MAX);
	return 0;
}

int roles_check(const char *name, const char *prompt)
{
	int r;

	if ((r = roles_check_name(name)))
		return r;
	if (!prompt[strspn(prompt, " \t\r\n")])
		return t3_error(T3_EUSAGE, "the system prompt of role '%s' is empty", name);
	if (strlen(prompt) > ROLES_PROMPT_MAX)
		return t3_error(T3_EUSAGE, "the system prompt of role '%s' is longer than %u KiB",
				name, ROLES_PROMPT_MAX >> 10);
	return 0;
}

int roles_save(struct db *ddb, const char *user_id, const char *name, const char *prompt)
{
	sqlite3_stmt *st;
	int r;

	if ((r = roles_check(name, prompt)) || (r = db_begin(ddb)))
		return r;
	if (db_prepare(ddb, &st, "INSERT INTO chat_roles (user_id, role_name, system_prompt, "
		       "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4) "
		       "ON CONFLICT (user_id, role_name) DO UPDATE SET "
		       "system_prompt = excluded.system_prompt, updated_at = excluded.updated_at")) {
		db_rollback(ddb);
		return T3_EDATA;
	}
	db_bind_text(st, 1, user_id);
	db_bind_text(st, 2, name);
	db_bind_text(st, 3, prompt);
	sqlite3_bind_int64(st, 4, time_now_ms());
	r = db_step_done(ddb, st);
	sqlite3_finalize(st);
	if (r || (r = db_commit(ddb)))
		db_rollback(ddb);
	return r;
}

int roles_get(struct db *ddb, const char *user_id, const char *name, char **prompt)
{
	sqlite3_stmt *st;
	int rc;

	*prompt = NULL;
	if (db_prepare(ddb, &st, "SELECT system_prompt FROM chat_roles "
		       "WHERE user_id = ?1 AND role_name = ?2"))
		return T3_EDATA;
	db_bind_text(st, 1, user_id);
	db_bind_text(st, 2, name);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*prompt = xstrdup(db_col_text(st, 0));
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? T3_ENEG : db_error(ddb, "read role");
}

int roles_remove(struct db *ddb, const char *user_id, const char *name)
{
	sqlite3_stmt *st;
	int r;

	if ((r = db_begin(ddb)))
		return r;
	if (db_prepare(ddb, &st, "DELETE FROM chat_roles WHERE user_id = ?1 AND role_name = ?2")) {
		db_rollback(ddb);
		return T3_EDATA;
	}
	db_bind_text(st, 1, user_id);
	db_bind_text(st, 2, name);
	r = db_step_done(ddb, st);
	sqlite3_finalize(st);
	if (!r && !sqlite3_changes(ddb->h))
		r = t3_error(T3_ENEG, "role '%s' not found", name);
	if (r || (r = db_commit(ddb)))
		db_rollback(ddb);
	return r;
}

struct list_ctx {
	int (*fn)(void *ctx, const char *json, size_t len);
	void *ctx;
};

static int list_row(void *ctx, sqlite3_stmt *st)
{
	struct list_ctx *l = ctx;
	return l->fn(l->ctx, db_col_text(st, 0), (size_t)sqlite3_column_bytes(st, 0));
}

int roles_list(struct db *ddb, const char *user_id,
	       int (*fn)(void *ctx, const char *json, size_t len), void *ctx)
{
	struct list_ctx l = { fn, ctx };
	sqlite3_stmt *st;

	if (db_prepare(ddb, &st, "SELECT json_object('role_name', role_name, 'system_prompt', "
		       "system_prompt, 'created_at', " DB_SQL_ISO("created_at") ", 'updated_at', "
		       DB_SQL_ISO("updated_at") ") FROM chat_roles WHERE user_id = ?1 "
		       "ORDER BY role_name"))
		return T3_EDATA;
	db_bind_text(st, 1, user_id);
	return db_each_row(ddb, st, list_row, &l, "list roles");
}

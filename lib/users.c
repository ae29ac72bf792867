#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "msg.h"
#include "num.h"
#include "safe.h"
#include "timeutil.h"
#include "usage.h"
#include "users.h"

/* Argon2id parameters: libsodium's "interactive" set, 64 MiB and t=2,
 * above OWASP's floor of 19 MiB, t=2, p=1. */
#define PW_OPSLIMIT crypto_pwhash_OPSLIMIT_INTERACTIVE
#define PW_MEMLIMIT crypto_pwhash_MEMLIMIT_INTERACTIVE

#define USER_COLS "user_id, email, hashed_password, subscription_plan, " \
		  "token_quota, created_at, timezone, updated_at"

void user_release(struct user *u)
{
	free(u->email);
	free(u->hashed_password);
	free(u->subscription_plan);
	free(u->timezone);
	memset(u, 0, sizeof *u);
}

static int atext(int c)
{
	return isalnum(c) || strchr("!#$%&'*+/=?^_`{|}~-", c);
}

int users_check_email(const char *email)
{
	const char *at = strchr(email, '@'), *p;
	size_t local, dom, label = 0;

	if (!at || strchr(at + 1, '@'))
		goto bad;
	local = (size_t)(at - email);
	dom = strlen(at + 1);
	if (local < 1 || local > 64 || dom < 1 || dom > 253 || email[0] == '.' ||
	    at[-1] == '.' || strstr(email, ".."))
		goto bad;
	for (p = email; p < at; p++)
		if (!atext((unsigned char)*p) && *p != '.')
			goto bad;
	for (p = at + 1; *p; p++) {
		if (*p == '.') {
			if (!label || p[-1] == '-')
				goto bad;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)*p) && *p != '-')
			goto bad;
		if (*p == '-' && !label)
			goto bad;
		if (++label > 63)
			goto bad;
	}
	if (!label || p[-1] == '-')
		goto bad;
	return 0;
bad:
	return t3_error(T3_EUSAGE, "email '%s' is not a valid address", email);
}

int users_check_timezone(const char *tz)
{
	if (!time_zone_valid(tz))
		return t3_error(T3_EUSAGE, "timezone '%s' is not in the tz database", tz);
	return 0;
}

int users_auth_valid(const char *h)
{
	if (!h)
		return 1;
	if (!strncmp(h, "$argon2id$", 10) || !strncmp(h, "$argon2i$", 9)) {
		return strlen(h) < USERS_HASH_MAX;
	}
	if (!strncmp(h, "oauth:", 6)) {
		const char *prov = h + 6, *colon = strchr(prov, ':');
		if (!colon || colon == prov || !colon[1] || strlen(h) > 512)
			return 0;
		/* printable UTF-8 without spaces: the provider shows in tables */
		return safe_text_valid(h, strlen(h)) && !strchr(h, ' ');
	}
	return 0;
}

int users_check_auth(const char *h)
{
	if (users_auth_valid(h))
		return 0;
	return t3_error(T3_EUSAGE, "hashed_password must be an Argon2 hash or "
			"'oauth:PROVIDER:SUBJECT'");
}

int users_parse_count(const char *s, const char *what, int64_t *out)
{
	int k = num_parse_int64(s, 0, INT64_MAX, out);
	if (k == NUM_RANGE)
		return t3_error(T3_EUSAGE, "%s '%s' is too large (at most %" PRId64 ")", what, s,
				INT64_MAX);
	if (k)
		return t3_error(T3_EUSAGE, "%s '%s' is not a non-negative integer", what,
				s ? s : "");
	return 0;
}

static void user_from_row(sqlite3_stmt *st, struct user *u)
{
	snprintf(u->user_id, sizeof u->user_id, "%s", db_col_text(st, 0));
	u->email = xstrdup(db_col_text(st, 1));
	u->hashed_password = sqlite3_column_type(st, 2) == SQLITE_NULL ? NULL :
			     xstrdup(db_col_text(st, 2));
	u->subscription_plan = xstrdup(db_col_text(st, 3));
	u->token_quota = sqlite3_column_int64(st, 4);
	u->created_at = sqlite3_column_int64(st, 5);
	u->timezone = xstrdup(db_col_text(st, 6));
	u->updated_at = sqlite3_column_int64(st, 7);
}

int users_find(struct db *db, const char *key, struct user *u)
{
	sqlite3_stmt *st;
	int rc;

	memset(u, 0, sizeof *u);
	if (db_prepare(db, &st, "SELECT " USER_COLS " FROM user_accounts "
		       "WHERE user_id = lower(?1) OR email = ?1"))
		return T3_EDATA;
	db_bind_text(st, 1, key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		user_from_row(st, u);
	else if (rc != SQLITE_DONE)
		db_error(db, "read user");
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? T3_ENEG : T3_EDATA;
}

int users_exists(struct db *db, const char *user_id)
{
	return db_exists(db, "SELECT 1 FROM user_accounts WHERE user_id = ?", user_id, "read user");
}

static int write_error(struct db *db, const struct user *u)
{
	int ext = sqlite3_extended_errcode(db->h);
	if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY) {
		if (strstr(sqlite3_errmsg(db->h), "email"))
			return t3_error(T3_EDATA, "email '%s' is already taken", u->email);
		return t3_error(T3_EDATA, "user id '%s' already exists", u->user_id);
	}
	if (ext == SQLITE_CONSTRAINT_FOREIGNKEY)
		return t3_error(T3_EUSAGE, "plan '%s' does not exist", u->subscription_plan);
	return db_error(db, "write user");
}

static void bind_user(sqlite3_stmt *st, const struct user *u)
{
	db_bind_text(st, 1, u->user_id);
	db_bind_text(st, 2, u->email);
	db_bind_text(st, 3, u->hashed_password);
	db_bind_text(st, 4, u->subscription_plan);
	sqlite3_bind_int64(st, 5, u->token_quota);
	sqlite3_bind_int64(st, 6, u->created_at);
	db_bind_text(st, 7, u->timezone);
	sqlite3_bind_int64(st, 8, u->updated_at);
}

int users_insert(struct db *db, struct user *u)
{
	sqlite3_stmt *st;
	int r = 0;

	if (!u->user_id[0])
		uuid_v7(u->user_id);
	if (!u->created_at)
		u->created_at = time_now_ms();
	if (!u->updated_at)
		u->updated_at = u->created_at;
	if (db_prepare(db, &st, "INSERT INTO user_accounts (" USER_COLS ") "
		       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"))
		return T3_EDATA;
	bind_user(st, u);
	if (sqlite3_step(st) != SQLITE_DONE)
		r = write_error(db, u);
	sqlite3_finalize(st);
	return r;
}

int users_update(struct db *db, struct user *u)
{
	sqlite3_stmt *st;
	int r = 0;

	u->updated_at = time_now_ms();
	if (db_prepare(db, &st, "UPDATE user_accounts SET email = ?2, hashed_password = ?3, "
		       "subscription_plan = ?4, token_quota = ?5, created_at = ?6, "
		       "timezone = ?7, updated_at = ?8 WHERE user_id = ?1"))
		return T3_EDATA;
	bind_user(st, u);
	if (sqlite3_step(st) != SQLITE_DONE)
		r = write_error(db, u);
	else if (!sqlite3_changes(db->h))
		r = t3_error(T3_ENEG, "user '%s' not found", u->user_id);
	sqlite3_finalize(st);
	return r;
}

static int quota_change(struct db *db, const char *user_id, const char *sql,
			int64_t delta, int64_t *after)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, &st, sql))
		return T3_EDATA;
	db_bind_text(st, 1, user_id);
	sqlite3_bind_int64(st, 2, delta);
	sqlite3_bind_int64(st, 3, time_now_ms());
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && after)
		*after = sqlite3_column_int64(st, 0);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		int ext = sqlite3_extended_errcode(db->h);
		sqlite3_finalize(st);
		if (ext == SQLITE_CONSTRAINT_CHECK)
			return t3_error(T3_EUSAGE, "token quota would fall below zero");
		return db_error(db, "update quota");
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : t3_error(T3_ENEG, "user '%s' not found", user_id);
}

int users_quota_add(struct db *db, const char *user_id, int64_t delta, int64_t *after)
{
	/* a single UPDATE is atomic: concurrent writers cannot lose a change */
	return quota_change(db, user_id, "UPDATE user_accounts SET token_quota = "
			    "token_quota + ?2, updated_at = ?3 WHERE user_id = ?1 "
			    "RETURNING token_quota", delta, after);
}

int users_quota_consume(struct db *db, const char *user_id, int64_t used, int64_t *after)
{
	return quota_change(db, user_id, "UPDATE user_accounts SET token_quota = "
			    "max(token_quota - ?2, 0), updated_at = ?3 WHERE user_id = ?1 "
			    "RETURNING token_quota", used, after);
}

int users_delete(struct db *udb, struct db *ddb, const char *user_id)
{
	/* Order: take user.db's write lock first so no new account change
	 * races us; delete the user's data and commit; then the account. A
	 * crash in between leaves an account without data, never data
	 * without an account. */
	if (db_begin(udb))
		return T3_EDATA;
	if (db_begin(ddb))
		goto fail_u;
	if (usage_delete_user(ddb, user_id) ||
	    db_exec_text(ddb, "DELETE FROM chat_messages WHERE chat_id IN "
			 "(SELECT chat_id FROM chat_sessions WHERE user_id = ?)", user_id, NULL) ||
	    db_exec_text(ddb, "DELETE FROM chat_sessions WHERE user_id = ?", user_id, NULL) ||
	    db_exec_text(ddb, "DELETE FROM chat_roles WHERE user_id = ?", user_id, NULL) ||
	    db_commit(ddb))
		goto fail_d;
	if (usage_delete_charges(udb, user_id) ||
	    db_exec_text(udb, "DELETE FROM user_accounts WHERE user_id = ?", user_id, NULL))
		goto fail_u;
	return db_commit(udb);
fail_d:
	db_rollback(ddb);
fail_u:
	db_rollback(udb);
	return T3_EDATA;
}

const char *users_auth_kind(const char *h, char *buf, size_t n)
{
	if (!h)
		return "none";
	if (!strncmp(h, "oauth:", 6)) {
		const char *end = strchr(h + 6, ':');
		snprintf(buf, n, "oauth:%.*s", end ? (int)(end - h - 6) : 0, h + 6);
		return buf;
	}
	return "password";
}

json_t *users_to_json(const struct user *u, int with_secret)
{
	char t1[TIME_ISO_LEN + 1], t2[TIME_ISO_LEN + 1], kind[80];
	json_t *o = json_object();

	json_object_set_new(o, "user_id", json_string(u->user_id));
	json_object_set_new(o, "email", json_string(u->email));
	if (with_secret)
		json_object_set_new(o, "hashed_password", u->hashed_password ?
				    json_string(u->hashed_password) : json_null());
	else
		json_object_set_new(o, "auth", json_string(
			users_auth_kind(u->hashed_password, kind, sizeof kind)));
	json_object_set_new(o, "subscription_plan", json_string(u->subscription_plan));
	json_object_set_new(o, "token_quota", json_integer(u->token_quota));
	json_object_set_new(o, "created_at", json_string(time_fmt_iso(t1, u->created_at)));
	json_object_set_new(o, "timezone", json_string(u->timezone));
	json_object_set_new(o, "updated_at", json_string(time_fmt_iso(t2, u->updated_at)));
	return o;
}

static int field_str(json_t *obj, const char *key, int nullable, char **out)
{
	json_t *v = json_object_get(obj, key);
	if ((!v || json_is_null(v)) && nullable) {
		*out = NULL;
		return 0;
	}
	if (!json_is_string(v))
		return t3_error(T3_EUSAGE, "field '%s' must be a string", key);
	*out = xstrdup(json_string_value(v));
	return 0;
}

static int field_time(json_t *obj, const char *key, int64_t *out)
{
	json_t *v = json_object_get(obj, key);
	if (!json_is_string(v) || time_parse_iso(json_string_value(v), out))
		return t3_error(T3_EUSAGE, "field '%s' must be an ISO-8601 time", key);
	return 0;
}

int users_from_json(json_t *obj, struct user *u)
{
	/* messages name the field; the caller sets t3_error_context to say
	 * where the record comes from */
	static const char *known[] = { "user_id", "email", "hashed_password",
		"subscription_plan", "token_quota", "created_at", "timezone",
		"updated_at", NULL };
	const char *key;
	json_t *v;
	char *id = NULL;

	memset(u, 0, sizeof *u);
	if (!json_is_object(obj))
		return t3_error(T3_EUSAGE, "not a JSON object");
	json_object_foreach(obj, key, v) {
		int i;
		for (i = 0; known[i] && strcmp(known[i], key); i++)
			;
		if (!known[i])
			return t3_error(T3_EUSAGE, "unknown field '%s'", key);
	}
	if (field_str(obj, "user_id", 0, &id))
		goto fail;
	if (!uuid_valid(id)) {
		t3_error(T3_EUSAGE, "field 'user_id' is not a UUID");
		goto fail;
	}
	for (char *p = id; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	memcpy(u->user_id, id, UUID_STRLEN + 1);
	free(id);
	id = NULL;
	if (field_str(obj, "email", 0, &u->email) ||
	    field_str(obj, "hashed_password", 1, &u->hashed_password) ||
	    field_str(obj, "subscription_plan", 0, &u->subscription_plan) ||
	    field_str(obj, "timezone", 0, &u->timezone) ||
	    field_time(obj, "created_at", &u->created_at))
		goto fail;
	if (json_object_get(obj, "updated_at")) {
		if (field_time(obj, "updated_at", &u->updated_at))
			goto fail;
	} else {
		u->updated_at = u->created_at;
	}
	v = json_object_get(obj, "token_quota");
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		t3_error(T3_EUSAGE, "field 'token_quota' must be a non-negative integer");
		goto fail;
	}
	u->token_quota = json_integer_value(v);
	if (users_check_email(u->email) || users_check_timezone(u->timezone) ||
	    users_check_auth(u->hashed_password))
		goto fail;
	return 0;
fail:
	free(id);
	user_release(u);
	return T3_EUSAGE;
}

#define USERS_WHERE "WHERE (?1 IS NULL OR subscription_plan = ?1) " \
	"AND (?2 IS NULL OR lower(email) GLOB lower(?2)) ORDER BY created_at, user_id"

struct json_rows {
	int (*fn)(void *ctx, const char *json, size_t len);
	void *ctx;
};

static int json_row(void *p, sqlite3_stmt *st)
{
	struct json_rows *jr = p;
	return jr->fn(jr->ctx, (const char *)sqlite3_column_text(st, 0),
		      (size_t)sqlite3_column_bytes(st, 0));
}

int users_each_json(struct db *db, const char *plan, const char *email_glob,
		    int (*fn)(void *ctx, const char *json, size_t len), void *ctx)
{
	sqlite3_stmt *st;

	/* keep in step with users_to_json(); a test compares the two */
	if (db_prepare(db, &st, "SELECT json_object('user_id', user_id, 'email', email, "
		       "'auth', CASE WHEN hashed_password IS NULL THEN 'none' "
		       "WHEN hashed_password GLOB 'oauth:*' THEN 'oauth:' || "
		       "substr(hashed_password, 7, instr(substr(hashed_password, 7), ':') - 1) "
		       "ELSE 'password' END, "
		       "'subscription_plan', subscription_plan, 'token_quota', token_quota, "
		       "'created_at', " DB_SQL_ISO("created_at") ", 'timezone', timezone, "
		       "'updated_at', " DB_SQL_ISO("updated_at") ") FROM user_accounts " USERS_WHERE))
		return T3_EDATA;
	db_bind_text(st, 1, plan);
	db_bind_text(st, 2, email_glob);
	return db_each_row(db, st, json_row, &(struct json_rows){ fn, ctx }, "list users");
}

struct user_rows {
	int (*fn)(void *ctx, const struct user *u);
	void *ctx;
};

static int user_row(void *p, sqlite3_stmt *st)
{
	struct user_rows *ur = p;
	struct user u;
	int r;
	user_from_row(st, &u);
	r = ur->fn(ur->ctx, &u);
	user_release(&u);
	return r;
}

int users_each(struct db *db, const char *plan, const char *email_glob,
	       int (*fn)(void *ctx, const struct user *u), void *ctx)
{
	sqlite3_stmt *st;

	if (db_prepare(db, &st, "SELECT " USER_COLS " FROM user_accounts "
		       USERS_WHERE))
		return T3_EDATA;
	db_bind_text(st, 1, plan);
	db_bind_text(st, 2, email_glob);
	return db_each_row(db, st, user_row, &(struct user_rows){ fn, ctx }, "list users");
}

static int sodium_ready(void)
{
	if (sodium_init() < 0)
		return t3_error(T3_EDATA, "libsodium failed to initialise");
	return 0;
}

int users_hash_password(const char *pw, char out[USERS_HASH_MAX])
{
	if (sodium_ready())
		return T3_EDATA;
	if (crypto_pwhash_str(out, pw, strlen(pw), PW_OPSLIMIT, PW_MEMLIMIT))
		return t3_error(T3_EDATA, "cannot hash password: out of memory");
	return 0;
}

int users_verify_password(struct db *db, struct user *u, const char *pw)
{
	char fresh[USERS_HASH_MAX];

	if (sodium_ready())
		return T3_EDATA;
	if (!u->hashed_password || strncmp(u->hashed_password, "$argon2", 7))
		return T3_ENEG;  /* no password, or an OAuth identity */
	if (crypto_pwhash_str_verify(u->hashed_password, pw, strlen(pw)))
		return T3_ENEG;
	if (db && crypto_pwhash_str_needs_rehash(u->hashed_password, PW_OPSLIMIT, PW_MEMLIMIT) &&
	    !users_hash_password(pw, fresh)) {
		free(u->hashed_password);
		u->hashed_password = xstrdup(fresh);
		sodium_memzero(fresh, sizeof fresh);
		if (db_begin(db))
			return 0;  /* the password matched; the upgrade can wait */
		if (users_update(db, u))
			db_rollback(db);
		else
			db_commit(db);
	}
	return 0;
}

/* users.h: accounts in user.db (plans: plans.h). */
#ifndef T3_USERS_H
#define T3_USERS_H

#include <jansson.h>
#include <stdint.h>

#include "db.h"
#include "plans.h"	/* users_* callers often need plans_* too */
#include "uuid.h"

struct user {
	char user_id[UUID_STRLEN + 1];
	char *email;
	char *hashed_password;   /* NULL: no password set */
	char *subscription_plan;
	int64_t token_quota;
	int64_t created_at;      /* unix ms */
	char *timezone;
	int64_t updated_at;
};

void user_release(struct user *u);

/* Validation: each returns 0 or prints a one-line error and returns
 * T3_EUSAGE. */
int users_check_email(const char *email);
int users_check_timezone(const char *tz);
int users_check_auth(const char *hashed_password);
/* The same test, silently: 1 if valid. */
int users_auth_valid(const char *hashed_password);
/* Parse a non-negative token count (what names the value in errors). */
int users_parse_count(const char *s, const char *what, int64_t *out);

/* Look a user up by id or email (case-insensitive). 0, T3_ENEG when there
 * is none (nothing printed), T3_EDATA. */
int users_find(struct db *db, const char *key, struct user *u);
/* 1 if a user with this id exists, 0 if not, -1 on error. */
int users_exists(struct db *db, const char *user_id);

/* Insert u (user_id, created_at and updated_at are filled in when empty
 * or zero). Prints the error: T3_EDATA for a duplicate email or id. */
int users_insert(struct db *db, struct user *u);
/* Write every field of u back (by user_id). */
int users_update(struct db *db, struct user *u);
/* Add delta to the remaining quota, refusing (T3_EUSAGE) a result below
 * zero; *after gets the new value. Atomic. */
int users_quota_add(struct db *db, const char *user_id, int64_t delta, int64_t *after);
/* Subtract used tokens, stopping at zero: for metering after a call. */
int users_quota_consume(struct db *db, const char *user_id, int64_t used, int64_t *after);

/* Delete the user and, first, everything of theirs in data.db, in an order
 * that leaves no orphan behind if the process dies half-way. */
int users_delete(struct db *udb, struct db *ddb, const char *user_id);

/* JSON for output. with_secret adds hashed_password (export only). */
json_t *users_to_json(const struct user *u, int with_secret);
/* The "auth" column: "password", "oauth:PROVIDER" or "none". */
const char *users_auth_kind(const char *hashed_password, char *buf, size_t n);
/* Fill u from an export record. Prints "field ..." errors (set
 * t3_error_context to say where the record comes from) and returns
 * T3_EUSAGE when a field is missing or invalid. */
int users_from_json(json_t *obj, struct user *u);

/* Iterate users ordered by created_at, user_id; plan and email_glob
 * (case-insensitive GLOB on email) may be NULL. fn returns non-zero to stop. */
int users_each(struct db *db, const char *plan, const char *email_glob,
	       int (*fn)(void *ctx, const struct user *u), void *ctx);

/* The same listing as users_each, each row already serialised by SQLite
 * as the JSON object users_to_json(u, 0) would give: the fast path for
 * --json and --jsonl over large tables. */
int users_each_json(struct db *db, const char *plan, const char *email_glob,
		    int (*fn)(void *ctx, const char *json, size_t len), void *ctx);

/* Passwords (Argon2id via libsodium, OWASP-compliant parameters). */
#define USERS_HASH_MAX 128
int users_hash_password(const char *password, char out[USERS_HASH_MAX]);
/* 0 match, T3_ENEG mismatch or no password. On a match with stale
 * parameters the hash is upgraded in place (needs db). */
int users_verify_password(struct db *db, struct user *u, const char *password);

#endif

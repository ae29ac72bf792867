/* plans.c: the plans table of user.db and the refill of quotas from it. */
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "plans.h"
#include "safe.h"
#include "timeutil.h"

int plans_allowance(struct db *db, const char *plan, int64_t *allowance)
{
	int r = plans_allowance_quiet(db, plan, allowance);
	if (r == T3_ENEG)
		return t3_error(T3_EUSAGE, "plan '%s' does not exist (see 't3-user plan list')", plan);
	return r;
}

int plans_allowance_quiet(struct db *db, const char *plan, int64_t *allowance)
{
	return db_read_int64(db, "SELECT token_allowance FROM plans WHERE plan_name = ?", plan,
			     allowance, "read plan");
}

int plans_set(struct db *db, const char *plan, int64_t allowance, const char *desc)
{
	sqlite3_stmt *st;
	int r = 0;

	if (desc && (strlen(desc) > 1000 || !safe_text_valid(desc, strlen(desc))))
		return t3_error(T3_EUSAGE, "description '%s' must be at most 1000 bytes of UTF-8 "
				"without control characters", desc);
	if (db_prepare(db, &st, "INSERT INTO plans (plan_name, token_allowance, description) "
		       "VALUES (?1, ?2, coalesce(?3, '')) ON CONFLICT (plan_name) DO UPDATE "
		       "SET token_allowance = ?2, description = coalesce(?3, description)"))
		return T3_EDATA;
	db_bind_text(st, 1, plan);
	sqlite3_bind_int64(st, 2, allowance);
	db_bind_text(st, 3, desc);
	if (sqlite3_step(st) != SQLITE_DONE) {
		if (sqlite3_extended_errcode(db->h) == SQLITE_CONSTRAINT_CHECK)
			r = t3_error(T3_EUSAGE, "plan name '%s' must be 1-32 characters "
				     "of a-z, 0-9, '-' and '_', starting with a letter", plan);
		else
			r = db_error(db, "write plan");
	}
	sqlite3_finalize(st);
	return r;
}

int plans_remove(struct db *db, const char *plan)
{
	int r;
	int64_t users;

	if ((r = db_read_int64(db, "SELECT count(*) FROM user_accounts WHERE subscription_plan = ?",
			       plan, &users, "read plan")))
		return r;
	if (users)
		return t3_error(T3_EDATA, "plan '%s' is in use by %lld user%s", plan,
				(long long)users, users == 1 ? "" : "s");
	r = db_exec_text(db, "DELETE FROM plans WHERE plan_name = ?", plan, NULL);
	if (!r && !sqlite3_changes(db->h))
		r = t3_error(T3_ENEG, "plan '%s' not found", plan);
	return r;
}

struct plan_rows {
	int (*fn)(void *, const char *, int64_t, const char *, int64_t);
	void *ctx;
};

static int plan_row(void *p, sqlite3_stmt *st)
{
	struct plan_rows *pr = p;
	return pr->fn(pr->ctx, db_col_text(st, 0), sqlite3_column_int64(st, 1),
		      db_col_text(st, 2), sqlite3_column_int64(st, 3));
}

int plans_each(struct db *db, int (*fn)(void *, const char *, int64_t, const char *, int64_t),
	       void *ctx)
{
	sqlite3_stmt *st;
	if (db_prepare(db, &st, "SELECT p.plan_name, p.token_allowance, p.description, "
		       "(SELECT count(*) FROM user_accounts u WHERE u.subscription_plan = p.plan_name) "
		       "FROM plans p ORDER BY p.token_allowance, p.plan_name"))
		return T3_EDATA;
	return db_each_row(db, st, plan_row, &(struct plan_rows){ fn, ctx }, "list plans");
}

int plans_refill(struct db *db, const char *user_id, int64_t *n)
{
	sqlite3_stmt *st;
	int r;
	if (db_prepare(db, &st, "UPDATE user_accounts SET token_quota = (SELECT "
		       "token_allowance FROM plans WHERE plan_name = subscription_plan), "
		       "updated_at = ?2 WHERE ?1 IS NULL OR user_id = ?1"))
		return T3_EDATA;
	db_bind_text(st, 1, user_id);
	sqlite3_bind_int64(st, 2, time_now_ms());
	r = db_step_done(db, st);
	*n = sqlite3_changes(db->h);
	sqlite3_finalize(st);
	return r;
}

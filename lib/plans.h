/* plans.h: the plans of user.db (plan_name, token_allowance,
 * description) and refilling quotas to a plan's allowance. */
#ifndef T3_PLANS_H
#define T3_PLANS_H

#include <stdint.h>

#include "db.h"

/* The allowance of a plan; a missing plan is a usage error (message). */
int plans_allowance(struct db *db, const char *plan, int64_t *allowance);
/* The same without a message: 0, T3_ENEG (no such plan), T3_EDATA. */
int plans_allowance_quiet(struct db *db, const char *plan, int64_t *allowance);
int plans_set(struct db *db, const char *plan, int64_t allowance, const char *description);
int plans_remove(struct db *db, const char *plan);
int plans_each(struct db *db, int (*fn)(void *ctx, const char *plan, int64_t allowance,
				       const char *description, int64_t users), void *ctx);
/* Reset the remaining quota to the plan's allowance for one user (user_id)
 * or every user (user_id NULL); *n gets the number of users changed. */
int plans_refill(struct db *db, const char *user_id, int64_t *n);

#endif

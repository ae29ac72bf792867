/* usage-days.h: the daily rollup of usage_metrics (usage_days, kept by
 * the triggers of share/sql/data-0008.sql), which t3-usage reads in
 * place of a user's rows when a report allows it (usage-report.c).
 *
 * A user's days are kept in one zone, usage_user_zones.zone; a user
 * without a row there has none kept. The triggers bucket each row with
 * the offsets stored in usage_zone_offsets, which this module finds
 * from the tz database over USAGE_DAYS_FROM .. USAGE_DAYS_TO. A zone
 * the tz database lacks is kept as UTC, as the report counts it. */
#ifndef T3_USAGE_DAYS_H
#define T3_USAGE_DAYS_H

#include <stdint.h>

#include "db.h"

struct usage_zone;

#define USAGE_DAYS_FROM 0LL		/* 1970-01-01, UTC seconds */
#define USAGE_DAYS_TO 4102444800LL	/* 2100-01-01 */

/* The zone user ?1's days are kept in: a row, or none when none are. */
#define USAGE_DAYS_ZONE_SQL "SELECT zone FROM usage_user_zones WHERE user_id = ?1"

/* The zone a user's days are kept in: tz, or "UTC" when the tz
 * database lacks it. */
const char *usage_days_zone(const char *tz);

/* In the caller's write transaction: keep user_id's days in tz from now
 * on, rebuilding them from the user's rows (and storing the zone's
 * offsets first) unless they are kept in it already. */
int usage_days_ensure(struct db *ddb, const char *user_id, const char *tz);
/* The same, rebuilding whatever is kept. */
int usage_days_build(struct db *ddb, const char *user_id, const char *tz);

/* Whether the offsets stored for zone z->name are the tz database's
 * over [lo, hi] (UTC seconds): 1, 0, or -1 after an error message.
 * Extends z over the span (sets TZ: not while other threads use z). */
int usage_days_zone_agrees(struct db *ddb, struct usage_zone *z, int64_t lo, int64_t hi);

/* t3-user check: each user whose days are kept in another zone than
 * the user's, or do not add up to the user's rows, given to fn with what
 * is wrong; with repair, rebuilt (each user in a transaction of its
 * own), and the days of users who have none kept are built (not a
 * fault: nothing is said). A zone whose stored offsets differ from the
 * tz database's is stored again first. Users' zones are read from udb.
 * *found and *repaired count. */
int usage_days_check(struct db *ddb, struct db *udb, int repair,
		     void (*fn)(void *ctx, const char *user_id, const char *detail), void *ctx,
		     long *found, long *repaired);

#endif

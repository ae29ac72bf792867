/* usage-days.c: the daily rollup of usage_metrics (see usage-days.h). */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "msg.h"
#include "timeutil.h"
#include "usage-days.h"
#include "usage-report.h"

const char *usage_days_zone(const char *tz)
{
	return tz && time_zone_valid(tz) ? tz : "UTC";
}

/* A zone's offsets as the triggers read them: segments of constant
 * offset over USAGE_DAYS_FROM .. USAGE_DAYS_TO (and the margin the zone
 * loader adds, the same on every run). UTC has none: 0 is the default. */
struct offsets {
	int64_t *start_ms;
	int32_t *off;
	size_t n;
};

static void offsets_release(struct offsets *s)
{
	free(s->start_ms);
	free(s->off);
	memset(s, 0, sizeof *s);
}

static void offsets_push(struct offsets *s, int64_t start_ms, int32_t off)
{
	s->start_ms = xrealloc(s->start_ms, (s->n + 1) * sizeof *s->start_ms);
	s->off = xrealloc(s->off, (s->n + 1) * sizeof *s->off);
	s->start_ms[s->n] = start_ms;
	s->off[s->n++] = off;
}

static void offsets_compute(const char *zone, struct offsets *s)
{
	struct usage_zone z;

	memset(s, 0, sizeof *s);
	if (!strcmp(zone, "UTC") || usage_zone_load(&z, zone))
		return;
	usage_zone_offset(&z, USAGE_DAYS_FROM);
	usage_zone_offset(&z, USAGE_DAYS_TO);
	for (size_t i = 0; i < z.n; i++)
		offsets_push(s, z.start[i] * 1000, z.off[i]);
	usage_zone_release(&z);
}

static int offsets_row(void *ctx, sqlite3_stmt *st)
{
	offsets_push(ctx, sqlite3_column_int64(st, 0), sqlite3_column_int(st, 1));
	return 0;
}

static int offsets_read(struct db *ddb, const char *zone, struct offsets *s)
{
	sqlite3_stmt *st;
	int r;

	memset(s, 0, sizeof *s);
	if (db_prepare(ddb, &st, "SELECT start_ms, offset_s FROM usage_zone_offsets "
		       "WHERE zone = ?1 ORDER BY start_ms"))
		return T3_EDATA;
	db_bind_text(st, 1, zone);
	if ((r = db_each_row(ddb, st, offsets_row, s, "read zone offsets")))
		offsets_release(s);
	return r;
}

static int offsets_equal(const struct offsets *a, const struct offsets *b)
{
	return a->n == b->n && !memcmp(a->start_ms, b->start_ms, a->n * sizeof *a->start_ms) &&
	       !memcmp(a->off, b->off, a->n * sizeof *a->off);
}

/* Replace zone's stored offsets by s. */
static int offsets_store(struct db *ddb, const char *zone, const struct offsets *s)
{
	sqlite3_stmt *st;
	int r;

	if ((r = db_exec_text(ddb, "DELETE FROM usage_zone_offsets WHERE zone = ?1", zone, NULL)) ||
	    (r = db_prepare(ddb, &st, "INSERT INTO usage_zone_offsets (zone, start_ms, offset_s) "
			    "VALUES (?1, ?2, ?3)")))
		return r;
	for (size_t i = 0; i < s->n && !r; i++) {
		sqlite3_reset(st);
		db_bind_text(st, 1, zone);
		sqlite3_bind_int64(st, 2, s->start_ms[i]);
		sqlite3_bind_int(st, 3, s->off[i]);
		r = db_step_done(ddb, st);
	}
	sqlite3_finalize(st);
	return r;
}

/* The offset stored at UTC ms t, as the trigger finds it. */
static int32_t offsets_at(const struct offsets *s, int64_t t)
{
	size_t lo = 0, hi = s->n;	/* the last start <= t is before hi */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->start_ms[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? s->off[lo - 1] : 0;
}

static int rebuild(struct db *ddb, const char *user_id, const char *zone)
{
	int r;
	if ((r = db_exec_text(ddb, "INSERT OR REPLACE INTO usage_user_zones (user_id, zone) "
			      "VALUES (?1, ?2)", user_id, zone)) ||
	    (r = db_exec_text(ddb, "DELETE FROM usage_days WHERE user_id = ?1", user_id, NULL)))
		return r;
	/* every row through the triggers' own view: one rule for the day */
	return db_exec_text(ddb, "INSERT INTO usage_days_delta SELECT user_id, timestamp, 1, "
			    "status_code, prompt_tokens, completion_tokens, reasoning_tokens, "
			    "cached_tokens, tokens_used, cost_usd FROM usage_metrics "
			    "INDEXED BY usage_metrics_report WHERE user_id = ?1", user_id, NULL);
}

int usage_days_build(struct db *ddb, const char *user_id, const char *tz)
{
	const char *zone = usage_days_zone(tz);
	struct offsets s;
	int r = db_exists(ddb, "SELECT 1 FROM usage_zone_offsets WHERE zone = ?1", zone,
			  "read zone offsets");

	if (r < 0)
		return T3_EDATA;
	if (!r && strcmp(zone, "UTC")) {
		offsets_compute(zone, &s);
		r = offsets_store(ddb, zone, &s);
		offsets_release(&s);
		if (r)
			return r;
	}
	return rebuild(ddb, user_id, zone);
}

/* The zone user_id's days are kept in, into *zone (freed by the caller;
 * NULL: none kept). */
static int kept_zone(struct db *ddb, const char *user_id, char **zone)
{
	sqlite3_stmt *st;
	int rc;

	*zone = NULL;
	if (db_prepare(ddb, &st, USAGE_DAYS_ZONE_SQL))
		return T3_EDATA;
	db_bind_text(st, 1, user_id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*zone = xstrdup(db_col_text(st, 0));
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(ddb, "read usage zones");
	return 0;
}

int usage_days_ensure(struct db *ddb, const char *user_id, const char *tz)
{
	char *kept;
	int r;

	if ((r = kept_zone(ddb, user_id, &kept)))
		return r;
	if (!kept || strcmp(kept, usage_days_zone(tz)))
		r = usage_days_build(ddb, user_id, tz);
	free(kept);
	return r;
}

int usage_days_zone_agrees(struct db *ddb, struct usage_zone *z, int64_t lo, int64_t hi)
{
	struct offsets s;
	int agrees = 1;

	if (offsets_read(ddb, z->name, &s))
		return -1;
	usage_zone_offset(z, lo);
	usage_zone_offset(z, hi);
	/* both are constant between their starts: compare at each start in
	 * the span, and at its beginning */
	if (offsets_at(&s, lo * 1000) != usage_zone_offset(z, lo))
		agrees = 0;
	for (size_t i = 0; i < s.n && agrees; i++)
		if (s.start_ms[i] > lo * 1000 && s.start_ms[i] <= hi * 1000 &&
		    s.off[i] != usage_zone_offset(z, s.start_ms[i] / 1000))
			agrees = 0;
	for (size_t i = 0; i < z->n && agrees; i++)
		if (z->start[i] > lo && z->start[i] <= hi &&
		    offsets_at(&s, z->start[i] * 1000) != z->off[i])
			agrees = 0;
	offsets_release(&s);
	return agrees;
}

/* ---- t3-user check ---- */

/* Column 0 of each row, read to the end before any write: no cursor is
 * then open on a table that the rebuilds rewrite. */
struct strs {
	char **v;
	size_t n, cap;
};

static int strs_row(void *ctx, sqlite3_stmt *st)
{
	struct strs *l = ctx;
	l->v = xgrow(l->v, l->n, &l->cap, sizeof *l->v);
	l->v[l->n++] = xstrdup(db_col_text(st, 0));
	return 0;
}

static int strs_read(struct db *ddb, const char *sql, const char *arg, struct strs *l)
{
	sqlite3_stmt *st;

	memset(l, 0, sizeof *l);
	if (db_prepare(ddb, &st, sql))
		return T3_EDATA;
	db_bind_text(st, 1, arg);
	return db_each_row(ddb, st, strs_row, l, "read usage zones");
}

static void strs_release(struct strs *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

/* The zones whose stored offsets differ from the tz database's: their
 * users are given to fn; with repair, the offsets are stored again and
 * those users' days rebuilt, in one transaction (no report may see the
 * new offsets beside days bucketed with the old). */
static int check_zones(struct db *ddb, int repair,
		       void (*fn)(void *ctx, const char *user_id, const char *detail), void *ctx,
		       long *found, long *repaired)
{
	struct strbuf d = STRBUF_INIT;
	struct strs zones;
	int r;

	if ((r = strs_read(ddb, "SELECT DISTINCT zone FROM usage_user_zones WHERE zone <> 'UTC'",
			   NULL, &zones)))
		goto out;
	for (size_t zi = 0; zi < zones.n && !r; zi++) {
		const char *zone = zones.v[zi];
		struct offsets want, have;
		struct strs ids = { 0 };
		offsets_compute(zone, &want);
		if (!(r = offsets_read(ddb, zone, &have)) && !offsets_equal(&want, &have) &&
		    !(r = strs_read(ddb, "SELECT user_id FROM usage_user_zones WHERE zone = ?1",
				    zone, &ids))) {
			sb_reset(&d);
			sb_addf(&d, "daily totals: the offsets stored for %s differ from the tz database's",
				zone);
			if (repair && !(r = db_begin(ddb)))
				r = offsets_store(ddb, zone, &want);
			for (size_t i = 0; i < ids.n && !r; i++) {
				fn(ctx, ids.v[i], d.buf);
				++*found;
				if (repair && !(r = rebuild(ddb, ids.v[i], zone)))
					++*repaired;
			}
			if (repair && (r || (r = db_commit(ddb))))
				db_rollback(ddb);
		}
		strs_release(&ids);
		offsets_release(&want);
		offsets_release(&have);
	}
out:
	strs_release(&zones);
	sb_release(&d);
	return r;
}

/* What is wrong with user_id's days, kept in *kept (1) or not (0): d
 * says, empty when nothing is (days not kept yet are not a fault). */
static int days_fault(struct db *ddb, sqlite3_stmt *sums, const char *user_id, const char *zone,
		      struct strbuf *d, int *kept)
{
	char *in;
	int r;

	sb_reset(d);
	if ((r = kept_zone(ddb, user_id, &in)))
		return r;
	*kept = in != NULL;
	if (in && strcmp(in, zone)) {
		sb_addf(d, "daily totals: kept in %s, the user's zone is %s", in, zone);
	} else if (in) {
		sqlite3_reset(sums);
		db_bind_text(sums, 1, user_id);
		if (sqlite3_step(sums) != SQLITE_ROW)
			r = db_error(ddb, "check daily totals");
		else if (sqlite3_column_int(sums, 0))
			sb_adds(d, "daily totals: they do not add up to the user's usage rows");
		sqlite3_reset(sums);
	}
	free(in);
	return r;
}

int usage_days_check(struct db *ddb, struct db *udb, int repair,
		     void (*fn)(void *ctx, const char *user_id, const char *detail), void *ctx,
		     long *found, long *repaired)
{
	sqlite3_stmt *next = NULL, *tz = NULL, *sums = NULL;
	struct strbuf id = STRBUF_INIT, d = STRBUF_INIT, zone = STRBUF_INIT;
	int r, rc;

	if ((r = check_zones(ddb, repair, fn, ctx, found, repaired)))
		return r;
	if (db_prepare(ddb, &next, USAGE_NEXT_USER_SQL) ||
	    db_prepare(udb, &tz, "SELECT timezone FROM user_accounts WHERE user_id = ?1") ||
	    /* the days add up to the rows, the cost by the rule of
	     * data-0008.sql's usage_days_add, each row's in whole nano-dollars
	     * (tests/4030 proves the two copies of the rule agree) */
	    db_prepare(ddb, &sums, "SELECT (SELECT count(*), sum(status_code <> 'success'), "
		       "sum(prompt_tokens), sum(completion_tokens), sum(reasoning_tokens), "
		       "sum(cached_tokens), sum(tokens_used), total(CASE WHEN abs(cost_usd * 1e9) "
		       "<= 9e18 THEN CAST(round(cost_usd * 1e9) AS INTEGER) ELSE 0 END) FROM "
		       "usage_metrics WHERE user_id = ?1) IS NOT (SELECT sum(requests), sum(errors), "
		       "sum(prompt_tokens), sum(completion_tokens), sum(reasoning_tokens), "
		       "sum(cached_tokens), sum(tokens_used), total(cost_nusd) FROM usage_days "
		       "WHERE user_id = ?1)")) {
		r = T3_EDATA;
		goto out;
	}
	for (;;) {
		int kept;
		sqlite3_reset(next);
		db_bind_text(next, 1, id.buf);
		if ((rc = sqlite3_step(next)) != SQLITE_ROW) {
			if (rc != SQLITE_DONE)
				r = db_error(ddb, "read usage");
			break;
		}
		sb_reset(&id);
		sb_adds(&id, db_col_text(next, 0));
		sqlite3_reset(next);
		sqlite3_reset(tz);
		db_bind_text(tz, 1, id.buf);
		rc = sqlite3_step(tz);
		sb_reset(&zone);
		if (rc == SQLITE_ROW)
			sb_adds(&zone, usage_days_zone(db_col_text(tz, 0)));
		sqlite3_reset(tz);
		if (rc == SQLITE_DONE)	/* orphan rows: another check's */
			continue;
		if (rc != SQLITE_ROW) {
			r = db_error(udb, "read user");
			break;
		}
		if ((r = days_fault(ddb, sums, id.buf, zone.buf, &d, &kept)))
			break;
		if (d.len) {
			fn(ctx, id.buf, d.buf);
			++*found;
		}
		/* days not kept yet are built, without a word */
		if (!repair || (kept && !d.len))
			continue;
		if ((r = db_begin(ddb)))
			break;
		if ((r = usage_days_build(ddb, id.buf, zone.buf)) || (r = db_commit(ddb))) {
			db_rollback(ddb);
			break;
		}
		*repaired += d.len > 0;
	}
out:
	sqlite3_finalize(next);
	sqlite3_finalize(tz);
	sqlite3_finalize(sums);
	sb_release(&id);
	sb_release(&d);
	sb_release(&zone);
	return r;
}

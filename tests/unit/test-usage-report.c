/* Unit tests for t3-usage's grouping (lib/usage-report.c, usage-tz.c):
 * zone offsets, --since/--until spans, cost rounding, the query plan,
 * and every bucket of generated rows in six zones against an
 * independent computation with localtime_r and strftime, read from the
 * rows and again from the daily totals (usage-days.c). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tap.h"
#include "buf.h"
#include "db.h"
#include "msg.h"
#include "timeutil.h"
#include "usage-days.h"
#include "usage-report.h"
#include "users.h"

static char tmpdir[] = "/tmp/t3usage.XXXXXX";

static const char *const zones[] = {
	"America/Denver", "America/New_York", "Europe/London", "Asia/Kolkata",
	"Pacific/Chatham", "Australia/Lord_Howe", "UTC",
};
#define NZONES (sizeof zones / sizeof zones[0])

static void use_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

/* ---- zone offsets against localtime_r, every 7 minutes of 2026 ---- */

static void test_offsets(void)
{
	int64_t from, to;
	time_parse_iso("2025-12-25T00:00Z", &from);
	time_parse_iso("2027-01-05T00:00Z", &to);
	for (size_t i = 0; i < NZONES; i++) {
		struct usage_zone z;
		long bad = 0, n = 0;
		size_t cnt = (size_t)((to - from) / 1000 / (7 * 60 + 13)) + 1;
		long *want = xcalloc(cnt, sizeof *want);
		use_tz(zones[i]);
		for (int64_t t = from / 1000; t < to / 1000; t += 7 * 60 + 13, n++) {
			struct tm tm;
			time_t tt = (time_t)t;
			localtime_r(&tt, &tm);
			want[n] = tm.tm_gmtoff;
		}
		unsetenv("TZ");
		tzset();
		ok(!usage_zone_load(&z, zones[i]), "load %s", zones[i]);
		n = 0;
		for (int64_t t = from / 1000; t < to / 1000; t += 7 * 60 + 13, n++) {
			int32_t off = usage_zone_offset(&z, t);
			if (off != want[n] && bad++ < 3)
				diag("%s at %lld: %d, localtime_r says %ld", zones[i], (long long)t, off,
				     want[n]);
		}
		free(want);
		ok(!bad, "%s: the offset of %ld instants of 2026 agrees with localtime_r", zones[i], n);
		usage_zone_release(&z);
	}
	struct usage_zone z;
	ok(usage_zone_load(&z, "Mars/Olympus_Mons") == -1, "an unknown zone is refused");
	ok(usage_zone_load(&z, "../etc/passwd") == -1, "a path is not a zone");
}

/* ---- --since / --until spans ---- */

static void span(const char *zone, const char *when, const char *now, const char *want_start,
		 const char *want_end)
{
	struct usage_zone z;
	struct usage_when w;
	int64_t nowms = 0, s, e;
	char a[TIME_ISO_LEN + 1], b[TIME_ISO_LEN + 1];

	usage_zone_load(&z, zone);
	time_parse_iso(now, &nowms);
	if (!ok(!usage_when_parse(when, &w), "parse '%s'", when))
		return;
	usage_when_span(&w, &z, nowms, &s, &e);
	time_fmt_iso(a, s);
	time_fmt_iso(b, e);
	is_str(a, want_start, "'%s' in %s at %s starts %s", when, zone, now, want_start);
	is_str(b, want_end, "'%s' in %s at %s ends %s", when, zone, now, want_end);
	usage_zone_release(&z);
}

static void test_spans(void)
{
	struct usage_when w;
	/* the day DST starts in Denver has 23 hours */
	span("America/Denver", "2026-03-08", "2026-06-01T00:00Z", "2026-03-08T07:00:00.000Z",
	     "2026-03-09T06:00:00.000Z");
	span("America/Denver", "today", "2026-03-08T12:00Z", "2026-03-08T07:00:00.000Z",
	     "2026-03-09T06:00:00.000Z");
	span("America/New_York", "yesterday", "2026-11-02T12:00Z", "2026-11-01T04:00:00.000Z",
	     "2026-11-02T05:00:00.000Z");
	/* 23:30Z on March 31 is already April 1 in London (BST) */
	span("Europe/London", "this-month", "2026-03-31T23:30Z", "2026-03-31T23:00:00.000Z",
	     "2026-04-30T23:00:00.000Z");
	span("Europe/London", "last-month", "2026-04-15T12:00Z", "2026-03-01T00:00:00.000Z",
	     "2026-03-31T23:00:00.000Z");
	span("Asia/Kolkata", "7d", "2026-01-10T20:00Z", "2026-01-04T18:30:00.000Z",
	     "2026-01-11T18:30:00.000Z");
	span("Pacific/Chatham", "2026-04-05", "2026-06-01T00:00Z", "2026-04-04T10:15:00.000Z",
	     "2026-04-05T11:15:00.000Z");
	span("Australia/Lord_Howe", "2026-10-04", "2026-06-01T00:00Z", "2026-10-03T13:30:00.000Z",
	     "2026-10-04T13:00:00.000Z");
	span("UTC", "2026-02-03T04:05:06+01:00", "2026-06-01T00:00Z", "2026-02-03T03:05:06.000Z",
	     "2026-02-03T03:05:06.000Z");
	span("America/Denver", "2026-03-08T03:30", "2026-06-01T00:00Z", "2026-03-08T09:30:00.000Z",
	     "2026-03-08T09:30:00.000Z");
	/* 02:30 does not exist that night: the first instant after it */
	span("America/Denver", "2026-03-08T02:30", "2026-06-01T00:00Z", "2026-03-08T09:00:00.000Z",
	     "2026-03-08T09:00:00.000Z");
	ok(usage_when_parse("2026-02-30", &w), "February 30 is refused");
	ok(usage_when_parse("0d", &w), "0d is refused");
	ok(usage_when_parse("soon", &w), "a word is refused");
	ok(usage_when_parse("2026-03-08T25:00", &w), "hour 25 is refused");
}

static void test_cost(void)
{
	char buf[32];
	is_str(usage_cost_fmt(0, buf), "0.000000", "zero");
	is_str(usage_cost_fmt(499, buf), "0.000000", "499e-9 rounds down");
	is_str(usage_cost_fmt(500, buf), "0.000001", "half a micro-dollar rounds up");
	is_str(usage_cost_fmt(usage_cost_nusd(0.00001), buf), "0.000010", "1e-05 without an exponent");
	is_str(usage_cost_fmt(1234567891, buf), "1.234568", "dollars and decimals");
	is_str(usage_cost_fmt(-1500, buf), "-0.000002", "negative: half away from zero");
	is_int(usage_cost_nusd(0.1 + 0.2), 300000000, "0.1 + 0.2 counts as 0.3 exactly");
	is_int(usage_cost_nusd(0.0000000004), 0, "below half a nano-dollar is 0");
}

/* ---- generated rows, bucketed twice ---- */

#define NUSERS 7
#define NROWS 4000

struct exp_group {
	char key[160];
	struct usage_sum s;
};

struct expect {
	struct exp_group *g;
	size_t n, cap;
};

static struct usage_sum *exp_get(struct expect *e, const char *key)
{
	for (size_t i = 0; i < e->n; i++)
		if (!strcmp(e->g[i].key, key))
			return &e->g[i].s;
	if (e->n == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 256;
		e->g = xrealloc(e->g, e->cap * sizeof *e->g);
	}
	memset(&e->g[e->n], 0, sizeof e->g[e->n]);
	snprintf(e->g[e->n].key, sizeof e->g[e->n].key, "%s", key);
	return &e->g[e->n++].s;
}

struct row {
	int user;
	int64_t ts;
	int model, status;
	long prompt, completion, reasoning, cached;
	double cost;
};

static const char *const models[] = { "gpt-4o", "claude-sonnet", "gemini-pro" };
static const char *const statuses[] = { "success", "success", "success", "http_500", "rate_limited" };

/* The independent label of a row: local time by localtime_r in the zone
 * of TZ, formatted by strftime; weeks by mktime. */
static void label_of(int64_t ts, int key, int week_start, char *out, size_t n)
{
	time_t t = (time_t)(ts / 1000);
	struct tm tm;
	localtime_r(&t, &tm);
	switch (key) {
	case USAGE_BY_HOUR: {
		long off = tm.tm_gmtoff, a = off < 0 ? -off : off;
		char b[32];
		strftime(b, sizeof b, "%Y-%m-%dT%H:00", &tm);
		snprintf(out, n, "%s%c%02ld:%02ld", b, off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
		break;
	}
	case USAGE_BY_DAY:
		strftime(out, n, "%Y-%m-%d", &tm);
		break;
	case USAGE_BY_WEEK: {
		struct tm w = tm;
		w.tm_mday -= (tm.tm_wday - week_start + 7) % 7;
		w.tm_hour = 12;
		w.tm_isdst = -1;
		time_t tw = mktime(&w);
		localtime_r(&tw, &w);
		strftime(out, n, "%Y-%m-%d", &w);
		break;
	}
	case USAGE_BY_MONTH:
		strftime(out, n, "%Y-%m", &tm);
		break;
	}
}

static uint64_t rng = 88172645463325252ull;
static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void sum_row(struct usage_sum *s, const struct row *r)
{
	s->requests++;
	s->errors += strcmp(statuses[r->status], "success") != 0;
	s->prompt += r->prompt;
	s->completion += r->completion;
	s->reasoning += r->reasoning;
	s->cached += r->cached;
	s->tokens += r->prompt + r->completion;
	s->cost_nusd += usage_cost_nusd(r->cost);
}

static int same_sum(const struct usage_sum *a, const struct usage_sum *b)
{
	return a->requests == b->requests && a->errors == b->errors && a->prompt == b->prompt &&
	       a->completion == b->completion && a->reasoning == b->reasoning &&
	       a->cached == b->cached && a->tokens == b->tokens && a->cost_nusd == b->cost_nusd;
}

static struct db udb, ddb;
static int days_built;	/* every user's daily totals are kept */
static char user_ids[NUSERS][UUID_STRLEN + 1];
static const char *user_zone[NUSERS];
static struct row rows[NROWS];

static void setup(void)
{
	char *up = xasprintf("%s/user.db", tmpdir), *dp = xasprintf("%s/data.db", tmpdir);
	sqlite3_stmt *st;
	int64_t t0, t1;

	ok(!db_open(&udb, up, DB_USER) && !db_open(&ddb, dp, DB_DATA), "open the databases");
	db_begin(&udb);
	for (int i = 0; i < NUSERS; i++) {
		struct user u = { 0 };
		u.email = xasprintf("u%d@example.com", i);
		u.subscription_plan = xstrdup("free");
		u.token_quota = 100000;
		u.timezone = xstrdup(zones[i % NZONES]);
		users_insert(&udb, &u);
		memcpy(user_ids[i], u.user_id, sizeof user_ids[i]);
		user_zone[i] = zones[i % NZONES];
		user_release(&u);
	}
	db_commit(&udb);
	/* 2026-03-01 .. 2026-11-15: spring and autumn changes of both
	 * hemispheres; a third of the rows within an hour of a change */
	time_parse_iso("2026-03-01T00:00Z", &t0);
	time_parse_iso("2026-11-15T00:00Z", &t1);
	static const char *const changes[] = {
		"2026-03-08T09:00Z", "2026-11-01T08:00Z", "2026-03-29T01:00Z", "2026-10-25T01:00Z",
		"2026-04-04T14:00Z", "2026-09-26T14:00Z", "2026-04-04T15:00Z", "2026-10-03T15:30Z",
		"2026-03-08T07:00Z", "2026-03-08T06:00Z",
	};
	db_begin(&ddb);
	db_prepare(&ddb, &st, "INSERT INTO usage_metrics (usage_id, user_id, timestamp, model_name, "
		   "tokens_used, status_code, provider_name, prompt_tokens, completion_tokens, "
		   "reasoning_tokens, cached_tokens, cost_usd) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'p', ?7, "
		   "?8, ?9, ?10, ?11)");
	for (int i = 0; i < NROWS; i++) {
		struct row *r = &rows[i];
		char id[UUID_STRLEN + 1];
		r->user = (int)(next_rand() % NUSERS);
		if (i % 3 == 0) {
			int64_t c;
			time_parse_iso(changes[next_rand() % (sizeof changes / sizeof changes[0])], &c);
			r->ts = c + (int64_t)(next_rand() % 7200000) - 3600000;
		} else {
			r->ts = t0 + (int64_t)(next_rand() % (uint64_t)(t1 - t0));
		}
		if (i % 50 == 0)	/* ties across a chunk boundary */
			r->ts = rows[i ? i - 1 : 0].ts;
		r->model = (int)(next_rand() % 3);
		r->status = (int)(next_rand() % 5);
		r->prompt = (long)(next_rand() % 5000);
		r->completion = (long)(next_rand() % 2000);
		r->reasoning = (long)(next_rand() % 500);
		r->cached = (long)(next_rand() % 1000);
		r->cost = (double)(next_rand() % 100000000) / 1e10;
		uuid_v7(id);
		sqlite3_reset(st);
		db_bind_text(st, 1, id);
		db_bind_text(st, 2, user_ids[r->user]);
		sqlite3_bind_int64(st, 3, r->ts);
		db_bind_text(st, 4, models[r->model]);
		sqlite3_bind_int64(st, 5, r->prompt + r->completion);
		db_bind_text(st, 6, statuses[r->status]);
		sqlite3_bind_int64(st, 7, r->prompt);
		sqlite3_bind_int64(st, 8, r->completion);
		sqlite3_bind_int64(st, 9, r->reasoning);
		sqlite3_bind_int64(st, 10, r->cached);
		sqlite3_bind_double(st, 11, r->cost);
		db_step_done(&ddb, st);
	}
	sqlite3_finalize(st);
	ok(!db_commit(&ddb), "%d rows for %d users in %zu zones", NROWS, NUSERS, NZONES);
	free(up);
	free(dp);
}

/* Run a report by user + one time key (and model when with_model) in
 * each user's zone (tz NULL) or in tz, and compare every group. */
static void check_report(int tkey, int with_model, const char *tz, int week_start, int chunk)
{
	struct usage_report_opts o = { .week_start = week_start, .tz = tz, .chunk = chunk };
	struct usage_report r;
	struct expect e = { 0 };
	char key[160], label[64], buf[32];
	size_t bad = 0, matched = 0;
	struct usage_sum total = { 0 };

	o.by[o.nby++] = USAGE_BY_USER;
	o.by[o.nby++] = tkey;
	if (with_model)
		o.by[o.nby++] = USAGE_BY_MODEL;
	o.now_ms = time_now_ms();
	for (size_t zi = 0; zi < NZONES; zi++) {
		if (tz && zi)
			break;
		use_tz(tz ? tz : zones[zi]);
		for (int i = 0; i < NROWS; i++) {
			if (!tz && strcmp(user_zone[rows[i].user], zones[zi]))
				continue;
			label_of(rows[i].ts, tkey, week_start, label, sizeof label);
			snprintf(key, sizeof key, "%s|%s|%s", user_ids[rows[i].user], label,
				 with_model ? models[rows[i].model] : "");
			sum_row(exp_get(&e, key), &rows[i]);
			sum_row(&total, &rows[i]);
		}
		unsetenv("TZ");
		tzset();
	}
	if (!ok(!usage_report_run(&ddb, &udb, &o, &r), "report by user,%s%s%s%s, chunks of %d rows",
		usage_key_name(tkey), with_model ? ",model" : "", tz ? " --tz " : "", tz ? tz : "",
		chunk ? chunk : USAGE_REPORT_CHUNK))
		return;
	for (size_t i = 0; i < r.n; i++) {
		const struct usage_group *g = &r.g[i];
		snprintf(key, sizeof key, "%s|%s|%s", g->user_id, usage_group_label(g, tkey, buf),
			 with_model ? g->model : "");
		struct usage_sum *want = NULL;
		for (size_t j = 0; j < e.n && !want; j++)
			if (!strcmp(e.g[j].key, key))
				want = &e.g[j].s;
		if (!want || !same_sum(want, &g->sum)) {
			if (bad++ < 3)
				diag("group %s: %s", key, want ? "totals differ" : "not expected");
		} else {
			matched++;
		}
		if (i && strcmp(r.g[i - 1].user_id, g->user_id) > 0)
			bad++;
	}
	ok(!bad && matched == e.n && r.n == e.n, "every one of %zu groups matches localtime_r "
	   "(got %zu groups)", e.n, r.n);
	ok(same_sum(&r.total, &total), "the totals match");
	/* the daily totals serve a report by user and day, week or month,
	 * for the users bucketed in the zone they are kept in */
	size_t want_days = 0;
	if (days_built && !with_model && tkey != USAGE_BY_HOUR)
		for (int i = 0; i < NUSERS; i++)
			want_days += !tz || !strcmp(tz, user_zone[i]);
	is_int((long)r.days_users, (long)want_days, "%zu users read from their daily totals",
	       want_days);
	usage_report_release(&r);
	free(e.g);
}

static void report_all(void)
{
	check_report(USAGE_BY_DAY, 0, NULL, 1, 0);
	check_report(USAGE_BY_DAY, 0, NULL, 1, 7);	/* chunks end in ties */
	check_report(USAGE_BY_DAY, 0, NULL, 1, 1);
	check_report(USAGE_BY_HOUR, 0, NULL, 1, 0);
	check_report(USAGE_BY_WEEK, 0, NULL, 1, 0);
	check_report(USAGE_BY_WEEK, 0, NULL, 0, 0);
	check_report(USAGE_BY_WEEK, 0, NULL, 6, 0);
	check_report(USAGE_BY_MONTH, 1, NULL, 1, 0);
	check_report(USAGE_BY_DAY, 1, NULL, 1, 0);
	for (size_t i = 0; i < NZONES; i++)
		check_report(USAGE_BY_DAY, 0, zones[i], 1, 0);
	check_report(USAGE_BY_HOUR, 0, "Pacific/Chatham", 1, 0);
	check_report(USAGE_BY_HOUR, 0, "Australia/Lord_Howe", 1, 0);
}

static void test_report(void)
{
	setup();
	report_all();
	/* the same reports again once the daily totals are kept, built
	 * from the rows (ensure twice: the second finds them kept) */
	db_begin(&ddb);
	int bad = 0;
	for (int i = 0; i < NUSERS; i++)
		if (i % 2)
			bad |= usage_days_build(&ddb, user_ids[i], user_zone[i]);
		else
			bad |= usage_days_ensure(&ddb, user_ids[i], user_zone[i]) ||
				usage_days_ensure(&ddb, user_ids[i], user_zone[i]);
	ok(!bad && !db_commit(&ddb), "build every user's daily totals");
	/* then kept by the triggers alone: every row deleted (each day's
	 * totals fall to 0) and inserted again */
	db_begin(&ddb);
	bad = db_exec(&ddb, "CREATE TEMP TABLE keep AS SELECT * FROM usage_metrics") ||
	      db_exec(&ddb, "DELETE FROM usage_metrics") ||
	      db_exec(&ddb, "INSERT INTO usage_metrics SELECT * FROM keep") ||
	      db_exec(&ddb, "DROP TABLE keep");
	ok(!bad && !db_commit(&ddb), "every row deleted and written again");
	days_built = 1;
	report_all();
}

/* The query plan of sql, its lines' details one a line. */
static void explain(const char *sql, struct strbuf *plan)
{
	sqlite3_stmt *st;
	char *q = xasprintf("EXPLAIN QUERY PLAN %s", sql);

	sb_reset(plan);
	ok(!db_prepare(&ddb, &st, q), "explain %.40s...", sql);
	while (sqlite3_step(st) == SQLITE_ROW) {
		sb_adds(plan, db_col_text(st, 3));
		sb_addc(plan, '\n');
	}
	sqlite3_finalize(st);
	free(q);
}

/* The main report's statement reads the covering index, in its order:
 * no table lookups and no temporary B-tree to sort or group. The daily
 * totals' reads a range of their primary key, in its order. */
static void test_plan(void)
{
	struct strbuf plan = STRBUF_INIT;

	explain(usage_report_sql(0), &plan);
	ok(strstr(plan.buf, "USING COVERING INDEX usage_metrics_report (user_id=? AND timestamp>? "
		  "AND timestamp<?)") != NULL, "a range of the covering index");
	ok(!strstr(plan.buf, "TEMP B-TREE"), "no temporary B-tree");
	ok(!strstr(plan.buf, "SCAN"), "no full scan");
	if (strstr(plan.buf, "TEMP B-TREE") || !strstr(plan.buf, "COVERING"))
		diag("plan: %s", plan.buf);
	explain(usage_report_days_sql(), &plan);
	ok(strstr(plan.buf, "SEARCH usage_days USING PRIMARY KEY (user_id=? AND day>? AND "
		  "day<?)") != NULL, "a range of usage_days' primary key");
	ok(!strstr(plan.buf, "TEMP B-TREE"), "no temporary B-tree");
	if (strstr(plan.buf, "TEMP B-TREE") || !strstr(plan.buf, "PRIMARY KEY"))
		diag("plan: %s", plan.buf);
	sb_release(&plan);
}

int main(void)
{
	t3_progname = "test-usage-report";
	if (!mkdtemp(tmpdir))
		return 1;
	unsetenv("TZDIR");
	test_offsets();
	test_spans();
	test_cost();
	test_report();
	test_plan();
	db_close(&udb);
	db_close(&ddb);
	char *cmd = xasprintf("rm -rf %s", tmpdir);
	ok(system(cmd) == 0, "clean up");
	free(cmd);
	return done_testing();
}

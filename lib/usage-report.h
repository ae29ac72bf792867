/* usage-report.h: reports over usage_metrics (t3-usage): totals grouped
 * by user, model, provider, status, chat and by periods of local time,
 * each user's own zone by default.
 *
 * A report by user, day, week and month alone, with no filter but users
 * and spans that start and end at local midnights, reads each user's
 * daily totals (usage_days, usage-days.h) where they are kept in the
 * zone the report uses for the user; other users, and other reports,
 * read the rows themselves.
 *
 * Rows are read user by user through the covering index
 * usage_metrics_report (share/sql/data-0003.sql), in statements of at
 * most USAGE_REPORT_CHUNK rows, so that no read transaction lasts long
 * enough to hold back a checkpoint while chats write. With two users or
 * more, the second half of the users is read on a thread of its own, with
 * its own read-only connection, and its groups merged at the end. Grouping happens
 * here, in C, with the zone's UTC offsets taken from the system's tz
 * database (never SQLite's 'localtime', which knows only the process's
 * zone). */
#ifndef T3_USAGE_REPORT_H
#define T3_USAGE_REPORT_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "db.h"

#define USAGE_REPORT_CHUNK 65536

/* ---- time zones ---- */

/* A zone's UTC offsets over a span of time, as segments of constant
 * offset, found with localtime_r under TZ=name (sampled every 6 hours,
 * each change bisected to the second) and extended on demand. Loading
 * sets and restores TZ: not for threaded callers. */
struct usage_zone {
	char *name;
	int64_t lo, hi;		/* seconds covered: [lo, hi) */
	int64_t *start;		/* segment i starts at start[i] (UTC s) */
	int32_t *off;		/* its UTC offset in seconds */
	size_t n, cur;		/* segments; the last one used */
};

/* -1 when name is not a zone of the tz database ("UTC" always is). */
int usage_zone_load(struct usage_zone *z, const char *name);
void usage_zone_release(struct usage_zone *z);
/* The offset in force at UTC second t. */
int32_t usage_zone_offset(struct usage_zone *z, int64_t t);
/* The first UTC second whose local time is at or after local second
 * (seconds since 1970-01-01 on the local clock): local midnight, or the
 * first moment after it when a DST change skips it. */
int64_t usage_zone_from_local(struct usage_zone *z, int64_t local);


/* ---- periods and times given on the command line ---- */

enum usage_when_kind {
	USAGE_WHEN_ABS,		/* an instant: ISO time with Z or an offset */
	USAGE_WHEN_LOCAL,	/* a local date or date and time */
	USAGE_WHEN_TODAY, USAGE_WHEN_YESTERDAY,
	USAGE_WHEN_DAYS,	/* Nd: the last N local days, today included */
	USAGE_WHEN_THIS_MONTH, USAGE_WHEN_LAST_MONTH
};

struct usage_when {
	enum usage_when_kind kind;
	int64_t ms;		/* ABS: the instant */
	int64_t local;		/* LOCAL: local seconds */
	int has_time;		/* LOCAL: a time was given (else a whole day) */
	int n;			/* DAYS */
};

/* Parse a --since/--until value; -1 if it is none of the forms. */
int usage_when_parse(const char *s, struct usage_when *w);
/* The span [*start, *end) in UTC ms that w names in zone z at now_ms: a
 * day, a month, a span of days, or an instant (start == end). */
void usage_when_span(const struct usage_when *w, struct usage_zone *z, int64_t now_ms,
		     int64_t *start, int64_t *end);

/* ---- the report ---- */

enum usage_key {
	USAGE_BY_USER, USAGE_BY_MODEL, USAGE_BY_PROVIDER, USAGE_BY_STATUS, USAGE_BY_CHAT,
	USAGE_BY_PURPOSE, USAGE_BY_HOUR, USAGE_BY_DAY, USAGE_BY_WEEK, USAGE_BY_MONTH, USAGE_BY_WINDOW,
	USAGE_BY_COUNT
};

/* "user", "model", ... (NULL past the end) and back (-1: unknown). */
const char *usage_key_name(enum usage_key k);
int usage_key_parse(const char *s);
/* The JSON member a key is shown as: user_id, model_name, provider_name,
 * status_code, chat_id, purpose, hour, day, week, month, window. */
const char *usage_key_member(enum usage_key k);

struct usage_sum {
	int64_t requests, errors;
	int64_t prompt, completion, reasoning, cached, tokens;
	int64_t cost_nusd;	/* cost in 1e-9 USD: each row's cost_usd rounded */
};

struct usage_group {
	/* string keys (NULL when not grouped by them) */
	const char *user_id, *email, *model, *provider, *status, *chat, *purpose;
	/* time keys: hour = UTC second the local hour starts, with its
	 * offset; day, week (its first day) as day numbers; month as
	 * year * 12 + month - 1; window = UTC second a block starts */
	int64_t hour, day, week, month, window;
	int32_t hour_off, window_off;
	struct usage_sum sum;
};

struct usage_report_opts {
	int by[USAGE_BY_COUNT];	/* the keys, in the order given */
	int nby;
	/* filters, each NULL-terminated, or NULL: any */
	const char *const *user_ids, *const *models, *const *providers, *const *statuses;
	const struct usage_when *since, *until;
	int last;		/* --last N periods of the finest time key */
	const char *tz;		/* NULL: each user's own zone */
	int week_start;		/* 0 Sunday .. 6 Saturday */
	int64_t window_s;	/* --window length */
	int64_t now_ms;
	int chunk;		/* rows a statement; 0: USAGE_REPORT_CHUNK */
};

struct usage_report {
	struct usage_group *g;
	size_t n, alloc;
	struct usage_sum total;
	size_t days_users;	/* users read from their daily totals */
	/* private */
	void *priv;
};

/* Run the report over ddb (usage rows) with users' zones and emails
 * from udb. 0, or T3_EDATA / T3_EUSAGE after a message (a user's zone
 * that the tz database lacks is a warning, and UTC). Groups come sorted
 * by the keys in the order given. */
int usage_report_run(struct db *ddb, struct db *udb, const struct usage_report_opts *o,
		     struct usage_report *r);
void usage_report_release(struct usage_report *r);
/* The statement that reads one user's rows (for EXPLAIN in the tests);
 * with_extra: also chat_id and purpose, which the covering index lacks. */
const char *usage_report_sql(int with_extra);
/* The statement that reads one user's daily totals instead. */
const char *usage_report_days_sql(void);
/* The first user_id after ?1 with usage: one index seek, to walk the
 * users without reading their rows. */
#define USAGE_NEXT_USER_SQL "SELECT user_id FROM usage_metrics INDEXED BY " \
	"usage_metrics_report WHERE user_id > ?1 ORDER BY user_id LIMIT 1"

/* The label of a time key: hour "2026-03-08T01:00-07:00", day and week
 * "2026-03-08", month "2026-03", window as hour. buf of 32 bytes. */
const char *usage_group_label(const struct usage_group *g, enum usage_key k, char buf[32]);
/* cost in USD with 6 decimals, rounded half away from zero, no exponent:
 * "0.001235". buf of 32 bytes. */
const char *usage_cost_fmt(int64_t nusd, char buf[32]);
/* A row's cost_usd as the report counts it: rounded to 1e-9 USD. */
int64_t usage_cost_nusd(double usd);

/* ---- export and prune (usage-export.c) ---- */

struct strbuf;
/* The CSV header line (without a newline). */
const char *usage_export_header(void);
/* Write the rows of [since, until) UTC ms, of user_id (NULL: all), in
 * time order to fp as NDJSON objects or CSV lines, reading
 * USAGE_REPORT_CHUNK rows a statement. *n gets the count. A write error
 * is left in fp's error flag (T3_EDATA, no message). */
int usage_export(struct db *ddb, const char *user_id, int64_t since, int64_t until, int csv,
		 FILE *fp, int64_t *n);
/* A value appended as a JSON string (quoted, escaped), a CSV field
 * (quoted when it must be, RFC 4180), a TSV field (\t \n \r \\ escaped
 * as out.h does), or an integer in decimal. */
void usage_text_json(struct strbuf *sb, const unsigned char *s, size_t n);
void usage_text_csv(struct strbuf *sb, const char *s, size_t n);
void usage_text_tsv(struct strbuf *sb, const char *s, size_t n);
void usage_text_int(struct strbuf *sb, int64_t v);
/* Delete the rows older than before (UTC ms) in batches of a few
 * thousand, each its own short write transaction; with archive, each
 * batch is first appended to it as NDJSON and synced. *deleted gets the
 * count, also after a failure (what was committed). */
int usage_prune(struct db *ddb, int64_t before, FILE *archive, const char *archive_name,
		int64_t *deleted);

#endif

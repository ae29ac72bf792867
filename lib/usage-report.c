#define _GNU_SOURCE /* qsort_r */
/* usage-report.c: grouping usage_metrics rows for t3-usage (see
 * usage-report.h). */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "msg.h"
#include "timeutil.h"
#include "usage-days.h"
#include "usage-report.h"

#define DAY_S 86400

static const char *const key_names[] = {
	"user", "model", "provider", "status", "chat", "purpose", "hour", "day", "week", "month",
	"window"
};
static const char *const key_members[] = {
	"user_id", "model_name", "provider_name", "status_code", "chat_id", "purpose",
	"hour", "day", "week", "month", "window"
};

_Static_assert(sizeof key_names / sizeof key_names[0] == USAGE_BY_COUNT, "a name per key");
_Static_assert(sizeof key_members / sizeof key_members[0] == USAGE_BY_COUNT, "a member per key");

const char *usage_key_name(enum usage_key k)
{
	return (unsigned)k < USAGE_BY_COUNT ? key_names[k] : NULL;
}

const char *usage_key_member(enum usage_key k)
{
	return (unsigned)k < USAGE_BY_COUNT ? key_members[k] : NULL;
}

int usage_key_parse(const char *s)
{
	for (int k = 0; k < USAGE_BY_COUNT; k++)
		if (!strcmp(s, key_names[k]))
			return k;
	return -1;
}

int64_t usage_cost_nusd(double usd)
{
	/* by hand, half away from zero: no libm in the tools */
	double n = usd * 1e9;
	if (!isfinite(n) || n > 9e18 || n < -9e18)
		return 0;
	return (int64_t)(n < 0 ? n - 0.5 : n + 0.5);
}

const char *usage_cost_fmt(int64_t n, char buf[32])
{
	int neg = n < 0;
	uint64_t a = neg ? (uint64_t)0 - (uint64_t)n : (uint64_t)n;
	uint64_t micro = (a + 500) / 1000;
	snprintf(buf, 32, "%s%llu.%06llu", neg && micro ? "-" : "",
		 (unsigned long long)(micro / 1000000), (unsigned long long)(micro % 1000000));
	return buf;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a >= 0 ? a / b : -((-a + b - 1) / b);
}

static void fmt_local(char buf[32], int64_t utc, int32_t off)
{
	int64_t local = utc + off, day = floor_div(local, DAY_S), sec = local - day * DAY_S;
	int y, m, d, ao = off < 0 ? -off : off;
	time_civil_from_days(day, &y, &m, &d);
	snprintf(buf, 32, "%04d-%02d-%02dT%02d:%02d%c%02d:%02d", y, m, d, (int)(sec / 3600),
		 (int)(sec / 60 % 60), off < 0 ? '-' : '+', ao / 3600, ao / 60 % 60);
}

const char *usage_group_label(const struct usage_group *g, enum usage_key k, char buf[32])
{
	int y, m, d;
	switch (k) {
	case USAGE_BY_HOUR:
		fmt_local(buf, g->hour, g->hour_off);
		break;
	case USAGE_BY_WINDOW:
		fmt_local(buf, g->window, g->window_off);
		break;
	case USAGE_BY_DAY:
	case USAGE_BY_WEEK:
		time_civil_from_days(k == USAGE_BY_DAY ? g->day : g->week, &y, &m, &d);
		snprintf(buf, 32, "%04d-%02d-%02d", y, m, d);
		break;
	case USAGE_BY_MONTH:
		snprintf(buf, 32, "%04d-%02d", (int)floor_div(g->month, 12),
			 (int)(g->month - floor_div(g->month, 12) * 12) + 1);
		break;
	default:
		buf[0] = '\0';
	}
	return buf;
}

/* ---- interned strings: equal text, equal pointer ---- */

struct strtab {
	char **slot;
	size_t n, cap;
};

static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

static const char *intern(struct strtab *t, const char *s, size_t n)
{
	if (!s)
		return NULL;
	if (2 * (t->n + 1) > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		char **slot = xcalloc(cap, sizeof *slot);
		for (size_t i = 0; i < t->cap; i++)
			if (t->slot[i]) {
				size_t j = hash_bytes(t->slot[i], strlen(t->slot[i])) & (cap - 1);
				while (slot[j])
					j = (j + 1) & (cap - 1);
				slot[j] = t->slot[i];
			}
		free(t->slot);
		t->slot = slot;
		t->cap = cap;
	}
	size_t j = hash_bytes(s, n) & (t->cap - 1);
	for (; t->slot[j]; j = (j + 1) & (t->cap - 1))
		if (!strncmp(t->slot[j], s, n) && !t->slot[j][n])
			return t->slot[j];
	t->slot[j] = xstrndup(s, n);
	t->n++;
	return t->slot[j];
}

static void strtab_release(struct strtab *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->slot[i]);
	free(t->slot);
	memset(t, 0, sizeof *t);
}

/* A column's text interned, remembering the last one (rows in a row
 * often name the same model). */
struct col_cache {
	const char *last;
	size_t len;
};

static const char *intern_col(struct strtab *t, struct col_cache *c, sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	size_t n = (size_t)sqlite3_column_bytes(st, i);
	if (!s)
		return NULL;
	if (c->last && c->len == n && !memcmp(c->last, s, n))
		return c->last;
	c->last = intern(t, s, n);
	c->len = n;
	return c->last;
}

/* ---- groups ---- */

struct priv {
	struct strtab strs;
	size_t *slot;		/* group index + 1; 0 empty */
	size_t cap;
	struct usage_zone *zones;
	int *zone_agrees;	/* per zone: usage_days_zone_agrees, -2 unknown */
	size_t nzones;
	const struct usage_report_opts *o;
	int want[USAGE_BY_COUNT];
	int by_day;		/* the report can be read from usage_days */
	int64_t data_lo, data_hi;	/* the rows' first and last timestamp, ms */
	int64_t span_lo, span_hi;	/* where stored offsets must agree, UTC s */
};

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h;
}

static uint64_t group_hash(const struct usage_group *g)
{
	uint64_t h = 0;
	h = mix(h, (uintptr_t)g->user_id);
	h = mix(h, (uintptr_t)g->model);
	h = mix(h, (uintptr_t)g->provider);
	h = mix(h, (uintptr_t)g->status);
	h = mix(h, (uintptr_t)g->chat);
	h = mix(h, (uintptr_t)g->purpose);
	h = mix(h, (uint64_t)g->hour);
	h = mix(h, (uint64_t)g->day);
	h = mix(h, (uint64_t)g->week);
	h = mix(h, (uint64_t)g->month);
	h = mix(h, (uint64_t)g->window);
	h = mix(h, (uint64_t)(uint32_t)g->hour_off);
	return h * 0xff51afd7ed558ccdull;
}

static int group_eq(const struct usage_group *a, const struct usage_group *b)
{
	return a->user_id == b->user_id && a->model == b->model && a->provider == b->provider &&
	       a->status == b->status && a->chat == b->chat && a->purpose == b->purpose &&
	       a->hour == b->hour &&
	       a->hour_off == b->hour_off && a->day == b->day && a->week == b->week &&
	       a->month == b->month && a->window == b->window;
}

static struct usage_group *group_get(struct usage_report *r, struct priv *p,
				     const struct usage_group *key)
{
	if (2 * (r->n + 1) > p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 1024;
		size_t *slot = xcalloc(cap, sizeof *slot);
		for (size_t i = 0; i < r->n; i++) {
			size_t j = group_hash(&r->g[i]) & (cap - 1);
			while (slot[j])
				j = (j + 1) & (cap - 1);
			slot[j] = i + 1;
		}
		free(p->slot);
		p->slot = slot;
		p->cap = cap;
	}
	size_t j = group_hash(key) & (p->cap - 1);
	for (; p->slot[j]; j = (j + 1) & (p->cap - 1))
		if (group_eq(&r->g[p->slot[j] - 1], key))
			return &r->g[p->slot[j] - 1];
	if (r->n == r->alloc) {
		r->alloc = r->alloc ? r->alloc * 2 : 256;
		r->g = xrealloc(r->g, r->alloc * sizeof *r->g);
	}
	r->g[r->n] = *key;
	memset(&r->g[r->n].sum, 0, sizeof r->g[r->n].sum);
	p->slot[j] = ++r->n;
	return &r->g[r->n - 1];
}

static struct usage_zone *zone_get(struct priv *p, const char *name, int *bad)
{
	*bad = 0;
	for (size_t i = 0; i < p->nzones; i++)
		if (!strcmp(p->zones[i].name, name))
			return &p->zones[i];
	p->zones = xrealloc(p->zones, (p->nzones + 1) * sizeof *p->zones);
	p->zone_agrees = xrealloc(p->zone_agrees, (p->nzones + 1) * sizeof *p->zone_agrees);
	if (usage_zone_load(&p->zones[p->nzones], name)) {
		*bad = 1;
		return NULL;
	}
	p->zone_agrees[p->nzones] = -2;
	return &p->zones[p->nzones++];
}

static int in_list(const char *const *list, const char *s)
{
	if (!list)
		return 1;
	for (; *list; list++) {
		if (!strcmp(*list, "error") && s && strcmp(s, "success"))
			return 1;
		if (s && !strcmp(*list, s))
			return 1;
	}
	return 0;
}

/* ---- the time keys of one instant in one zone ---- */

struct tkeys {
	int64_t hour, day, week, month;
	int32_t off;
};

/* The week and month of local day k->day. */
static void day_keys(struct tkeys *k, int week_start)
{
	int y, m, d;
	int64_t wd = k->day + 4;	/* 1970-01-01 was a Thursday */
	wd -= floor_div(wd, 7) * 7;
	k->week = k->day - (wd - week_start + 7) % 7;
	time_civil_from_days(k->day, &y, &m, &d);
	k->month = (int64_t)y * 12 + m - 1;
}

static void time_keys(struct usage_zone *z, int64_t t, int week_start, struct tkeys *k)
{
	k->off = usage_zone_offset(z, t);
	int64_t local = t + k->off;
	k->day = floor_div(local, DAY_S);
	k->hour = floor_div(local, 3600) * 3600 - k->off;
	day_keys(k, week_start);
}

/* The start (UTC ms) of the period N-1 periods before the one holding
 * now: --last N of the finest time key. */
static int64_t last_start(const struct usage_report_opts *o, struct usage_zone *z, int finest)
{
	struct tkeys k;
	int64_t now = floor_div(o->now_ms, 1000), n = o->last - 1;
	time_keys(z, now, o->week_start, &k);
	switch (finest) {
	case USAGE_BY_HOUR:
		return (k.hour - n * 3600) * 1000;
	case USAGE_BY_DAY:
		return usage_zone_from_local(z, (k.day - n) * DAY_S) * 1000;
	case USAGE_BY_WEEK:
		return usage_zone_from_local(z, (k.week - 7 * n) * DAY_S) * 1000;
	case USAGE_BY_MONTH: {
		int64_t mo = k.month - n, y = floor_div(mo, 12);
		return usage_zone_from_local(z, time_days_from_civil((int)y, (int)(mo - y * 12) + 1, 1) *
					     DAY_S) * 1000;
	}
	default: /* window: N blocks back from now */
		return o->now_ms - (int64_t)o->last * o->window_s * 1000;
	}
}

static int finest_key(const struct usage_report_opts *o)
{
	static const int order[] = { USAGE_BY_HOUR, USAGE_BY_WINDOW, USAGE_BY_DAY,
				     USAGE_BY_WEEK, USAGE_BY_MONTH };
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
		for (int j = 0; j < o->nby; j++)
			if (o->by[j] == order[i])
				return order[i];
	return -1;
}

#define COLS "timestamp, model_name, provider_name, status_code, status_code <> 'success', " \
	     "prompt_tokens, completion_tokens, reasoning_tokens, cached_tokens, tokens_used, cost_usd"
#define COL_CHAT 11
#define COL_PURPOSE 12
#define WHERE " FROM usage_metrics INDEXED BY usage_metrics_report WHERE user_id = ?1 " \
	      "AND timestamp >= ?2 AND timestamp < ?3 ORDER BY timestamp"

const char *usage_report_sql(int with_extra)
{
	return with_extra ? "SELECT " COLS ", chat_id, purpose" WHERE : "SELECT " COLS WHERE;
}

/* chat_id and purpose are read when grouped by */
static int extra_cols(const struct priv *p)
{
	return p->want[USAGE_BY_CHAT] || p->want[USAGE_BY_PURPOSE];
}

struct user_ctx {
	const char *user_id, *email;
	struct usage_zone *zone;
	int64_t lo, hi;		/* ms */
	int by_day;		/* read from usage_days: local days [day_lo, day_hi) */
	int64_t day_lo, day_hi;
	int64_t block_end;	/* --window: the current block's end (s) */
	int64_t block, block_off;
	/* the keys of one local day at one offset, valid over [c_lo, c_hi) */
	struct tkeys c;
	int64_t c_lo, c_hi;
};

/* time_keys through the user's one-day cache: rows come in time order */
static void user_time_keys(struct user_ctx *u, int64_t t, int week_start, struct tkeys *k)
{
	if (t < u->c_lo || t >= u->c_hi) {
		struct usage_zone *z = u->zone;
		time_keys(z, t, week_start, &u->c);
		/* the offset holds over segment z->cur, the day over its hours */
		int64_t seg_lo = z->start[z->cur];
		int64_t seg_hi = z->cur + 1 < z->n ? z->start[z->cur + 1] : z->hi;
		int64_t day_lo = u->c.day * DAY_S - u->c.off, day_hi = day_lo + DAY_S;
		u->c_lo = seg_lo > day_lo ? seg_lo : day_lo;
		u->c_hi = seg_hi < day_hi ? seg_hi : day_hi;
	}
	*k = u->c;
	k->hour = floor_div(t + k->off, 3600) * 3600 - k->off;
}

/* errors, prompt, completion, reasoning, cached and total tokens: six
 * columns from col on, in that order, in the rows and the daily totals */
static void add_counts(struct usage_sum *s, sqlite3_stmt *st, int col)
{
	s->errors += sqlite3_column_int64(st, col);
	s->prompt += sqlite3_column_int64(st, col + 1);
	s->completion += sqlite3_column_int64(st, col + 2);
	s->reasoning += sqlite3_column_int64(st, col + 3);
	s->cached += sqlite3_column_int64(st, col + 4);
	s->tokens += sqlite3_column_int64(st, col + 5);
}

/* The user, day, week and month of a group, those grouped by. */
static void user_day_keys(struct usage_group *key, const struct priv *p,
			  const struct user_ctx *u, const struct tkeys *tk)
{
	if (p->want[USAGE_BY_USER]) {
		key->user_id = u->user_id;
		key->email = u->email;
	}
	if (p->want[USAGE_BY_DAY])
		key->day = tk->day;
	if (p->want[USAGE_BY_WEEK])
		key->week = tk->week;
	if (p->want[USAGE_BY_MONTH])
		key->month = tk->month;
}

#define DAYS_SQL "SELECT day, requests, errors, prompt_tokens, completion_tokens, " \
	"reasoning_tokens, cached_tokens, tokens_used, cost_nusd FROM usage_days " \
	"WHERE user_id = ?1 AND day >= ?2 AND day < ?3 AND requests > 0 ORDER BY day"

const char *usage_report_days_sql(void)
{
	return DAYS_SQL;
}

/* A user's daily totals, which hold exactly what the user's rows would
 * add up to on those days (the report allows it: prepare_user) */
static int scan_days(struct db *ddb, sqlite3_stmt *st, struct usage_report *r, struct priv *p,
		     struct user_ctx *u)
{
	const struct usage_report_opts *o = p->o;
	int rc;

	sqlite3_reset(st);
	db_bind_text(st, 1, u->user_id);
	sqlite3_bind_int64(st, 2, u->day_lo);
	sqlite3_bind_int64(st, 3, u->day_hi);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct usage_group key = { 0 };
		struct tkeys tk;
		tk.day = sqlite3_column_int64(st, 0);
		day_keys(&tk, o->week_start);
		user_day_keys(&key, p, u, &tk);
		struct usage_sum *s = &group_get(r, p, &key)->sum;
		s->requests += sqlite3_column_int64(st, 1);
		add_counts(s, st, 2);
		s->cost_nusd += sqlite3_column_int64(st, 8);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_error(ddb, "read daily usage");
	r->days_users++;
	return 0;
}

static int scan_user(struct db *ddb, sqlite3_stmt *st, sqlite3_stmt *dst, struct usage_report *r,
		     struct priv *p, struct user_ctx *u)
{
	const struct usage_report_opts *o = p->o;
	struct col_cache cm = { 0 }, cp = { 0 }, cs = { 0 }, cc = { 0 }, cu = { 0 };
	int64_t from = u->lo, n = 0, last = 0;
	int64_t chunk = o->chunk > 0 ? o->chunk : USAGE_REPORT_CHUNK;
	int need_model = p->want[USAGE_BY_MODEL] || o->models;
	int need_prov = p->want[USAGE_BY_PROVIDER] || o->providers;
	int need_status = p->want[USAGE_BY_STATUS] || o->statuses;
	size_t prev = SIZE_MAX;	/* the group of the row before, if any */
	int rc;

	if (u->by_day)
		return scan_days(ddb, dst, r, p, u);
	u->block_end = INT64_MIN;
	u->c_lo = u->c_hi = 0;
	for (;;) {
		sqlite3_reset(st);
		db_bind_text(st, 1, u->user_id);
		sqlite3_bind_int64(st, 2, from);
		sqlite3_bind_int64(st, 3, u->hi);
		n = 0;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			int64_t ts = sqlite3_column_int64(st, 0);
			/* a chunk ends between two timestamps, so that the
			 * next one can start after the last */
			if (n >= chunk && ts != last)
				break;
			n++;
			last = ts;
			struct usage_group key = { 0 };
			if (need_model) {
				key.model = intern_col(&p->strs, &cm, st, 1);
				if (!in_list(o->models, key.model))
					continue;
			}
			if (need_prov) {
				key.provider = intern_col(&p->strs, &cp, st, 2);
				if (!in_list(o->providers, key.provider))
					continue;
			}
			if (need_status) {
				key.status = intern_col(&p->strs, &cs, st, 3);
				if (!in_list(o->statuses, key.status))
					continue;
			}
			if (p->want[USAGE_BY_PURPOSE])
				key.purpose = intern_col(&p->strs, &cu, st, COL_PURPOSE);
			if (!p->want[USAGE_BY_MODEL])
				key.model = NULL;
			if (!p->want[USAGE_BY_PROVIDER])
				key.provider = NULL;
			if (!p->want[USAGE_BY_STATUS])
				key.status = NULL;
			struct tkeys tk;
			int64_t t = floor_div(ts, 1000);
			if (p->want[USAGE_BY_CHAT])
				key.chat = intern_col(&p->strs, &cc, st, COL_CHAT);
			user_time_keys(u, t, o->week_start, &tk);
			if (p->want[USAGE_BY_HOUR]) {
				key.hour = tk.hour;
				key.hour_off = tk.off;
			}
			user_day_keys(&key, p, u, &tk);
			if (p->want[USAGE_BY_WINDOW]) {
				if (t >= u->block_end) {
					u->block = tk.hour;
					u->block_off = tk.off;
					u->block_end = tk.hour + o->window_s;
				}
				key.window = u->block;
				key.window_off = (int32_t)u->block_off;
			}
			struct usage_group *g;
			if (prev != SIZE_MAX && group_eq(&r->g[prev], &key))
				g = &r->g[prev];
			else
				g = group_get(r, p, &key);
			prev = (size_t)(g - r->g);
			struct usage_sum *s = &g->sum;
			s->requests++;
			add_counts(s, st, 4);
			s->cost_nusd += usage_cost_nusd(sqlite3_column_double(st, 10));
		}
		if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
			sqlite3_reset(st);
			return db_error(ddb, "read usage");
		}
		if (rc == SQLITE_DONE)
			break;
		from = last + 1;
	}
	sqlite3_reset(st);
	return 0;
}

/* The next user_id after prev in usage_metrics: 1, 0 at the end, -1. */
static int next_user(struct db *ddb, sqlite3_stmt *st, const char *prev, struct strbuf *out)
{
	int rc;
	sqlite3_reset(st);
	db_bind_text(st, 1, prev);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		sb_reset(out);
		sb_adds(out, db_col_text(st, 0));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(ddb, "read usage"), -1;
	return rc == SQLITE_ROW;
}

static int lookup_user(struct db *udb, sqlite3_stmt *st, struct priv *p, const char *user_id,
		       const char **email, const char **tz)
{
	int rc;
	*email = NULL;
	*tz = "UTC";
	if (!st)
		return 0;
	sqlite3_reset(st);
	db_bind_text(st, 1, user_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*email = intern(&p->strs, db_col_text(st, 0), strlen(db_col_text(st, 0)));
		*tz = intern(&p->strs, db_col_text(st, 1), strlen(db_col_text(st, 1)));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(udb, "read user");
	return 0;
}

static int cmp_str(const char *a, const char *b)
{
	if (a == b)
		return 0;
	if (!a || !b)
		return a ? 1 : -1;
	return strcmp(a, b);
}

static int cmp_i64(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

static int group_cmp(const void *va, const void *vb, void *ctx)
{
	const struct usage_group *a = va, *b = vb;
	const struct usage_report_opts *o = ctx;
	int c = 0;
	for (int i = 0; i < o->nby && !c; i++) {
		switch (o->by[i]) {
		case USAGE_BY_USER: c = cmp_str(a->user_id, b->user_id); break;
		case USAGE_BY_MODEL: c = cmp_str(a->model, b->model); break;
		case USAGE_BY_PROVIDER: c = cmp_str(a->provider, b->provider); break;
		case USAGE_BY_STATUS: c = cmp_str(a->status, b->status); break;
		case USAGE_BY_CHAT: c = cmp_str(a->chat, b->chat); break;
		case USAGE_BY_PURPOSE: c = cmp_str(a->purpose, b->purpose); break;
		case USAGE_BY_HOUR:
			c = cmp_i64(a->hour, b->hour);
			if (!c)
				c = cmp_i64(a->hour_off, b->hour_off);
			break;
		case USAGE_BY_DAY: c = cmp_i64(a->day, b->day); break;
		case USAGE_BY_WEEK: c = cmp_i64(a->week, b->week); break;
		case USAGE_BY_MONTH: c = cmp_i64(a->month, b->month); break;
		case USAGE_BY_WINDOW: c = cmp_i64(a->window, b->window); break;
		}
	}
	return c;
}

static void sum_add(struct usage_sum *t, const struct usage_sum *s)
{
	t->requests += s->requests;
	t->errors += s->errors;
	t->prompt += s->prompt;
	t->completion += s->completion;
	t->reasoning += s->reasoning;
	t->cached += s->cached;
	t->tokens += s->tokens;
	t->cost_nusd += s->cost_nusd;
}

/* Whether UTC ms t is the first moment of a local day in z: *day. */
static int day_start(struct usage_zone *z, int64_t t_ms, int64_t *day)
{
	int64_t t = t_ms / 1000;
	if (t_ms % 1000)
		return 0;
	*day = floor_div(t + usage_zone_offset(z, t), DAY_S);
	return usage_zone_from_local(z, *day * DAY_S) == t;
}

/* Whether u's span can be read from its daily totals: they are kept in
 * the zone the report uses for u, with the tz database's offsets, and
 * the span starts and ends at local midnights. 1, 0, or -1. */
static int days_usable(struct db *ddb, sqlite3_stmt *kst, struct priv *p, struct user_ctx *u,
		       size_t zi)
{
	struct usage_zone *z = &p->zones[zi];
	int rc, kept;

	sqlite3_reset(kst);
	db_bind_text(kst, 1, u->user_id);
	rc = sqlite3_step(kst);
	kept = rc == SQLITE_ROW && !strcmp(db_col_text(kst, 0), z->name);
	sqlite3_reset(kst);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(ddb, "read usage zones"), -1;
	if (!kept)
		return 0;
	if (p->zone_agrees[zi] == -2)
		p->zone_agrees[zi] = usage_days_zone_agrees(ddb, z, p->span_lo, p->span_hi);
	if (p->zone_agrees[zi] != 1)
		return p->zone_agrees[zi];
	u->day_lo = INT64_MIN;
	u->day_hi = INT64_MAX;
	return (u->lo == INT64_MIN || day_start(z, u->lo, &u->day_lo)) &&
	       (u->hi == INT64_MAX || day_start(z, u->hi, &u->day_hi));
}

/* Everything about one user but the scan: zone, email, the span, whether
 * to read the daily totals. 1 when there is something to read, 0 when
 * the span is empty, or -code. */
static int prepare_user(sqlite3_stmt *ust, struct db *udb, sqlite3_stmt *kst, struct db *ddb,
			struct priv *p, const char *user_id, struct user_ctx *u, size_t *zone)
{
	const struct usage_report_opts *o = p->o;
	struct usage_zone *z;
	const char *tz;
	int bad, ret;

	memset(u, 0, sizeof *u);
	u->lo = INT64_MIN;
	u->hi = INT64_MAX;
	u->user_id = intern(&p->strs, user_id, strlen(user_id));
	if ((ret = lookup_user(udb, ust, p, user_id, &u->email, &tz)))
		return -ret;
	if (o->tz)
		tz = o->tz;
	if (!(z = zone_get(p, tz, &bad))) {
		if (o->tz)
			return -t3_error(T3_EUSAGE, "unknown time zone '%s'", tz);
		t3_warning("user '%s' has an unknown time zone '%s': using UTC", user_id, tz);
		z = zone_get(p, "UTC", &bad);
	}
	*zone = (size_t)(z - p->zones);
	if (o->since) {
		int64_t s, e;
		usage_when_span(o->since, z, o->now_ms, &s, &e);
		u->lo = s;
	}
	if (o->until) {
		int64_t s, e;
		usage_when_span(o->until, z, o->now_ms, &s, &e);
		u->hi = e;
	}
	if (o->last > 0) {
		int64_t s = last_start(o, z, finest_key(o));
		if (s > u->lo)
			u->lo = s;
	}
	if (u->lo >= u->hi)
		return 0;
	if (p->by_day && (u->by_day = days_usable(ddb, kst, p, u, *zone)) < 0)
		return -T3_EDATA;
	return 1;
}

/* ---- two readers: the users split in two halves, one on a thread
 * with its own connection, zones and groups, merged at the end ---- */

struct half {
	struct usage_report r;
	struct priv p;
	sqlite3 *h;
	struct db db;
	sqlite3_stmt *st, *dst;
	struct user_ctx *users;
	size_t *zone, n;
	int ret;
};

static int scan_half(struct half *hf)
{
	for (size_t i = 0; i < hf->n && !hf->ret; i++) {
		hf->users[i].zone = &hf->p.zones[hf->zone[i]];
		hf->ret = scan_user(&hf->db, hf->st, hf->dst, &hf->r, &hf->p, &hf->users[i]);
	}
	return hf->ret;
}

static void *scan_thread(void *arg)
{
	scan_half(arg);
	return NULL;
}

static void zone_copy(struct usage_zone *dst, const struct usage_zone *src)
{
	*dst = *src;
	dst->name = xstrdup(src->name);
	dst->start = xmalloc(src->n * sizeof *src->start);
	dst->off = xmalloc(src->n * sizeof *src->off);
	memcpy(dst->start, src->start, src->n * sizeof *src->start);
	memcpy(dst->off, src->off, src->n * sizeof *src->off);
}

/* The second half's groups into the first report: its strings interned
 * again in the first's table, so that pointers compare equal. */
static void merge(struct usage_report *r, struct priv *p, struct half *hf)
{
	for (size_t i = 0; i < hf->r.n; i++) {
		struct usage_group key = hf->r.g[i];
#define REINTERN(f) key.f = key.f ? intern(&p->strs, key.f, strlen(key.f)) : NULL
		REINTERN(model);
		REINTERN(provider);
		REINTERN(status);
		REINTERN(chat);
		REINTERN(purpose);
#undef REINTERN
		sum_add(&group_get(r, p, &key)->sum, &hf->r.g[i].sum);
	}
}

#define THREAD_MIN_USERS 2

/* Scan the prepared users, on two threads when there are enough. The
 * zones are first extended over all the data, so that no thread needs
 * TZ (usage_zone_load sets it) while the other runs. */
static int scan_all(struct db *ddb, sqlite3_stmt *st, sqlite3_stmt *dst, struct usage_report *r,
		    struct priv *p, struct user_ctx *users, size_t *zone, size_t n)
{
	struct half b = { 0 };
	pthread_t tid;
	int ret = 0, threaded = 0;

	if (n >= THREAD_MIN_USERS &&
	    sqlite3_open_v2(ddb->path, &b.h, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) ==
		    SQLITE_OK) {
		sqlite3_busy_timeout(b.h, 10000);
		b.db.h = b.h;
		b.db.path = ddb->path;
		b.db.kind = DB_DATA;
		for (size_t i = 0; i < p->nzones; i++) {
			usage_zone_offset(&p->zones[i], p->data_lo / 1000 - 2 * DAY_S);
			usage_zone_offset(&p->zones[i], p->data_hi / 1000 + 2 * DAY_S);
		}
		b.p.o = p->o;
		memcpy(b.p.want, p->want, sizeof b.p.want);
		b.p.zones = xcalloc(p->nzones, sizeof *b.p.zones);
		for (size_t i = 0; i < p->nzones; i++)
			zone_copy(&b.p.zones[i], &p->zones[i]);
		b.p.nzones = p->nzones;
		b.users = users + n / 2;
		b.zone = zone + n / 2;
		b.n = n - n / 2;
		if (!db_prepare(&b.db, &b.st, usage_report_sql(extra_cols(p))) &&
		    !db_prepare(&b.db, &b.dst, DAYS_SQL) &&
		    !pthread_create(&tid, NULL, scan_thread, &b)) {
			threaded = 1;
			n /= 2;
		}
	}
	for (size_t i = 0; i < n && !ret; i++) {
		users[i].zone = &p->zones[zone[i]];
		ret = scan_user(ddb, st, dst, r, p, &users[i]);
	}
	if (threaded) {
		pthread_join(tid, NULL);
		if (!ret && !(ret = b.ret)) {
			merge(r, p, &b);
			r->days_users += b.r.days_users;
		}
	}
	sqlite3_finalize(b.st);
	sqlite3_finalize(b.dst);
	if (b.h)
		sqlite3_close_v2(b.h);
	b.r.priv = NULL;
	free(b.r.g);
	strtab_release(&b.p.strs);
	for (size_t i = 0; i < b.p.nzones; i++)
		usage_zone_release(&b.p.zones[i]);
	free(b.p.zones);
	free(b.p.zone_agrees);
	free(b.p.slot);
	return ret;
}

int usage_report_run(struct db *ddb, struct db *udb, const struct usage_report_opts *o,
		     struct usage_report *r)
{
	struct priv *p = xcalloc(1, sizeof *p);
	sqlite3_stmt *st = NULL, *users = NULL, *ust = NULL, *dst = NULL, *kst = NULL;
	struct strbuf prev = STRBUF_INIT;
	struct user_ctx *u = NULL;
	size_t *zone = NULL, n = 0, alloc = 0;
	int ret = 0, more = 0, k;
	const char *const *given = o->user_ids;

	memset(r, 0, sizeof *r);
	r->priv = p;
	p->o = o;
	p->by_day = !o->models && !o->providers && !o->statuses;
	for (int i = 0; i < o->nby; i++) {
		p->want[o->by[i]] = 1;
		if (o->by[i] != USAGE_BY_USER && o->by[i] != USAGE_BY_DAY &&
		    o->by[i] != USAGE_BY_WEEK && o->by[i] != USAGE_BY_MONTH)
			p->by_day = 0;
	}
	/* the data's span: for the zones the threads share, and where the
	 * stored offsets must agree (with what a chat may write meanwhile) */
	if (db_read_int64(ddb, "SELECT min(timestamp) FROM usage_metrics", NULL, &p->data_lo,
			  "read usage") == T3_EDATA ||
	    db_read_int64(ddb, "SELECT max(timestamp) FROM usage_metrics", NULL, &p->data_hi,
			  "read usage") == T3_EDATA) {
		ret = T3_EDATA;
		goto out;
	}
	p->span_lo = floor_div(p->data_lo, 1000) - 2 * DAY_S;
	p->span_hi = floor_div(p->data_hi > o->now_ms ? p->data_hi : o->now_ms, 1000) + 2 * DAY_S;
	if (db_prepare(ddb, &st, usage_report_sql(extra_cols(p))) ||
	    (p->by_day && (db_prepare(ddb, &dst, DAYS_SQL) ||
			   db_prepare(ddb, &kst, USAGE_DAYS_ZONE_SQL))) ||
	    (udb && db_prepare(udb, &ust, "SELECT email, timezone FROM user_accounts "
			       "WHERE user_id = ?1")) ||
	    /* every user with usage: one index seek each */
	    (!given && db_prepare(ddb, &users, USAGE_NEXT_USER_SQL))) {
		ret = T3_EDATA;
		goto out;
	}
	for (;;) {
		const char *id;
		if (given) {
			if (!(id = *given++))
				break;
		} else {
			if ((more = next_user(ddb, users, prev.buf, &prev)) != 1)
				break;
			id = prev.buf;
		}
		if (n == alloc) {
			alloc = alloc ? alloc * 2 : 64;
			u = xrealloc(u, alloc * sizeof *u);
			zone = xrealloc(zone, alloc * sizeof *zone);
		}
		if ((k = prepare_user(ust, udb, kst, ddb, p, id, &u[n], &zone[n])) < 0) {
			ret = -k;
			goto out;
		}
		n += k;
	}
	if (more < 0 || (ret = scan_all(ddb, st, dst, r, p, u, zone, n))) {
		ret = ret ? ret : T3_EDATA;
		goto out;
	}
	if (r->n)
		qsort_r(r->g, r->n, sizeof *r->g, group_cmp, (void *)o);
	for (size_t i = 0; i < r->n; i++)
		sum_add(&r->total, &r->g[i].sum);
out:
	sqlite3_finalize(st);
	sqlite3_finalize(dst);
	sqlite3_finalize(kst);
	sqlite3_finalize(users);
	sqlite3_finalize(ust);
	sb_release(&prev);
	free(u);
	free(zone);
	free(p->slot);
	p->slot = NULL;
	p->cap = 0;
	return ret;
}

void usage_report_release(struct usage_report *r)
{
	struct priv *p = r->priv;
	if (p) {
		strtab_release(&p->strs);
		for (size_t i = 0; i < p->nzones; i++)
			usage_zone_release(&p->zones[i]);
		free(p->zones);
		free(p->zone_agrees);
		free(p->slot);
		free(p);
	}
	free(r->g);
	memset(r, 0, sizeof *r);
}

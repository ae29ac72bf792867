/* usage-tz.c: time zones, calendar days and the --since/--until forms
 * of t3-usage (see usage-report.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "timeutil.h"
#include "usage-report.h"

#define SAMPLE_S (6 * 3600)	/* no zone changes offset twice in 6 hours */
#define MARGIN_S (400 * 86400)	/* span loaded around a time asked for */
#define DAY_S 86400

static int64_t floor_div(int64_t a, int64_t b)
{
	return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* ---- zones ---- */

static int32_t offset_now(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!localtime_r(&tt, &tm))
		return 0;
	return (int32_t)tm.tm_gmtoff;
}

static void push(struct usage_zone *z, size_t *cap, int64_t start, int32_t off)
{
	if (z->n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		z->start = xrealloc(z->start, *cap * sizeof *z->start);
		z->off = xrealloc(z->off, *cap * sizeof *z->off);
	}
	z->start[z->n] = start;
	z->off[z->n] = off;
	z->n++;
}

/* (Re)build the segments over [lo, hi) with TZ set to the zone. */
static void build(struct usage_zone *z, int64_t lo, int64_t hi)
{
	char *old = getenv("TZ") ? xstrdup(getenv("TZ")) : NULL;
	size_t cap = 0;
	int64_t t = lo;
	int32_t off;

	setenv("TZ", z->name, 1);
	tzset();
	z->n = z->cur = 0;
	off = offset_now(t);
	push(z, &cap, lo, off);
	while (t < hi) {
		int64_t t2 = t + SAMPLE_S;
		int32_t o2 = offset_now(t2);
		if (o2 == off) {
			t = t2;
			continue;
		}
		int64_t a = t, b = t2;	/* offset(a) == off, offset(b) != off */
		while (b - a > 1) {
			int64_t mid = a + (b - a) / 2;
			if (offset_now(mid) == off)
				a = mid;
			else
				b = mid;
		}
		off = offset_now(b);
		push(z, &cap, b, off);
		t = b;
	}
	z->lo = lo;
	z->hi = hi;
	if (old) {
		setenv("TZ", old, 1);
		free(old);
	} else {
		unsetenv("TZ");
	}
	tzset();
}

int usage_zone_load(struct usage_zone *z, const char *name)
{
	memset(z, 0, sizeof *z);
	if (!time_zone_valid(name))
		return -1;
	z->name = xstrdup(name);
	if (!strcmp(name, "UTC")) {
		size_t cap = 0;
		push(z, &cap, INT64_MIN / 4, 0);
		z->lo = INT64_MIN / 4;
		z->hi = INT64_MAX / 4;
		return 0;
	}
	int64_t now = time_now_ms() / 1000;
	build(z, now - MARGIN_S, now + MARGIN_S);
	return 0;
}

void usage_zone_release(struct usage_zone *z)
{
	free(z->name);
	free(z->start);
	free(z->off);
	memset(z, 0, sizeof *z);
}

int32_t usage_zone_offset(struct usage_zone *z, int64_t t)
{
	size_t lo, hi;

	if (t < z->lo || t >= z->hi)
		build(z, t < z->lo ? t - MARGIN_S : z->lo, t >= z->hi ? t + MARGIN_S : z->hi);
	if (t >= z->start[z->cur] && (z->cur + 1 == z->n || t < z->start[z->cur + 1]))
		return z->off[z->cur];
	/* the last segment starting at or before t */
	lo = 0;
	hi = z->n;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (z->start[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	z->cur = lo;
	return z->off[lo];
}

int64_t usage_zone_from_local(struct usage_zone *z, int64_t local)
{
	/* two days before, the local clock is surely behind local */
	usage_zone_offset(z, local + 2 * DAY_S);
	usage_zone_offset(z, local - 2 * DAY_S);
	for (size_t i = z->cur; i < z->n; i++) {
		int64_t end = i + 1 < z->n ? z->start[i + 1] : z->hi;
		int64_t t = local - z->off[i];
		if (t < z->start[i])
			t = z->start[i];
		if (t < end)
			return t;
	}
	return z->hi;
}

/* ---- --since and --until ---- */

int usage_when_parse(const char *s, struct usage_when *w)
{
	char *end;
	memset(w, 0, sizeof *w);
	if (!strcmp(s, "today")) {
		w->kind = USAGE_WHEN_TODAY;
		return 0;
	}
	if (!strcmp(s, "yesterday")) {
		w->kind = USAGE_WHEN_YESTERDAY;
		return 0;
	}
	if (!strcmp(s, "this-month")) {
		w->kind = USAGE_WHEN_THIS_MONTH;
		return 0;
	}
	if (!strcmp(s, "last-month")) {
		w->kind = USAGE_WHEN_LAST_MONTH;
		return 0;
	}
	if (s[0] >= '1' && s[0] <= '9') {
		long n = strtol(s, &end, 10);
		if (end[0] == 'd' && !end[1] && n > 0 && n <= 100000) {
			w->kind = USAGE_WHEN_DAYS;
			w->n = (int)n;
			return 0;
		}
	}
	size_t len = strlen(s);
	if (len < 10 || len > 40)
		return -1;
	if (len > 10 && (strchr(s + 10, 'Z') || strchr(s + 10, '+') || strchr(s + 10, '-'))) {
		w->kind = USAGE_WHEN_ABS;
		return time_parse_iso(s, &w->ms);
	}
	/* a local date or date and time: parsed as if it were UTC, which
	 * gives the local clock's seconds */
	char buf[48];
	int64_t ms;
	snprintf(buf, sizeof buf, "%s%s", s, len > 10 ? "Z" : "");
	if (time_parse_iso(buf, &ms))
		return -1;
	w->kind = USAGE_WHEN_LOCAL;
	w->local = floor_div(ms, 1000);
	w->has_time = len > 10;
	return 0;
}

static int64_t local_day_ms(struct usage_zone *z, int64_t day)
{
	return usage_zone_from_local(z, day * DAY_S) * 1000;
}

static int64_t month_first_day(int64_t month_index)
{
	return time_days_from_civil((int)floor_div(month_index, 12),
				     (int)(month_index - floor_div(month_index, 12) * 12) + 1, 1);
}

void usage_when_span(const struct usage_when *w, struct usage_zone *z, int64_t now_ms,
		     int64_t *start, int64_t *end)
{
	int64_t now = floor_div(now_ms, 1000);
	int64_t today = floor_div(now + usage_zone_offset(z, now), DAY_S);
	int y, m, d;
	int64_t month;

	time_civil_from_days(today, &y, &m, &d);
	month = (int64_t)y * 12 + m - 1;
	switch (w->kind) {
	case USAGE_WHEN_ABS:
		*start = *end = w->ms;
		return;
	case USAGE_WHEN_LOCAL:
		if (w->has_time) {
			*start = *end = usage_zone_from_local(z, w->local) * 1000;
			return;
		}
		*start = local_day_ms(z, floor_div(w->local, DAY_S));
		*end = local_day_ms(z, floor_div(w->local, DAY_S) + 1);
		return;
	case USAGE_WHEN_TODAY:
		*start = local_day_ms(z, today);
		*end = local_day_ms(z, today + 1);
		return;
	case USAGE_WHEN_YESTERDAY:
		*start = local_day_ms(z, today - 1);
		*end = local_day_ms(z, today);
		return;
	case USAGE_WHEN_DAYS:
		*start = local_day_ms(z, today - (w->n - 1));
		*end = local_day_ms(z, today + 1);
		return;
	case USAGE_WHEN_THIS_MONTH:
		*start = local_day_ms(z, month_first_day(month));
		*end = local_day_ms(z, month_first_day(month + 1));
		return;
	case USAGE_WHEN_LAST_MONTH:
		*start = local_day_ms(z, month_first_day(month - 1));
		*end = local_day_ms(z, month_first_day(month));
		return;
	}
}

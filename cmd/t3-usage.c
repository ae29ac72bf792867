/* t3-usage: usage and cost reports over data.db's usage_metrics. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "common.h"
#include "num.h"
#include "safe.h"
#include "timeutil.h"
#include "usage-report.h"
#include "users.h"

enum {
	OPT_BY = OPT_COMMON_END, OPT_USER, OPT_MODEL, OPT_PROVIDER, OPT_STATUS, OPT_SINCE,
	OPT_UNTIL, OPT_LAST, OPT_TZ, OPT_UTC, OPT_WEEK_START, OPT_BREAKDOWN, OPT_WINDOW,
	OPT_CHART, OPT_ASCII, OPT_COST, OPT_OVER, OPT_BEFORE, OPT_ARCHIVE, OPT_LAST_OPT
};

static const char *const opt_names[] = {
	[OPT_BY - OPT_COMMON_END] = "--by", "--user", "--model", "--provider", "--status",
	"--since", "--until", "--last", "--tz", "--utc", "--week-start", "--breakdown",
	"--window", "--chart", "--ascii", "--cost", "--over", "--before", "--archive"
};

#define BIT(o) (1ull << ((o) - OPT_COMMON_END))
#define NCOLS(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define MAX_LIST 256

static struct {
	struct common c;
	unsigned long long seen;
	const char *by, *since, *until, *last, *tz, *week_start, *window, *over, *before,
		*archive;
	/* repeatable, comma lists */
	const char *users[MAX_LIST], *models[MAX_LIST], *providers[MAX_LIST],
		*statuses[MAX_LIST];
	int nusers, nmodels, nproviders, nstatuses;
	char *owned[5 * MAX_LIST];
	int nowned;
} o;

static int only(const char *cmd, unsigned long long allowed)
{
	return common_only(cmd, o.seen, allowed, opt_names, OPT_LAST_OPT - OPT_COMMON_END);
}

/* Split a comma list into list (a repeated option adds to it). */
static int add_list(const char *opt, const char *arg, const char **list, int *n)
{
	char *s = xstrdup(arg), *p, *save = NULL;
	o.owned[o.nowned++ % (5 * MAX_LIST)] = s;
	for (p = strtok_r(s, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		if (*n >= MAX_LIST - 1)
			return t3_error(T3_EUSAGE, "too many values for '%s'", opt);
		list[(*n)++] = p;
	}
	return 0;
}

static const char *const *list_or_null(const char **list, int n)
{
	list[n] = NULL;
	return n ? list : NULL;
}

static int parse_count(const char *opt, const char *s, long max, long *out)
{
	int64_t v;

	if (num_parse_int64(s, 1, max, &v))
		return t3_error(T3_EUSAGE, "%s '%s' is not a whole number from 1 to %ld", opt, s, max);
	*out = (long)v;
	return 0;
}

/* 4h, 90m, 1d, 3600s, or a plain number of hours */
static int parse_window(const char *s, int64_t *out)
{
	size_t n = strspn(s, "0123456789");
	const char *end = s + n;
	char digits[16];
	int64_t v = 0, unit = 3600;

	if (n && n < sizeof digits) {
		memcpy(digits, s, n);
		digits[n] = '\0';
		num_parse_int64(digits, 0, INT32_MAX, &v);
	}
	if (v > 0) {
		if (!strcmp(end, "s"))
			unit = 1;
		else if (!strcmp(end, "m"))
			unit = 60;
		else if (!strcmp(end, "d"))
			unit = 86400;
		else if (*end && strcmp(end, "h"))
			unit = 0;
		if (unit && v <= 366L * 86400 / unit && v * unit >= 60) {
			*out = v * unit;
			return 0;
		}
	}
	return t3_error(T3_EUSAGE, "--window '%s' is not a length such as 4h, 90m or 1d "
			"(at least a minute)", s);
}

static int parse_week_start(const char *s, int *out)
{
	static const char *const days[] = { "sunday", "monday", "tuesday", "wednesday",
					    "thursday", "friday", "saturday" };
	for (int i = 0; i < 7; i++)
		if (!strcmp(s, days[i]) || (strlen(s) == 3 && !strncmp(s, days[i], 3))) {
			*out = i;
			return 0;
		}
	return t3_error(T3_EUSAGE, "--week-start '%s' is not a day of the week", s);
}

static int parse_when(const char *opt, const char *s, struct usage_when *w)
{
	if (usage_when_parse(s, w))
		return t3_error(T3_EUSAGE, "%s '%s' is not a date, a time, today, yesterday, Nd, "
				"this-month or last-month", opt, s);
	return 0;
}

/* The options every reading command shares: zone, time range. */
struct range {
	struct usage_when since, until;
	const char *tz;
	int week_start;
	int64_t now_ms;
};

static int parse_range(struct range *r)
{
	struct usage_zone z;
	const char *now = getenv("T3_NOW");

	memset(r, 0, sizeof *r);
	r->week_start = 1;
	r->now_ms = time_now_ms();
	if (now && *now && time_parse_iso(now, &r->now_ms))
		return t3_error(T3_EDATA, "T3_NOW '%s' is not an ISO-8601 time", now);
	if ((o.seen & BIT(OPT_TZ)) && (o.seen & BIT(OPT_UTC)))
		return t3_error(T3_EUSAGE, "choose one of --tz and --utc");
	if (o.seen & BIT(OPT_UTC))
		r->tz = "UTC";
	if (o.tz) {
		if (usage_zone_load(&z, o.tz))
			return t3_error(T3_EUSAGE, "unknown time zone '%s'", o.tz);
		usage_zone_release(&z);
		r->tz = o.tz;
	}
	if (o.week_start && parse_week_start(o.week_start, &r->week_start))
		return T3_EUSAGE;
	if (o.since && parse_when("--since", o.since, &r->since))
		return T3_EUSAGE;
	if (o.until && parse_when("--until", o.until, &r->until))
		return T3_EUSAGE;
	if (o.since && o.until) {
		/* checked in UTC: a range empty there is empty in any zone
		 * but for an instant against a local date */
		int64_t s, e, s2, e2;
		usage_zone_load(&z, r->tz ? r->tz : "UTC");
		usage_when_span(&r->since, &z, r->now_ms, &s, &e);
		usage_when_span(&r->until, &z, r->now_ms, &s2, &e2);
		usage_zone_release(&z);
		if (s >= e2)
			return t3_error(T3_EUSAGE, "--since '%s' is not before --until '%s'", o.since,
					o.until);
	}
	return 0;
}

/* Turn each --user (an email or an id) into a user id; a user not in
 * user.db may still have usage rows under that id. */
static int resolve_users(void)
{
	for (int i = 0; i < o.nusers; i++) {
		struct user u;
		int r = users_find(&o.c.udb, o.users[i], &u);
		if (r == T3_ENEG) {
			if (uuid_valid(o.users[i]))
				continue;
			return t3_error(T3_ENEG, "user '%s' not found", o.users[i]);
		}
		if (r)
			return r;
		char *id = xstrdup(u.user_id);
		o.owned[o.nowned++ % (5 * MAX_LIST)] = id;
		o.users[i] = id;
		user_release(&u);
	}
	return 0;
}

/* ---- report output ---- */

static const struct { const char *key, *label; } sum_cols[] = {
	{ "requests", NULL }, { "errors", NULL }, { "prompt_tokens", "PROMPT" },
	{ "completion_tokens", "COMPLETION" }, { "reasoning_tokens", "REASONING" },
	{ "cached_tokens", "CACHED" }, { "tokens_used", "TOTAL" }, { "cost_usd", "COST USD" },
};

static const char *const key_labels[] = {
	"USER ID", "MODEL", "PROVIDER", "STATUS", "CHAT", "PURPOSE", "HOUR", "DAY", "WEEK", "MONTH",
	"WINDOW"
};
_Static_assert(sizeof key_labels / sizeof key_labels[0] == USAGE_BY_COUNT, "a label per key");

static void set_text(json_t *row, const char *key, const char *s, int table)
{
	if (!s) {
		json_object_set_new(row, key, json_null());
		return;
	}
	if (table) {
		struct strbuf sb = STRBUF_INIT;
		safe_append(&sb, s, strlen(s));
		json_object_set_new(row, key, json_stringn(sb.buf, sb.len));
		sb_release(&sb);
		return;
	}
	json_object_set_new(row, key, json_string(s));
}

static json_t *sum_row(json_t *row, const struct usage_sum *s)
{
	json_object_set_new(row, "requests", json_integer(s->requests));
	json_object_set_new(row, "errors", json_integer(s->errors));
	json_object_set_new(row, "prompt_tokens", json_integer(s->prompt));
	json_object_set_new(row, "completion_tokens", json_integer(s->completion));
	json_object_set_new(row, "reasoning_tokens", json_integer(s->reasoning));
	json_object_set_new(row, "cached_tokens", json_integer(s->cached));
	json_object_set_new(row, "tokens_used", json_integer(s->tokens));
	return row;
}

/* A row to a table (or -q): the cost as text, padded to width so that
 * the table aligns it right (jansson would write 1e-05). The machine
 * formats go through fast_rows instead. */
static void emit(struct out *out, json_t *row, int64_t nusd, int width)
{
	char cost[32], padded[48];
	usage_cost_fmt(nusd, cost);
	snprintf(padded, sizeof padded, "%*s", out->fmt == OUT_TABLE ? width : 0, cost);
	json_object_set_new(row, "cost_usd", json_string(padded));
	out_row_new(out, row);
}

static void chart(const struct usage_report *r, const struct usage_report_opts *ro, int cost,
		  int ascii)
{
	static const char *const eighths[] = { "", "\u258f", "\u258e", "\u258d", "\u258c",
					       "\u258b", "\u258a", "\u2589", "\u2588" };
	struct strbuf label = STRBUF_INIT;
	size_t lw = 0;
	int64_t max = 0;
	const int width = 50;
	char buf[32];

	for (size_t i = 0; i < r->n; i++) {
		int64_t v = cost ? r->g[i].sum.cost_nusd : r->g[i].sum.tokens;
		if (v > max)
			max = v;
	}
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < r->n; i++) {
			const struct usage_group *g = &r->g[i];
			sb_reset(&label);
			for (int k = 0; k < ro->nby; k++) {
				const char *s = NULL;
				switch (ro->by[k]) {
				case USAGE_BY_USER: s = g->email ? g->email : g->user_id; break;
				case USAGE_BY_MODEL: s = g->model; break;
				case USAGE_BY_PROVIDER: s = g->provider; break;
				case USAGE_BY_STATUS: s = g->status; break;
				case USAGE_BY_CHAT: s = g->chat; break;
				case USAGE_BY_PURPOSE: s = g->purpose; break;
				default: s = usage_group_label(g, ro->by[k], buf);
				}
				if (k)
					sb_addc(&label, ' ');
				safe_append(&label, s ? s : "-", strlen(s ? s : "-"));
			}
			if (!pass) {
				if (label.len > lw)
					lw = label.len;
				continue;
			}
			int64_t v = cost ? g->sum.cost_nusd : g->sum.tokens;
			int64_t e = max ? v * width * 8 / max : 0;
			printf("%-*s ", (int)lw, label.buf);
			for (int64_t j = 0; j < e / 8; j++)
				fputs(ascii ? "#" : eighths[8], stdout);
			if (e % 8)
				fputs(ascii ? (e % 8 >= 4 ? "+" : "") : eighths[e % 8], stdout);
			if (cost)
				printf(" %s\n", usage_cost_fmt(v, buf));
			else
				printf(" %lld\n", (long long)v);
		}
	sb_release(&label);
}

/* One field of a row for the machine formats, written as text (no
 * jansson on the way: a report by user and day can have millions of
 * rows). */
static void fast_field(struct strbuf *sb, enum out_fmt fmt, int i, const char *key,
		       const char *s, int is_string)
{
	if (i)
		sb_addc(sb, fmt == OUT_TSV ? '\t' : ',');
	if (fmt == OUT_JSON || fmt == OUT_JSONL) {
		sb_addc(sb, '"');
		sb_adds(sb, key);
		sb_add(sb, "\":", 2);
		if (!s)
			sb_adds(sb, "null");
		else if (is_string)
			usage_text_json(sb, (const unsigned char *)s, strlen(s));
		else
			sb_adds(sb, s);
	} else if (s) {
		if (fmt == OUT_TSV)
			usage_text_tsv(sb, s, strlen(s));
		else
			usage_text_csv(sb, s, strlen(s));
	}
}

static void fast_rows(const struct usage_report *rep, const struct usage_report_opts *ro,
		      const struct out_col *cols, int ncols, enum out_fmt fmt)
{
	struct strbuf sb = STRBUF_INIT, num = STRBUF_INIT;
	int json = fmt == OUT_JSON || fmt == OUT_JSONL;
	char buf[32];

	if (fmt == OUT_JSON)
		fputc('[', stdout);
	if (!json) {
		for (int c = 0; c < ncols; c++) {
			if (c)
				sb_addc(&sb, fmt == OUT_TSV ? '\t' : ',');
			sb_adds(&sb, cols[c].key);
		}
		sb_addc(&sb, '\n');
	}
	for (size_t i = 0; i < rep->n; i++) {
		const struct usage_group *g = &rep->g[i];
		const int64_t v[] = { g->sum.requests, g->sum.errors, g->sum.prompt,
				      g->sum.completion, g->sum.reasoning, g->sum.cached,
				      g->sum.tokens };
		int f = 0;
		if (fmt == OUT_JSON)
			sb_adds(&sb, i ? ",\n" : "\n");
		if (json)
			sb_addc(&sb, '{');
		for (int k = 0; k < ro->nby; k++) {
			const char *m = usage_key_member(ro->by[k]);
			switch (ro->by[k]) {
			case USAGE_BY_USER:
				fast_field(&sb, fmt, f++, m, g->user_id, 1);
				fast_field(&sb, fmt, f++, "email", g->email, 1);
				break;
			case USAGE_BY_MODEL: fast_field(&sb, fmt, f++, m, g->model, 1); break;
			case USAGE_BY_PROVIDER: fast_field(&sb, fmt, f++, m, g->provider, 1); break;
			case USAGE_BY_STATUS: fast_field(&sb, fmt, f++, m, g->status, 1); break;
			case USAGE_BY_CHAT: fast_field(&sb, fmt, f++, m, g->chat, 1); break;
			case USAGE_BY_PURPOSE: fast_field(&sb, fmt, f++, m, g->purpose, 1); break;
			default:
				fast_field(&sb, fmt, f++, m, usage_group_label(g, ro->by[k], buf), 1);
			}
		}
		for (int c = 0; c < NCOLS(v); c++) {
			sb_reset(&num);
			usage_text_int(&num, v[c]);
			fast_field(&sb, fmt, f++, sum_cols[c].key, num.buf, 0);
		}
		fast_field(&sb, fmt, f++, "cost_usd", usage_cost_fmt(g->sum.cost_nusd, buf), 0);
		sb_adds(&sb, json ? (fmt == OUT_JSONL ? "}\n" : "}") : "\n");
		if (sb.len >= 65536) {
			fwrite(sb.buf, 1, sb.len, stdout);
			out_check_pipe(stdout);
			sb_reset(&sb);
		}
	}
	if (fmt == OUT_JSON)
		sb_adds(&sb, rep->n ? "\n]\n" : "]\n");
	fwrite(sb.buf, 1, sb.len, stdout);
	out_check_pipe(stdout);
	sb_release(&sb);
	sb_release(&num);
}

static int run_report(const char *cmd, const char *default_by)
{
	struct usage_report_opts ro = { 0 };
	struct usage_report rep;
	struct range rg;
	struct out_col cols[USAGE_BY_COUNT + 1 + NCOLS(sum_cols)];
	int ncols = 0, r, table = o.c.fmt == OUT_TABLE, width = 8;
	long last = 0;
	char *by = xstrdup(o.by ? o.by : default_by), *save = NULL;
	char buf[32];

	if ((r = parse_range(&rg)))
		goto done;
	for (char *k = strtok_r(by, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
		int key = usage_key_parse(k);
		if (key < 0) {
			struct strbuf keys = STRBUF_INIT;
			for (int i = 0; usage_key_name(i); i++)
				sb_addf(&keys, "%s%s", i ? ", " : "", usage_key_name(i));
			r = t3_error(T3_EUSAGE, "unknown --by key '%s' (%s)", k, keys.buf);
			sb_release(&keys);
			goto done;
		}
		for (int i = 0; i < ro.nby; i++)
			if (ro.by[i] == key) {
				r = t3_error(T3_EUSAGE, "--by key '%s' given twice", k);
				goto done;
			}
		ro.by[ro.nby++] = key;
	}
	if (!ro.nby) {
		r = t3_error(T3_EUSAGE, "--by needs at least one key");
		goto done;
	}
	if (o.window && (r = parse_window(o.window, &ro.window_s)))
		goto done;
	ro.window_s = o.window ? ro.window_s : 4 * 3600;
	if (o.window) {
		int have = 0;
		for (int i = 0; i < ro.nby; i++)
			have |= ro.by[i] == USAGE_BY_WINDOW;
		if (!have && ro.nby < USAGE_BY_COUNT)
			ro.by[ro.nby++] = USAGE_BY_WINDOW;
	}
	if ((o.seen & BIT(OPT_BREAKDOWN))) {
		int have = 0;
		for (int i = 0; i < ro.nby; i++)
			have |= ro.by[i] == USAGE_BY_MODEL;
		if (!have)
			ro.by[ro.nby++] = USAGE_BY_MODEL;
	}
	if (o.last) {
		int have = 0;
		if ((r = parse_count("--last", o.last, 100000, &last)))
			goto done;
		for (int i = 0; i < ro.nby; i++)
			have |= ro.by[i] >= USAGE_BY_HOUR;
		if (!have) {
			r = t3_error(T3_EUSAGE, "--last needs a period in --by (hour, day, week, month "
				     "or window)");
			goto done;
		}
		if (o.since) {
			r = t3_error(T3_EUSAGE, "choose one of --last and --since");
			goto done;
		}
	}
	if ((o.seen & (BIT(OPT_ASCII) | BIT(OPT_COST))) && !(o.seen & BIT(OPT_CHART))) {
		r = t3_error(T3_EUSAGE, "--ascii and --cost go with --chart");
		goto done;
	}
	if ((o.seen & BIT(OPT_CHART)) && o.c.fmt_set) {
		r = t3_error(T3_EUSAGE, "--chart draws, it has no other output format");
		goto done;
	}
	ro.last = (int)last;
	ro.tz = rg.tz;
	ro.week_start = rg.week_start;
	ro.now_ms = rg.now_ms;
	ro.since = o.since ? &rg.since : NULL;
	ro.until = o.until ? &rg.until : NULL;
	ro.models = list_or_null(o.models, o.nmodels);
	ro.providers = list_or_null(o.providers, o.nproviders);
	ro.statuses = list_or_null(o.statuses, o.nstatuses);
	if ((r = common_open_user(&o.c)) || (r = common_open_data(&o.c)) || (r = resolve_users()))
		goto done;
	ro.user_ids = list_or_null(o.users, o.nusers);
	if ((r = usage_report_run(&o.c.ddb, &o.c.udb, &ro, &rep))) {
		usage_report_release(&rep);
		goto done;
	}
	if (o.seen & BIT(OPT_CHART)) {
		chart(&rep, &ro, !!(o.seen & BIT(OPT_COST)), !!(o.seen & BIT(OPT_ASCII)));
		usage_report_release(&rep);
		goto done;
	}
	for (int i = 0; i < ro.nby; i++) {
		cols[ncols].key = usage_key_member(ro.by[i]);
		cols[ncols++].label = key_labels[ro.by[i]];
		if (ro.by[i] == USAGE_BY_USER) {
			cols[ncols].key = "email";
			cols[ncols++].label = NULL;
		}
	}
	for (int i = 0; i < NCOLS(sum_cols); i++) {
		cols[ncols].key = sum_cols[i].key;
		cols[ncols++].label = sum_cols[i].label;
	}
	if (o.c.fmt != OUT_TABLE && o.c.fmt != OUT_IDS) {
		fast_rows(&rep, &ro, cols, ncols, o.c.fmt);
		usage_report_release(&rep);
		goto done;
	}
	if (table) {
		int w = (int)strlen(usage_cost_fmt(rep.total.cost_nusd, buf));
		width = w > width ? w : width;
	}
	struct out out;
	out_begin(&out, o.c.fmt, cols, ncols, 0);
	for (size_t i = 0; i < rep.n; i++) {
		const struct usage_group *g = &rep.g[i];
		json_t *row = json_object();
		for (int k = 0; k < ro.nby; k++) {
			const char *m = usage_key_member(ro.by[k]);
			switch (ro.by[k]) {
			case USAGE_BY_USER:
				set_text(row, m, g->user_id, table);
				set_text(row, "email", g->email, table);
				break;
			case USAGE_BY_MODEL: set_text(row, m, g->model, table); break;
			case USAGE_BY_PROVIDER: set_text(row, m, g->provider, table); break;
			case USAGE_BY_STATUS: set_text(row, m, g->status, table); break;
			case USAGE_BY_CHAT: set_text(row, m, g->chat, table); break;
			case USAGE_BY_PURPOSE: set_text(row, m, g->purpose, table); break;
			default:
				json_object_set_new(row, m, json_string(usage_group_label(g, ro.by[k], buf)));
			}
		}
		emit(&out, sum_row(row, &g->sum), g->sum.cost_nusd, width);
	}
	if (table) {
		json_t *row = json_object();
		json_object_set_new(row, cols[0].key, json_string("TOTAL"));
		for (int c = 1; c < ncols - NCOLS(sum_cols); c++)
			json_object_set_new(row, cols[c].key, json_string(""));
		emit(&out, sum_row(row, &rep.total), rep.total.cost_nusd, width);
	}
	out_end(&out);
	usage_report_release(&rep);
done:
	free(by);
	return r;
}

#define REPORT_OPTS (BIT(OPT_BY) | BIT(OPT_USER) | BIT(OPT_MODEL) | BIT(OPT_PROVIDER) | \
	BIT(OPT_STATUS) | BIT(OPT_SINCE) | BIT(OPT_UNTIL) | BIT(OPT_LAST) | BIT(OPT_TZ) | \
	BIT(OPT_UTC) | BIT(OPT_WEEK_START) | BIT(OPT_BREAKDOWN) | BIT(OPT_WINDOW) | \
	BIT(OPT_CHART) | BIT(OPT_ASCII) | BIT(OPT_COST))

static int cmd_report(int argc, char **argv)
{
	int r;
	if ((r = only("report", REPORT_OPTS)) || (r = common_nargs("report", argc, 0, 0)))
		return r;
	return run_report("report", "user");
}

static int shortcut(const char *cmd, int argc, const char *period)
{
	int r;
	if ((r = only(cmd, REPORT_OPTS & ~(BIT(OPT_BY) | BIT(OPT_WINDOW)))) ||
	    (r = common_nargs(cmd, argc, 0, 0)))
		return r;
	return run_report(cmd, period);
}

static int cmd_daily(int argc, char **argv) { return shortcut("daily", argc, "day"); }
static int cmd_weekly(int argc, char **argv) { return shortcut("weekly", argc, "week"); }
static int cmd_monthly(int argc, char **argv) { return shortcut("monthly", argc, "month"); }

/* ---- quota ---- */

struct quota_ctx {
	struct out out;
	double over;
	int have_over, hits, err;
	const struct usage_report *month;
};

static int64_t month_tokens(const struct usage_report *m, const char *user_id)
{
	size_t lo = 0, hi = m->n;
	while (lo < hi) {	/* groups are sorted by user_id */
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(m->g[mid].user_id, user_id);
		if (!c)
			return m->g[mid].sum.tokens;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static int quota_one(void *vctx, const struct user *u)
{
	struct quota_ctx *c = vctx;
	int64_t allowance = 0, used;
	int r = plans_allowance_quiet(&o.c.udb, u->subscription_plan, &allowance);
	double share;

	if (r == T3_EDATA)
		return c->err = r;
	used = allowance > u->token_quota ? allowance - u->token_quota : 0;
	share = allowance > 0 ? (double)(used * 1000 / allowance) / 10.0 :
		u->token_quota > 0 ? 0.0 : 100.0;
	if (c->have_over && share < c->over)
		return 0;
	c->hits++;
	json_t *row = json_object();
	int table = c->out.fmt == OUT_TABLE;
	set_text(row, "user_id", u->user_id, table);
	set_text(row, "email", u->email, table);
	set_text(row, "subscription_plan", u->subscription_plan, table);
	json_object_set_new(row, "token_allowance", json_integer(allowance));
	json_object_set_new(row, "token_quota", json_integer(u->token_quota));
	json_object_set_new(row, "used", json_integer(used));
	json_object_set_new(row, "share_used", json_real(share));
	json_object_set_new(row, "tokens_this_month", json_integer(month_tokens(c->month, u->user_id)));
	out_row_new(&c->out, row);
	return 0;
}

static int cmd_quota(int argc, char **argv)
{
	static const struct out_col cols[] = {
		{ "user_id", "USER ID" }, { "email", NULL }, { "subscription_plan", "PLAN" },
		{ "token_allowance", "ALLOWANCE" }, { "token_quota", "LEFT" }, { "used", NULL },
		{ "share_used", "USED %" }, { "tokens_this_month", "THIS MONTH" },
	};
	struct quota_ctx c = { 0 };
	struct usage_report_opts ro = { .nby = 1, .by = { USAGE_BY_USER }, .week_start = 1 };
	struct usage_report month;
	struct usage_when this_month = { .kind = USAGE_WHEN_THIS_MONTH };
	struct range rg;
	int r;

	if ((r = only("quota", BIT(OPT_USER) | BIT(OPT_OVER) | BIT(OPT_TZ) | BIT(OPT_UTC))) ||
	    (r = common_nargs("quota", argc, 0, 0)) || (r = parse_range(&rg)))
		return r;
	if (o.over) {
		if (num_parse_double(o.over, 0, 1000, &c.over))
			return t3_error(T3_EUSAGE, "--over '%s' is not a percentage from 0 to 1000",
					o.over);
		c.have_over = 1;
	}
	if ((r = common_open_user(&o.c)) || (r = common_open_data(&o.c)) || (r = resolve_users()))
		return r;
	ro.tz = rg.tz;
	ro.now_ms = rg.now_ms;
	ro.since = &this_month;
	ro.until = &this_month;
	ro.user_ids = list_or_null(o.users, o.nusers);
	if ((r = usage_report_run(&o.c.ddb, &o.c.udb, &ro, &month))) {
		usage_report_release(&month);
		return r;
	}
	c.month = &month;
	out_begin(&c.out, o.c.fmt, cols, NCOLS(cols), 0);
	if (o.nusers) {
		for (int i = 0; i < o.nusers && !r && !c.err; i++) {
			struct user u;
			if (!(r = users_find(&o.c.udb, o.users[i], &u)))
				r = quota_one(&c, &u);
			else if (r == T3_ENEG)
				r = t3_error(T3_ENEG, "user '%s' not found", o.users[i]);
			user_release(&u);
		}
	} else {
		r = users_each(&o.c.udb, NULL, NULL, quota_one, &c);
	}
	out_end(&c.out);
	usage_report_release(&month);
	if (r || c.err)
		return r ? r : c.err;
	return c.have_over && c.hits ? T3_ENEG : 0;
}

/* ---- export, prune ---- */

/* An instant from a WHEN in the --tz zone (UTC by default): the start of
 * the span it names (its end for an --until). */
static int64_t instant(const struct usage_when *w, const struct range *rg, int end)
{
	struct usage_zone z;
	int64_t s, e;
	usage_zone_load(&z, rg->tz ? rg->tz : "UTC");
	usage_when_span(w, &z, rg->now_ms, &s, &e);
	usage_zone_release(&z);
	return end ? e : s;
}

static int cmd_export(int argc, char **argv)
{
	struct range rg;
	int64_t since = INT64_MIN, until = INT64_MAX, n;
	int r, csv = o.c.fmt == OUT_CSV;

	if ((r = only("export", BIT(OPT_USER) | BIT(OPT_SINCE) | BIT(OPT_UNTIL) | BIT(OPT_TZ) |
		      BIT(OPT_UTC))) || (r = common_nargs("export", argc, 0, 0)) ||
	    (r = parse_range(&rg)))
		return r;
	if (o.c.fmt_set && o.c.fmt != OUT_JSONL && o.c.fmt != OUT_CSV)
		return t3_error(T3_EUSAGE, "export writes NDJSON (--jsonl, the default) or --csv");
	if (o.since)
		since = instant(&rg.since, &rg, 0);
	if (o.until)
		until = instant(&rg.until, &rg, 1);
	if ((r = common_open_user(&o.c)) || (r = common_open_data(&o.c)) || (r = resolve_users()))
		return r;
	if (csv)
		printf("%s\n", usage_export_header());
	if (!o.nusers)
		return usage_export(&o.c.ddb, NULL, since, until, csv, stdout, &n) == T3_EDATA &&
		       !ferror(stdout) ? T3_EDATA : 0;
	for (int i = 0; i < o.nusers && !r; i++)
		if ((r = usage_export(&o.c.ddb, o.users[i], since, until, csv, stdout, &n)) &&
		    ferror(stdout))
			r = 0;	/* out_finish reports the write error */
	return r;
}

static int cmd_prune(int argc, char **argv)
{
	struct range rg;
	struct usage_when before;
	FILE *archive = NULL;
	int64_t n = 0;
	int r;

	if ((r = only("prune", BIT(OPT_BEFORE) | BIT(OPT_ARCHIVE) | BIT(OPT_TZ) | BIT(OPT_UTC))) ||
	    (r = common_nargs("prune", argc, 0, 0)) || (r = parse_range(&rg)))
		return r;
	if (!o.before)
		return common_bad_usage("'prune' needs --before WHEN");
	if (parse_when("--before", o.before, &before))
		return T3_EUSAGE;
	if ((r = common_open_data(&o.c)))
		return r;
	if (o.archive && !(archive = fopen(o.archive, "a")))
		return t3_error(T3_EDATA, "cannot open archive '%s': %s", o.archive, strerror(errno));
	r = usage_prune(&o.c.ddb, instant(&before, &rg, 0), archive, o.archive, &n);
	if (archive && fclose(archive) && !r)
		r = t3_error(T3_EDATA, "cannot write archive '%s': %s", o.archive, strerror(errno));
	fprintf(stderr, "t3-usage: pruned %lld usage rows\n", (long long)n);
	return r;
}

static const struct common_cmd cmds[] = {
	{ "report", cmd_report, "report [--by KEY,...] [FILTERS] [--last N] [ZONE] [--breakdown]\n"
	  "       [--window LEN] [--chart [--cost] [--ascii]]\n"
	  "       KEY: user model provider status chat purpose hour day week month window" },
	{ "daily", cmd_daily, "daily [FILTERS] [--last N] [ZONE] [--breakdown]" },
	{ "weekly", cmd_weekly, "weekly [FILTERS] [--last N] [ZONE] [--breakdown]" },
	{ "monthly", cmd_monthly, "monthly [FILTERS] [--last N] [ZONE] [--breakdown]" },
	{ "quota", cmd_quota, "quota [--user USER]... [--over PCT]    exit 1 when a user is over PCT" },
	{ "export", cmd_export, "export [--user USER]... [--since WHEN] [--until WHEN] [ZONE]\n"
	  "                                       NDJSON (default) or --csv" },
	{ "prune", cmd_prune, "prune --before WHEN [--archive FILE] [ZONE]" },
	{ "help", NULL, "help [COMMAND]" },
};
static const size_t ncmds = sizeof cmds / sizeof cmds[0];

static void usage(FILE *fp)
{
	fputs("usage: t3-usage [--user-db PATH] [--data-db PATH] COMMAND [OPTIONS]\n\n", fp);
	common_usage_commands(fp, cmds, ncmds);
	fputs("\n"
	      "FILTERS: --user USER (email or id), --model NAME, --provider NAME,\n"
	      "         --status CODE|error (each repeatable or a comma list),\n"
	      "         --since WHEN, --until WHEN\n"
	      "WHEN:    YYYY-MM-DD[THH:MM[:SS]] (local), with Z or +HH:MM (an instant),\n"
	      "         today, yesterday, Nd (the last N days), this-month, last-month\n"
	      "ZONE:    each user's own zone by default; --tz ZONE, --utc;\n"
	      "         --week-start DAY (default monday)\n"
	      "output:  --json, --jsonl, --tsv, --csv; default a table\n"
	      "other:   -h|--help, --version; 'help COMMAND' or 'COMMAND --help' for one command\n"
	      "exit:    0 ok (also an empty report), 1 over a --over threshold or user not\n"
	      "         found, 2 usage, 3 local data, 141 output closed\n", fp);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "by", required_argument, NULL, OPT_BY },
		{ "user", required_argument, NULL, OPT_USER },
		{ "model", required_argument, NULL, OPT_MODEL },
		{ "provider", required_argument, NULL, OPT_PROVIDER },
		{ "status", required_argument, NULL, OPT_STATUS },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "last", required_argument, NULL, OPT_LAST },
		{ "tz", required_argument, NULL, OPT_TZ },
		{ "utc", no_argument, NULL, OPT_UTC },
		{ "week-start", required_argument, NULL, OPT_WEEK_START },
		{ "breakdown", no_argument, NULL, OPT_BREAKDOWN },
		{ "window", required_argument, NULL, OPT_WINDOW },
		{ "chart", no_argument, NULL, OPT_CHART },
		{ "ascii", no_argument, NULL, OPT_ASCII },
		{ "cost", no_argument, NULL, OPT_COST },
		{ "over", required_argument, NULL, OPT_OVER },
		{ "before", required_argument, NULL, OPT_BEFORE },
		{ "archive", required_argument, NULL, OPT_ARCHIVE },
		{ 0 }
	};
	static const char optstring[] = ":qh";
	int opt, r = 0;

	common_init(&o.c, "t3-usage");
	o.c.defer_help = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
		if (common_option(&o.c, opt, optarg, usage))
			continue;
		switch (opt) {
		case OPT_BY: o.by = optarg; break;
		case OPT_USER: r = add_list("--user", optarg, o.users, &o.nusers); break;
		case OPT_MODEL: r = add_list("--model", optarg, o.models, &o.nmodels); break;
		case OPT_PROVIDER: r = add_list("--provider", optarg, o.providers, &o.nproviders); break;
		case OPT_STATUS: r = add_list("--status", optarg, o.statuses, &o.nstatuses); break;
		case OPT_SINCE: o.since = optarg; break;
		case OPT_UNTIL: o.until = optarg; break;
		case OPT_LAST: o.last = optarg; break;
		case OPT_TZ: o.tz = optarg; break;
		case OPT_WEEK_START: o.week_start = optarg; break;
		case OPT_WINDOW: o.window = optarg; break;
		case OPT_OVER: o.over = optarg; break;
		case OPT_BEFORE: o.before = optarg; break;
		case OPT_ARCHIVE: o.archive = optarg; break;
		case ':':
		case '?':
			return common_exit(&o.c, common_getopt_error(opt, argv, optstring));
		}
		if (r)
			return common_exit(&o.c, r);
		if (opt >= OPT_COMMON_END && opt < OPT_LAST_OPT)
			o.seen |= BIT(opt);
	}
	r = common_dispatch(&o.c, cmds, ncmds, argc - optind, argv + optind, usage);
	for (int i = 0; i < o.nowned && i < 5 * MAX_LIST; i++)
		free(o.owned[i]);
	return common_exit(&o.c, r);
}

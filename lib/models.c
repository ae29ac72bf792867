#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "models.h"
#include "msg.h"
#include "num.h"
#include "safe.h"
#include "schema.h"

/* The columns of model_capabilities after model_id, in the order of the
 * export record, the TSV columns and the SQL below (column i + 1). */
enum ftype { FT_PROVIDER, FT_NAME, FT_API, FT_BOOL, FT_COUNT, FT_PRICE, FT_DATE,
	     FT_ORIGIN, FT_VERSION };
#define F_NULL    0x01  /* nullable */
#define F_CATALOG 0x02  /* shipped in the catalog: sync compares and updates it */
#define F_DERIVED 0x04  /* computed by t3; validated and ignored on input */

struct mfield {
	const char *name;
	enum ftype type;
	unsigned flags;
	size_t off;
};

#define OFF(x) offsetof(struct model, x)
static const struct mfield fields[] = {
	{ "provider_name", FT_PROVIDER, 0, OFF(provider_name) },
	{ "model_name", FT_NAME, 0, OFF(model_name) },
	{ "api", FT_API, F_CATALOG, OFF(api) },
	{ "is_active", FT_BOOL, 0, OFF(is_active) },
	{ "max_token_limit", FT_COUNT, F_CATALOG, OFF(max_token_limit) },
	{ "max_output_tokens", FT_COUNT, F_CATALOG | F_NULL, OFF(max_output_tokens) },
	{ "input_usd_per_1k", FT_PRICE, F_CATALOG, OFF(input_usd_per_1k) },
	{ "output_usd_per_1k", FT_PRICE, F_CATALOG, OFF(output_usd_per_1k) },
	{ "reasoning_usd_per_1k", FT_PRICE, F_CATALOG | F_NULL, OFF(reasoning_usd_per_1k) },
	{ "cached_usd_per_1k", FT_PRICE, F_CATALOG | F_NULL, OFF(cached_usd_per_1k) },
	{ "usd_per_1k_tokens", FT_PRICE, F_DERIVED, OFF(usd_per_1k_tokens) },
	{ "supports_images", FT_BOOL, F_CATALOG, OFF(supports_images) },
	{ "supports_pdfs", FT_BOOL, F_CATALOG, OFF(supports_pdfs) },
	{ "multimodal_input", FT_BOOL, F_CATALOG, OFF(multimodal_input) },
	{ "reasoning_enabled", FT_BOOL, F_CATALOG, OFF(reasoning_enabled) },
	{ "supports_tools", FT_BOOL, F_CATALOG, OFF(supports_tools) },
	{ "deprecation_date", FT_DATE, F_CATALOG | F_NULL, OFF(deprecation_date) },
	{ "replacement", FT_NAME, F_CATALOG | F_NULL, OFF(replacement) },
	{ "origin", FT_ORIGIN, 0, OFF(origin) },
	{ "user_modified", FT_BOOL, 0, OFF(user_modified) },
	{ "catalog_version", FT_VERSION, F_NULL, OFF(catalog_version) },
};
#define NF ((int)(sizeof fields / sizeof fields[0]))

/* Members of the list record that are derived; accepted and ignored on
 * import so that `list --jsonl` output can be imported. */
static const char *const ignored_members[] = { "name", "model_id", "deprecated", NULL };

#define COLS "provider_name, model_name, api, is_active, max_token_limit, " \
	"max_output_tokens, input_usd_per_1k, output_usd_per_1k, reasoning_usd_per_1k, " \
	"cached_usd_per_1k, usd_per_1k_tokens, supports_images, supports_pdfs, " \
	"multimodal_input, reasoning_enabled, supports_tools, deprecation_date, " \
	"replacement, origin, user_modified, catalog_version"
#define SELECT_COLS "m.model_id, m.provider_name, m.model_name, m.api, m.is_active, " \
	"m.max_token_limit, m.max_output_tokens, m.input_usd_per_1k, m.output_usd_per_1k, " \
	"m.reasoning_usd_per_1k, m.cached_usd_per_1k, m.usd_per_1k_tokens, " \
	"m.supports_images, m.supports_pdfs, m.multimodal_input, m.reasoning_enabled, " \
	"m.supports_tools, m.deprecation_date, m.replacement, m.origin, m.user_modified, " \
	"m.catalog_version, " \
	"CASE WHEN (SELECT count(*) FROM model_capabilities x WHERE x.model_name = " \
	"m.model_name) > 1 THEN m.provider_name || '/' || m.model_name ELSE m.model_name END, " \
	"coalesce((SELECT group_concat(alias, ',') FROM (SELECT a.alias FROM model_aliases a " \
	"WHERE a.model_id = m.model_id ORDER BY a.alias)), '')"
#define SELECT_MODEL "SELECT " SELECT_COLS " FROM model_capabilities m "

#define P(m, f, T) ((T *)(void *)((char *)(m) + (f)->off))
#define CP(m, f, T) ((const T *)(const void *)((const char *)(m) + (f)->off))

static int is_text(enum ftype t)
{
	return t != FT_BOOL && t != FT_COUNT && t != FT_PRICE;
}

static const struct mfield *field_by_name(const char *name)
{
	for (int i = 0; i < NF; i++)
		if (!strcmp(fields[i].name, name))
			return &fields[i];
	return NULL;
}

void model_init(struct model *m)
{
	memset(m, 0, sizeof *m);
	m->is_active = 1;
	m->reasoning_usd_per_1k = MODELS_PRICE_NONE;
	m->cached_usd_per_1k = MODELS_PRICE_NONE;
	m->origin = xstrdup("user");
}

void model_release(struct model *m)
{
	for (int i = 0; i < NF; i++)
		if (is_text(fields[i].type))
			free(*P(m, &fields[i], char *));
	free(m->name);
	free(m->aliases);
	memset(m, 0, sizeof *m);
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void model_copy(struct model *dst, const struct model *src)
{
	*dst = *src;
	for (int i = 0; i < NF; i++)
		if (is_text(fields[i].type))
			*P(dst, &fields[i], char *) = dup_or_null(*CP(src, &fields[i], char *));
	dst->name = dup_or_null(src->name);
	dst->aliases = dup_or_null(src->aliases);
}

double models_blend(double in, double out)
{
	return (3 * in + out) / 4;
}

static void today_utc(char out[11])
{
	time_t t = time(NULL);
	struct tm tm;
	char tmp[40];
	gmtime_r(&t, &tm);
	snprintf(tmp, sizeof tmp, "%04d-%02d-%02d", (tm.tm_year + 1900) % 10000, tm.tm_mon + 1,
		 tm.tm_mday);
	memcpy(out, tmp, 10);
	out[10] = '\0';
}

int models_is_deprecated(const struct model *m)
{
	char today[11];
	if (!m->deprecation_date)
		return 0;
	today_utc(today);
	return strcmp(m->deprecation_date, today) <= 0;
}

/* ---- validation ---- */

static int bad(const char *what, const struct mfield *f, const char *value, const char *rule)
{
	return t3_error(T3_EUSAGE, "%s%sfield '%s' %s, not '%s'", what ? what : "",
			what && *what ? ": " : "", f->name, rule, value);
}

/* 1-max bytes of valid UTF-8, no space, no control or bidi character */
static int word_ok(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (!n || n > max || !safe_text_valid(s, n))
		return 0;
	return !strchr(s, ' ');
}

static int provider_ok(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > 64 || !isalnum((unsigned char)*s))
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._-", *s))
			return 0;
	return 1;
}

static int date_ok(const char *s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d;
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return 0;
	y = atoi(s);
	mo = atoi(s + 5);
	d = atoi(s + 8);
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1])
		return 0;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return 0;
	return 1;
}

static int field_parse(struct model *m, const struct mfield *f, const char *s, int nullword,
		       const char *what)
{
	if ((f->flags & F_NULL) && (!*s || (nullword && !strcmp(s, "none")))) {
		if (is_text(f->type)) {
			free(*P(m, f, char *));
			*P(m, f, char *) = NULL;
		} else if (f->type == FT_COUNT) {
			*P(m, f, int64_t) = 0;
		} else {
			*P(m, f, double) = MODELS_PRICE_NONE;
		}
		return 0;
	}
	switch (f->type) {
	case FT_PROVIDER:
		if (!provider_ok(s))
			return bad(what, f, s, "must be 1-64 letters, digits, '.', '_' or '-', "
				   "starting with a letter or digit");
		break;
	case FT_NAME:
		if (!word_ok(s, 200))
			return bad(what, f, s, "must be 1-200 bytes of UTF-8 without spaces or control characters");
		break;
	case FT_VERSION:
		if (!word_ok(s, 64))
			return bad(what, f, s, "must be 1-64 bytes of UTF-8 without spaces or control characters");
		break;
	case FT_API:
		if (strcmp(s, "openai") && strcmp(s, "anthropic") && strcmp(s, "gemini") &&
		    strcmp(s, "echo"))
			return bad(what, f, s, "must be openai, anthropic, gemini or echo");
		break;
	case FT_ORIGIN:
		if (strcmp(s, "catalog") && strcmp(s, "user"))
			return bad(what, f, s, "must be catalog or user");
		break;
	case FT_DATE:
		if (!date_ok(s))
			return bad(what, f, s, "must be a date YYYY-MM-DD");
		break;
	case FT_BOOL:
		if (!strcmp(s, "1") || !strcmp(s, "true"))
			*P(m, f, int) = 1;
		else if (!strcmp(s, "0") || !strcmp(s, "false"))
			*P(m, f, int) = 0;
		else
			return bad(what, f, s, "must be 0 or 1");
		return 0;
	case FT_COUNT: {
		int64_t v;
		int k = num_parse_int64(s, 0, MODELS_COUNT_MAX, &v);
		if (k == NUM_RANGE)
			return bad(what, f, s, "must be a positive integer of at most 10^12");
		if (k || !v)
			return bad(what, f, s, "must be a positive integer");
		*P(m, f, int64_t) = v;
		return 0;
	}
	case FT_PRICE: {
		double v;
		int k = num_parse_double(s, 0, MODELS_PRICE_MAX, &v);
		if (k == NUM_RANGE)
			return bad(what, f, s, "must be at most 1000 (USD per 1k tokens)");
		if (k)
			return bad(what, f, s, "must be a non-negative number (USD per 1k tokens)");
		if (!(f->flags & F_DERIVED))
			*P(m, f, double) = v;
		return 0;
	}
	}
	free(*P(m, f, char *));
	*P(m, f, char *) = xstrdup(s);
	return 0;
}

int models_set_field(struct model *m, const char *field, const char *value, int nullword,
		     const char *what)
{
	const struct mfield *f = field_by_name(field);
	if (!f)
		return t3_error(T3_EUSAGE, "%s%sunknown field '%s'", what ? what : "",
				what && *what ? ": " : "", field);
	return field_parse(m, f, value, nullword, what);
}

int models_set_field_json(struct model *m, const char *field, json_t *v, const char *what)
{
	const struct mfield *f = field_by_name(field);
	const char *kind;
	char buf[64];
	char *dump;
	int r;

	if (!f)
		return t3_error(T3_EUSAGE, "%s: unknown field '%s'", what, field);
	if (json_is_null(v) && (f->flags & F_NULL))
		return field_parse(m, f, "", 0, what);
	switch (f->type) {
	case FT_BOOL:
		if (!json_is_boolean(v)) {
			kind = "must be true or false";
			goto type;
		}
		return field_parse(m, f, json_is_true(v) ? "1" : "0", 0, what);
	case FT_COUNT:
		if (!json_is_integer(v)) {
			kind = "must be a positive integer";
			goto type;
		}
		snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return field_parse(m, f, buf, 0, what);
	case FT_PRICE:
		if (!json_is_number(v) || !(json_number_value(v) >= 0)) {
			kind = "must be a non-negative number (USD per 1k tokens)";
			goto type;
		}
		if (json_number_value(v) > MODELS_PRICE_MAX) {
			kind = "must be at most 1000 (USD per 1k tokens)";
			goto type;
		}
		if (!(f->flags & F_DERIVED))
			*P(m, f, double) = json_number_value(v);
		return 0;
	default:
		if (!json_is_string(v)) {
			kind = f->flags & F_NULL ? "must be a string or null" : "must be a string";
			goto type;
		}
		return field_parse(m, f, json_string_value(v), 0, what);
	}
type:
	dump = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	r = bad(what, f, dump ? dump : "?", kind);
	free(dump);
	return r;
}

int models_check(const struct model *m, const char *what)
{
	const char *pre = what ? what : "", *sep = what && *what ? ": " : "";
	if (!m->provider_name)
		return t3_error(T3_EUSAGE, "%s%sfield 'provider_name' is required", pre, sep);
	if (!m->model_name)
		return t3_error(T3_EUSAGE, "%s%sfield 'model_name' is required", pre, sep);
	if (!m->api)
		return t3_error(T3_EUSAGE, "%s%sfield 'api' is required", pre, sep);
	if (m->max_token_limit <= 0)
		return t3_error(T3_EUSAGE, "%s%sfield 'max_token_limit' is required", pre, sep);
	if (!m->origin)
		return t3_error(T3_EUSAGE, "%s%sfield 'origin' is required", pre, sep);
	return 0;
}

/* ---- rows ---- */

static void model_from_row(sqlite3_stmt *st, struct model *m)
{
	memset(m, 0, sizeof *m);
	snprintf(m->model_id, sizeof m->model_id, "%s", db_col_text(st, 0));
	for (int i = 0; i < NF; i++) {
		const struct mfield *f = &fields[i];
		int null = sqlite3_column_type(st, i + 1) == SQLITE_NULL;
		if (is_text(f->type))
			*P(m, f, char *) = null ? NULL : xstrdup(db_col_text(st, i + 1));
		else if (f->type == FT_BOOL)
			*P(m, f, int) = sqlite3_column_int(st, i + 1);
		else if (f->type == FT_COUNT)
			*P(m, f, int64_t) = null ? 0 : sqlite3_column_int64(st, i + 1);
		else
			*P(m, f, double) = null ? MODELS_PRICE_NONE : sqlite3_column_double(st, i + 1);
	}
	m->name = xstrdup(db_col_text(st, NF + 1));
	m->aliases = xstrdup(db_col_text(st, NF + 2));
}

static void bind_model(sqlite3_stmt *st, const struct model *m)
{
	db_bind_text(st, 1, m->model_id);
	for (int i = 0; i < NF; i++) {
		const struct mfield *f = &fields[i];
		if (is_text(f->type))
			db_bind_text(st, i + 2, *CP(m, f, char *));
		else if (f->type == FT_BOOL)
			sqlite3_bind_int(st, i + 2, *CP(m, f, int));
		else if (f->type == FT_COUNT && *CP(m, f, int64_t) <= 0)
			sqlite3_bind_null(st, i + 2);
		else if (f->type == FT_COUNT)
			sqlite3_bind_int64(st, i + 2, *CP(m, f, int64_t));
		else if (*CP(m, f, double) < 0)
			sqlite3_bind_null(st, i + 2);
		else
			sqlite3_bind_double(st, i + 2, *CP(m, f, double));
	}
}

/* Prepare sql; with keep, reuse the statement kept there by an earlier
 * call (the first call prepares it and leaves it there): a loop over
 * many records then prepares each statement once. The owner of *keep
 * finalizes it. */
static int stmt_open(struct db *ddb, sqlite3_stmt **keep, sqlite3_stmt **st, const char *sql)
{
	if (keep && *keep) {
		*st = *keep;
		return 0;
	}
	if (db_prepare(ddb, st, sql))
		return T3_EDATA;
	if (keep)
		*keep = *st;
	return 0;
}

/* Finalize st, or reset it for the next use when it is kept. */
static void stmt_close(sqlite3_stmt *st, sqlite3_stmt **keep)
{
	if (keep) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	} else {
		sqlite3_finalize(st);
	}
}

/* Run a SELECT_MODEL query with one or two text parameters; collect up
 * to max rows into out (may be NULL) and return how many matched, or -1. */
static int select_models(struct db *ddb, const char *sql, const char *a, const char *b,
			 struct model *out, int max, sqlite3_stmt **keep)
{
	sqlite3_stmt *st;
	int rc, n = 0;
	if (stmt_open(ddb, keep, &st, sql))
		return -1;
	db_bind_text(st, 1, a);
	if (b)
		db_bind_text(st, 2, b);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (out && n < max)
			model_from_row(st, &out[n]);
		n++;
	}
	stmt_close(st, keep);
	if (rc != SQLITE_DONE) {
		for (int i = 0; out && i < n && i < max; i++)
			model_release(&out[i]);
		db_error(ddb, "read models");
		return -1;
	}
	return n;
}

static int get_model(struct db *ddb, const char *provider, const char *model,
		     struct model *out, sqlite3_stmt **keep)
{
	int n = select_models(ddb, SELECT_MODEL "WHERE m.provider_name = ?1 AND m.model_name = ?2",
			      provider, model, out, 1, keep);
	return n < 0 ? T3_EDATA : n ? 0 : T3_ENEG;
}

int models_get(struct db *ddb, const char *provider, const char *model, struct model *out)
{
	return get_model(ddb, provider, model, out, NULL);
}

/* ---- candidates for an unknown name ---- */

static size_t lower_copy(char *dst, const char *src, size_t max)
{
	size_t n = 0;
	for (; *src && n < max - 1; src++)
		dst[n++] = (char)tolower((unsigned char)*src);
	dst[n] = '\0';
	return n;
}

static int edit_distance(const char *a, size_t na, const char *b, size_t nb)
{
	int row[257];
	for (size_t j = 0; j <= nb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= na; i++) {
		int diag = row[0];
		row[0] = (int)i;
		for (size_t j = 1; j <= nb; j++) {
			int up = row[j], v = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < v)
				v = up + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			diag = up;
			row[j] = v;
		}
	}
	return row[nb];
}

/* Lower is closer; -1: not a candidate. */
static int closeness(const char *cand, const char *query)
{
	char c[257], q[257];
	size_t nc = lower_copy(c, cand, sizeof c), nq = lower_copy(q, query, sizeof q);
	int d, limit;
	if (!nq)
		return -1;
	if (!strncmp(c, q, nq))
		return 0;
	if (strstr(c, q))
		return 1;
	d = edit_distance(c, nc, q, nq);
	limit = nq / 3 > 2 ? (int)(nq / 3) : 2;
	return d <= limit ? 2 + d : -1;
}

struct cand {
	char *name;
	int score;
};

static int cand_cmp(const void *pa, const void *pb)
{
	const struct cand *a = pa, *b = pb;
	size_t la = strlen(a->name), lb = strlen(b->name);
	if (a->score != b->score)
		return a->score - b->score;
	if (la != lb)
		return la < lb ? -1 : 1;
	return strcmp(a->name, b->name);
}

static int unknown_name(struct db *ddb, const char *name)
{
	sqlite3_stmt *st;
	struct cand *c = NULL;
	struct strbuf sb = STRBUF_INIT;
	int n = 0, cap = 0, rc;

	if (db_prepare(ddb, &st, "SELECT CASE WHEN (SELECT count(*) FROM model_capabilities x "
		       "WHERE x.model_name = m.model_name) > 1 THEN m.provider_name || '/' || "
		       "m.model_name ELSE m.model_name END FROM model_capabilities m "
		       "UNION SELECT alias FROM model_aliases"))
		return T3_EDATA;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int s = closeness(db_col_text(st, 0), name);
		if (s < 0)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			c = xrealloc(c, (size_t)cap * sizeof *c);
		}
		c[n].name = xstrdup(db_col_text(st, 0));
		c[n++].score = s;
	}
	sqlite3_finalize(st);
	if (n)
		qsort(c, (size_t)n, sizeof *c, cand_cmp);
	for (int i = 0; i < n && i < 5; i++)
		sb_addf(&sb, "%s%s", i ? ", " : "", c[i].name);
	for (int i = 0; i < n; i++)
		free(c[i].name);
	free(c);
	if (sb.len)
		t3_error(T3_EUSAGE, "unknown model '%s' (closest: %s)", name, sb.buf);
	else
		t3_error(T3_EUSAGE, "unknown model '%s' (see 't3-models list --all')", name);
	sb_release(&sb);
	return rc == SQLITE_DONE ? T3_EUSAGE : db_error(ddb, "read models");
}

static int ambiguous(const char *name, struct model *ms, int n)
{
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < n && i < 5; i++)
		sb_addf(&sb, "%s%s/%s", i ? ", " : "", ms[i].provider_name, ms[i].model_name);
	t3_error(T3_EUSAGE, "model '%s' is ambiguous (candidates: %s%s)", name, sb.buf,
		 n > 5 ? ", ..." : "");
	sb_release(&sb);
	return T3_EUSAGE;
}

int models_find(struct db *ddb, const char *name, struct model *out)
{
	static const char *const sql[] = {
		SELECT_MODEL "WHERE m.model_name = ?1 ORDER BY m.provider_name",
		SELECT_MODEL "WHERE m.provider_name || '/' || m.model_name = ?1 "
			"ORDER BY m.provider_name",
		SELECT_MODEL "JOIN model_aliases al ON al.model_id = m.model_id WHERE al.alias = ?1",
	};
	struct model ms[5];

	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++) {
		int n = select_models(ddb, sql[i], name, NULL, ms, 5, NULL);
		if (n < 0)
			return T3_EDATA;
		if (n == 1) {
			*out = ms[0];
			return 0;
		}
		if (n > 1) {
			int r = ambiguous(name, ms, n);
			for (int k = 0; k < n && k < 5; k++)
				model_release(&ms[k]);
			return r;
		}
	}
	return unknown_name(ddb, name);
}

int models_check_policy(const struct model *m)
{
	if (models_is_deprecated(m)) {
		if (m->replacement)
			return t3_error(T3_EPOLICY, "model '%s' was deprecated on %s; use '%s'",
					m->name, m->deprecation_date, m->replacement);
		return t3_error(T3_EPOLICY, "model '%s' was deprecated on %s", m->name,
				m->deprecation_date);
	}
	if (!m->is_active) {
		if (m->replacement)
			return t3_error(T3_EPOLICY, "model '%s' is disabled; use '%s' or "
					"'t3-models enable'", m->name, m->replacement);
		return t3_error(T3_EPOLICY, "model '%s' is disabled (see 't3-models enable')",
				m->name);
	}
	return 0;
}

int models_resolve(struct db *ddb, const char *name, struct model *out)
{
	int r = models_find(ddb, name, out);
	if (!r && (r = models_check_policy(out)))
		model_release(out);
	return r;
}

/* ---- writes ---- */

static int write_error(struct db *ddb, const struct model *m)
{
	int ext = sqlite3_extended_errcode(ddb->h);
	if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
		return t3_error(T3_EDATA, "model '%s/%s' already exists", m->provider_name,
				m->model_name);
	return db_error(ddb, "write model");
}

static int write_model(struct db *ddb, struct model *m, const char *sql, sqlite3_stmt **keep)
{
	sqlite3_stmt *st;
	int r = 0;
	m->usd_per_1k_tokens = models_blend(m->input_usd_per_1k, m->output_usd_per_1k);
	if (stmt_open(ddb, keep, &st, sql))
		return T3_EDATA;
	bind_model(st, m);
	if (sqlite3_step(st) != SQLITE_DONE)
		r = write_error(ddb, m);
	stmt_close(st, keep);
	return r;
}

static int insert_model(struct db *ddb, struct model *m, sqlite3_stmt **keep)
{
	if (!m->model_id[0])
		uuid_v7(m->model_id);
	return write_model(ddb, m, "INSERT INTO model_capabilities (model_id, " COLS ") VALUES "
			   "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
			   "?16, ?17, ?18, ?19, ?20, ?21, ?22)", keep);
}

static int update_model(struct db *ddb, struct model *m, sqlite3_stmt **keep)
{
	return write_model(ddb, m, "UPDATE model_capabilities SET provider_name = ?2, "
			   "model_name = ?3, api = ?4, is_active = ?5, max_token_limit = ?6, "
			   "max_output_tokens = ?7, input_usd_per_1k = ?8, output_usd_per_1k = ?9, "
			   "reasoning_usd_per_1k = ?10, cached_usd_per_1k = ?11, "
			   "usd_per_1k_tokens = ?12, supports_images = ?13, supports_pdfs = ?14, "
			   "multimodal_input = ?15, reasoning_enabled = ?16, supports_tools = ?17, "
			   "deprecation_date = ?18, replacement = ?19, origin = ?20, "
			   "user_modified = ?21, catalog_version = ?22 WHERE model_id = ?1", keep);
}

int models_insert(struct db *ddb, struct model *m)
{
	return insert_model(ddb, m, NULL);
}

int models_update(struct db *ddb, struct model *m)
{
	return update_model(ddb, m, NULL);
}

int models_delete(struct db *ddb, const struct model *m)
{
	return db_exec_text(ddb, "DELETE FROM model_capabilities WHERE model_id = ?1", m->model_id,
			  NULL);
}

int64_t models_references(struct db *ddb, const struct model *m)
{
	sqlite3_stmt *st;
	int64_t n = -1;
	char *full = xasprintf("%s/%s", m->provider_name, m->model_name);

	if (db_prepare(ddb, &st, "SELECT (SELECT count(*) FROM chat_messages WHERE model_used "
		       "IN (?1, ?2) OR model_used IN (SELECT alias FROM model_aliases WHERE "
		       "model_id = ?3)) + (SELECT count(*) FROM usage_metrics WHERE model_name "
		       "IN (?1, ?2) OR model_name IN (SELECT alias FROM model_aliases WHERE "
		       "model_id = ?3))")) {
		free(full);
		return -1;
	}
	db_bind_text(st, 1, m->model_name);
	db_bind_text(st, 2, full);
	db_bind_text(st, 3, m->model_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	else
		db_error(ddb, "count references");
	sqlite3_finalize(st);
	free(full);
	return n;
}

/* ---- listing ---- */

unsigned models_cap_parse(const char *name)
{
	static const struct { const char *name; unsigned bit; } caps[] = {
		{ "images", MODELS_CAP_IMAGES }, { "pdfs", MODELS_CAP_PDFS },
		{ "multimodal", MODELS_CAP_MULTIMODAL }, { "reasoning", MODELS_CAP_REASONING },
		{ "tools", MODELS_CAP_TOOLS },
	};
	for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++)
		if (!strcmp(name, caps[i].name))
			return caps[i].bit;
	return 0;
}

int models_provider_exists(struct db *ddb, const char *provider)
{
	return db_exists(ddb, "SELECT 1 FROM model_capabilities WHERE provider_name = ?1 LIMIT 1",
			 provider, "read models");
}

#define LIST_WHERE "WHERE (?1 OR (m.is_active AND (m.deprecation_date IS NULL OR " \
	"m.deprecation_date > ?2))) AND (?3 IS NULL OR m.provider_name = ?3) " \
	"AND (?4 & 1 = 0 OR m.supports_images) AND (?4 & 2 = 0 OR m.supports_pdfs) " \
	"AND (?4 & 4 = 0 OR m.multimodal_input) AND (?4 & 8 = 0 OR m.reasoning_enabled) " \
	"AND (?4 & 16 = 0 OR m.supports_tools) " \
	"AND (?5 < 0 OR m.usd_per_1k_tokens <= ?5 * (1 + 1e-9)) "

int models_each(struct db *ddb, const struct models_filter *f,
		int (*fn)(void *ctx, const struct model *m), void *ctx)
{
	static const char *const sql[] = {
		[MODELS_SORT_NAME] = SELECT_MODEL LIST_WHERE
			"ORDER BY m.provider_name, m.model_name",
		[MODELS_SORT_PRICE] = SELECT_MODEL LIST_WHERE
			"ORDER BY m.usd_per_1k_tokens, m.provider_name, m.model_name",
		[MODELS_SORT_CONTEXT] = SELECT_MODEL LIST_WHERE
			"ORDER BY m.max_token_limit DESC, m.provider_name, m.model_name",
	};
	sqlite3_stmt *st;
	char today[11];
	int rc, r = 0;

	if (db_prepare(ddb, &st, sql[f->sort]))
		return T3_EDATA;
	today_utc(today);
	sqlite3_bind_int(st, 1, f->all);
	db_bind_text(st, 2, today);
	db_bind_text(st, 3, f->provider);
	sqlite3_bind_int(st, 4, (int)f->caps);
	sqlite3_bind_double(st, 5, f->max_price);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct model m;
		model_from_row(st, &m);
		r = fn(ctx, &m);
		model_release(&m);
		if (r)
			break;
	}
	if (!r && rc != SQLITE_DONE)
		r = db_error(ddb, "list models");
	sqlite3_finalize(st);
	return r;
}

/* ---- records ---- */

static json_t *field_json(const struct model *m, const struct mfield *f)
{
	switch (f->type) {
	case FT_BOOL:
		return json_boolean(*CP(m, f, int));
	case FT_COUNT:
		return *CP(m, f, int64_t) > 0 ? json_integer(*CP(m, f, int64_t)) : json_null();
	case FT_PRICE:
		return *CP(m, f, double) >= 0 ? json_real(*CP(m, f, double)) : json_null();
	default:
		return *CP(m, f, char *) ? json_string(*CP(m, f, char *)) : json_null();
	}
}

static json_t *aliases_json(const char *list)
{
	json_t *a = json_array();
	const char *p = list ? list : "";
	while (*p) {
		size_t n = strcspn(p, ",");
		json_array_append_new(a, json_stringn(p, n));
		p += n + (p[n] == ',');
	}
	return a;
}

json_t *models_to_json(const struct model *m, int with_id)
{
	json_t *o = json_object();
	if (with_id)
		json_object_set_new(o, "model_id", json_string(m->model_id));
	for (int i = 0; i < NF; i++)
		json_object_set_new(o, fields[i].name, field_json(m, &fields[i]));
	if (with_id)
		json_object_set_new(o, "deprecated", json_boolean(models_is_deprecated(m)));
	json_object_set_new(o, "aliases", aliases_json(m->aliases));
	return o;
}

void models_tsv_header(struct strbuf *sb)
{
	for (int i = 0; i < NF; i++)
		sb_addf(sb, "%s\t", fields[i].name);
	sb_adds(sb, "aliases");
}

void models_to_tsv(const struct model *m, struct strbuf *sb)
{
	for (int i = 0; i < NF; i++) {
		const struct mfield *f = &fields[i];
		switch (f->type) {
		case FT_BOOL:
			sb_addc(sb, *CP(m, f, int) ? '1' : '0');
			break;
		case FT_COUNT:
			if (*CP(m, f, int64_t) > 0)
				sb_addf(sb, "%lld", (long long)*CP(m, f, int64_t));
			break;
		case FT_PRICE:
			if (*CP(m, f, double) >= 0)
				sb_addf(sb, "%.15g", *CP(m, f, double));
			break;
		default:
			if (*CP(m, f, char *))
				sb_adds(sb, *CP(m, f, char *));
		}
		sb_addc(sb, '\t');
	}
	sb_adds(sb, m->aliases ? m->aliases : "");
}

/* ---- aliases ---- */

int models_alias_check(const char *alias, const char *what)
{
	size_t n = strlen(alias);
	const char *p = alias;
	if (!n || n > 64 || !isalnum((unsigned char)*p))
		goto bad;
	for (; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._+:@-", *p))
			goto bad;
	return 0;
bad:
	return t3_error(T3_EUSAGE, "%s%salias '%s' must be 1-64 letters, digits, '.', '_', '+', "
			"':', '@' or '-', starting with a letter or digit", what ? what : "",
			what && *what ? ": " : "", alias);
}

/* Where alias points: 1 (with the model's provider/model_name in *full
 * and its model_id in id, each if asked for), 0 if there is no such
 * alias, -1 on error. */
static int alias_target(struct db *ddb, const char *alias, char **full,
			char id[UUID_STRLEN + 1])
{
	sqlite3_stmt *st;
	int rc;
	if (db_prepare(ddb, &st, "SELECT m.provider_name || '/' || m.model_name, m.model_id "
		       "FROM model_aliases a JOIN model_capabilities m USING (model_id) "
		       "WHERE a.alias = ?1"))
		return -1;
	db_bind_text(st, 1, alias);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && full)
		*full = xstrdup(db_col_text(st, 0));
	if (rc == SQLITE_ROW && id)
		snprintf(id, UUID_STRLEN + 1, "%s", db_col_text(st, 1));
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(ddb, "read alias"), -1;
	return rc == SQLITE_ROW;
}

static int name_is_model(struct db *ddb, const char *name)
{
	return db_exists(ddb, "SELECT 1 FROM model_capabilities WHERE model_name = ?1 "
			 "OR provider_name || '/' || model_name = ?1 LIMIT 1", name, "read models");
}

/* Point alias at m, with no questions asked. */
static int alias_write(struct db *ddb, const char *alias, const struct model *m)
{
	return db_exec_text(ddb, "INSERT INTO model_aliases (alias, model_id) VALUES (?1, ?2) "
			  "ON CONFLICT (alias) DO UPDATE SET model_id = excluded.model_id",
			  alias, m->model_id);
}

int models_alias_set(struct db *ddb, const char *alias, const struct model *m, int force)
{
	char id[UUID_STRLEN + 1], *cur = NULL;
	int k, r;

	if (models_alias_check(alias, NULL))
		return T3_EUSAGE;
	if ((k = name_is_model(ddb, alias)) < 0)
		return T3_EDATA;
	if (k)
		return t3_error(T3_EDATA, "alias '%s' is already a model name", alias);
	if ((k = alias_target(ddb, alias, &cur, id)) < 0)
		return T3_EDATA;
	if (k && !strcmp(id, m->model_id))
		r = 0;
	else if (k && !force)
		r = t3_error(T3_EDATA, "alias '%s' already points to '%s' (use --force to "
			     "repoint it)", alias, cur);
	else
		r = alias_write(ddb, alias, m);
	free(cur);
	return r;
}

int models_alias_exists(struct db *ddb, const char *alias)
{
	return alias_target(ddb, alias, NULL, NULL);
}

int models_alias_remove(struct db *ddb, const char *alias)
{
	int r = db_exec_text(ddb, "DELETE FROM model_aliases WHERE alias = ?1", alias, NULL);
	if (!r && !sqlite3_changes(ddb->h))
		r = t3_error(T3_ENEG, "alias '%s' not found", alias);
	return r;
}

int models_aliases_each(struct db *ddb,
			int (*fn)(void *ctx, const char *alias, const struct model *m), void *ctx)
{
	sqlite3_stmt *st;
	int rc, r = 0;
	if (db_prepare(ddb, &st, "SELECT " SELECT_COLS ", al.alias FROM model_aliases al "
		       "JOIN model_capabilities m ON m.model_id = al.model_id ORDER BY al.alias"))
		return T3_EDATA;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct model m;
		char *alias = xstrdup(db_col_text(st, NF + 3));
		model_from_row(st, &m);
		r = fn(ctx, alias, &m);
		model_release(&m);
		free(alias);
		if (r)
			break;
	}
	if (!r && rc != SQLITE_DONE)
		r = db_error(ddb, "list aliases");
	sqlite3_finalize(st);
	return r;
}

/* Make the model's aliases exactly the comma-separated list. */
static int aliases_replace(struct db *ddb, const struct model *m, const char *list,
			   const char *what)
{
	char *copy = xstrdup(list), *p = copy, *a;
	int r = 0;

	while (!r && (a = strsep(&p, ","))) {
		if (!*a && !p && a == copy)
			break;  /* an empty list */
		r = models_alias_check(a, what);
	}
	free(copy);
	if (r)
		return r;
	r = db_exec_text(ddb, "DELETE FROM model_aliases WHERE model_id = ?1", m->model_id, NULL);
	copy = p = xstrdup(list);
	while (!r && (a = strsep(&p, ",")) && *a) {
		r = models_alias_set(ddb, a, m, 1);
		if (r)
			t3_error(r, "%s: alias '%s' not imported", what, a);
	}
	free(copy);
	return r;
}

/* ---- import ---- */

int models_import_begin(struct models_import *im, struct db *ddb)
{
	memset(im, 0, sizeof *im);
	im->ddb = ddb;
	return db_exec(ddb, "CREATE TEMP TABLE IF NOT EXISTS t3_import_seen ("
		       "model_id TEXT PRIMARY KEY, line INTEGER); DELETE FROM temp.t3_import_seen");
}

void models_import_release(struct models_import *im)
{
	for (int i = 0; i < im->ncols; i++)
		free(im->cols[i]);
	free(im->cols);
	im->cols = NULL;
	im->ncols = 0;
	for (size_t i = 0; i < sizeof im->kept / sizeof im->kept[0]; i++) {
		sqlite3_finalize(im->kept[i]);
		im->kept[i] = NULL;
	}
}

/* The statements models_import_* keep in im->kept. */
enum { KEPT_GET, KEPT_SEEN, KEPT_MARK, KEPT_INSERT, KEPT_UPDATE, KEPT_N };
_Static_assert(sizeof ((struct models_import){ 0 }).kept == KEPT_N * sizeof (sqlite3_stmt *),
	       "struct models_import: kept[] does not match KEPT_N");

/* The line that imported the model before, 0 if none, -1 on error. */
static long seen_line(struct models_import *im, const char *model_id)
{
	sqlite3_stmt *st, **keep = &im->kept[KEPT_SEEN];
	long line = 0;
	int rc;
	if (stmt_open(im->ddb, keep, &st, "SELECT line FROM temp.t3_import_seen WHERE model_id = ?1"))
		return -1;
	db_bind_text(st, 1, model_id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		line = sqlite3_column_int(st, 0);
	stmt_close(st, keep);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(im->ddb, "read models"), -1;
	return line;
}

static int mark_seen(struct models_import *im, const char *model_id, long lineno)
{
	sqlite3_stmt *st, **keep = &im->kept[KEPT_MARK];
	int r;
	if (stmt_open(im->ddb, keep, &st, "INSERT INTO temp.t3_import_seen (model_id, line) "
		      "VALUES (?1, ?2)"))
		return T3_EDATA;
	db_bind_text(st, 1, model_id);
	sqlite3_bind_int64(st, 2, lineno);
	r = db_step_done(im->ddb, st);
	stmt_close(st, keep);
	return r;
}

static int catalog_fields_differ(const struct model *a, const struct model *b);

/* The derived members of the list record (ignored_members). */
static int is_ignored_member(const char *name)
{
	for (int i = 0; ignored_members[i]; i++)
		if (!strcmp(name, ignored_members[i]))
			return 1;
	return 0;
}

/* Members that apply() leaves alone: the key, read before, and the
 * ignored ones. */
static int apply_skips(const char *name)
{
	return !strcmp(name, "provider_name") || !strcmp(name, "model_name") ||
	       is_ignored_member(name);
}

/* How one input format reads a record rec. key() sets provider_name and
 * model_name; apply() sets the other members the record has on m (the
 * current row or a new model), returns an "aliases" member as a
 * comma-separated list in *aliases and sets *user_modified if the record
 * has that member. what names the record in messages. */
struct import_ops {
	int (*key)(void *rec, struct model *key, const char *what);
	int (*apply)(void *rec, struct model *m, const char *what, int *user_modified,
		     char **aliases);
};

static int import_model(struct models_import *im, const struct model *key, long lineno,
			const struct import_ops *ops, void *rec, const char *what)
{
	struct model old, m;
	char *aliases = NULL;
	int r, existed, user_modified = 0;
	long prev;

	r = get_model(im->ddb, key->provider_name, key->model_name, &old, &im->kept[KEPT_GET]);
	if (r && r != T3_ENEG)
		return r;
	existed = !r;
	if (existed) {
		if ((prev = seen_line(im, old.model_id)) != 0) {
			model_release(&old);
			if (prev < 0)
				return T3_EDATA;
			return t3_error(T3_EDATA, "%s: duplicate model '%s/%s' (also on line %ld)",
					what, key->provider_name, key->model_name, prev);
		}
		model_copy(&m, &old);
	} else {
		model_init(&m);
		m.provider_name = xstrdup(key->provider_name);
		m.model_name = xstrdup(key->model_name);
	}
	if ((r = ops->apply(rec, &m, what, &user_modified, &aliases)) ||
	    (r = models_check(&m, what)))
		goto done;
	if (existed && !user_modified && catalog_fields_differ(&old, &m))
		m.user_modified = 1;
	if (existed)
		r = update_model(im->ddb, &m, &im->kept[KEPT_UPDATE]);
	else
		r = insert_model(im->ddb, &m, &im->kept[KEPT_INSERT]);
	if (r || (r = mark_seen(im, m.model_id, lineno)))
		goto done;
	if (aliases && (r = aliases_replace(im->ddb, &m, aliases, what)))
		goto done;
	if (existed)
		im->updated++;
	else
		im->added++;
done:
	free(aliases);
	if (existed)
		model_release(&old);
	model_release(&m);
	return r;
}

/* Import the record on line lineno. */
static int import_record(struct models_import *im, long lineno, const struct import_ops *ops,
			 void *rec)
{
	struct model key;
	char what[48];
	int r;

	snprintf(what, sizeof what, "line %ld", lineno);
	memset(&key, 0, sizeof key);
	if (!(r = ops->key(rec, &key, what)))
		r = import_model(im, &key, lineno, ops, rec, what);
	model_release(&key);
	return r;
}

static int apply_json(void *rec, struct model *m, const char *what, int *user_modified,
		      char **aliases)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)rec, key, v) {
		if (apply_skips(key))
			continue;
		if (!strcmp(key, "aliases")) {
			struct strbuf sb = STRBUF_INIT;
			size_t i;
			json_t *a;
			if (!json_is_array(v))
				return t3_error(T3_EUSAGE, "%s: field 'aliases' must be an array "
						"of strings", what);
			json_array_foreach(v, i, a) {
				if (!json_is_string(a) || strchr(json_string_value(a), ',')) {
					sb_release(&sb);
					return t3_error(T3_EUSAGE, "%s: field 'aliases' must be an "
							"array of alias names", what);
				}
				sb_addf(&sb, "%s%s", i ? "," : "", json_string_value(a));
			}
			*aliases = sb_detach(&sb, NULL);
			continue;
		}
		/* an unknown member is refused here */
		if (models_set_field_json(m, key, v, what))
			return T3_EUSAGE;
		if (!strcmp(key, "user_modified"))
			*user_modified = 1;
	}
	return 0;
}

static int key_field_json(json_t *obj, const char *name, struct model *key, const char *what)
{
	json_t *v = json_object_get(obj, name);
	if (!v)
		return t3_error(T3_EUSAGE, "%s: field '%s' is required", what, name);
	return models_set_field_json(key, name, v, what);
}

static int key_json(void *rec, struct model *key, const char *what)
{
	int r;
	if (!json_is_object((json_t *)rec))
		return t3_error(T3_EUSAGE, "%s: not a JSON object", what);
	if (!(r = key_field_json(rec, "provider_name", key, what)))
		r = key_field_json(rec, "model_name", key, what);
	return r;
}

int models_import_json(struct models_import *im, json_t *obj, long lineno)
{
	static const struct import_ops ops = { key_json, apply_json };
	return import_record(im, lineno, &ops, obj);
}

/* TSV: a header line naming the columns, then records. */
static int tsv_header(char *line, char ***cols, int *ncols, const char *what)
{
	char *p = line, *c;
	int have_p = 0, have_m = 0;

	*cols = NULL;
	*ncols = 0;
	while ((c = strsep(&p, "\t"))) {
		if (!field_by_name(c) && strcmp(c, "aliases") && !is_ignored_member(c))
			return t3_error(T3_EUSAGE, "%s: unknown field '%s'", what, c);
		for (int i = 0; i < *ncols; i++)
			if (!strcmp((*cols)[i], c))
				return t3_error(T3_EUSAGE, "%s: field '%s' appears twice", what, c);
		have_p |= !strcmp(c, "provider_name");
		have_m |= !strcmp(c, "model_name");
		*cols = xrealloc(*cols, (size_t)(*ncols + 1) * sizeof **cols);
		(*cols)[(*ncols)++] = xstrdup(c);
	}
	if (!have_p || !have_m)
		return t3_error(T3_EUSAGE, "%s: the header needs the fields 'provider_name' and "
				"'model_name'", what);
	return 0;
}

/* Split a record into exactly ncols values (pointers into line). */
static int tsv_split(char *line, char **vals, int ncols, const char *what)
{
	char *p = line;
	int n = 0;
	while (p) {
		char *v = strsep(&p, "\t");
		if (n < ncols)
			vals[n] = v;
		n++;
	}
	if (n != ncols)
		return t3_error(T3_EUSAGE, "%s: %d fields, the header has %d", what, n, ncols);
	return 0;
}

/* A TSV record: line split into vals under the header cols. */
struct tsv_rec {
	char **cols, **vals;
	int ncols;
	char *line;
};

static int apply_tsv(void *rec, struct model *m, const char *what, int *user_modified,
		     char **aliases)
{
	struct tsv_rec *t = rec;
	for (int i = 0; i < t->ncols; i++) {
		const char *c = t->cols[i];
		if (apply_skips(c))
			continue;
		if (!strcmp(c, "aliases")) {
			*aliases = xstrdup(t->vals[i]);
			continue;
		}
		if (models_set_field(m, c, t->vals[i], 0, what))
			return T3_EUSAGE;
		if (!strcmp(c, "user_modified"))
			*user_modified = 1;
	}
	return 0;
}

static int key_tsv(void *rec, struct model *key, const char *what)
{
	struct tsv_rec *t = rec;
	if (tsv_split(t->line, t->vals, t->ncols, what))
		return T3_EUSAGE;
	for (int i = 0; i < t->ncols; i++)
		if ((!strcmp(t->cols[i], "provider_name") || !strcmp(t->cols[i], "model_name")) &&
		    models_set_field(key, t->cols[i], t->vals[i], 0, what))
			return T3_EUSAGE;
	if (!key->provider_name || !key->model_name)
		return t3_error(T3_EUSAGE, "%s: field '%s' is required", what,
				key->provider_name ? "model_name" : "provider_name");
	return 0;
}

int models_import_tsv(struct models_import *im, char *line, long lineno)
{
	static const struct import_ops ops = { key_tsv, apply_tsv };
	struct tsv_rec t = { im->cols, NULL, im->ncols, line };
	int r;

	if (!im->cols) {
		char what[48];
		snprintf(what, sizeof what, "line %ld", lineno);
		return tsv_header(line, &im->cols, &im->ncols, what);
	}
	t.vals = xcalloc((size_t)im->ncols, sizeof *t.vals);
	r = import_record(im, lineno, &ops, &t);
	free(t.vals);
	return r;
}

int models_import_end(struct models_import *im)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	if (!im->replace)
		return db_exec(im->ddb, "DELETE FROM temp.t3_import_seen");
	if (db_prepare(im->ddb, &st, SELECT_MODEL "WHERE m.model_id NOT IN "
		       "(SELECT model_id FROM temp.t3_import_seen) ORDER BY m.provider_name, "
		       "m.model_name"))
		return T3_EDATA;
	while (!r && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct model m;
		int64_t refs;
		model_from_row(st, &m);
		refs = im->force ? 0 : models_references(im->ddb, &m);
		if (refs < 0)
			r = T3_EDATA;
		else if (refs)
			r = t3_error(T3_EDATA, "model '%s/%s' is not in the input but %lld chat "
				     "message%s or usage row%s name it (use --force)",
				     m.provider_name, m.model_name, (long long)refs,
				     refs == 1 ? "" : "s", refs == 1 ? "" : "s");
		else if (!(r = models_delete(im->ddb, &m)))
			im->removed++;
		model_release(&m);
	}
	if (!r && rc != SQLITE_DONE)
		r = db_error(im->ddb, "read models");
	sqlite3_finalize(st);
	return r ? r : db_exec(im->ddb, "DELETE FROM temp.t3_import_seen");
}

/* ---- the shipped catalog ---- */

struct catalog {
	char *version;
	struct model *models;
	int n;
	char **aliases;   /* pairs: alias, provider/model */
	int naliases;
};

static void catalog_release(struct catalog *c)
{
	for (int i = 0; i < c->n; i++)
		model_release(&c->models[i]);
	for (int i = 0; i < 2 * c->naliases; i++)
		free(c->aliases[i]);
	free(c->models);
	free(c->aliases);
	free(c->version);
	memset(c, 0, sizeof *c);
}

static int catalog_load(struct catalog *c)
{
	char *text = xstrdup(schema_catalog), *p = text, *line;
	char **cols = NULL, **vals;
	struct model *m;
	int ncols = 0, r = 0;
	long lineno = 0;
	char what[64];

	memset(c, 0, sizeof *c);
	while (!r && (line = strsep(&p, "\n"))) {
		lineno++;
		snprintf(what, sizeof what, "built-in catalog line %ld", lineno);
		if (!*line && !p)
			break;
		if (line[0] == '#') {
			char *v = strstr(line, "\tversion=");
			if (v && !c->version)
				c->version = xstrdup(v + 9);
			if (!strncmp(line, "# alias\t", 8)) {
				char *a = line + 8, *t = strchr(a, '\t');
				if (!t) {
					r = t3_error(T3_EDATA, "%s: malformed alias", what);
					break;
				}
				*t = '\0';
				c->aliases = xrealloc(c->aliases, (size_t)(c->naliases + 1) * 2 *
						      sizeof *c->aliases);
				c->aliases[2 * c->naliases] = xstrdup(a);
				c->aliases[2 * c->naliases + 1] = xstrdup(t + 1);
				c->naliases++;
			}
			continue;
		}
		if (!cols) {
			if (tsv_header(line, &cols, &ncols, what))
				r = T3_EDATA;
			continue;
		}
		vals = xcalloc((size_t)ncols, sizeof *vals);
		c->models = xrealloc(c->models, (size_t)(c->n + 1) * sizeof *c->models);
		m = &c->models[c->n++];
		model_init(m);
		if (tsv_split(line, vals, ncols, what))
			r = T3_EDATA;
		for (int i = 0; !r && i < ncols; i++)
			if (strcmp(cols[i], "aliases") && models_set_field(m, cols[i], vals[i], 0, what))
				r = T3_EDATA;
		free(vals);
		if (!r && models_check(m, what))
			r = T3_EDATA;
		free(m->origin);
		m->origin = xstrdup("catalog");
	}
	for (int i = 0; i < ncols; i++)
		free(cols[i]);
	free(cols);
	free(text);
	if (!r && !c->version)
		r = t3_error(T3_EDATA, "built-in catalog: no version line");
	for (int i = 0; !r && i < c->n; i++) {
		free(c->models[i].catalog_version);
		c->models[i].catalog_version = xstrdup(c->version);
	}
	if (r)
		catalog_release(c);
	return r;
}

/* 1 if an alias line's target (PROVIDER/MODEL) is m */
static int target_is(const char *target, const struct model *m)
{
	size_t np = strlen(m->provider_name);
	return !strncmp(target, m->provider_name, np) && target[np] == '/' &&
	       !strcmp(target + np + 1, m->model_name);
}

int models_catalog_each(int (*fn)(void *ctx, const struct model *m),
			int (*alias_fn)(void *ctx, const char *alias, const struct model *m),
			void *ctx)
{
	struct catalog c;
	int r = 0;

	if (catalog_load(&c))
		return T3_EDATA;
	for (int i = 0; i < c.n; i++) {
		struct model *m = &c.models[i];
		struct strbuf al = STRBUF_INIT;
		int dup = 0;
		for (int k = 0; k < c.n; k++)
			dup |= k != i && !strcmp(c.models[k].model_name, m->model_name);
		m->name = dup ? xasprintf("%s/%s", m->provider_name, m->model_name) :
				xstrdup(m->model_name);
		/* the catalog lists its aliases sorted */
		for (int a = 0; a < c.naliases; a++)
			if (target_is(c.aliases[2 * a + 1], m))
				sb_addf(&al, "%s%s", al.len ? "," : "", c.aliases[2 * a]);
		m->aliases = sb_detach(&al, NULL);
	}
	for (int i = 0; !r && fn && i < c.n; i++)
		r = fn(ctx, &c.models[i]);
	for (int a = 0; !r && alias_fn && a < c.naliases; a++) {
		for (int i = 0; i < c.n; i++)
			if (target_is(c.aliases[2 * a + 1], &c.models[i])) {
				r = alias_fn(ctx, c.aliases[2 * a], &c.models[i]);
				break;
			}
	}
	catalog_release(&c);
	return r;
}

const char *models_catalog_version(void)
{
	static char version[64];
	if (!version[0]) {
		const char *v = strstr(schema_catalog, "\tversion=");
		size_t n = v ? strcspn(v + 9, "\n") : 0;
		snprintf(version, sizeof version, "%.*s", (int)n, v ? v + 9 : "");
	}
	return version;
}

static int meta_set_version(struct db *ddb, const char *version)
{
	return db_exec_text(ddb, "INSERT INTO t3_meta (key, value) VALUES ('catalog_version', ?1) "
			  "ON CONFLICT (key) DO UPDATE SET value = excluded.value", version, NULL);
}

char *models_recorded_version(struct db *ddb)
{
	sqlite3_stmt *st;
	char *v = NULL;
	if (db_prepare(ddb, &st, "SELECT value FROM t3_meta WHERE key = 'catalog_version'"))
		return NULL;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = xstrdup(db_col_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

/* Find the model an alias line of the catalog names (PROVIDER/MODEL). */
static int catalog_alias_model(struct db *ddb, const char *target, struct model *m)
{
	const char *slash = strchr(target, '/');
	char *prov;
	int r;
	if (!slash)
		return T3_ENEG;
	prov = xstrndup(target, (size_t)(slash - target));
	r = models_get(ddb, prov, slash + 1, m);
	free(prov);
	return r;
}

int models_catalog_hook(struct db *ddb)
{
	struct catalog c;
	int r = 0;

	if (catalog_load(&c))
		return T3_EDATA;
	for (int i = 0; !r && i < c.n; i++)
		r = models_insert(ddb, &c.models[i]);
	for (int i = 0; !r && i < c.naliases; i++) {
		struct model m;
		if ((r = catalog_alias_model(ddb, c.aliases[2 * i + 1], &m))) {
			if (r == T3_ENEG)
				r = t3_error(T3_EDATA, "built-in catalog: alias '%s' names no model "
					     "'%s'", c.aliases[2 * i], c.aliases[2 * i + 1]);
			break;
		}
		r = models_alias_set(ddb, c.aliases[2 * i], &m, 0);
		model_release(&m);
	}
	if (!r)
		r = meta_set_version(ddb, c.version);
	catalog_release(&c);
	return r;
}

/* ---- sync ---- */

const char *models_sync_action_name(enum models_sync_action a)
{
	switch (a) {
	case MODELS_SYNC_ADD: return "add";
	case MODELS_SYNC_UPDATE: return "update";
	case MODELS_SYNC_KEEP: return "keep";
	case MODELS_SYNC_ALIAS: return "alias";
	}
	return "?";
}

static int field_equal(const struct model *a, const struct model *b, const struct mfield *f)
{
	if (is_text(f->type)) {
		const char *x = *CP(a, f, char *), *y = *CP(b, f, char *);
		return x == y || (x && y && !strcmp(x, y));
	}
	if (f->type == FT_BOOL)
		return *CP(a, f, int) == *CP(b, f, int);
	if (f->type == FT_COUNT)
		return *CP(a, f, int64_t) == *CP(b, f, int64_t);
	return *CP(a, f, double) == *CP(b, f, double) ||
	       (*CP(a, f, double) < 0 && *CP(b, f, double) < 0);
}

static int catalog_fields_differ(const struct model *a, const struct model *b)
{
	for (int i = 0; i < NF; i++)
		if ((fields[i].flags & F_CATALOG) && !field_equal(a, b, &fields[i]))
			return 1;
	return 0;
}

static json_t *catalog_changes(const struct model *cur, const struct model *shipped)
{
	json_t *o = json_object();
	for (int i = 0; i < NF; i++) {
		const struct mfield *f = &fields[i];
		if ((f->flags & F_CATALOG) && !field_equal(cur, shipped, f))
			json_object_set_new(o, f->name, json_pack("[oo]", field_json(cur, f),
								      field_json(shipped, f)));
	}
	return o;
}

static void copy_catalog_fields(struct model *dst, const struct model *src)
{
	for (int i = 0; i < NF; i++) {
		const struct mfield *f = &fields[i];
		if (!(f->flags & F_CATALOG))
			continue;
		if (is_text(f->type)) {
			free(*P(dst, f, char *));
			*P(dst, f, char *) = dup_or_null(*CP(src, f, char *));
		} else if (f->type == FT_BOOL) {
			*P(dst, f, int) = *CP(src, f, int);
		} else if (f->type == FT_COUNT) {
			*P(dst, f, int64_t) = *CP(src, f, int64_t);
		} else {
			*P(dst, f, double) = *CP(src, f, double);
		}
	}
}

/* Compare dotted versions numerically, part by part. */
static int version_cmp(const char *a, const char *b)
{
	while (*a || *b) {
		char *ea, *eb;
		unsigned long x = strtoul(a, &ea, 10), y = strtoul(b, &eb, 10);
		if (ea == a || eb == b)
			return strcmp(a, b);
		if (x != y)
			return x < y ? -1 : 1;
		a = *ea == '.' ? ea + 1 : ea;
		b = *eb == '.' ? eb + 1 : eb;
		if ((*ea && *ea != '.') || (*eb && *eb != '.'))
			return strcmp(a, b);
	}
	return 0;
}

int models_sync(struct db *ddb, int force, int dry_run, int *skipped,
		void (*fn)(void *ctx, const struct models_sync_report *r), void *ctx)
{
	struct catalog c;
	char *recorded;
	int r = 0;

	*skipped = 0;
	if (catalog_load(&c))
		return T3_EDATA;
	if ((r = db_begin(ddb))) {
		catalog_release(&c);
		return r;
	}
	recorded = models_recorded_version(ddb);
	if (!force && recorded && version_cmp(c.version, recorded) <= 0) {
		*skipped = 1;
		goto done;
	}
	for (int i = 0; !r && i < c.n; i++) {
		struct model *s = &c.models[i], cur;
		struct models_sync_report rep = { 0 };
		rep.provider_name = s->provider_name;
		rep.model_name = s->model_name;
		r = models_get(ddb, s->provider_name, s->model_name, &cur);
		if (r == T3_ENEG) {
			struct model add;
			model_copy(&add, s);
			if (!(r = models_insert(ddb, &add))) {
				rep.action = MODELS_SYNC_ADD;
				rep.changes = json_object();
				fn(ctx, &rep);
				json_decref(rep.changes);
			}
			model_release(&add);
			continue;
		}
		if (r)
			break;
		if (catalog_fields_differ(&cur, s)) {
			rep.changes = catalog_changes(&cur, s);
			if (strcmp(cur.origin, "catalog")) {
				rep.action = MODELS_SYNC_KEEP;
				rep.reason = "added by the user";
			} else if (cur.user_modified) {
				rep.action = MODELS_SYNC_KEEP;
				rep.reason = "changed by the user";
			} else {
				copy_catalog_fields(&cur, s);
				free(cur.catalog_version);
				cur.catalog_version = xstrdup(c.version);
				r = models_update(ddb, &cur);
				rep.action = MODELS_SYNC_UPDATE;
			}
			if (!r)
				fn(ctx, &rep);
			json_decref(rep.changes);
		}
		model_release(&cur);
	}
	for (int i = 0; !r && i < c.naliases; i++) {
		struct models_sync_report rep = { MODELS_SYNC_ALIAS, NULL, NULL, NULL, NULL };
		struct model m;
		int k = models_alias_exists(ddb, c.aliases[2 * i]);
		if (!k)
			k = name_is_model(ddb, c.aliases[2 * i]);
		if (k < 0) {
			r = T3_EDATA;
			break;
		}
		if (k)
			continue;  /* taken: the user's choice stands */
		if (catalog_alias_model(ddb, c.aliases[2 * i + 1], &m))
			continue;
		/* free, as just checked: no need for models_alias_set's queries */
		if (!(r = models_alias_check(c.aliases[2 * i], NULL)) &&
		    !(r = alias_write(ddb, c.aliases[2 * i], &m))) {
			rep.provider_name = m.provider_name;
			rep.model_name = m.model_name;
			rep.reason = c.aliases[2 * i];
			rep.changes = json_object();
			fn(ctx, &rep);
			json_decref(rep.changes);
		}
		model_release(&m);
	}
	if (!r)
		r = meta_set_version(ddb, c.version);
done:
	free(recorded);
	catalog_release(&c);
	if (r || dry_run || *skipped) {
		db_rollback(ddb);
		return r;
	}
	return db_commit(ddb);
}

/* ---- prices ---- */

double models_cost_usd(const struct model *m, long prompt, long completion, long reasoning,
		       long cached)
{
	double in = m->input_usd_per_1k, out = m->output_usd_per_1k;
	double rp = m->reasoning_usd_per_1k >= 0 ? m->reasoning_usd_per_1k : out;
	double cp = m->cached_usd_per_1k >= 0 ? m->cached_usd_per_1k : in;
	if (prompt < 0)
		prompt = 0;
	if (completion < 0)
		completion = 0;
	if (reasoning < 0)
		reasoning = 0;
	if (cached < 0)
		cached = 0;
	if (cached > prompt)
		cached = prompt;
	if (reasoning > completion)
		reasoning = completion;
	return ((double)(prompt - cached) * in + (double)cached * cp +
		(double)(completion - reasoning) * out + (double)reasoning * rp) / 1000;
}

double models_blended_cost(const struct model *m, long tokens)
{
	return tokens > 0 ? (double)tokens * m->usd_per_1k_tokens / 1000 : 0;
}

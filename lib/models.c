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
#include "models-impl.h"

const struct mfield models_fields[] = {
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
const int models_nfields = (int)(sizeof models_fields / sizeof models_fields[0]);

/* Members of the list record that are derived; accepted and ignored on
 * import so that `list --jsonl` output can be imported. */
const char *const models_ignored_members[] = { "name", "model_id", "deprecated", NULL };

int mx_is_text(enum ftype t)
{
	return t != FT_BOOL && t != FT_COUNT && t != FT_PRICE;
}

const struct mfield *mx_field_by_name(const char *name)
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
		if (mx_is_text(fields[i].type))
			free(*P(m, &fields[i], char *));
	free(m->name);
	free(m->aliases);
	memset(m, 0, sizeof *m);
}

char *mx_dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void model_copy(struct model *dst, const struct model *src)
{
	*dst = *src;
	for (int i = 0; i < NF; i++)
		if (mx_is_text(fields[i].type))
			*P(dst, &fields[i], char *) = mx_dup_or_null(*CP(src, &fields[i], char *));
	dst->name = mx_dup_or_null(src->name);
	dst->aliases = mx_dup_or_null(src->aliases);
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
		if (mx_is_text(f->type)) {
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
	const struct mfield *f = mx_field_by_name(field);
	if (!f)
		return t3_error(T3_EUSAGE, "%s%sunknown field '%s'", what ? what : "",
				what && *what ? ": " : "", field);
	return field_parse(m, f, value, nullword, what);
}

int models_set_field_json(struct model *m, const char *field, json_t *v, const char *what)
{
	const struct mfield *f = mx_field_by_name(field);
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

void mx_model_from_row(sqlite3_stmt *st, struct model *m)
{
	memset(m, 0, sizeof *m);
	snprintf(m->model_id, sizeof m->model_id, "%s", db_col_text(st, 0));
	for (int i = 0; i < NF; i++) {
		const struct mfield *f = &fields[i];
		int null = sqlite3_column_type(st, i + 1) == SQLITE_NULL;
		if (mx_is_text(f->type))
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
		if (mx_is_text(f->type))
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
int mx_stmt_open(struct db *ddb, sqlite3_stmt **keep, sqlite3_stmt **st, const char *sql)
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
void mx_stmt_close(sqlite3_stmt *st, sqlite3_stmt **keep)
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
	if (mx_stmt_open(ddb, keep, &st, sql))
		return -1;
	db_bind_text(st, 1, a);
	if (b)
		db_bind_text(st, 2, b);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (out && n < max)
			mx_model_from_row(st, &out[n]);
		n++;
	}
	mx_stmt_close(st, keep);
	if (rc != SQLITE_DONE) {
		for (int i = 0; out && i < n && i < max; i++)
			model_release(&out[i]);
		db_error(ddb, "read models");
		return -1;
	}
	return n;
}

int mx_get_model(struct db *ddb, const char *provider, const char *model,
		     struct model *out, sqlite3_stmt **keep)
{
	int n = select_models(ddb, SELECT_MODEL "WHERE m.provider_name = ?1 AND m.model_name = ?2",
			      provider, model, out, 1, keep);
	return n < 0 ? T3_EDATA : n ? 0 : T3_ENEG;
}

int models_get(struct db *ddb, const char *provider, const char *model, struct model *out)
{
	return mx_get_model(ddb, provider, model, out, NULL);
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
	if (mx_stmt_open(ddb, keep, &st, sql))
		return T3_EDATA;
	bind_model(st, m);
	if (sqlite3_step(st) != SQLITE_DONE)
		r = write_error(ddb, m);
	mx_stmt_close(st, keep);
	return r;
}

int mx_insert_model(struct db *ddb, struct model *m, sqlite3_stmt **keep)
{
	if (!m->model_id[0])
		uuid_v7(m->model_id);
	return write_model(ddb, m, "INSERT INTO model_capabilities (model_id, " COLS ") VALUES "
			   "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
			   "?16, ?17, ?18, ?19, ?20, ?21, ?22)", keep);
}

int mx_update_model(struct db *ddb, struct model *m, sqlite3_stmt **keep)
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
	return mx_insert_model(ddb, m, NULL);
}

int models_update(struct db *ddb, struct model *m)
{
	return mx_update_model(ddb, m, NULL);
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

struct model_rows {
	int (*fn)(void *ctx, const struct model *m);
	int (*alias_fn)(void *ctx, const char *alias, const struct model *m);
	void *ctx;
};

/* A row of SELECT_COLS, followed by an alias for alias_fn. */
static int model_row(void *p, sqlite3_stmt *st)
{
	struct model_rows *mr = p;
	struct model m;
	char *alias = mr->alias_fn ? xstrdup(db_col_text(st, NF + 3)) : NULL;
	int r;
	mx_model_from_row(st, &m);
	r = alias ? mr->alias_fn(mr->ctx, alias, &m) : mr->fn(mr->ctx, &m);
	model_release(&m);
	free(alias);
	return r;
}

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

	if (db_prepare(ddb, &st, sql[f->sort]))
		return T3_EDATA;
	today_utc(today);
	sqlite3_bind_int(st, 1, f->all);
	db_bind_text(st, 2, today);
	db_bind_text(st, 3, f->provider);
	sqlite3_bind_int(st, 4, (int)f->caps);
	sqlite3_bind_double(st, 5, f->max_price);
	return db_each_row(ddb, st, model_row, &(struct model_rows){ fn, NULL, ctx },
			   "list models");
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

int mx_name_is_model(struct db *ddb, const char *name)
{
	return db_exists(ddb, "SELECT 1 FROM model_capabilities WHERE model_name = ?1 "
			 "OR provider_name || '/' || model_name = ?1 LIMIT 1", name, "read models");
}

/* Point alias at m, with no questions asked. */
int mx_alias_write(struct db *ddb, const char *alias, const struct model *m)
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
	if ((k = mx_name_is_model(ddb, alias)) < 0)
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
		r = mx_alias_write(ddb, alias, m);
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
	if (db_prepare(ddb, &st, "SELECT " SELECT_COLS ", al.alias FROM model_aliases al "
		       "JOIN model_capabilities m ON m.model_id = al.model_id ORDER BY al.alias"))
		return T3_EDATA;
	return db_each_row(ddb, st, model_row, &(struct model_rows){ NULL, fn, ctx },
			   "list aliases");
}

/* Make the model's aliases exactly the comma-separated list. */
int mx_aliases_replace(struct db *ddb, const struct model *m, const char *list,
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

/* models-catalog.c: the catalog shipped inside the programs, loading it
 * into a new data.db, and sync. */
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
			if (mx_tsv_header(line, &cols, &ncols, what))
				r = T3_EDATA;
			continue;
		}
		vals = xcalloc((size_t)ncols, sizeof *vals);
		c->models = xrealloc(c->models, (size_t)(c->n + 1) * sizeof *c->models);
		m = &c->models[c->n++];
		model_init(m);
		if (mx_tsv_split(line, vals, ncols, what))
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

int models_catalog_load_new(struct db *ddb)
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
	case MODELS_SYNC_SKIP: return "skip";
	}
	return "?";
}

static int field_equal(const struct model *a, const struct model *b, const struct mfield *f)
{
	if (mx_is_text(f->type)) {
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

int mx_catalog_fields_differ(const struct model *a, const struct model *b)
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
			json_object_set_new(o, f->name, json_pack("[oo]", mx_field_json(cur, f),
								      mx_field_json(shipped, f)));
	}
	return o;
}

static void copy_catalog_fields(struct model *dst, const struct model *src)
{
	for (int i = 0; i < NF; i++) {
		const struct mfield *f = &fields[i];
		if (!(f->flags & F_CATALOG))
			continue;
		if (mx_is_text(f->type)) {
			free(*P(dst, f, char *));
			*P(dst, f, char *) = mx_dup_or_null(*CP(src, f, char *));
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
		if (mx_catalog_fields_differ(&cur, s)) {
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
			k = mx_name_is_model(ddb, c.aliases[2 * i]);
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
		    !(r = mx_alias_write(ddb, c.aliases[2 * i], &m))) {
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

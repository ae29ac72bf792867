/* models-io.c: model records as JSON and TSV, and import. */
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

/* ---- records ---- */

json_t *mx_field_json(const struct model *m, const struct mfield *f)
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
		/* no id yet: a model of the shipped catalog not in a database */
		json_object_set_new(o, "model_id", m->model_id[0] ? json_string(m->model_id) :
				    json_null());
	for (int i = 0; i < NF; i++)
		json_object_set_new(o, fields[i].name, mx_field_json(m, &fields[i]));
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
	if (mx_stmt_open(im->ddb, keep, &st, "SELECT line FROM temp.t3_import_seen WHERE model_id = ?1"))
		return -1;
	db_bind_text(st, 1, model_id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		line = sqlite3_column_int(st, 0);
	mx_stmt_close(st, keep);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(im->ddb, "read models"), -1;
	return line;
}

static int mark_seen(struct models_import *im, const char *model_id, long lineno)
{
	sqlite3_stmt *st, **keep = &im->kept[KEPT_MARK];
	int r;
	if (mx_stmt_open(im->ddb, keep, &st, "INSERT INTO temp.t3_import_seen (model_id, line) "
		      "VALUES (?1, ?2)"))
		return T3_EDATA;
	db_bind_text(st, 1, model_id);
	sqlite3_bind_int64(st, 2, lineno);
	r = db_step_done(im->ddb, st);
	mx_stmt_close(st, keep);
	return r;
}


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

	r = mx_get_model(im->ddb, key->provider_name, key->model_name, &old, &im->kept[KEPT_GET]);
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
	if (existed && !user_modified && mx_catalog_fields_differ(&old, &m))
		m.user_modified = 1;
	if (existed)
		r = mx_update_model(im->ddb, &m, &im->kept[KEPT_UPDATE]);
	else
		r = mx_insert_model(im->ddb, &m, &im->kept[KEPT_INSERT]);
	if (r || (r = mark_seen(im, m.model_id, lineno)))
		goto done;
	if (aliases && (r = mx_aliases_replace(im->ddb, &m, aliases, what)))
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
int mx_tsv_header(char *line, char ***cols, int *ncols, const char *what)
{
	char *p = line, *c;
	int have_p = 0, have_m = 0;

	*cols = NULL;
	*ncols = 0;
	while ((c = strsep(&p, "\t"))) {
		if (!mx_field_by_name(c) && strcmp(c, "aliases") && !is_ignored_member(c))
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
int mx_tsv_split(char *line, char **vals, int ncols, const char *what)
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
	if (mx_tsv_split(t->line, t->vals, t->ncols, what))
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
		return mx_tsv_header(line, &im->cols, &im->ncols, what);
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
		mx_model_from_row(st, &m);
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

/* models-impl.h: what the lib/models*.c files share and nobody else
 * sees: the column table of model_capabilities and the helpers over it.
 * models.c: fields, validation, rows, lookup, writes, listing, aliases,
 * prices; models-io.c: JSON/TSV records and import; models-catalog.c:
 * the shipped catalog and sync. */
#ifndef T3_MODELS_IMPL_H
#define T3_MODELS_IMPL_H

#include <stddef.h>

#include "models.h"

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

#define OFF(x) offsetof(struct model, x)
extern const struct mfield models_fields[];
extern const int models_nfields;
#define fields models_fields
#define NF models_nfields
/* Members of the list record that import accepts and ignores. */
extern const char *const models_ignored_members[];
#define ignored_members models_ignored_members

/* Helpers shared by the three files (mx_: models, internal). */
int mx_is_text(enum ftype t);
const struct mfield *mx_field_by_name(const char *name);
char *mx_dup_or_null(const char *s);
void mx_model_from_row(sqlite3_stmt *st, struct model *m);
int mx_stmt_open(struct db *ddb, sqlite3_stmt **keep, sqlite3_stmt **st, const char *sql);
void mx_stmt_close(sqlite3_stmt *st, sqlite3_stmt **keep);
int mx_get_model(struct db *ddb, const char *provider, const char *model, struct model *out, sqlite3_stmt **keep);
int mx_insert_model(struct db *ddb, struct model *m, sqlite3_stmt **keep);
int mx_update_model(struct db *ddb, struct model *m, sqlite3_stmt **keep);
int mx_name_is_model(struct db *ddb, const char *name);
int mx_alias_write(struct db *ddb, const char *alias, const struct model *m);
int mx_aliases_replace(struct db *ddb, const struct model *m, const char *list, const char *what);
json_t *mx_field_json(const struct model *m, const struct mfield *f);
int mx_tsv_header(char *line, char ***cols, int *ncols, const char *what);
int mx_tsv_split(char *line, char **vals, int ncols, const char *what);
int mx_catalog_fields_differ(const struct model *a, const struct model *b);

#endif

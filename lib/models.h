/* models.h: the model catalog in data.db (model_capabilities and
 * model_aliases): the shipped catalog, lookup by name, validation,
 * import/export records, sync, and pricing. See t3-models(1). */
#ifndef T3_MODELS_H
#define T3_MODELS_H

#include <jansson.h>
#include <stdint.h>

#include "buf.h"
#include "db.h"
#include "uuid.h"

/* One row of model_capabilities. Nullable numbers use a sentinel:
 * max_output_tokens 0 and prices < 0 stand for SQL NULL. */
struct model {
	char model_id[UUID_STRLEN + 1];
	char *provider_name;         /* openai, anthropic, ollama, ... */
	char *model_name;            /* the id the provider's API expects */
	char *api;                   /* openai, anthropic, gemini, echo */
	int is_active;
	int64_t max_token_limit;     /* context window, tokens */
	int64_t max_output_tokens;   /* 0: unknown */
	double input_usd_per_1k;
	double output_usd_per_1k;
	double reasoning_usd_per_1k; /* < 0: none, billed as output */
	double cached_usd_per_1k;    /* < 0: none, billed as input */
	double usd_per_1k_tokens;    /* derived: (3 * input + output) / 4 */
	int supports_images;
	int supports_pdfs;
	int multimodal_input;
	int reasoning_enabled;
	int supports_tools;
	char *deprecation_date;      /* YYYY-MM-DD or NULL */
	char *replacement;           /* a model name or NULL */
	char *origin;                /* "catalog" (shipped) or "user" */
	int user_modified;           /* sync leaves the row alone */
	char *catalog_version;       /* catalog that last wrote the row */
	/* derived on read, not columns: */
	char *name;                  /* what `list -q` prints: model_name, or
					provider/model_name when ambiguous */
	char *aliases;               /* comma-separated, sorted; "" if none */
};

#define MODELS_PRICE_NONE (-1.0)
/* The largest price accepted, USD per 1k tokens ($1M per 1M tokens): more
 * is a typo, and 1e308 would make the blended price infinite. */
#define MODELS_PRICE_MAX 1000.0
/* The largest context or output size accepted, tokens. */
#define MODELS_COUNT_MAX INT64_C(1000000000000)

/* A new model with the defaults of `t3-models add`: active, prices 0,
 * origin "user". */
void model_init(struct model *m);
void model_release(struct model *m);
void model_copy(struct model *dst, const struct model *src);

/* 1 if the model's deprecation_date is today (UTC) or earlier. */
int models_is_deprecated(const struct model *m);

/* Set one field by its column name from text, validated. nullword
 * allows "none" (as well as "") to mean NULL (command-line options).
 * Errors print "WHAT field 'NAME' ..." and return T3_EUSAGE. */
int models_set_field(struct model *m, const char *field, const char *value,
		     int nullword, const char *what);
/* The same from a JSON value (types checked). */
int models_set_field_json(struct model *m, const char *field, json_t *v, const char *what);
/* Check the fields that have no default (api, max_token_limit, names). */
int models_check(const struct model *m, const char *what);

/* Lookup without policy: exact model_name, then provider/model_name,
 * then alias. Unknown or ambiguous names print one line naming up to 5
 * close candidates and return T3_EUSAGE. */
int models_find(struct db *ddb, const char *name, struct model *out);
/* models_find, then refuse (T3_EPOLICY, naming the replacement when
 * known) a disabled or deprecated model. For t3-chat -m. */
int models_resolve(struct db *ddb, const char *name, struct model *out);
/* Just the policy half of models_resolve. */
int models_check_policy(const struct model *m);
/* Find by provider and model name: 0, T3_ENEG (nothing printed), T3_EDATA. */
int models_get(struct db *ddb, const char *provider, const char *model, struct model *out);

/* Writes; call inside db_begin/db_commit. Insert fills model_id.
 * A duplicate provider/model_name is T3_EDATA with a message. */
int models_insert(struct db *ddb, struct model *m);
int models_update(struct db *ddb, struct model *m);
int models_delete(struct db *ddb, const struct model *m);
/* Chat messages and usage rows that name the model (by model_name or
 * provider/model_name); -1 on error. */
int64_t models_references(struct db *ddb, const struct model *m);

/* Listing. */
enum models_sort { MODELS_SORT_NAME, MODELS_SORT_PRICE, MODELS_SORT_CONTEXT };
#define MODELS_CAP_IMAGES     0x01
#define MODELS_CAP_PDFS       0x02
#define MODELS_CAP_MULTIMODAL 0x04
#define MODELS_CAP_REASONING  0x08
#define MODELS_CAP_TOOLS      0x10
struct models_filter {
	int all;                 /* include disabled and deprecated models */
	const char *provider;    /* NULL: any */
	unsigned caps;           /* MODELS_CAP_*: all of them required */
	double max_price;        /* < 0: none; else usd_per_1k_tokens <= it */
	enum models_sort sort;
};
/* Capability name (images, pdfs, ...) to its bit; 0 if unknown. */
unsigned models_cap_parse(const char *name);
/* 1 if any model has this provider, 0 if none, -1 on error. */
int models_provider_exists(struct db *ddb, const char *provider);
int models_each(struct db *ddb, const struct models_filter *f,
		int (*fn)(void *ctx, const struct model *m), void *ctx);

/* JSON: the export record (every column but model_id, then "aliases").
 * with_id adds "model_id" first and "deprecated" after catalog_version:
 * the list/show record. (The display name, m->name, is for tables and
 * -q only: in JSON provider_name and model_name say it.) */
json_t *models_to_json(const struct model *m, int with_id);
/* One TSV line (no newline) / the header, in export column order. */
void models_tsv_header(struct strbuf *sb);
void models_to_tsv(const struct model *m, struct strbuf *sb);

/* Import. A record is one JSON object or one TSV line under a header.
 * Fields absent from a record keep the current value (existing model)
 * or the default (new model); see t3-models(1). */
struct models_import {
	struct db *ddb;
	int replace;             /* drop models absent from the input */
	int force;               /* ... even when chats or usage name them */
	int is_tsv;
	char **cols;             /* TSV header */
	int ncols;
	long added, updated, removed;
	sqlite3_stmt *kept[5];   /* private: statements reused from record to record */
};
int models_import_begin(struct models_import *im, struct db *ddb);
int models_import_json(struct models_import *im, json_t *obj, long lineno);
/* line without its newline; the first one is the header. */
int models_import_tsv(struct models_import *im, char *line, long lineno);
int models_import_end(struct models_import *im);
/* Free the header and finalize the kept statements; before db_close. */
void models_import_release(struct models_import *im);

/* Aliases. alias_set refuses (T3_EDATA) a name that is a model name or an
 * alias of another model unless force. */
int models_alias_check(const char *alias, const char *what);
int models_alias_set(struct db *ddb, const char *alias, const struct model *m, int force);
/* 1 if the alias exists, 0 if not, -1 on error. */
int models_alias_exists(struct db *ddb, const char *alias);
/* 0, or T3_ENEG (message printed) when there is no such alias. */
int models_alias_remove(struct db *ddb, const char *alias);
int models_aliases_each(struct db *ddb,
			int (*fn)(void *ctx, const char *alias, const struct model *m),
			void *ctx);

/* The shipped catalog (share/models.tsv compiled in). */
const char *models_catalog_version(void);
/* Its models and aliases without any database, as a new data.db would
 * hold them (name and aliases filled in): fn for each model, then
 * alias_fn for each alias (either may be NULL); a non-zero return stops. */
int models_catalog_each(int (*fn)(void *ctx, const struct model *m),
			int (*alias_fn)(void *ctx, const char *alias, const struct model *m),
			void *ctx);
/* Load the catalog and its aliases into a new data.db and record
 * catalog_version in t3_meta: db.c's step after data.db's first migration,
 * inside the transaction that creates it. */
int models_catalog_load_new(struct db *ddb);
/* The catalog_version recorded in t3_meta (malloc'd) or NULL. */
char *models_recorded_version(struct db *ddb);

/* sync: one report per model it adds, updates, or keeps because the user
 * changed it. changes is a JSON object {field: [old, new]} (borrowed). */
enum models_sync_action { MODELS_SYNC_ADD, MODELS_SYNC_UPDATE, MODELS_SYNC_KEEP,
			  MODELS_SYNC_ALIAS,
			  /* sync --provider: a listed model not added (reason) */
			  MODELS_SYNC_SKIP };
#define MODELS_SYNC_NACTIONS 5
struct models_sync_report {
	enum models_sync_action action;
	const char *provider_name, *model_name;
	const char *reason;      /* keep: why; alias: the alias name */
	json_t *changes;
};
const char *models_sync_action_name(enum models_sync_action a);
/* Runs in its own transaction (rolled back with dry_run). *skipped is set
 * when the recorded version is not older and !force. */
int models_sync(struct db *ddb, int force, int dry_run, int *skipped,
		void (*fn)(void *ctx, const struct models_sync_report *r), void *ctx);

/* Prices. prompt_tokens includes cached_tokens, billed at the cached
 * price (input if none); completion_tokens includes reasoning_tokens
 * (OpenAI's accounting), billed at the reasoning price (output if none).
 * Counts that exceed their total are capped at it; negatives count 0. */
double models_cost_usd(const struct model *m, long prompt_tokens, long completion_tokens,
		       long reasoning_tokens, long cached_tokens);
/* tokens * usd_per_1k_tokens / 1000: for usage rows with no split. */
double models_blended_cost(const struct model *m, long tokens);
/* The blended price from input and output prices. */
double models_blend(double input_usd_per_1k, double output_usd_per_1k);

#endif

/* t3-models: the model catalog (model_capabilities, model_aliases) in
 * data.db. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "common.h"
#include "models.h"
#include "num.h"

enum {
	OPT_ALL = OPT_COMMON_END, OPT_PROVIDER, OPT_SUPPORTS, OPT_MAX_PRICE, OPT_SORT,
	OPT_API, OPT_CONTEXT, OPT_MAX_OUTPUT, OPT_INPUT_PRICE, OPT_OUTPUT_PRICE,
	OPT_REASONING_PRICE, OPT_CACHED_PRICE, OPT_IMAGES, OPT_NO_IMAGES, OPT_PDFS,
	OPT_NO_PDFS, OPT_MULTIMODAL, OPT_NO_MULTIMODAL, OPT_REASONING, OPT_NO_REASONING,
	OPT_TOOLS, OPT_NO_TOOLS, OPT_DEPRECATION_DATE, OPT_REPLACEMENT, OPT_ENABLED,
	OPT_DISABLED, OPT_FORCE, OPT_FORMAT, OPT_REPLACE, OPT_DRY_RUN, OPT_SHIPPED, OPT_LAST
};

static const char *const opt_names[] = {
	[OPT_ALL - OPT_COMMON_END] = "--all", "--provider", "--supports", "--max-price",
	"--sort", "--api", "--context", "--max-output", "--input-price", "--output-price",
	"--reasoning-price", "--cached-price", "--images", "--no-images", "--pdfs",
	"--no-pdfs", "--multimodal", "--no-multimodal", "--reasoning", "--no-reasoning",
	"--tools", "--no-tools", "--deprecation-date", "--replacement", "--enabled",
	"--disabled", "--force", "--format", "--replace", "--dry-run", "--shipped"
};

#define BIT(o) (1ull << ((o) - OPT_COMMON_END))

/* add/set options: each sets one column; flags carry their value. */
static const struct {
	int opt;
	const char *field, *value;
} field_opts[] = {
	{ OPT_API, "api", NULL }, { OPT_CONTEXT, "max_token_limit", NULL },
	{ OPT_MAX_OUTPUT, "max_output_tokens", NULL },
	{ OPT_INPUT_PRICE, "input_usd_per_1k", NULL },
	{ OPT_OUTPUT_PRICE, "output_usd_per_1k", NULL },
	{ OPT_REASONING_PRICE, "reasoning_usd_per_1k", NULL },
	{ OPT_CACHED_PRICE, "cached_usd_per_1k", NULL },
	{ OPT_IMAGES, "supports_images", "1" }, { OPT_NO_IMAGES, "supports_images", "0" },
	{ OPT_PDFS, "supports_pdfs", "1" }, { OPT_NO_PDFS, "supports_pdfs", "0" },
	{ OPT_MULTIMODAL, "multimodal_input", "1" }, { OPT_NO_MULTIMODAL, "multimodal_input", "0" },
	{ OPT_REASONING, "reasoning_enabled", "1" }, { OPT_NO_REASONING, "reasoning_enabled", "0" },
	{ OPT_TOOLS, "supports_tools", "1" }, { OPT_NO_TOOLS, "supports_tools", "0" },
	{ OPT_DEPRECATION_DATE, "deprecation_date", NULL },
	{ OPT_REPLACEMENT, "replacement", NULL },
	{ OPT_ENABLED, "is_active", "1" }, { OPT_DISABLED, "is_active", "0" },
};
#define NFIELD_OPTS (sizeof field_opts / sizeof field_opts[0])
#define FIELD_BITS (BIT(OPT_API) | BIT(OPT_CONTEXT) | BIT(OPT_MAX_OUTPUT) | \
	BIT(OPT_INPUT_PRICE) | BIT(OPT_OUTPUT_PRICE) | BIT(OPT_REASONING_PRICE) | \
	BIT(OPT_CACHED_PRICE) | BIT(OPT_IMAGES) | BIT(OPT_NO_IMAGES) | BIT(OPT_PDFS) | \
	BIT(OPT_NO_PDFS) | BIT(OPT_MULTIMODAL) | BIT(OPT_NO_MULTIMODAL) | BIT(OPT_REASONING) | \
	BIT(OPT_NO_REASONING) | BIT(OPT_TOOLS) | BIT(OPT_NO_TOOLS) | \
	BIT(OPT_DEPRECATION_DATE) | BIT(OPT_REPLACEMENT) | BIT(OPT_ENABLED) | BIT(OPT_DISABLED))

static struct {
	struct common c;
	unsigned long long seen;
	const char *arg[OPT_LAST - OPT_COMMON_END];
	unsigned caps;
} o;

#define ARG(opt) (o.arg[(opt) - OPT_COMMON_END])

/* Refuse options the command does not take. */
static int only(const char *cmd, unsigned long long allowed)
{
	return common_only(cmd, o.seen, allowed, opt_names, OPT_LAST - OPT_COMMON_END);
}

#define NCOLS(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* The table: a summary in 80 columns, prices per million tokens as
 * providers quote them (a name longer than its column stands on a line of
 * its own). Other formats: every member of the record. */
#define NAME_WIDTH 25
static const struct out_col table_cols[] = {
	{ "name", NULL, NAME_WIDTH }, { "provider_name", "PROVIDER" },
	{ "max_token_limit", "CONTEXT" }, { "in_1m", "IN/1M" }, { "out_1m", "OUT/1M" },
	{ "caps", NULL }, { "status", NULL },
};
static const char caps_key[] = "caps: I images, P pdfs, M multimodal, R reasoning, T tools; "
			       "USD per 1M tokens\n";
/* -q: the name t3-chat -m takes */
static const struct out_col name_cols[] = { { "name", NULL } };
static const struct out_col record_cols[] = {
	{ "model_id", NULL }, { "provider_name", NULL }, { "model_name", NULL },
	{ "api", NULL }, { "is_active", NULL }, { "max_token_limit", NULL },
	{ "max_output_tokens", NULL }, { "input_usd_per_1k", NULL },
	{ "output_usd_per_1k", NULL }, { "reasoning_usd_per_1k", NULL },
	{ "cached_usd_per_1k", NULL }, { "usd_per_1k_tokens", NULL },
	{ "supports_images", NULL }, { "supports_pdfs", NULL }, { "multimodal_input", NULL },
	{ "reasoning_enabled", NULL }, { "supports_tools", NULL }, { "deprecation_date", NULL },
	{ "replacement", NULL }, { "origin", NULL }, { "user_modified", NULL },
	{ "catalog_version", NULL }, { "deprecated", NULL }, { "aliases", NULL },
};

static const char *status_of(const struct model *m)
{
	return models_is_deprecated(m) ? "deprecated" : m->is_active ? "active" : "disabled";
}

/* Capabilities as letters, like ls -l: I images, P pdfs, M multimodal,
 * R reasoning, T tools. */
static json_t *caps_of(const struct model *m)
{
	char s[6] = "-----";
	if (m->supports_images)
		s[0] = 'I';
	if (m->supports_pdfs)
		s[1] = 'P';
	if (m->multimodal_input)
		s[2] = 'M';
	if (m->reasoning_enabled)
		s[3] = 'R';
	if (m->supports_tools)
		s[4] = 'T';
	return json_string(s);
}

static json_t *row_of(const struct model *m, int single)
{
	json_t *row = models_to_json(m, 1);
	if (o.c.fmt == OUT_TABLE && !single) {
		json_object_set_new(row, "in_1m", json_real(m->input_usd_per_1k * 1000));
		json_object_set_new(row, "out_1m", json_real(m->output_usd_per_1k * 1000));
		json_object_set_new(row, "caps", caps_of(m));
		json_object_set_new(row, "status", json_string(status_of(m)));
	}
	if (o.c.fmt == OUT_TABLE || o.c.fmt == OUT_IDS)
		json_object_set_new(row, "name", json_string(m->name ? m->name : m->model_name));
	if (o.c.fmt == OUT_TABLE || o.c.fmt == OUT_TSV || o.c.fmt == OUT_CSV)
		json_object_set_new(row, "aliases", json_string(m->aliases));
	return row;
}

/* single: one record as a table of key/value lines (JSON stays an array:
 * show and list can name several records) */
static void out_model_begin(struct out *out, int single)
{
	if (o.c.fmt == OUT_TABLE && !single)
		out_begin(out, o.c.fmt, table_cols, NCOLS(table_cols), 0);
	else if (o.c.fmt == OUT_IDS)
		out_begin(out, o.c.fmt, name_cols, 1, 0);
	else
		out_begin(out, o.c.fmt, record_cols, NCOLS(record_cols),
			  single && o.c.fmt == OUT_TABLE);
}

static void out_model_end(struct out *out, int single)
{
	out_end(out);
	if (o.c.fmt == OUT_TABLE && !single && out->nrows)
		fputs(caps_key, stdout);
}

/* One model: the record in the output format chosen, else (and with -q)
 * its name. */
static void print_model(const struct model *m)
{
	struct out out;
	if (o.c.fmt_set && o.c.fmt != OUT_IDS) {
		/* one result: a JSON object */
		out_begin(&out, o.c.fmt, record_cols, NCOLS(record_cols), 1);
		out_row_new(&out, row_of(m, 1));
		out_end(&out);
	} else {
		printf("%s\n", m->name);
	}
}

static int list_one(void *ctx, const struct model *m)
{
	out_row_new(ctx, row_of(m, 0));
	return 0;
}

static int parse_usd(const char *s, const char *opt, double *out)
{
	int k = num_parse_double(s, 0, MODELS_PRICE_MAX, out);
	if (k == NUM_RANGE)
		return t3_error(T3_EUSAGE, "%s '%s' is more than 1000 (USD per 1k tokens)", opt, s);
	if (k)
		return t3_error(T3_EUSAGE, "%s '%s' is not a non-negative number", opt, s);
	return 0;
}

/* list --shipped: the catalog compiled in, with no database (shell
 * completion on a fresh install) */
static int list_shipped_one(void *ctx, const struct model *m)
{
	if (!(o.seen & BIT(OPT_ALL)) && (!m->is_active || models_is_deprecated(m)))
		return 0;
	return list_one(ctx, m);
}

static int list_shipped(void)
{
	struct out out;
	int r;
	out_model_begin(&out, 0);
	r = models_catalog_each(list_shipped_one, NULL, &out);
	out_model_end(&out, 0);
	return r;
}

static int cmd_list(int argc, char **argv)
{
	struct models_filter f = { 0 };
	struct out out;
	int r;

	if (o.seen & BIT(OPT_SHIPPED))
		return (r = only("list", BIT(OPT_ALL) | BIT(OPT_SHIPPED))) ||
		       (r = common_nargs("list", argc, 0, 0)) ? r : list_shipped();

	if ((r = only("list", BIT(OPT_ALL) | BIT(OPT_PROVIDER) | BIT(OPT_SUPPORTS) |
		      BIT(OPT_MAX_PRICE) | BIT(OPT_SORT))) || (r = common_nargs("list", argc, 0, 0)))
		return r;
	f.all = !!(o.seen & BIT(OPT_ALL));
	f.provider = ARG(OPT_PROVIDER);
	f.caps = o.caps;
	f.max_price = -1;
	if (ARG(OPT_MAX_PRICE) && (r = parse_usd(ARG(OPT_MAX_PRICE), "--max-price", &f.max_price)))
		return r;
	if (ARG(OPT_SORT)) {
		if (!strcmp(ARG(OPT_SORT), "name"))
			f.sort = MODELS_SORT_NAME;
		else if (!strcmp(ARG(OPT_SORT), "price"))
			f.sort = MODELS_SORT_PRICE;
		else if (!strcmp(ARG(OPT_SORT), "context"))
			f.sort = MODELS_SORT_CONTEXT;
		else
			return t3_error(T3_EUSAGE, "--sort '%s' must be name, price or context",
					ARG(OPT_SORT));
	}
	if ((r = common_open_data(&o.c)))
		return r;
	if (f.provider) {
		int k = models_provider_exists(&o.c.ddb, f.provider);
		if (k < 0)
			return T3_EDATA;
		if (!k)
			return t3_error(T3_EUSAGE, "unknown provider '%s'", f.provider);
	}
	out_model_begin(&out, 0);
	r = models_each(&o.c.ddb, &f, list_one, &out);
	out_model_end(&out, 0);
	return r;
}

static int cmd_show(int argc, char **argv)
{
	struct out out;
	struct model *ms;
	int r = 0, n;

	if ((r = only("show", 0)) || (r = common_nargs("show", argc, 1, -1)) ||
	    (r = common_open_data(&o.c)))
		return r;
	/* every name found before anything is written: an unknown name is a
	 * usage error, and a usage error writes nothing on stdout */
	ms = xcalloc((size_t)argc, sizeof *ms);
	for (n = 0; n < argc && !(r = models_find(&o.c.ddb, argv[n], &ms[n])); n++)
		;
	if (!r) {
		out_model_begin(&out, argc == 1);
		for (int i = 0; i < argc; i++)
			out_row_new(&out, row_of(&ms[i], argc == 1));
		out_model_end(&out, argc == 1);
	}
	for (int i = 0; i <= n && i < argc; i++)
		model_release(&ms[i]);
	free(ms);
	return r;
}

static int cmd_resolve(int argc, char **argv)
{
	struct model m;
	int r;

	if ((r = only("resolve", 0)) || (r = common_nargs("resolve", argc, 1, 1)) ||
	    (r = common_open_data(&o.c)) || (r = models_resolve(&o.c.ddb, argv[0], &m)))
		return r;
	print_model(&m);
	model_release(&m);
	return 0;
}

/* Apply the add/set options to m. */
static int apply_field_opts(struct model *m)
{
	for (size_t i = 0; i < NFIELD_OPTS; i++) {
		int opt = field_opts[i].opt;
		if (!(o.seen & BIT(opt)))
			continue;
		for (size_t k = i + 1; k < NFIELD_OPTS; k++)
			if ((o.seen & BIT(field_opts[k].opt)) &&
			    !strcmp(field_opts[k].field, field_opts[i].field))
				return common_bad_usage("choose one of '%s' and '%s'",
						 opt_names[opt - OPT_COMMON_END],
						 opt_names[field_opts[k].opt - OPT_COMMON_END]);
		if (models_set_field(m, field_opts[i].field,
				     field_opts[i].value ? field_opts[i].value : ARG(opt), 1, NULL))
			return T3_EUSAGE;
	}
	return 0;
}

/* Read back and print a model just written: its name may now need the
 * provider to tell it from another. */
static int print_model_stored(const char *provider, const char *model)
{
	struct model m;
	int r = models_get(&o.c.ddb, provider, model, &m);
	if (r)
		return r == T3_ENEG ? t3_error(T3_EDATA, "model '%s/%s' vanished", provider, model) : r;
	print_model(&m);
	model_release(&m);
	return 0;
}

/* A model named like an alias would hide the alias. */
static int alias_clash(const char *name)
{
	int k = models_alias_exists(&o.c.ddb, name);
	if (k < 0)
		return T3_EDATA;
	if (k)
		return t3_error(T3_EDATA, "name '%s' is already an alias (see 't3-models unalias')",
				name);
	return 0;
}

static int cmd_add(int argc, char **argv)
{
	struct model m;
	int r;

	if ((r = only("add", FIELD_BITS)) || (r = common_nargs("add", argc, 2, 2)))
		return r;
	if (!(o.seen & BIT(OPT_API)) || !(o.seen & BIT(OPT_CONTEXT)))
		return common_bad_usage("'add' needs --api and --context");
	model_init(&m);
	if ((r = models_set_field(&m, "provider_name", argv[0], 0, NULL)) ||
	    (r = models_set_field(&m, "model_name", argv[1], 0, NULL)) ||
	    (r = apply_field_opts(&m)) || (r = models_check(&m, NULL)) ||
	    (r = common_open_data(&o.c)) || (r = db_begin(&o.c.ddb)))
		goto done;
	if ((r = alias_clash(m.model_name)) || (r = models_insert(&o.c.ddb, &m)) ||
	    (r = db_commit(&o.c.ddb))) {
		db_rollback(&o.c.ddb);
		goto done;
	}
	r = print_model_stored(m.provider_name, m.model_name);
done:
	model_release(&m);
	return r;
}

static int cmd_set(int argc, char **argv)
{
	struct model m;
	int r;

	if ((r = only("set", FIELD_BITS)) || (r = common_nargs("set", argc, 1, 1)))
		return r;
	if (!(o.seen & FIELD_BITS))
		return common_bad_usage("'set' needs at least one field option (see --help)");
	if ((r = common_open_data(&o.c)) || (r = db_begin(&o.c.ddb)))
		return r;
	if ((r = models_find(&o.c.ddb, argv[0], &m)))
		goto fail;
	if ((r = apply_field_opts(&m)))
		goto fail_m;
	m.user_modified = 1;
	if ((r = models_update(&o.c.ddb, &m)) || (r = db_commit(&o.c.ddb)))
		goto fail_m;
	/* set changes no name, so m as read and written is what is stored */
	if (o.c.fmt_set)
		print_model(&m);
	model_release(&m);
	return 0;
fail_m:
	model_release(&m);
fail:
	db_rollback(&o.c.ddb);
	return r;
}

/* Run fn on each MODEL argument inside one transaction: all or nothing. */
static int each_model(int argc, char **argv, int (*fn)(struct model *m))
{
	int r;
	if ((r = common_open_data(&o.c)) || (r = db_begin(&o.c.ddb)))
		return r;
	for (int i = 0; i < argc && !r; i++) {
		struct model m;
		if (!(r = models_find(&o.c.ddb, argv[i], &m)))
			r = fn(&m);
		model_release(&m);
	}
	if (r || (r = db_commit(&o.c.ddb)))
		db_rollback(&o.c.ddb);
	return r;
}

static int enable_one(struct model *m)
{
	m->is_active = 1;
	return models_update(&o.c.ddb, m);
}

static int disable_one(struct model *m)
{
	m->is_active = 0;
	return models_update(&o.c.ddb, m);
}

static int cmd_enable(int argc, char **argv)
{
	int r;
	if ((r = only("enable", 0)) || (r = common_nargs("enable", argc, 1, -1)))
		return r;
	return each_model(argc, argv, enable_one);
}

static int cmd_disable(int argc, char **argv)
{
	int r;
	if ((r = only("disable", 0)) || (r = common_nargs("disable", argc, 1, -1)))
		return r;
	return each_model(argc, argv, disable_one);
}

static int rm_one(struct model *m)
{
	int64_t refs = (o.seen & BIT(OPT_FORCE)) ? 0 : models_references(&o.c.ddb, m);
	if (refs < 0)
		return T3_EDATA;
	if (refs)
		return t3_error(T3_EDATA, "model '%s' is named by %lld chat message%s or usage "
				"row%s (use --force to remove it anyway)", m->name,
				(long long)refs, refs == 1 ? "" : "s", refs == 1 ? "" : "s");
	return models_delete(&o.c.ddb, m);
}

static int cmd_rm(int argc, char **argv)
{
	int r;
	if ((r = only("rm", BIT(OPT_FORCE))) || (r = common_nargs("rm", argc, 1, -1)))
		return r;
	return each_model(argc, argv, rm_one);
}

static int format_of(int *tsv)
{
	const char *f = ARG(OPT_FORMAT);
	*tsv = -1;
	if (!f)
		return 0;
	if (!strcmp(f, "tsv"))
		*tsv = 1;
	else if (!strcmp(f, "json"))
		*tsv = 0;
	else
		return t3_error(T3_EUSAGE, "--format '%s' must be json or tsv", f);
	return 0;
}

static int export_one(void *ctx, const struct model *m)
{
	struct strbuf *sb = ctx;
	if (sb) {
		sb_reset(sb);
		models_to_tsv(m, sb);
		sb_addc(sb, '\n');
		fwrite(sb->buf, 1, sb->len, stdout);
	} else {
		json_t *row = models_to_json(m, 0);
		json_dumpf(row, stdout, OUT_JSON_FLAGS);
		putchar('\n');
		json_decref(row);
	}
	out_check_pipe(stdout);
	return 0;
}

static int cmd_export(int argc, char **argv)
{
	struct models_filter f = { 0 };
	struct strbuf sb = STRBUF_INIT;
	int r, tsv;

	if ((r = only("export", BIT(OPT_FORMAT))) || (r = common_nargs("export", argc, 0, 0)) ||
	    (r = format_of(&tsv)))
		return r;
	if (o.c.fmt_set)
		return common_bad_usage("'export' writes --format json or tsv; it takes no output option");
	if ((r = common_open_data(&o.c)))
		return r;
	f.all = 1;
	f.max_price = -1;
	if (tsv == 1) {
		models_tsv_header(&sb);
		printf("# t3-models export\n%s\n", sb.buf);
	}
	r = models_each(&o.c.ddb, &f, export_one, tsv == 1 ? &sb : NULL);
	sb_release(&sb);
	return r;
}

static int cmd_import(int argc, char **argv)
{
	FILE *fp = stdin;
	struct strbuf line = STRBUF_INIT;
	struct models_import im;
	long lineno = 0;
	int r, tsv;

	if ((r = only("import", BIT(OPT_FORMAT) | BIT(OPT_REPLACE) | BIT(OPT_FORCE))) ||
	    (r = common_nargs("import", argc, 0, 1)) || (r = format_of(&tsv)))
		return r;
	if ((o.seen & BIT(OPT_FORCE)) && !(o.seen & BIT(OPT_REPLACE)))
		return common_bad_usage("--force goes with --replace");
	if (argc && strcmp(argv[0], "-") && !(fp = fopen(argv[0], "r")))
		return t3_error(T3_EUSAGE, "cannot open '%s': %s", argv[0], strerror(errno));
	if ((r = common_open_data(&o.c)) || (r = db_begin(&o.c.ddb)))
		goto done;
	if ((r = models_import_begin(&im, &o.c.ddb))) {
		db_rollback(&o.c.ddb);
		goto done;
	}
	im.replace = !!(o.seen & BIT(OPT_REPLACE));
	im.force = !!(o.seen & BIT(OPT_FORCE));
	/* all or nothing: the first bad line rolls everything back */
	while (sb_getline(&line, fp) != EOF) {
		json_error_t jerr;
		json_t *obj;

		lineno++;
		if (line.len && line.buf[line.len - 1] == '\r')
			line.buf[--line.len] = '\0';
		if (strspn(line.buf, " \t") == line.len || line.buf[0] == '#')
			continue;
		if (tsv < 0)
			tsv = !strchr("{[", line.buf[strspn(line.buf, " \t")]);
		if (tsv) {
			if ((r = models_import_tsv(&im, line.buf, lineno)))
				break;
			continue;
		}
		if (!(obj = json_loadb(line.buf, line.len, JSON_REJECT_DUPLICATES, &jerr))) {
			r = t3_error(T3_EUSAGE, "line %ld: invalid JSON: %s", lineno, jerr.text);
			break;
		}
		r = models_import_json(&im, obj, lineno);
		json_decref(obj);
		if (r)
			break;
	}
	if (!r && ferror(fp))
		r = t3_error(T3_EUSAGE, "read error on input");
	if (!r)
		r = models_import_end(&im);
	if (r)
		db_rollback(&o.c.ddb);
	else if (!(r = db_commit(&o.c.ddb)))
		t3_note("imported %ld model%s: %ld added, %ld updated, %ld removed",
			im.added + im.updated, im.added + im.updated == 1 ? "" : "s",
			im.added, im.updated, im.removed);
	models_import_release(&im);
done:
	sb_release(&line);
	if (fp != stdin)
		fclose(fp);
	return r;
}

static int cmd_alias(int argc, char **argv)
{
	struct model m;
	int r;

	if ((r = only("alias", BIT(OPT_FORCE))) || (r = common_nargs("alias", argc, 2, 2)) ||
	    (r = models_alias_check(argv[0], NULL)) || (r = common_open_data(&o.c)) ||
	    (r = db_begin(&o.c.ddb)))
		return r;
	if (!(r = models_find(&o.c.ddb, argv[1], &m))) {
		r = models_alias_set(&o.c.ddb, argv[0], &m, !!(o.seen & BIT(OPT_FORCE)));
		model_release(&m);
	}
	if (r || (r = db_commit(&o.c.ddb)))
		db_rollback(&o.c.ddb);
	return r;
}

static int cmd_unalias(int argc, char **argv)
{
	int r;
	if ((r = only("unalias", 0)) || (r = common_nargs("unalias", argc, 1, -1)) ||
	    (r = common_open_data(&o.c)) || (r = db_begin(&o.c.ddb)))
		return r;
	for (int i = 0; i < argc && !r; i++)
		r = models_alias_remove(&o.c.ddb, argv[i]);
	if (r || (r = db_commit(&o.c.ddb)))
		db_rollback(&o.c.ddb);
	return r;
}

static const struct out_col alias_cols[] = {
	{ "alias", NULL }, { "name", "MODEL" }, { "provider_name", "PROVIDER" },
	{ "model_name", NULL },
};
static const struct out_col alias_record_cols[] = {
	{ "alias", NULL }, { "provider_name", NULL }, { "model_name", NULL },
};

static int alias_row(void *ctx, const char *alias, const struct model *m)
{
	json_t *row = json_object();
	json_object_set_new(row, "alias", json_string(alias));
	if (o.c.fmt == OUT_TABLE)
		json_object_set_new(row, "name", json_string(m->name));
	json_object_set_new(row, "provider_name", json_string(m->provider_name));
	json_object_set_new(row, "model_name", json_string(m->model_name));
	out_row_new(ctx, row);
	return 0;
}

static int cmd_aliases(int argc, char **argv)
{
	struct out out;
	int r, shipped = !!(o.seen & BIT(OPT_SHIPPED));
	if ((r = only("aliases", BIT(OPT_SHIPPED))) || (r = common_nargs("aliases", argc, 0, 0)) ||
	    (!shipped && (r = common_open_data(&o.c))))
		return r;
	if (o.c.fmt == OUT_TABLE)
		out_begin(&out, o.c.fmt, alias_cols, NCOLS(alias_cols), 0);
	else
		out_begin(&out, o.c.fmt, alias_record_cols, NCOLS(alias_record_cols), 0);
	r = shipped ? models_catalog_each(NULL, alias_row, &out) :
		      models_aliases_each(&o.c.ddb, alias_row, &out);
	out_end(&out);
	return r;
}

static const struct out_col sync_cols[] = {
	{ "action", NULL }, { "provider_name", "PROVIDER" }, { "model_name", NULL },
	{ "alias", NULL }, { "reason", NULL }, { "changes", NULL },
};

struct sync_ctx {
	struct out out;
	long n[MODELS_SYNC_NACTIONS];
};

static void sync_report(void *ctx, const struct models_sync_report *rep)
{
	struct sync_ctx *s = ctx;
	int alias = rep->action == MODELS_SYNC_ALIAS;
	const char *field;
	json_t *v;

	s->n[rep->action]++;
	if (o.c.fmt_set) {
		json_t *row = json_object();
		json_object_set_new(row, "action", json_string(models_sync_action_name(rep->action)));
		json_object_set_new(row, "provider_name", json_string(rep->provider_name));
		json_object_set_new(row, "model_name", json_string(rep->model_name));
		json_object_set_new(row, "alias", alias ? json_string(rep->reason) : json_null());
		json_object_set_new(row, "reason", !alias && rep->reason ?
				    json_string(rep->reason) : json_null());
		json_object_set(row, "changes", rep->changes);
		out_row_new(&s->out, row);
		return;
	}
	if (alias) {
		t3_note("sync: alias %s -> %s/%s", rep->reason, rep->provider_name,
			rep->model_name);
		return;
	}
	/* one line, written safe by t3_note */
	struct strbuf line = STRBUF_INIT;
	int first = 1;
	sb_addf(&line, "sync: %s %s/%s", models_sync_action_name(rep->action),
		rep->provider_name, rep->model_name);
	if (rep->reason)
		sb_addf(&line, " (%s)", rep->reason);
	json_object_foreach(rep->changes, field, v) {
		struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
		out_scalar(&a, json_array_get(v, 0));
		out_scalar(&b, json_array_get(v, 1));
		sb_addf(&line, "%s %s %s -> %s", first ? ":" : ",", field,
			a.len ? a.buf : "none", b.len ? b.buf : "none");
		first = 0;
		sb_release(&a);
		sb_release(&b);
	}
	t3_note("%s", line.buf);
	sb_release(&line);
}

/* ---- sync --provider: what a server lists ---- */

/* t3-chat beside this program (an installed or a built tree), else on
 * PATH: it holds the network part (t3-models is not linked with
 * libcurl). */
static char *chat_path(void)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	char *slash, *p;

	if (n > 0) {
		self[n] = 0;
		if ((slash = strrchr(self, '/'))) {
			p = xasprintf("%.*s/t3-chat", (int)(slash - self), self);
			if (!access(p, X_OK))
				return p;
			free(p);
		}
	}
	return xstrdup("t3-chat");
}

/* `t3-chat --server-models PROVIDER --jsonl`: its records in *out (a
 * JSON array). Its errors are its own, on the stderr we share; its exit
 * status is returned. */
static int server_models(const char *provider, json_t **out)
{
	char *path = chat_path(), *argv[] = { path, "--server-models", (char *)provider,
					      "--jsonl", NULL };
	struct strbuf line = STRBUF_INIT;
	int fd[2], status, r = 0;
	long lineno = 0;
	pid_t pid;
	FILE *fp;

	*out = json_array();
	fflush(NULL);
	if (pipe(fd) || (pid = fork()) < 0) {
		free(path);
		return t3_error(T3_EDATA, "cannot run t3-chat: %s", strerror(errno));
	}
	if (!pid) {
		dup2(fd[1], STDOUT_FILENO);
		close(fd[0]);
		close(fd[1]);
		execvp(path, argv);
		t3_error(T3_EDATA, "cannot run t3-chat (%s): %s", path, strerror(errno));
		_exit(T3_EDATA);
	}
	close(fd[1]);
	fp = fdopen(fd[0], "r");
	while (!r && sb_getline(&line, fp) == 0) {
		json_t *rec = json_loadb(line.buf, line.len, 0, NULL);
		lineno++;
		if (!json_is_object(rec) || !json_is_string(json_object_get(rec, "model_name")))
			r = t3_error(T3_EPROV, "t3-chat --server-models: line %ld is not a model "
				     "record", lineno);
		json_array_append_new(*out, rec);
	}
	fclose(fp);   /* a child still writing gets EPIPE, and stops */
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	free(path);
	sb_release(&line);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status) ? WEXITSTATUS(status) : r;
}

/* One listed model against the catalog, inside the transaction. */
static int sync_one(struct sync_ctx *s, const char *provider, json_t *rec, int64_t dflt_ctx,
		    int force)
{
	const char *name = json_string_value(json_object_get(rec, "model_name"));
	json_t *ctxv = json_object_get(rec, "max_token_limit"), *changes = json_object();
	json_int_t ctx = json_is_integer(ctxv) ? json_integer_value(ctxv) : 0;
	int images = json_is_true(json_object_get(rec, "supports_images"));
	struct models_sync_report rep = { MODELS_SYNC_ADD, provider, name, NULL, changes };
	struct model m;
	int r;

	if (ctx <= 0)
		ctx = dflt_ctx;
	r = models_get(&o.c.ddb, provider, name, &m);
	if (r == T3_ENEG) {
		int k = models_alias_exists(&o.c.ddb, name);
		if (k < 0) {
			r = T3_EDATA;
			goto out;
		}
		r = 0;
		if (k || !ctx) {
			rep.action = MODELS_SYNC_SKIP;
			rep.reason = k ? "the name is an alias of another model" :
					 "the server does not say its context size: use --context N";
			sync_report(s, &rep);
			goto out;
		}
		model_init(&m);
		if ((r = models_set_field(&m, "provider_name", provider, 0, "server")) ||
		    (r = models_set_field(&m, "model_name", name, 0, "server")) ||
		    (r = models_set_field(&m, "api", "openai", 0, "server"))) {
			model_release(&m);
			goto out;
		}
		m.max_token_limit = ctx;
		m.supports_images = m.multimodal_input = images;
		if (!(r = models_check(&m, "server")) && !(r = models_insert(&o.c.ddb, &m))) {
			json_object_set_new(changes, "max_token_limit",
					    json_pack("[nI]", (json_int_t)ctx));
			if (images)
				json_object_set_new(changes, "supports_images", json_pack("[bb]", 0, 1));
			sync_report(s, &rep);
		}
		model_release(&m);
		goto out;
	}
	if (r)
		goto out;
	if (ctx && ctx != m.max_token_limit)
		json_object_set_new(changes, "max_token_limit",
				    json_pack("[II]", (json_int_t)m.max_token_limit, ctx));
	if (images && !m.supports_images)
		json_object_set_new(changes, "supports_images", json_pack("[bb]", 0, 1));
	if (json_object_size(changes)) {
		rep.action = force ? MODELS_SYNC_UPDATE : MODELS_SYNC_KEEP;
		rep.reason = force ? NULL : "in the catalog already; --force takes the server's figures";
		if (force) {
			if (ctx)
				m.max_token_limit = ctx;
			if (images)
				m.supports_images = m.multimodal_input = 1;
			/* asked for: a shipped sync leaves it alone */
			m.user_modified = 1;
			r = models_update(&o.c.ddb, &m);
		}
		if (!r)
			sync_report(s, &rep);
	}
	model_release(&m);
out:
	json_decref(changes);
	return r;
}

static int sync_server(struct sync_ctx *s, const char *provider, int64_t dflt_ctx, int force,
		       int dry)
{
	json_t *recs, *rec;
	size_t i;
	int r;

	/* the network first, then one short transaction */
	if ((r = server_models(provider, &recs)))
		goto out;
	if ((r = db_begin(&o.c.ddb)))
		goto out;
	json_array_foreach(recs, i, rec)
		if ((r = sync_one(s, provider, rec, dflt_ctx, force)))
			break;
	if (r || dry)
		db_rollback(&o.c.ddb);
	else
		r = db_commit(&o.c.ddb);
	if (!r)
		t3_note("%s: %zu model%s listed: %ld added, %ld updated, %ld kept, %ld skipped%s",
			provider, json_array_size(recs), json_array_size(recs) == 1 ? "" : "s",
			s->n[MODELS_SYNC_ADD], s->n[MODELS_SYNC_UPDATE], s->n[MODELS_SYNC_KEEP],
			s->n[MODELS_SYNC_SKIP], dry ? " (dry run: nothing written)" : "");
out:
	json_decref(recs);
	return r;
}

static int cmd_sync(int argc, char **argv)
{
	struct sync_ctx s;
	const char *provider = ARG(OPT_PROVIDER);
	int64_t dflt_ctx = 0;
	int r, skipped, dry = !!(o.seen & BIT(OPT_DRY_RUN)), force = !!(o.seen & BIT(OPT_FORCE));

	if ((r = only("sync", BIT(OPT_FORCE) | BIT(OPT_DRY_RUN) | BIT(OPT_PROVIDER) |
		      BIT(OPT_CONTEXT))) || (r = common_nargs("sync", argc, 0, 0)))
		return r;
	if (ARG(OPT_CONTEXT) && !provider)
		return common_bad_usage("--context goes with --provider");
	if (provider && !*provider)
		return common_bad_usage("the provider given to --provider is empty");
	if (ARG(OPT_CONTEXT) && num_parse_int64(ARG(OPT_CONTEXT), 1, MODELS_COUNT_MAX, &dflt_ctx))
		return common_bad_usage("--context needs a number of tokens, 1 or more: '%s'",
					ARG(OPT_CONTEXT));
	if ((r = common_open_data(&o.c)))
		return r;
	memset(&s, 0, sizeof s);
	if (o.c.fmt_set)
		out_begin(&s.out, o.c.fmt, sync_cols, NCOLS(sync_cols), 0);
	r = provider ? sync_server(&s, provider, dflt_ctx, force, dry) :
		       models_sync(&o.c.ddb, force, dry, &skipped, sync_report, &s);
	if (o.c.fmt_set)
		out_end(&s.out);
	if (r || provider)
		return r;
	if (r)
		return r;
	if (skipped)
		t3_note("catalog %s is already applied (use --force to re-apply it)",
			models_catalog_version());
	else
		t3_note("catalog %s: %ld added, %ld updated, %ld kept, %ld alias%s "
			"added%s", models_catalog_version(), s.n[MODELS_SYNC_ADD],
			s.n[MODELS_SYNC_UPDATE], s.n[MODELS_SYNC_KEEP], s.n[MODELS_SYNC_ALIAS],
			s.n[MODELS_SYNC_ALIAS] == 1 ? "" : "es", dry ? " (dry run: nothing written)" : "");
	return 0;
}

static const struct common_cmd cmds[] = {
	{ "list", cmd_list, "list [--all] [--provider P] [--supports CAP]... [--max-price USD]\n"
	  "     [--sort name|price|context]\n"
	  "list --shipped [--all]                the catalog built in; no database" },
	{ "show", cmd_show, "show MODEL..." },
	{ "resolve", cmd_resolve, "resolve MODEL                         as t3-chat -m does: exit 6 if\n"
	  "                                      disabled or deprecated" },
	{ "add", cmd_add, "add PROVIDER MODEL --api openai|anthropic|gemini|echo --context N [FIELDS]" },
	{ "set", cmd_set, "set MODEL FIELDS" },
	{ "enable", cmd_enable, "enable MODEL..." },
	{ "disable", cmd_disable, "disable MODEL..." },
	{ "rm", cmd_rm, "rm MODEL... [--force]" },
	{ "export", cmd_export, "export [--format json|tsv]            all models, NDJSON by default" },
	{ "import", cmd_import, "import [FILE] [--format json|tsv] [--replace [--force]]   all or nothing" },
	{ "alias", cmd_alias, "alias NAME MODEL [--force]" },
	{ "unalias", cmd_unalias, "unalias NAME..." },
	{ "aliases", cmd_aliases, "aliases [--shipped]" },
	{ "sync", cmd_sync, "sync [--force] [--dry-run]            apply the shipped catalog\n"
	  "sync --provider P [--context N] [--force] [--dry-run]\n"
	  "                                      add the models P's server lists" },
	{ "help", NULL, "help [COMMAND]" },
};
static const size_t ncmds = sizeof cmds / sizeof cmds[0];

static void usage(FILE *fp)
{
	fputs("usage: t3-models [--data-db PATH] COMMAND [ARGS]\n\n", fp);
	common_usage_commands(fp, cmds, ncmds);
	fputs("\n"
	      "CAP:    images pdfs multimodal reasoning tools\n"
	      "FIELDS: --api API --context N --max-output N|none\n"
	      "        --input-price USD --output-price USD --reasoning-price USD|none\n"
	      "        --cached-price USD|none        (USD per 1k tokens)\n"
	      "        --[no-]images --[no-]pdfs --[no-]multimodal --[no-]reasoning\n"
	      "        --[no-]tools\n"
	      "        --deprecation-date YYYY-MM-DD|none --replacement MODEL|none\n"
	      "        --enabled | --disabled\n"
	      "\n"
	      "output: --json, --jsonl, --tsv, --csv, -q|--quiet (names only); default a table\n"
	      "other:  -f is --force; --user-db PATH (not used); -h|--help, --version;\n"
	      "        'help COMMAND' or 'COMMAND --help' for one command\n"
	      "exit:   0 ok, 1 not found, 2 usage or unknown model, 3 local data or conflict,\n"
	      "        4 network, 5 server error (sync --provider), 6 model disabled or\n"
	      "        deprecated, 130 interrupted, 141 output closed\n", fp);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "all", no_argument, NULL, OPT_ALL },
		{ "provider", required_argument, NULL, OPT_PROVIDER },
		{ "supports", required_argument, NULL, OPT_SUPPORTS },
		{ "max-price", required_argument, NULL, OPT_MAX_PRICE },
		{ "sort", required_argument, NULL, OPT_SORT },
		{ "api", required_argument, NULL, OPT_API },
		{ "context", required_argument, NULL, OPT_CONTEXT },
		{ "max-output", required_argument, NULL, OPT_MAX_OUTPUT },
		{ "input-price", required_argument, NULL, OPT_INPUT_PRICE },
		{ "output-price", required_argument, NULL, OPT_OUTPUT_PRICE },
		{ "reasoning-price", required_argument, NULL, OPT_REASONING_PRICE },
		{ "cached-price", required_argument, NULL, OPT_CACHED_PRICE },
		{ "images", no_argument, NULL, OPT_IMAGES },
		{ "no-images", no_argument, NULL, OPT_NO_IMAGES },
		{ "pdfs", no_argument, NULL, OPT_PDFS },
		{ "no-pdfs", no_argument, NULL, OPT_NO_PDFS },
		{ "multimodal", no_argument, NULL, OPT_MULTIMODAL },
		{ "no-multimodal", no_argument, NULL, OPT_NO_MULTIMODAL },
		{ "reasoning", no_argument, NULL, OPT_REASONING },
		{ "no-reasoning", no_argument, NULL, OPT_NO_REASONING },
		{ "tools", no_argument, NULL, OPT_TOOLS },
		{ "no-tools", no_argument, NULL, OPT_NO_TOOLS },
		{ "deprecation-date", required_argument, NULL, OPT_DEPRECATION_DATE },
		{ "replacement", required_argument, NULL, OPT_REPLACEMENT },
		{ "enabled", no_argument, NULL, OPT_ENABLED },
		{ "disabled", no_argument, NULL, OPT_DISABLED },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "replace", no_argument, NULL, OPT_REPLACE },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "shipped", no_argument, NULL, OPT_SHIPPED },
		{ 0 }
	};
	static const char optstring[] = ":qfh";
	int opt;

	common_init(&o.c, "t3-models");
	o.c.defer_help = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
		if (common_option(&o.c, opt, optarg, usage))
			continue;
		switch (opt) {
		case 'f':
			opt = OPT_FORCE;
			break;
		case OPT_SUPPORTS: {
			unsigned cap = models_cap_parse(optarg);
			if (!cap)
				return common_exit(&o.c, t3_error(T3_EUSAGE, "unknown capability '%s' "
					"(images, pdfs, multimodal, reasoning, tools)", optarg));
			o.caps |= cap;
			break;
		}
		case ':':
		case '?':
			return common_exit(&o.c, common_getopt_error(opt, argv, optstring));
		}
		if (opt >= OPT_COMMON_END && opt < OPT_LAST) {
			if ((o.seen & BIT(opt)) && opt != OPT_SUPPORTS)
				return common_exit(&o.c, common_bad_usage("option '%s' given twice",
								   opt_names[opt - OPT_COMMON_END]));
			o.seen |= BIT(opt);
			ARG(opt) = optarg;
		}
	}
	return common_exit(&o.c, common_dispatch(&o.c, cmds, ncmds, argc - optind,
						  argv + optind, usage));
}

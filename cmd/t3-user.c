/* t3-user: account administration over user.db. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "chats.h"
#include "common.h"
#include "num.h"
#include "timeutil.h"
#include "usage.h"
#include "usage-days.h"
#include "plans.h"
#include "users.h"

enum {
	OPT_PLAN = OPT_COMMON_END, OPT_QUOTA, OPT_TIMEZONE, OPT_EMAIL,
	OPT_PASSWORD_STDIN, OPT_OAUTH, OPT_CLEAR, OPT_ADD, OPT_SET, OPT_REFILL,
	OPT_ALL, OPT_YES, OPT_REPAIR, OPT_DESCRIPTION, OPT_LAST,
	OPT_PASSWORD_ARGV	/* refused: see main */
};

static const char *const opt_names[] = {
	[OPT_PLAN - OPT_COMMON_END] = "--plan", "--quota", "--timezone", "--email",
	"--password-stdin", "--oauth", "--clear", "--add", "--set", "--refill",
	"--all", "--yes", "--repair", "--description"
};

#define BIT(o) (1ull << ((o) - OPT_COMMON_END))

static struct {
	struct common c;
	unsigned long long seen;
	const char *plan, *quota, *timezone, *email, *oauth, *add, *set, *description;
} o;

/* Refuse options the command does not take. */
static int only(const char *cmd, unsigned long long allowed)
{
	return common_only(cmd, o.seen, allowed, opt_names, OPT_LAST - OPT_COMMON_END);
}

static const struct out_col user_cols[] = {
	{ "user_id", "USER ID" }, { "email", NULL }, { "subscription_plan", "PLAN" },
	{ "token_quota", "QUOTA" }, { "timezone", NULL }, { "created_at", "CREATED" },
	{ "auth", NULL },
};
#define NCOLS(a) ((int)(sizeof(a) / sizeof((a)[0])))

static int not_found(const char *key)
{
	return t3_error(T3_ENEG, "user '%s' not found", key);
}

static int find(const char *key, struct user *u)
{
	int r = users_find(&o.c.udb, key, u);
	return r == T3_ENEG ? not_found(key) : r;
}

static int check_password_strength(const char *pw)
{
	size_t n = strlen(pw);
	if (n < 8)
		return t3_error(T3_EUSAGE, "password is too short (at least 8 characters)");
	if (n > 4096)
		return t3_error(T3_EUSAGE, "password is too long (at most 4096 bytes)");
	return 0;
}

/* The new hashed_password from --password-stdin, --oauth, --clear or a
 * prompt; NULL for --clear, and when nothing was asked for and nothing is
 * required (add without a tty). */
static int new_auth(const char *email, int required, char **out)
{
	char hash[USERS_HASH_MAX], prompt[512];
	char *pw;
	int code = 0, modes = !!(o.seen & BIT(OPT_PASSWORD_STDIN)) +
			      !!(o.seen & BIT(OPT_OAUTH)) + !!(o.seen & BIT(OPT_CLEAR));

	*out = NULL;
	if (modes > 1)
		return t3_error(T3_EUSAGE, "choose one of --password-stdin, --oauth and --clear");
	if (o.seen & BIT(OPT_CLEAR))
		return 0;
	if (o.seen & BIT(OPT_OAUTH)) {
		*out = xasprintf("oauth:%s", o.oauth);
		if (!users_auth_valid(*out)) {
			free(*out);
			*out = NULL;
			return t3_error(T3_EUSAGE, "--oauth '%s' is not PROVIDER:SUBJECT", o.oauth);
		}
		return 0;
	}
	if (!(o.seen & BIT(OPT_PASSWORD_STDIN)) && !isatty(STDIN_FILENO) && !required)
		return 0;
	snprintf(prompt, sizeof prompt, "Password for %s: ", email);
	pw = common_read_password(prompt, o.seen & BIT(OPT_PASSWORD_STDIN), 1, &code);
	if (!pw)
		return code;
	if (!(code = check_password_strength(pw)) && !(code = users_hash_password(pw, hash)))
		*out = xstrdup(hash);
	common_free_secret(pw);
	return code;
}

static void print_user(const struct user *u, int single)
{
	struct out out;
	out_begin(&out, o.c.fmt, user_cols, NCOLS(user_cols), single);
	out_row_new(&out, users_to_json(u, 0));
	out_end(&out);
}

static int cmd_add(int argc, char **argv)
{
	struct user u = { 0 };
	int r;
	int64_t allowance;

	if ((r = only("add", BIT(OPT_PLAN) | BIT(OPT_QUOTA) | BIT(OPT_TIMEZONE) |
		      BIT(OPT_PASSWORD_STDIN) | BIT(OPT_OAUTH))) ||
	    (r = common_nargs("add", argc, 1, 1)))
		return r;
	u.email = xstrdup(argv[0]);
	u.subscription_plan = xstrdup(o.plan ? o.plan : "free");
	u.timezone = xstrdup(o.timezone ? o.timezone : "UTC");
	if ((r = users_check_email(u.email)) || (r = users_check_timezone(u.timezone)) ||
	    (o.quota && (r = users_parse_count(o.quota, "quota", &u.token_quota))) ||
	    (r = common_open_user(&o.c)) ||
	    (r = plans_allowance(&o.c.udb, u.subscription_plan, &allowance)))
		goto done;
	if (!o.quota)
		u.token_quota = allowance;
	if ((r = new_auth(u.email, 0, &u.hashed_password)))
		goto done;
	if ((r = db_begin(&o.c.udb)))
		goto done;
	if ((r = users_insert(&o.c.udb, &u)) || (r = db_commit(&o.c.udb))) {
		db_rollback(&o.c.udb);
		goto done;
	}
	if (o.c.fmt_set && o.c.fmt != OUT_IDS)
		print_user(&u, 1);
	else
		printf("%s\n", u.user_id);
done:
	user_release(&u);
	return r;
}

static int list_one(void *ctx, const struct user *u)
{
	out_row_new(ctx, users_to_json(u, 0));
	return 0;
}

static int list_one_text(void *ctx, const char *json, size_t len)
{
	out_row_text(ctx, json, len);
	return 0;
}

static int cmd_list(int argc, char **argv)
{
	struct out out;
	int r;

	if ((r = only("list", BIT(OPT_PLAN) | BIT(OPT_EMAIL))) || (r = common_nargs("list", argc, 0, 0)) ||
	    (r = common_open_user(&o.c)))
		return r;
	out_begin(&out, o.c.fmt, user_cols, NCOLS(user_cols), 0);
	if (o.c.fmt == OUT_JSON || o.c.fmt == OUT_JSONL)
		r = users_each_json(&o.c.udb, o.plan, o.email, list_one_text, &out);
	else
		r = users_each(&o.c.udb, o.plan, o.email, list_one, &out);
	out_end(&out);
	return r;
}

/* Run fn for each USER argument, or for each line of stdin when there are
 * none and stdin is not a terminal; begin (if any) once the users are
 * known, so that bad input writes nothing. Returns the worst result. */
static int each_key(const char *cmd, int argc, char **argv, int (*fn)(const char *key),
		    void (*begin)(void))
{
	char **words = NULL;
	int n = argc, r = 0;

	if (!argc) {
		if (isatty(STDIN_FILENO))
			return common_bad_usage("'%s' needs a user (email or id)", cmd);
		if (!(words = common_read_words(stdin, &n)))
			return T3_EUSAGE;
		argv = words;
	}
	if (begin)
		begin();
	for (int i = 0; i < n; i++) {
		int k = fn(argv[i]);
		if (k > r)
			r = k;
		if (k > T3_ENEG)
			break;
	}
	common_free_words(words);
	return r;
}

static struct out show_out;
static int show_single;

static void show_begin(void)
{
	/* JSON: always an array; a table shows one user as key/value lines */
	out_begin(&show_out, o.c.fmt, user_cols, NCOLS(user_cols), show_single);
}

static int show_one(const char *key)
{
	struct user u;
	int r = find(key, &u);
	if (!r)
		out_row_new(&show_out, users_to_json(&u, 0));
	user_release(&u);
	return r;
}

static int cmd_show(int argc, char **argv)
{
	int r;
	if ((r = only("show", 0)))
		return r;
	if (!argc && isatty(STDIN_FILENO))
		return common_bad_usage("'%s' needs a user (email or id)", "show");
	if ((r = common_open_user(&o.c)))
		return r;
	show_single = argc == 1 && o.c.fmt == OUT_TABLE;
	r = each_key("show", argc, argv, show_one, show_begin);
	if (show_out.fp)	/* begun: close the array */
		out_end(&show_out);
	return r;
}

/* A new zone: the user's daily totals in data.db (when there is one)
 * rebuilt in it. Not doing so loses nothing (t3-usage reads the rows
 * until the next chat or 'check --repair' rebuilds them): a warning. */
static void rebucket(const char *user_id, const char *tz)
{
	struct stat sb;

	if (common_paths(&o.c) || stat(o.c.paths.data_db, &sb) || common_open_data(&o.c))
		return;
	if (db_begin(&o.c.ddb) || usage_days_ensure(&o.c.ddb, user_id, tz) ||
	    db_commit(&o.c.ddb)) {
		db_rollback(&o.c.ddb);
		t3_warning("the daily usage totals of '%s' are not in the new zone yet: "
			   "'t3-user check --repair' rebuilds them", user_id);
	}
}

static int cmd_set(int argc, char **argv)
{
	struct user u;
	int64_t quota = 0, allowance = 0;
	int r;

	if ((r = only("set", BIT(OPT_PLAN) | BIT(OPT_QUOTA) | BIT(OPT_TIMEZONE) | BIT(OPT_EMAIL))) ||
	    (r = common_nargs("set", argc, 1, 1)))
		return r;
	if (!(o.seen & (BIT(OPT_PLAN) | BIT(OPT_QUOTA) | BIT(OPT_TIMEZONE) | BIT(OPT_EMAIL))))
		return common_bad_usage("'%s' needs --plan, --quota, --timezone or --email", "set");
	if ((o.email && (r = users_check_email(o.email))) ||
	    (o.timezone && (r = users_check_timezone(o.timezone))) ||
	    (o.quota && (r = users_parse_count(o.quota, "quota", &quota))) ||
	    (r = common_open_user(&o.c)) ||
	    (o.plan && (r = plans_allowance(&o.c.udb, o.plan, &allowance))) ||
	    (r = db_begin(&o.c.udb)))
		return r;
	if ((r = find(argv[0], &u))) {
		db_rollback(&o.c.udb);
		return r;
	}
	if (o.email) {
		free(u.email);
		u.email = xstrdup(o.email);
	}
	if (o.plan) {
		free(u.subscription_plan);
		u.subscription_plan = xstrdup(o.plan);
	}
	if (o.timezone) {
		free(u.timezone);
		u.timezone = xstrdup(o.timezone);
	}
	if (o.quota)
		u.token_quota = quota;
	if ((r = users_update(&o.c.udb, &u)) || (r = db_commit(&o.c.udb)))
		db_rollback(&o.c.udb);
	else if (o.c.fmt_set)
		print_user(&u, 1);
	if (!r && o.timezone)
		rebucket(u.user_id, u.timezone);
	user_release(&u);
	return r;
}

static int cmd_passwd(int argc, char **argv)
{
	struct user u;
	char *auth;
	int r;

	if ((r = only("passwd", BIT(OPT_PASSWORD_STDIN) | BIT(OPT_OAUTH) | BIT(OPT_CLEAR))) ||
	    (r = common_nargs("passwd", argc, 1, 1)) || (r = common_open_user(&o.c)))
		return r;
	if ((r = find(argv[0], &u)))
		return r;
	if (!(r = new_auth(u.email, 1, &auth))) {
		free(u.hashed_password);
		u.hashed_password = auth;
		if (!(r = db_begin(&o.c.udb))) {
			if ((r = users_update(&o.c.udb, &u)) || (r = db_commit(&o.c.udb)))
				db_rollback(&o.c.udb);
		}
	}
	user_release(&u);
	return r;
}

static int cmd_verify(int argc, char **argv)
{
	struct user u;
	char *pw, prompt[512];
	int r;

	if ((r = only("verify", BIT(OPT_PASSWORD_STDIN))) || (r = common_nargs("verify", argc, 1, 1)) ||
	    (r = common_open_user(&o.c)))
		return r;
	if ((r = find(argv[0], &u)))
		return r;
	if (!u.hashed_password || strncmp(u.hashed_password, "$argon2", 7)) {
		char kind[80];
		r = t3_error(T3_ENEG, "user '%s' has no password (auth: %s)", u.email,
			     users_auth_kind(u.hashed_password, kind, sizeof kind));
		user_release(&u);
		return r;
	}
	snprintf(prompt, sizeof prompt, "Password for %s: ", u.email);
	pw = common_read_password(prompt, o.seen & BIT(OPT_PASSWORD_STDIN), 0, &r);
	if (pw) {
		r = users_verify_password(&o.c.udb, &u, pw);
		if (r == T3_ENEG)
			t3_error(T3_ENEG, "password does not match for '%s'", u.email);
		common_free_secret(pw);
	}
	user_release(&u);
	return r;
}

static const struct out_col quota_cols[] = {
	{ "user_id", "USER ID" }, { "email", NULL }, { "subscription_plan", "PLAN" },
	{ "token_quota", "QUOTA" }, { "updated_at", "UPDATED" },
};

/* The quota as stored now (read again: the change set updated_at). */
static int print_quota(const char *user_id)
{
	struct out out;
	struct user u;
	char t[TIME_ISO_LEN + 1];
	json_t *row;
	int r;

	if ((r = find(user_id, &u)))
		return r;
	if (!o.c.fmt_set) {
		printf("%lld\n", (long long)u.token_quota);
		user_release(&u);
		return 0;
	}
	row = json_object();
	json_object_set_new(row, "user_id", json_string(u.user_id));
	json_object_set_new(row, "email", json_string(u.email));
	json_object_set_new(row, "subscription_plan", json_string(u.subscription_plan));
	json_object_set_new(row, "token_quota", json_integer(u.token_quota));
	json_object_set_new(row, "updated_at", json_string(time_fmt_iso(t, u.updated_at)));
	out_begin(&out, o.c.fmt, quota_cols, NCOLS(quota_cols), 1);
	out_row_new(&out, row);
	out_end(&out);
	user_release(&u);
	return 0;
}

static int cmd_quota(int argc, char **argv)
{
	struct user u;
	int64_t v = 0, n = 0;
	int r, modes = !!(o.seen & BIT(OPT_ADD)) + !!(o.seen & BIT(OPT_SET)) +
		       !!(o.seen & BIT(OPT_REFILL));

	if ((r = only("quota", BIT(OPT_ADD) | BIT(OPT_SET) | BIT(OPT_REFILL) | BIT(OPT_ALL))))
		return r;
	if (modes > 1)
		return common_bad_usage("choose one of --add, --set and --refill");
	if ((o.seen & BIT(OPT_ALL)) && !(o.seen & BIT(OPT_REFILL)))
		return common_bad_usage("--all goes with --refill");
	if ((r = common_nargs("quota", argc, (o.seen & BIT(OPT_ALL)) ? 0 : 1, (o.seen & BIT(OPT_ALL)) ? 0 : 1)))
		return r;
	if (o.set && (r = users_parse_count(o.set, "quota", &v)))
		return r;
	/* INT64_MIN is refused too: its negation does not exist */
	if (o.add && (r = num_parse_int64(o.add, -INT64_MAX, INT64_MAX, &v)) == NUM_RANGE)
		return t3_error(T3_EUSAGE, "quota change '%s' is out of range (at most %" PRId64
				" either way)", o.add, INT64_MAX);
	if (r)
		return t3_error(T3_EUSAGE, "quota change '%s' is not an integer", o.add);
	if ((r = common_open_user(&o.c)))
		return r;
	if (o.seen & BIT(OPT_ALL)) {
		if ((r = db_begin(&o.c.udb)))
			return r;
		if ((r = plans_refill(&o.c.udb, NULL, &n)) || (r = db_commit(&o.c.udb))) {
			db_rollback(&o.c.udb);
			return r;
		}
		t3_note("refilled %lld user%s", (long long)n, n == 1 ? "" : "s");
		return 0;
	}
	if ((r = db_begin(&o.c.udb)))
		return r;
	if ((r = find(argv[0], &u)))
		goto fail;
	/* the transaction holds the write lock: the quota read is current */
	if (o.add && v > 0 && u.token_quota > INT64_MAX - v) {
		r = t3_error(T3_EUSAGE, "quota change '%s' would take the quota past %" PRId64,
			     o.add, INT64_MAX);
		goto fail_u;
	}
	if (o.add || o.set)
		r = users_quota_add(&o.c.udb, u.user_id, o.add ? v : v - u.token_quota,
				    &u.token_quota);
	else if ((o.seen & BIT(OPT_REFILL)) && !(r = plans_refill(&o.c.udb, u.user_id, &n)))
		/* now the plan's allowance (the plan exists: the quota is NOT NULL) */
		r = plans_allowance_quiet(&o.c.udb, u.subscription_plan, &u.token_quota);
	if (r || (r = db_commit(&o.c.udb)))
		goto fail_u;
	r = print_quota(u.user_id);
	user_release(&u);
	return r;
fail_u:
	user_release(&u);
fail:
	db_rollback(&o.c.udb);
	return r;
}

static int rm_one(const char *key)
{
	struct user u;
	char q[600];
	int r = find(key, &u);
	if (r)
		return r;
	snprintf(q, sizeof q, "delete user '%s' with all their chats and usage?", u.email);
	if (!(o.seen & BIT(OPT_YES)) && !common_confirm(q)) {
		user_release(&u);
		return t3_error(T3_ENEG, "not deleted: '%s'", key);
	}
	r = users_delete(&o.c.udb, &o.c.ddb, u.user_id);
	user_release(&u);
	return r;
}

static int cmd_rm(int argc, char **argv)
{
	int r;
	if ((r = only("rm", BIT(OPT_YES))))
		return r;
	if (!(o.seen & BIT(OPT_YES)) && !isatty(STDIN_FILENO))
		return common_bad_usage("refusing to delete without a terminal to ask: use --yes");
	if (!(o.seen & BIT(OPT_YES)) && !argc)
		return common_bad_usage("users to delete come from standard input only with --yes");
	if ((r = common_open_user(&o.c)) || (r = common_open_data(&o.c)))
		return r;
	return each_key("rm", argc, argv, rm_one, NULL);
}

static int export_one(void *ctx, const struct user *u)
{
	json_t *row = users_to_json(u, 1);
	json_dumpf(row, stdout, OUT_JSON_FLAGS);
	putchar('\n');
	json_decref(row);
	out_check_pipe(stdout);
	return 0;
}

static int cmd_export(int argc, char **argv)
{
	int r;
	if ((r = only("export", BIT(OPT_PLAN) | BIT(OPT_EMAIL))) || (r = common_nargs("export", argc, 0, 0)) ||
	    (r = common_open_user(&o.c)))
		return r;
	return users_each(&o.c.udb, o.plan, o.email, export_one, NULL);
}

static int cmd_import(int argc, char **argv)
{
	FILE *fp = stdin;
	struct strbuf line = STRBUF_INIT;
	char what[64];
	long lineno = 0, count = 0;
	int r;

	if ((r = only("import", 0)) || (r = common_nargs("import", argc, 0, 1)))
		return r;
	if (argc && strcmp(argv[0], "-") && !(fp = fopen(argv[0], "r")))
		return t3_error(T3_EUSAGE, "cannot open '%s': %s", argv[0], strerror(errno));
	if ((r = common_open_user(&o.c)) || (r = db_begin(&o.c.udb)))
		goto done;
	/* all or nothing: the first bad line rolls everything back */
	while (sb_getline(&line, fp) != EOF) {
		json_error_t jerr;
		json_t *obj;
		struct user u;

		lineno++;
		snprintf(what, sizeof what, "line %ld", lineno);
		if (strspn(line.buf, " \t\r") == line.len)
			continue;
		t3_error_context = what;
		if (!(obj = json_loadb(line.buf, line.len, JSON_REJECT_DUPLICATES, &jerr))) {
			r = t3_error(T3_EUSAGE, "invalid JSON: %s", jerr.text);
			break;
		}
		r = users_from_json(obj, &u);
		json_decref(obj);
		if (r)
			break;
		r = users_insert(&o.c.udb, &u);
		user_release(&u);
		if (r)
			break;
		t3_error_context = NULL;
		count++;
	}
	t3_error_context = NULL;
	if (!r && ferror(fp))
		r = t3_error(T3_EUSAGE, "read error on input");
	if (r)
		db_rollback(&o.c.udb);
	else if (!(r = db_commit(&o.c.udb)))
		t3_note("imported %ld user%s", count, count == 1 ? "" : "s");
done:
	sb_release(&line);
	if (fp != stdin)
		fclose(fp);
	return r;
}

/* check: cross-file integrity. user_id values in data.db must name users. */
static const struct out_col check_cols[] = {
	{ "problem", NULL }, { "table", NULL }, { "id", NULL }, { "detail", NULL },
};
/* -q prints the ids of the rows at fault */
static const struct out_col check_id_cols[] = { { "id", NULL } };

/* repair: the SQL that mends the rows found; settle: mended by
 * usage_settle_pending instead (a charge a lock or a kill left behind) */
static const struct {
	const char *problem, *table, *select, *repair;
	int settle;
} checks[] = {
	{ "orphan-chat", "chat_sessions",
	  "SELECT chat_id, 'user ' || user_id FROM d.chat_sessions WHERE user_id NOT IN (SELECT user_id FROM main.user_accounts)",
	  "DELETE FROM d.chat_sessions WHERE user_id NOT IN (SELECT user_id FROM main.user_accounts)" },
	{ "orphan-message", "chat_messages",
	  "SELECT message_id, 'chat ' || chat_id FROM d.chat_messages WHERE chat_id NOT IN (SELECT chat_id FROM d.chat_sessions)",
	  "DELETE FROM d.chat_messages WHERE chat_id NOT IN (SELECT chat_id FROM d.chat_sessions)" },
	{ "orphan-usage", "usage_metrics",
	  "SELECT usage_id, 'user ' || user_id FROM d.usage_metrics WHERE user_id NOT IN (SELECT user_id FROM main.user_accounts)",
	  "DELETE FROM d.usage_metrics WHERE user_id NOT IN (SELECT user_id FROM main.user_accounts)" },
	{ "dangling-parent", "chat_messages",
	  "SELECT message_id, 'parent ' || parent_id FROM d.chat_messages WHERE parent_id IS NOT NULL AND parent_id NOT IN (SELECT message_id FROM d.chat_messages)",
	  "UPDATE d.chat_messages SET parent_id = NULL WHERE parent_id IS NOT NULL AND parent_id NOT IN (SELECT message_id FROM d.chat_messages)" },
	{ "pending-charge", "usage_metrics",
	  "SELECT usage_id, 'user ' || user_id || ', ' || tokens_used || ' tokens' FROM d.usage_metrics WHERE quota_applied = 0",
	  NULL, 1 },
	/* not repaired: the user retries it (t3-chat --retry) or removes it */
	{ "unanswered", "chat_messages",
	  "SELECT q.message_id, 'chat ' || q.chat_id " CHATS_SQL_UNANSWERED
	  " AND NOT t3_spooled(q.chat_id)", NULL },
	{ "unknown-plan", "user_accounts",
	  "SELECT user_id, 'plan ' || subscription_plan FROM main.user_accounts WHERE subscription_plan NOT IN (SELECT plan_name FROM main.plans)",
	  NULL },
	{ "bad-timezone", "user_accounts",
	  "SELECT user_id, 'timezone ' || timezone FROM main.user_accounts WHERE NOT t3_tz_valid(timezone)",
	  NULL },
};

static void tz_valid_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char *tz = sqlite3_value_text(argv[0]);
	sqlite3_result_int(ctx, tz && time_zone_valid((const char *)tz));
}

static void spooled_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char *chat = sqlite3_value_text(argv[0]);
	json_t *chats = sqlite3_user_data(ctx);
	sqlite3_result_int(ctx, chat && json_object_get(chats, (const char *)chat));
}

static void check_row(struct out *out, const char *problem, const char *table,
		      const char *id, const char *detail)
{
	json_t *row = json_object();
	json_object_set_new(row, "problem", json_string(problem));
	json_object_set_new(row, "table", json_string(table));
	json_object_set_new(row, "id", json_string(id));
	json_object_set_new(row, "detail", json_string(detail));
	out_row_new(out, row);
}

static void days_row(void *out, const char *user_id, const char *detail)
{
	check_row(out, "daily-totals", "usage_days", user_id, detail);
}

/* An answer and usage row kept in the spool while data.db was locked;
 * their chats, whose last question is answered there */
struct spooled {
	struct out *out;
	long n;
	json_t *chats;
};

static int check_spooled(void *ctx, const char *usage_id, const char *path)
{
	struct spooled *sp = ctx;
	struct strbuf d = STRBUF_INIT;

	json_t *j = json_load_file(path, 0, NULL);
	const char *chat = json_string_value(json_object_get(j, "chat_id"));

	sb_addf(&d, "kept in %s", path);
	check_row(sp->out, "spooled-usage", "usage_metrics", usage_id, d.buf);
	sb_release(&d);
	if (chat)
		json_object_set_new(sp->chats, chat, json_true());
	json_decref(j);
	sp->n++;
	return 0;
}

/* List the problems of checks[i]; with repair, mend them by its SQL. */
static int check_one(size_t i, struct out *out, int repair, long *problems, long *repaired,
		     long *settle, long *unrepairable)
{
	sqlite3_stmt *st;
	int rc, r;

	if ((r = db_prepare(&o.c.udb, &st, checks[i].select)))
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		check_row(out, checks[i].problem, checks[i].table, db_col_text(st, 0),
			  db_col_text(st, 1));
		++*problems;
		if (checks[i].settle)
			++*settle;
		else if (!checks[i].repair)
			++*unrepairable;
	}
	if (rc != SQLITE_DONE)
		r = db_error(&o.c.udb, "check");
	sqlite3_finalize(st);
	if (!r && repair && checks[i].repair) {
		r = db_exec(&o.c.udb, checks[i].repair);
		*repaired += sqlite3_changes(o.c.udb.h);
	}
	return r;
}

static int cmd_check(int argc, char **argv)
{
	struct out out;
	long problems = 0, repaired = 0, unrepairable = 0, settle, left = 0;
	struct spooled sp = { &out, 0, NULL };
	int64_t pending, spooled, applied;
	int r, repair = !!(o.seen & BIT(OPT_REPAIR));

	if ((r = only("check", BIT(OPT_REPAIR))) || (r = common_nargs("check", argc, 0, 0)) ||
	    (r = common_open_user(&o.c)) || (r = common_open_data(&o.c)))
		return r;
	/* data.db is open, so it exists and is current: attach it, to read
	 * across the two files in one statement */
	sqlite3_create_function(o.c.udb.h, "t3_tz_valid", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
				NULL, tz_valid_fn, NULL, NULL);
	sp.chats = json_object();
	sqlite3_create_function(o.c.udb.h, "t3_spooled", 1, SQLITE_UTF8, sp.chats, spooled_fn,
				NULL, NULL);
	if ((r = db_exec_text(&o.c.udb, "ATTACH DATABASE ? AS d", o.c.paths.data_db, NULL))) {
		json_decref(sp.chats);
		return r;
	}
	if (o.c.fmt == OUT_IDS)
		out_begin(&out, o.c.fmt, check_id_cols, 1, 0);
	else
		out_begin(&out, o.c.fmt, check_cols, NCOLS(check_cols), 0);
	/* nothing wrong: nothing to say */
	out.quiet_empty = 1;
	/* first what the ledger settles: the spool and the pending charges,
	 * which --repair then stores and applies, once (the ledger knows
	 * which are), so that the checks after it see the answers stored */
	usage_spool_each(&o.c.ddb, check_spooled, &sp);
	problems = settle = sp.n;
	for (size_t i = 0; i < NCOLS(checks) && !r; i++)
		if (checks[i].settle)
			r = check_one(i, &out, repair, &problems, &repaired, &settle, &unrepairable);
	if (!r && repair && settle) {
		if (!(r = usage_settle_pending(&o.c.ddb, &o.c.udb, NULL, 1, &applied)) &&
		    !(r = usage_pending(&o.c.ddb, &pending, &spooled))) {
			repaired += (long)applied;
			left = (long)(pending + spooled);
		}
	}
	/* the rest, mended in one transaction */
	if (!r && repair)
		r = db_begin(&o.c.udb);
	for (size_t i = 0; i < NCOLS(checks) && !r; i++)
		if (!checks[i].settle)
			r = check_one(i, &out, repair, &problems, &repaired, &settle, &unrepairable);
	if (repair && (r || (r = db_commit(&o.c.udb))))
		db_rollback(&o.c.udb);
	/* then the daily totals, rebuilt on data.db's own connection (the
	 * transaction above held data.db through the attachment) */
	if (!r)
		r = usage_days_check(&o.c.ddb, &o.c.udb, repair, days_row, &out, &problems,
				     &repaired);
	out_end(&out);
	/* the function goes before the object it reads */
	sqlite3_create_function(o.c.udb.h, "t3_spooled", 1, SQLITE_UTF8, NULL, NULL, NULL, NULL);
	json_decref(sp.chats);
	if (!repair || r)
		return r ? r : problems ? T3_ENEG : 0;
	t3_note("%ld problem%s found, %ld row%s repaired",
		problems, problems == 1 ? "" : "s", repaired, repaired == 1 ? "" : "s");
	if (left)
		return t3_error(T3_EDATA, "%ld charge%s could not be applied: a database is busy; "
				"run 't3-user check --repair' again", left, left == 1 ? "" : "s");
	/* what only an admin or the user can decide (a plan, a timezone, an
	 * unanswered question) remains */
	return unrepairable ? T3_ENEG : 0;
}

static const struct out_col plan_cols[] = {
	{ "subscription_plan", "PLAN" }, { "token_allowance", "ALLOWANCE" }, { "users", NULL },
	{ "description", NULL },
};

static int plan_row(void *ctx, const char *plan, int64_t allowance, const char *desc, int64_t users)
{
	json_t *row = json_object();
	json_object_set_new(row, "subscription_plan", json_string(plan));
	json_object_set_new(row, "token_allowance", json_integer(allowance));
	json_object_set_new(row, "users", json_integer(users));
	json_object_set_new(row, "description", json_string(desc));
	out_row_new(ctx, row);
	return 0;
}

static int cmd_plan(int argc, char **argv)
{
	struct out out;
	int64_t allowance;
	int r;

	if (!argc)
		return common_bad_usage("'%s' needs list, set or rm", "plan");
	if ((r = only("plan", !strcmp(argv[0], "set") ? BIT(OPT_DESCRIPTION) : 0)) ||
	    (r = common_open_user(&o.c)))
		return r;
	if (!strcmp(argv[0], "list")) {
		if ((r = common_nargs("plan list", argc - 1, 0, 0)))
			return r;
		out_begin(&out, o.c.fmt, plan_cols, NCOLS(plan_cols), 0);
		r = plans_each(&o.c.udb, plan_row, &out);
		out_end(&out);
		return r;
	}
	if (!strcmp(argv[0], "set")) {
		if ((r = common_nargs("plan set", argc - 1, 2, 2)) ||
		    (r = users_parse_count(argv[2], "allowance", &allowance)) ||
		    (r = db_begin(&o.c.udb)))
			return r;
		if ((r = plans_set(&o.c.udb, argv[1], allowance, o.description)) ||
		    (r = db_commit(&o.c.udb)))
			db_rollback(&o.c.udb);
		return r;
	}
	if (!strcmp(argv[0], "rm")) {
		if ((r = common_nargs("plan rm", argc - 1, 1, 1)) || (r = db_begin(&o.c.udb)))
			return r;
		if ((r = plans_remove(&o.c.udb, argv[1])) || (r = db_commit(&o.c.udb)))
			db_rollback(&o.c.udb);
		return r;
	}
	return common_bad_usage("unknown plan command '%s'", argv[0]);
}

static const struct common_cmd cmds[] = {
	{ "add", cmd_add, "add EMAIL [--plan PLAN] [--quota N] [--timezone TZ]\n"
	  "          [--password-stdin | --oauth PROVIDER:SUBJECT]" },
	{ "list", cmd_list, "list [--plan PLAN] [--email GLOB]" },
	{ "show", cmd_show, "show [USER...]" },
	{ "set", cmd_set, "set USER [--plan PLAN] [--quota N] [--timezone TZ] [--email NEW]" },
	{ "passwd", cmd_passwd, "passwd USER [--password-stdin | --oauth PROVIDER:SUBJECT | --clear]" },
	{ "verify", cmd_verify, "verify USER [--password-stdin]   exit 0 on match, 1 on mismatch" },
	{ "quota", cmd_quota, "quota USER [--add N | --set N | --refill]\n"
	  "quota --refill --all" },
	{ "rm", cmd_rm, "rm [USER...] [-y|--yes]" },
	{ "export", cmd_export, "export [--plan PLAN] [--email GLOB]   NDJSON to stdout" },
	{ "import", cmd_import, "import [FILE]                         NDJSON, all or nothing" },
	{ "check", cmd_check, "check [--repair]" },
	{ "plan", cmd_plan, "plan list\n"
	  "plan set NAME ALLOWANCE [--description TEXT]\n"
	  "plan rm NAME" },
	{ "help", NULL, "help [COMMAND]" },
};
static const size_t ncmds = sizeof cmds / sizeof cmds[0];

static void usage(FILE *fp)
{
	fputs("usage: t3-user [--user-db PATH] [--data-db PATH] COMMAND [ARGS]\n\n", fp);
	common_usage_commands(fp, cmds, ncmds);
	fputs("\n"
	      "USER is an email or a user id; show and rm read users from stdin when\n"
	      "given none.\n"
	      "output: --json, --jsonl, --tsv, --csv, -q|--quiet (ids only); default a table\n"
	      "other:  -h|--help, --version; 'help COMMAND' or 'COMMAND --help' for one command\n"
	      "exit:   0 ok, 1 not found/mismatch/problems found, 2 usage, 3 local data,\n"
	      "        130 interrupted, 141 output closed\n", fp);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "plan", required_argument, NULL, OPT_PLAN },
		{ "quota", required_argument, NULL, OPT_QUOTA },
		{ "timezone", required_argument, NULL, OPT_TIMEZONE },
		{ "email", required_argument, NULL, OPT_EMAIL },
		{ "password-stdin", no_argument, NULL, OPT_PASSWORD_STDIN },
		{ "oauth", required_argument, NULL, OPT_OAUTH },
		{ "clear", no_argument, NULL, OPT_CLEAR },
		{ "add", required_argument, NULL, OPT_ADD },
		{ "set", required_argument, NULL, OPT_SET },
		{ "refill", no_argument, NULL, OPT_REFILL },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "yes", no_argument, NULL, OPT_YES },
		{ "repair", no_argument, NULL, OPT_REPAIR },
		{ "description", required_argument, NULL, OPT_DESCRIPTION },
		/* named so that it is refused as such, not taken as an
		 * abbreviation of --password-stdin */
		{ "password", optional_argument, NULL, OPT_PASSWORD_ARGV },
		{ 0 }
	};
	static const char optstring[] = ":qyh";
	int opt;

	common_init(&o.c, "t3-user");
	o.c.defer_help = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
		if (common_option(&o.c, opt, optarg, usage))
			continue;
		switch (opt) {
		case OPT_PLAN: o.plan = optarg; break;
		case OPT_QUOTA: o.quota = optarg; break;
		case OPT_TIMEZONE: o.timezone = optarg; break;
		case OPT_EMAIL: o.email = optarg; break;
		case OPT_OAUTH: o.oauth = optarg; break;
		case OPT_ADD: o.add = optarg; break;
		case OPT_SET: o.set = optarg; break;
		case OPT_DESCRIPTION: o.description = optarg; break;
		case 'y': opt = OPT_YES; break;
		case OPT_PASSWORD_ARGV:
			return common_exit(&o.c, common_bad_usage(
				"there is no --password option: a password is typed at a "
				"prompt that does not echo, or read with --password-stdin"));
		case ':':
		case '?':
			return common_exit(&o.c, common_getopt_error(opt, argv, optstring));
		}
		if (opt >= OPT_COMMON_END && opt < OPT_LAST)
			o.seen |= BIT(opt);
	}
	return common_exit(&o.c, common_dispatch(&o.c, cmds, ncmds, argc - optind,
						  argv + optind, usage));
}

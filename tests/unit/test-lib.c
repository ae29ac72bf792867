/* Unit tests for the pure parts of libt3: UUIDs, time, paths, migrations
 * and the output writers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "tap.h"
#include "buf.h"
#include "db.h"
#include "models.h"
#include "msg.h"
#include "out.h"
#include "paths.h"
#include "timeutil.h"
#include "users.h"
#include "uuid.h"

static char tmpdir[] = "/tmp/t3unit.XXXXXX";

static void test_uuid(void)
{
	char a[UUID_STRLEN + 1], b[UUID_STRLEN + 1];
	int ordered = 1, versioned = 1;

	uuid_v7(a);
	ok(uuid_valid(a), "uuid_v7 gives a canonical UUID: %s", a);
	is_int(a[14], '7', "version nibble is 7");
	ok(strchr("89ab", a[19]) != NULL, "variant bits are 10");
	for (int i = 0; i < 10000; i++) {
		uuid_v7(b);
		if (strcmp(a, b) >= 0)
			ordered = 0;
		if (b[14] != '7' || !strchr("89ab", b[19]))
			versioned = 0;
		memcpy(a, b, sizeof a);
	}
	ok(ordered, "10000 UUIDs in a row sort strictly increasing as text");
	ok(versioned, "all of them have the v7 version and variant");
	uuid_v7_at(a, 1764000000123);
	is_int(uuid_v7_time(a), 1764000000123, "the timestamp is in the first 48 bits");
	ok(!uuid_valid("01a21362-cf8c-7099-9756-83fd8a52f2d"), "too short is invalid");
	ok(!uuid_valid("01a21362xcf8c-7099-9756-83fd8a52f2d4"), "a misplaced dash is invalid");
	ok(!uuid_valid("01a21362-cf8c-7099-9756-83fd8a52f2dg"), "a non-hex digit is invalid");
}

static void test_time(void)
{
	char buf[TIME_ISO_LEN + 1];
	int64_t t;

	is_str(time_fmt_iso(buf, 0), "1970-01-01T00:00:00.000Z", "epoch");
	is_str(time_fmt_iso(buf, 1764085028123), "2025-11-25T15:37:08.123Z", "a time with ms");
	ok(!time_parse_iso("2025-11-25T15:37:08.123Z", &t) && t == 1764085028123, "parse back");
	ok(!time_parse_iso("2025-11-25", &t) && t == 1764028800000, "a date alone is midnight UTC");
	ok(!time_parse_iso("2025-11-25T08:37:08-07:00", &t) && t == 1764085028000, "an offset is applied");
	ok(!time_parse_iso("2024-02-29T00:00Z", &t), "a leap day");
	ok(time_parse_iso("2025-02-29", &t), "not a leap year");
	ok(time_parse_iso("2025-13-01", &t), "month 13");
	ok(time_parse_iso("2025-11-25T25:00Z", &t), "hour 25");
	ok(time_parse_iso("2025-11-25T10:00", &t), "a time without a zone is refused");
	ok(time_parse_iso("2025-11-25x", &t), "trailing junk");
	ok(time_zone_valid("America/Denver"), "America/Denver is a zone");
	ok(time_zone_valid("UTC"), "UTC is a zone");
	ok(!time_zone_valid("Mars/Olympus"), "Mars/Olympus is not");
	ok(!time_zone_valid("../../etc/passwd"), "a path escape is not");
	ok(!time_zone_valid("/etc/localtime"), "an absolute path is not");
	ok(!time_zone_valid(""), "empty is not");
}

static void test_paths(void)
{
	struct t3_paths p;
	char *home = xasprintf("%s/home", tmpdir), *xdg = xasprintf("%s/xdg", tmpdir);
	struct stat st;

	unsetenv("T3_USER_DB");
	unsetenv("T3_DATA_DB");
	unsetenv("T3_HOME");
	unsetenv("T3_CONFIG");
	unsetenv("XDG_CONFIG_HOME");
	setenv("HOME", home, 1);
	mkdir(home, 0700);
	unsetenv("XDG_DATA_HOME");
	ok(!paths_resolve(&p, NULL, NULL), "resolve with only HOME");
	char *want = xasprintf("%s/.local/share/t3/user.db", home);
	is_str(p.user_db, want, "default: ~/.local/share/t3/user.db");
	free(want);
	want = xasprintf("%s/.local/share/t3", home);
	ok(!stat(want, &st) && (st.st_mode & 0777) == 0700, "the directory is created 0700");
	free(want);
	want = xasprintf("%s/.config/t3/config", home);
	is_str(p.config, want, "config: ~/.config/t3/config");
	free(want);
	paths_release(&p);

	setenv("XDG_DATA_HOME", xdg, 1);
	paths_resolve(&p, NULL, NULL);
	want = xasprintf("%s/t3/data.db", xdg);
	is_str(p.data_db, want, "XDG_DATA_HOME/t3 beats HOME");
	free(want);
	paths_release(&p);

	setenv("T3_HOME", tmpdir, 1);
	paths_resolve(&p, NULL, NULL);
	want = xasprintf("%s/user.db", tmpdir);
	is_str(p.user_db, want, "T3_HOME beats XDG_DATA_HOME");
	free(want);
	paths_release(&p);

	setenv("T3_USER_DB", "/x/u.db", 1);
	setenv("T3_DATA_DB", "/x/d.db", 1);
	paths_resolve(&p, NULL, NULL);
	is_str(p.user_db, "/x/u.db", "T3_USER_DB beats T3_HOME");
	is_str(p.data_db, "/x/d.db", "T3_DATA_DB beats T3_HOME");
	paths_release(&p);
	paths_resolve(&p, "/opt/u.db", "/opt/d.db");
	is_str(p.user_db, "/opt/u.db", "--user-db beats T3_USER_DB");
	is_str(p.data_db, "/opt/d.db", "--data-db beats T3_DATA_DB");
	paths_release(&p);
	unsetenv("T3_USER_DB");
	unsetenv("T3_DATA_DB");
	free(home);
	free(xdg);
}

static int scalar_int(struct db *db, const char *sql)
{
	sqlite3_stmt *st;
	int v = -1;
	if (db_prepare(db, &st, sql))
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void test_db(void)
{
	struct db db;
	struct stat st;
	char *path = xasprintf("%s/u.db", tmpdir);
	char *cmd;

	umask(022);
	ok(!db_open(&db, path, DB_USER), "open creates user.db");
	ok(!stat(path, &st) && (st.st_mode & 0777) == 0600, "created mode 0600 despite umask 022");
	is_int(scalar_int(&db, "PRAGMA user_version"), db_schema_version(DB_USER), "migrated to the current version");
	is_int(scalar_int(&db, "PRAGMA foreign_keys"), 1, "foreign keys on");
	is_int(scalar_int(&db, "SELECT count(*) FROM sqlite_master WHERE name='user_accounts'"), 1, "user_accounts exists");
	db_close(&db);
	ok(!db_open(&db, path, DB_USER), "open again (no migration pending)");
	is_int(scalar_int(&db, "SELECT count(*) FROM plans"), 3, "the seeded plans are there once");
	is_int(db_exists(&db, "SELECT 1 FROM plans WHERE plan_name = ?", "free", "read"), 1,
	       "db_exists: a row");
	is_int(db_exists(&db, "SELECT 1 FROM plans WHERE plan_name = ?", "nope", "read"), 0,
	       "db_exists: no row");
	ok(!db_begin(&db), "BEGIN IMMEDIATE");
	ok(!db_exec(&db, "INSERT INTO plans VALUES ('x', 1, '')"), "write in the transaction");
	db_rollback(&db);
	is_int(scalar_int(&db, "SELECT count(*) FROM plans"), 3, "rollback undoes it");
	db_exec(&db, "PRAGMA user_version = 99");
	db_close(&db);

	/* a database from a newer t3 is refused and left as it was */
	cmd = xasprintf("sqlite3 %s .dump > %s/before", path, tmpdir);
	ok(system(cmd) == 0, "dump before");
	free(cmd);
	fprintf(stderr, "# expect an error line next:\n");
	is_int(db_open(&db, path, DB_USER), T3_EDATA, "a newer schema is refused with exit 3");
	cmd = xasprintf("sqlite3 %s .dump > %s/after && cmp -s %s/before %s/after", path,
			tmpdir, tmpdir, tmpdir);
	is_int(system(cmd), 0, "and the database is untouched");
	free(cmd);

	/* not a database at all */
	free(path);
	path = xasprintf("%s/junk.db", tmpdir);
	FILE *fp = fopen(path, "w");
	fputs("this is not an sqlite database, just some text that is long enough to matter.\n", fp);
	fclose(fp);
	fprintf(stderr, "# expect an error line next:\n");
	is_int(db_open(&db, path, DB_DATA), T3_EDATA, "a file that is not a database is refused");
	free(path);

	/* data.db: the created hook runs inside the creating transaction */
	path = xasprintf("%s/d.db", tmpdir);
	ok(!db_open(&db, path, DB_DATA), "open creates data.db");
	is_int(scalar_int(&db, "SELECT count(*) FROM sqlite_master WHERE name IN "
			  "('chat_sessions','chat_messages','usage_metrics','model_capabilities')"),
	       4, "the four seed tables exist");
	is_int(scalar_int(&db, "SELECT count(*) FROM pragma_index_list('usage_metrics')"), 7,
	       "usage_metrics has its indexes (pk + 5, pending charges)");
	db_close(&db);
	free(path);
}

static char *render(enum out_fmt fmt, int single)
{
	static const struct out_col cols[] = { { "id", NULL }, { "name", "NAME" }, { "n", NULL },
					       { "ok", NULL } };
	struct out o;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	int rows = single ? 1 : 2;

	out_begin_fp(&o, fp, fmt, cols, 4, single);
	for (int i = 0; i < rows; i++) {
		json_t *r = json_object();
		json_object_set_new(r, "id", json_string(i ? "b" : "a"));
		json_object_set_new(r, "name", json_string(i ? "tab\there, \"q\"" : "x"));
		json_object_set_new(r, "n", i ? json_null() : json_real(0.0025));
		json_object_set_new(r, "ok", json_boolean(i));
		out_row_new(&o, r);
	}
	out_end(&o);
	fclose(fp);
	return buf;
}

static void test_out(void)
{
	char *s;
	s = render(OUT_JSON, 0);
	is_str(s, "[\n{\"id\":\"a\",\"name\":\"x\",\"n\":0.0025,\"ok\":false},\n"
		  "{\"id\":\"b\",\"name\":\"tab\\there, \\\"q\\\"\",\"n\":null,\"ok\":true}\n]\n",
	       "json: one array, an object per line, 15-digit reals");
	free(s);
	s = render(OUT_JSON, 1);
	is_str(s, "{\"id\":\"a\",\"name\":\"x\",\"n\":0.0025,\"ok\":false}\n", "json: a single record is an object");
	free(s);
	s = render(OUT_JSONL, 0);
	is_str(s, "{\"id\":\"a\",\"name\":\"x\",\"n\":0.0025,\"ok\":false}\n"
		  "{\"id\":\"b\",\"name\":\"tab\\there, \\\"q\\\"\",\"n\":null,\"ok\":true}\n", "jsonl");
	free(s);
	s = render(OUT_TSV, 0);
	is_str(s, "id\tname\tn\tok\na\tx\t0.0025\tfalse\nb\ttab\\there, \"q\"\t\ttrue\n",
	       "tsv: header, escaped tab, empty null");
	free(s);
	s = render(OUT_CSV, 0);
	is_str(s, "id,name,n,ok\na,x,0.0025,false\nb,\"tab\there, \"\"q\"\"\",,true\n", "csv: RFC 4180 quoting");
	free(s);
	s = render(OUT_IDS, 0);
	is_str(s, "a\nb\n", "ids: the key column");
	free(s);
	s = render(OUT_TABLE, 0);
	is_str(s, "ID  NAME                N  OK\n"
		  "a   x              0.0025  no\n"
		  "b   tab here, \"q\"       -  yes\n", "table: aligned, numbers right, null as -");
	free(s);
	s = render(OUT_JSON, 0);
	free(s);
	{
		struct out o;
		char *buf = NULL;
		size_t len = 0;
		FILE *fp = open_memstream(&buf, &len);
		out_begin_fp(&o, fp, OUT_JSON, NULL, 0, 0);
		out_end(&o);
		fclose(fp);
		is_str(buf, "[]\n", "json: an empty listing is []");
		free(buf);
	}
}

static void test_buf(void)
{
	struct strbuf sb = STRBUF_INIT;
	is_str(sb.buf, "", "a new strbuf is the empty string, never NULL");
	for (int i = 0; i < 1000; i++)
		sb_addf(&sb, "%d,", i);
	is_int((long long)sb.len, 3890, "sb_addf appends");
	sb_consume(&sb, 3890 - 4);
	is_str(sb.buf, "999,", "sb_consume drops a prefix");
	sb_release(&sb);
	is_str(sb.buf, "", "released: empty again");

	int *v = NULL;
	size_t cap = 0, seen = 0;
	for (size_t i = 0; i < 100; i++) {
		v = xgrow(v, i, &cap, sizeof *v);
		v[i] = (int)i;
		seen += cap > i;
	}
	is_int((long long)cap, 128, "xgrow: 16, then doubling, to hold 100");
	is_int((long long)seen, 100, "xgrow: room for each element as it is added");
	is_int(v[0] + v[99], 99, "xgrow: the elements kept");
	v = xgrow(v, 5, &cap, sizeof *v);
	is_int((long long)cap, 128, "xgrow: no change while there is room");
	free(v);
}

static int near(double a, double b)
{
	return fabs(a - b) < 1e-12;
}

static void test_cost(void)
{
	struct model m;
	model_init(&m);
	m.input_usd_per_1k = 0.0025;   /* gpt-4o */
	m.output_usd_per_1k = 0.01;
	m.cached_usd_per_1k = 0.00125;
	m.usd_per_1k_tokens = (3 * 0.0025 + 0.01) / 4;
	ok(near(models_cost_usd(&m, 1000, 1000, 0, 0), 0.0125), "1k in + 1k out at list prices");
	ok(near(models_cost_usd(&m, 1000, 0, 0, 400), 0.6 * 0.0025 + 0.4 * 0.00125),
	   "cached tokens are part of the prompt, billed at the cached price");
	ok(near(models_cost_usd(&m, 0, 1000, 300, 0), 0.01),
	   "reasoning tokens are part of the completion: no reasoning price, billed once as output");
	m.reasoning_usd_per_1k = 0.02;
	ok(near(models_cost_usd(&m, 0, 1000, 300, 0), 0.7 * 0.01 + 0.3 * 0.02),
	   "with a reasoning price, the reasoning part is billed at it");
	ok(near(models_cost_usd(&m, 10, 0, 0, 50), 10 * 0.00125 / 1000), "cached is capped at the prompt");
	ok(near(models_cost_usd(&m, -5, -5, 0, 0), 0), "negative counts cost nothing");
	ok(near(models_blended_cost(&m, 4000), 4 * 0.004375), "blended 3:1 price for rows without a split");
	model_release(&m);
}

/* verify upgrades a hash made with weaker parameters, only on a match */
static void test_rehash(void)
{
	struct db db;
	struct user u = { 0 }, back;
	char weak[crypto_pwhash_STRBYTES];
	char *path = xasprintf("%s/rehash.db", tmpdir);

	ok(sodium_init() >= 0, "libsodium");
	ok(!crypto_pwhash_str(weak, "old secret", 10, crypto_pwhash_OPSLIMIT_MIN,
			      crypto_pwhash_MEMLIMIT_MIN), "a hash with weak parameters");
	ok(!db_open(&db, path, DB_USER), "open user.db");
	u.email = xstrdup("r@example.com");
	u.hashed_password = xstrdup(weak);
	u.subscription_plan = xstrdup("free");
	u.timezone = xstrdup("UTC");
	ok(!db_begin(&db) && !users_insert(&db, &u) && !db_commit(&db), "insert the user");
	is_int(users_verify_password(&db, &u, "wrong secret"), T3_ENEG, "a wrong password does not match");
	if (!is_int(users_find(&db, "r@example.com", &back), 0, "read the user back"))
		goto out;
	is_str(back.hashed_password, weak, "and leaves the weak hash alone");
	user_release(&back);
	is_int(users_verify_password(&db, &u, "old secret"), 0, "the right password matches");
	if (!is_int(users_find(&db, "r@example.com", &back), 0, "read the user back again"))
		goto out;
	ok(!strncmp(back.hashed_password, "$argon2id$v=19$m=65536,t=2,p=1$", 31),
	   "and the stored hash is upgraded to the current parameters: %s", back.hashed_password);
	is_int(users_verify_password(&db, &back, "old secret"), 0, "the upgraded hash verifies");
	user_release(&back);
out:
	user_release(&u);
	db_close(&db);
	free(path);
}

int main(void)
{
	t3_progname = "test-lib";
	if (!mkdtemp(tmpdir))
		return 1;
	test_uuid();
	test_time();
	test_paths();
	test_db();
	test_out();
	test_buf();
	test_cost();
	test_rehash();
	char *cmd = xasprintf("rm -rf %s", tmpdir);
	ok(system(cmd) == 0, "clean up");
	free(cmd);
	return done_testing();
}

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "db.h"
#include "models.h"
#include "msg.h"
#include "schema.h"
#include "timeutil.h"

#define BUSY_TIMEOUT_MS 10000
#define BUSY_STEP_MS 10

/* How long a connection waits for another's lock: T3_BUSY_TIMEOUT (ms)
 * when set to a number, else BUSY_TIMEOUT_MS. */
static long busy_timeout_ms(void)
{
	const char *e = getenv("T3_BUSY_TIMEOUT");
	char *end;
	long v;

	if (!e || !*e)
		return BUSY_TIMEOUT_MS;
	errno = 0;
	v = strtol(e, &end, 10);
	if (errno || *end || v < 0 || v > 3600000)
		return BUSY_TIMEOUT_MS;
	return v;
}

/* SQLite's busy handler, ours so that a wait can be interrupted: sleep in
 * BUSY_STEP_MS steps until the timeout, or until *db->interrupt is set
 * (a signal handler's flag), and then give up (SQLITE_BUSY). */
static int busy_handler(void *ctx, int count)
{
	struct db *db = ctx;
	if (db->interrupt && *db->interrupt)
		return 0;
	if ((long)count * BUSY_STEP_MS >= db->busy_ms)
		return 0;
	sqlite3_sleep(BUSY_STEP_MS);
	return !(db->interrupt && *db->interrupt);
}

void db_set_interrupt(struct db *db, volatile sig_atomic_t *flag)
{
	db->interrupt = flag;
}

int db_busy(struct db *db)
{
	int rc = sqlite3_extended_errcode(db->h) & 0xff;
	return rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
}

int db_try_begin(struct db *db, int wait)
{
	int rc;
	if (db->in_tx)
		BUG("nested transaction on '%s'", db->path);
	if (!wait)
		sqlite3_busy_handler(db->h, NULL, NULL);
	rc = sqlite3_exec(db->h, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (!wait)
		sqlite3_busy_handler(db->h, busy_handler, db);
	if (rc != SQLITE_OK)
		return 1;
	db->in_tx = 1;
	return 0;
}


static const char *const *migrations(enum db_kind kind, int *n)
{
	if (kind == DB_USER) {
		*n = schema_user_count;
		return schema_user;
	}
	*n = schema_data_count;
	return schema_data;
}

int db_schema_version(enum db_kind kind)
{
	int n;
	migrations(kind, &n);
	return n;
}

int db_error(struct db *db, const char *what)
{
	return t3_error(T3_EDATA, "database '%s': %s: %s (code %d)", db->path, what,
			sqlite3_errmsg(db->h), sqlite3_extended_errcode(db->h));
}

int db_prepare(struct db *db, sqlite3_stmt **st, const char *sql)
{
	if (sqlite3_prepare_v2(db->h, sql, -1, st, NULL) != SQLITE_OK) {
		*st = NULL;
		return db_error(db, "prepare");
	}
	return 0;
}

int db_exec(struct db *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int r = t3_error(T3_EDATA, "database '%s': %s (code %d)", db->path,
				 msg ? msg : sqlite3_errmsg(db->h),
				 sqlite3_extended_errcode(db->h));
		sqlite3_free(msg);
		return r;
	}
	return 0;
}

int db_begin(struct db *db)
{
	if (db->in_tx)
		BUG("nested transaction on '%s'", db->path);
	if (db_exec(db, "BEGIN IMMEDIATE"))
		return T3_EDATA;
	db->in_tx = 1;
	return 0;
}

int db_commit(struct db *db)
{
	if (!db->in_tx)
		BUG("commit outside a transaction");
	if (db_exec(db, "COMMIT")) {
		db_rollback(db);
		return T3_EDATA;
	}
	db->in_tx = 0;
	return 0;
}

void db_rollback(struct db *db)
{
	if (db->in_tx && !sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	db->in_tx = 0;
}

int db_begin_read(struct db *db, int *began)
{
	*began = 0;
	if (db->in_tx || !sqlite3_get_autocommit(db->h))
		return 0;
	if (db_exec(db, "BEGIN"))
		return T3_EDATA;
	db->in_tx = *began = 1;
	return 0;
}

int db_step_done(struct db *db, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_error(db, "write");
	return 0;
}

int db_each_row(struct db *db, sqlite3_stmt *st, int (*fn)(void *ctx, sqlite3_stmt *st),
		void *ctx, const char *what)
{
	int rc, r = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && !(r = fn(ctx, st)))
		;
	if (!r && rc != SQLITE_DONE && rc != SQLITE_ROW)
		r = db_error(db, what);
	sqlite3_finalize(st);
	return r;
}

void db_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

const char *db_col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? (const char *)s : "";
}

int db_exec_text(struct db *db, const char *sql, const char *a, const char *b)
{
	sqlite3_stmt *st;
	int n, r;
	if (db_prepare(db, &st, sql))
		return T3_EDATA;
	n = sqlite3_bind_parameter_count(st);
	if (n >= 1)
		db_bind_text(st, 1, a);
	if (n >= 2)
		db_bind_text(st, 2, b);
	r = db_step_done(db, st);
	sqlite3_finalize(st);
	return r;
}

int db_read_int64(struct db *db, const char *sql, const char *arg, int64_t *out,
		  const char *what)
{
	sqlite3_stmt *st;
	int rc;
	if (db_prepare(db, &st, sql))
		return T3_EDATA;
	if (sqlite3_bind_parameter_count(st) >= 1)
		db_bind_text(st, 1, arg);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && out)
		*out = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		db_error(db, what);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? T3_ENEG : T3_EDATA;
}

int db_exists(struct db *db, const char *sql, const char *arg, const char *what)
{
	int r = db_read_int64(db, sql, arg, NULL, what);
	return r == 0 ? 1 : r == T3_ENEG ? 0 : -1;
}

static int user_version(struct db *db, int *out)
{
	int64_t v;
	if (db_read_int64(db, "PRAGMA user_version", NULL, &v, "read"))
		return T3_EDATA;
	*out = (int)v;
	return 0;
}

static int migrate(struct db *db)
{
	int from, n;
	const char *const *m = migrations(db->kind, &n);
	char pragma[64];

	if (db_begin(db))
		return T3_EDATA;
	/* re-read under the write lock: another process may have migrated */
	if (user_version(db, &from))
		goto fail;
	for (int v = from; v < n; v++)
		if (db_exec(db, m[v]))
			goto fail;
	/* data.db's step after its first migration: the shipped catalog */
	if (from == 0 && db->kind == DB_DATA && models_catalog_load_new(db))
		goto fail;
	snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", n);
	if (from < n && db_exec(db, pragma))
		goto fail;
	return db_commit(db);
fail:
	db_rollback(db);
	return T3_EDATA;
}

/* Create the file with mode 0600 ourselves, so that sqlite (which gives
 * the -wal and -shm files the mode of the database) never makes it
 * readable by others, whatever the umask. */
static int create_private(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0)
		return close(fd);
	if (errno == EEXIST)
		return 0;
	return t3_error(T3_EDATA, "cannot create database '%s': %s", path, strerror(errno));
}

static void iso_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	char buf[TIME_ISO_LEN + 1];
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	time_fmt_iso(buf, sqlite3_value_int64(argv[0]));
	sqlite3_result_text(ctx, buf, TIME_ISO_LEN, SQLITE_TRANSIENT);
}

/* After each commit: remember the WAL's size for db_close, and in a
 * long-running writer checkpoint as SQLite's own autocheckpoint would. */
static int wal_hook(void *ctx, sqlite3 *h, const char *name, int frames)
{
	struct db *db = ctx;
	db->wal_frames = frames;
	if (frames >= 1000)
		sqlite3_wal_checkpoint_v2(h, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	return SQLITE_OK;
}

int db_open(struct db *db, const char *path, enum db_kind kind)
{
	int version, n;

	memset(db, 0, sizeof *db);
	db->path = xstrdup(path);
	db->kind = kind;
	umask(077);
	if (create_private(path))
		goto fail;
	if (sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		db_error(db, "open");
		goto fail;
	}
	db->busy_ms = busy_timeout_ms();
	sqlite3_busy_handler(db->h, busy_handler, db);
	sqlite3_extended_result_codes(db->h, 1);
	sqlite3_create_function(db->h, "t3_iso", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC |
				SQLITE_INNOCUOUS, NULL, iso_fn, NULL, NULL);
	/* read the version before anything can write to the file */
	if (user_version(db, &version))
		goto fail;
	migrations(kind, &n);
	if (version > n) {
		t3_error(T3_EDATA, "database '%s' has schema version %d, newer than this t3 "
			 "understands (%d): upgrade t3", path, version, n);
		goto fail;
	}
	/* Checkpoints are ours (wal_hook, db_close), not SQLite's at every
	 * close: see db_close. */
	sqlite3_db_config(db->h, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	sqlite3_wal_hook(db->h, wal_hook, db);
	if (db_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
		    " PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY"))
		goto fail;
	if (version < n && migrate(db))
		goto fail;
	return 0;
fail:
	db_close(db);
	return T3_EDATA;
}

/* SQLite's default, a checkpoint by the last connection to close, costs
 * a short run such as one chat four fsyncs, and the next writer two more
 * to create the WAL afresh (its header, its directory): ~2 ms of a ~12 ms
 * run. So the WAL is left in place, committed and durable as ever (it
 * is part of the database, and goes with it in a backup made by SQLite),
 * and the next process rebuilds its index from it, which costs it about
 * 1 us per frame. Past DB_CKPT_FRAMES (~256 KiB) the closing process
 * copies the WAL into the database and truncates it. It does not wait for
 * this: with another process in the database (busy), the next one to
 * close will do it. TRUNCATE rather than PASSIVE because only an emptied
 * WAL starts again from its beginning; a merely copied one would go on
 * growing across processes, each open reading it all. */
void db_close(struct db *db)
{
	if (db->h && db->wal_frames >= DB_CKPT_FRAMES) {
		sqlite3_busy_timeout(db->h, 0);
		sqlite3_wal_checkpoint_v2(db->h, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	}
	if (db->h)
		sqlite3_close_v2(db->h);
	free(db->path);
	memset(db, 0, sizeof *db);
}

void db_bind_opt_long(sqlite3_stmt *st, int i, long v)
{
	if (v < 0)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, v);
}

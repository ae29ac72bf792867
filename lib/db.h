/* db.h: opening user.db and data.db, pragmas, migrations, transactions. */
#ifndef T3_DB_H
#define T3_DB_H

#include <signal.h>
#include <sqlite3.h>
#include <stdint.h>

enum db_kind { DB_USER, DB_DATA };

struct db {
	sqlite3 *h;
	char *path;
	enum db_kind kind;
	int in_tx;
	int wal_frames;		/* frames in the WAL after our last commit */
	long busy_ms;		/* how long to wait for another's lock */
	volatile sig_atomic_t *interrupt;   /* see db_set_interrupt */
};

/* Schema versions this build knows (PRAGMA user_version). */
int db_schema_version(enum db_kind kind);

/* Open (creating it, mode 0600, if missing) and bring the schema up to
 * date in one transaction. A database whose user_version is newer than
 * this build is refused (T3_EDATA) before anything is written. The
 * connection uses WAL, a busy timeout and foreign keys. */
int db_open(struct db *db, const char *path, enum db_kind kind);
/* Close. The WAL is kept for the next process unless it has grown past
 * DB_CKPT_FRAMES frames: then it is checkpointed and truncated, if no
 * other connection is busy with it at that moment. */
#define DB_CKPT_FRAMES 64
void db_close(struct db *db);

/* Report the connection's last error as "database 'PATH': what: MSG
 * (code N)" and return T3_EDATA. */
int db_error(struct db *db, const char *what);

int db_prepare(struct db *db, sqlite3_stmt **st, const char *sql);
/* Run SQL with no parameters and no result rows. */
int db_exec(struct db *db, const char *sql);
/* Waits for another connection's lock (up to T3_BUSY_TIMEOUT ms, 10 s by
 * default) give up as soon as *flag is non-zero: a signal handler sets it
 * and the statement fails with "database is locked" within 10 ms. */
void db_set_interrupt(struct db *db, volatile sig_atomic_t *flag);
/* The last error was a lock held by another connection. */
int db_busy(struct db *db);
/* BEGIN IMMEDIATE quietly, waiting for a lock (wait) or not: 0, or 1
 * (nothing printed; db_busy tells a lock from another failure). */
int db_try_begin(struct db *db, int wait);
/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. db_rollback never fails loudly. */
int db_begin(struct db *db);
int db_commit(struct db *db);
void db_rollback(struct db *db);
/* BEGIN (deferred): several reads see one snapshot, ended by
 * db_rollback. 0 and nothing begun (*began 0) when a transaction is open
 * already. */
int db_begin_read(struct db *db, int *began);
/* Step a statement expected to finish (no rows); returns 0 or T3_EDATA. */
int db_step_done(struct db *db, sqlite3_stmt *st);

/* One statement start to finish: prepare SQL, bind a and b to ?1 and ?2
 * (NULL binds SQL NULL; parameters beyond the statement's own count are
 * ignored), step it to the end and finalize. 0 or T3_EDATA. */
int db_exec_text(struct db *db, const char *sql, const char *a, const char *b);
/* Prepare SQL, bind arg to ?1 (if it has one), read column 0 of the first
 * row into *out (unless out is NULL) and finalize. 0; T3_ENEG when there is
 * no row (nothing printed); T3_EDATA after an error message ("what" names
 * the step, as in db_error). */
int db_read_int64(struct db *db, const char *sql, const char *arg, int64_t *out,
		  const char *what);
/* The same for a query that only says whether there is a row: 1, 0, or
 * -1 after an error message. */
int db_exists(struct db *db, const char *sql, const char *arg, const char *what);
/* The loop of every listing: step a prepared and bound st, calling fn for
 * each row until it returns non-zero (that value is returned); a step
 * error is reported naming "what" (T3_EDATA). st is finalized. */
int db_each_row(struct db *db, sqlite3_stmt *st, int (*fn)(void *ctx, sqlite3_stmt *st),
		void *ctx, const char *what);

/* Bind helpers: NULL strings bind SQL NULL. */
void db_bind_text(sqlite3_stmt *st, int i, const char *s);
const char *db_col_text(sqlite3_stmt *st, int i); /* "" for NULL */
/* A count or duration that may be unknown: v < 0 binds SQL NULL. */
void db_bind_opt_long(sqlite3_stmt *st, int i, long v);

/* SQL expression for an INTEGER unix-ms column as ISO-8601 UTC with
 * milliseconds: t3_iso() is time_fmt_iso() registered on every
 * connection (five times faster than strftime() over large listings). */
#define DB_SQL_ISO(col) "t3_iso(" col ")"


#endif

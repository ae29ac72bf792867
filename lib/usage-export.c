/* usage-export.c: usage_metrics rows out as NDJSON or CSV, and pruning
 * old rows in short transactions (see usage-report.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "msg.h"
#include "timeutil.h"
#include "usage-report.h"

/* the columns, in export order; rowid last (for the keyset) */
#define EXPORT_COLS "usage_id, user_id, timestamp, model_name, tokens_used, status_code, " \
	"provider_name, prompt_tokens, completion_tokens, reasoning_tokens, cached_tokens, " \
	"tokens_estimated, cost_usd, chat_id, message_id, first_token_ms, total_ms, " \
	"http_status, attempt, rowid"
#define NCOLS 19
#define COL_TIMESTAMP 2
#define COL_COST 12

static const char *const names[NCOLS] = {
	"usage_id", "user_id", "timestamp", "model_name", "tokens_used", "status_code",
	"provider_name", "prompt_tokens", "completion_tokens", "reasoning_tokens",
	"cached_tokens", "tokens_estimated", "cost_usd", "chat_id", "message_id",
	"first_token_ms", "total_ms", "http_status", "attempt"
};

const char *usage_export_header(void)
{
	return "usage_id,user_id,timestamp,model_name,tokens_used,status_code,provider_name,"
	       "prompt_tokens,completion_tokens,reasoning_tokens,cached_tokens,tokens_estimated,"
	       "cost_usd,chat_id,message_id,first_token_ms,total_ms,http_status,attempt";
}

void usage_text_json(struct strbuf *sb, const unsigned char *s, size_t n)
{
	sb_addc(sb, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		if (c == '"' || c == '\\') {
			sb_addc(sb, '\\');
			sb_addc(sb, c);
		} else if (c < 0x20) {
			sb_addf(sb, "\\u%04x", c);
		} else {
			sb_addc(sb, c);
		}
	}
	sb_addc(sb, '"');
}

void usage_text_tsv(struct strbuf *sb, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '\t': sb_add(sb, "\\t", 2); break;
		case '\n': sb_add(sb, "\\n", 2); break;
		case '\r': sb_add(sb, "\\r", 2); break;
		case '\\': sb_add(sb, "\\\\", 2); break;
		default: sb_addc(sb, s[i]);
		}
	}
}

void usage_text_int(struct strbuf *sb, int64_t v)
{
	char buf[24], *p = buf + sizeof buf;
	uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do
		*--p = (char)('0' + a % 10);
	while (a /= 10);
	if (v < 0)
		*--p = '-';
	sb_add(sb, p, (size_t)(buf + sizeof buf - p));
}

void usage_text_csv(struct strbuf *sb, const char *s, size_t n)
{
	if (!memchr(s, ',', n) && !memchr(s, '"', n) && !memchr(s, '\n', n) && !memchr(s, '\r', n)) {
		sb_add(sb, s, n);
		return;
	}
	sb_addc(sb, '"');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			sb_addc(sb, '"');
		sb_addc(sb, s[i]);
	}
	sb_addc(sb, '"');
}

static void export_line(sqlite3_stmt *st, int csv, struct strbuf *sb)
{
	char buf[32];
	if (!csv)
		sb_addc(sb, '{');
	for (int i = 0; i < NCOLS; i++) {
		int type = sqlite3_column_type(st, i);
		if (i)
			sb_addc(sb, ',');
		if (!csv)
			sb_addf(sb, "\"%s\":", names[i]);
		if (i == COL_TIMESTAMP) {
			time_fmt_iso(buf, sqlite3_column_int64(st, i));
			sb_adds(sb, buf);
			if (!csv) {
				sb->len -= strlen(buf);
				sb->buf[sb->len] = '\0';
				usage_text_json(sb, (const unsigned char *)buf, strlen(buf));
			}
		} else if (i == COL_COST) {
			/* nano-dollars, as the reports count them: no exponent */
			int64_t n = usage_cost_nusd(sqlite3_column_double(st, i));
			uint64_t a = n < 0 ? (uint64_t)0 - (uint64_t)n : (uint64_t)n;
			sb_addf(sb, "%s%llu.%09llu", n < 0 ? "-" : "", (unsigned long long)(a / 1000000000),
				(unsigned long long)(a % 1000000000));
		} else if (type == SQLITE_NULL) {
			if (!csv)
				sb_adds(sb, "null");
		} else if (type == SQLITE_INTEGER) {
			sb_addf(sb, "%lld", (long long)sqlite3_column_int64(st, i));
		} else {
			const unsigned char *s = sqlite3_column_text(st, i);
			size_t n = (size_t)sqlite3_column_bytes(st, i);
			if (csv)
				usage_text_csv(sb, (const char *)s, n);
			else
				usage_text_json(sb, s, n);
		}
	}
	sb_adds(sb, csv ? "\n" : "}\n");
}

/* Step through the rows of [since, until) (of one user, or all) in
 * (timestamp, rowid) order, limit rows a statement (once: only the first
 * limit rows); fn gets each row. */
static int each_row(struct db *ddb, const char *user_id, int64_t since, int64_t until,
		    int64_t limit, int once, int (*fn)(void *ctx, sqlite3_stmt *st), void *ctx,
		    int64_t *count)
{
	sqlite3_stmt *st;
	int64_t last_ts = INT64_MIN, last_rowid = INT64_MIN, n;
	int rc, r = 0;

	*count = 0;
	if (db_prepare(ddb, &st, "SELECT " EXPORT_COLS " FROM usage_metrics INDEXED BY "
		       "usage_metrics_timestamp WHERE timestamp >= ?1 AND timestamp < ?2 AND "
		       "(timestamp, rowid) > (?3, ?4) AND (?5 IS NULL OR user_id = ?5) "
		       "ORDER BY timestamp, rowid LIMIT ?6"))
		return T3_EDATA;
	do {
		sqlite3_reset(st);
		/* the range starts at the last row seen, not at since */
		sqlite3_bind_int64(st, 1, last_ts > since ? last_ts : since);
		sqlite3_bind_int64(st, 2, until);
		sqlite3_bind_int64(st, 3, last_ts);
		sqlite3_bind_int64(st, 4, last_rowid);
		db_bind_text(st, 5, user_id);
		sqlite3_bind_int64(st, 6, limit);
		n = 0;
		while (!r && (rc = sqlite3_step(st)) == SQLITE_ROW) {
			n++;
			last_ts = sqlite3_column_int64(st, COL_TIMESTAMP);
			last_rowid = sqlite3_column_int64(st, NCOLS);
			r = fn(ctx, st);
		}
		if (!r && rc != SQLITE_DONE)
			r = db_error(ddb, "read usage");
		*count += n;
	} while (!r && !once && n == limit);
	sqlite3_finalize(st);
	return r;
}

struct export_ctx {
	FILE *fp;
	int csv;
	struct strbuf sb;
};

static int write_one(void *vctx, sqlite3_stmt *st)
{
	struct export_ctx *c = vctx;
	sb_reset(&c->sb);
	export_line(st, c->csv, &c->sb);
	if (fwrite(c->sb.buf, 1, c->sb.len, c->fp) != c->sb.len)
		return T3_EDATA;	/* the caller reports the stream's error */
	return 0;
}

int usage_export(struct db *ddb, const char *user_id, int64_t since, int64_t until, int csv,
		 FILE *fp, int64_t *n)
{
	struct export_ctx c = { fp, csv, STRBUF_INIT };
	int r = each_row(ddb, user_id, since, until, USAGE_REPORT_CHUNK, 0, write_one, &c, n);
	sb_release(&c.sb);
	return r;
}

#define PRUNE_BATCH 2000

int usage_prune(struct db *ddb, int64_t before, FILE *archive, const char *archive_name,
		int64_t *deleted)
{
	struct export_ctx c = { archive, 0, STRBUF_INIT };
	sqlite3_stmt *del = NULL;
	int64_t n;
	int r = 0;

	*deleted = 0;
	if (db_prepare(ddb, &del, "DELETE FROM usage_metrics WHERE rowid IN (SELECT rowid FROM "
		       "usage_metrics INDEXED BY usage_metrics_timestamp WHERE timestamp < ?1 "
		       "ORDER BY timestamp, rowid LIMIT ?2)"))
		return T3_EDATA;
	for (;;) {
		/* one batch: archived (and synced) and deleted inside one
		 * short write transaction */
		if ((r = db_begin(ddb)))
			break;
		if (archive) {
			errno = 0;
			r = each_row(ddb, NULL, INT64_MIN, before, PRUNE_BATCH, 1, write_one, &c, &n);
			if ((!r || ferror(archive)) &&
			    (ferror(archive) || fflush(archive) || fsync(fileno(archive))))
				r = t3_error(T3_EDATA, "cannot write archive '%s': %s", archive_name,
					     strerror(errno ? errno : EIO));
		}
		if (!r) {
			sqlite3_reset(del);
			sqlite3_bind_int64(del, 1, before);
			sqlite3_bind_int(del, 2, PRUNE_BATCH);
			r = db_step_done(ddb, del);
		}
		n = r ? 0 : sqlite3_changes(ddb->h);
		if (r || (r = db_commit(ddb))) {
			db_rollback(ddb);
			break;
		}
		*deleted += n;
		if (n < PRUNE_BATCH)
			break;
	}
	sqlite3_finalize(del);
	sb_release(&c.sb);
	return r;
}

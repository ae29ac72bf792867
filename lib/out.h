/* out.h: the output layer shared by every tool. Rows are jansson objects
 * whose members are already in their JSON form (timestamps as ISO-8601
 * strings); columns pick and order the members for the text formats. */
#ifndef T3_OUT_H
#define T3_OUT_H

#include <jansson.h>
#include <stdio.h>

#include "buf.h"

enum out_fmt {
	OUT_TABLE,  /* aligned columns with a header (the default) */
	OUT_JSON,   /* one array for a listing, one object for a record */
	OUT_JSONL,  /* one object per line */
	OUT_TSV,    /* header line, then tab-separated values */
	OUT_CSV,    /* RFC 4180 */
	OUT_IDS     /* the key column only, one per line (-q) */
};

struct out_col {
	const char *key;    /* member name in the row object */
	const char *label;  /* table header; NULL: upper-cased key */
	int max;            /* table: widest the column grows (0: no limit);
			       a longer cell stands on a line of its own and
			       the row goes on below it, as df(1) does */
};

struct out {
	enum out_fmt fmt;
	FILE *fp;
	const struct out_col *cols;
	int ncols;
	int single;         /* one record: JSON object, table as key/value */
	int quiet_empty;    /* table: no header either when there is no row */
	long nrows;
	json_t *held;       /* rows kept for the table layout */
};

/* Flags for JSON output: compact, keys in insertion order, 15 digits. */
#define OUT_JSON_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))

void out_begin(struct out *o, enum out_fmt fmt, const struct out_col *cols,
	       int ncols, int single);
void out_begin_fp(struct out *o, FILE *fp, enum out_fmt fmt,
		  const struct out_col *cols, int ncols, int single);
/* Write (or keep) one row; takes over the reference. */
void out_row_new(struct out *o, json_t *row);
/* Write one row given as serialised JSON object text (from SQLite's
 * json_object()): copied as is for --json/--jsonl, parsed for the rest. */
void out_row_text(struct out *o, const char *json, size_t len);
void out_end(struct out *o);

/* A scalar as text for tables and TSV: strings raw, null empty, reals
 * in plain decimal (num_format: never an exponent). */
void out_scalar(struct strbuf *sb, json_t *v);

/* fflush(stdout): 0, or -1 with errno set. The errno of the first
 * failure is kept for out_finish, so that its message names the cause
 * even when later calls (isatty, say) have changed errno. */
int out_flush_stdout(void);
/* Call at the end of main: flushes stdout; a write error is reported and
 * turned into T3_EDATA; a closed pipe (EPIPE) exits 141 quietly. */
int out_finish(int code);
/* Exit quietly with 141 if errno says the reader went away. */
void out_check_pipe(FILE *fp);

#endif

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <unistd.h>

#include "buf.h"
#include "msg.h"
#include "num.h"
#include "out.h"
#include "safe.h"

void out_check_pipe(FILE *fp)
{
	if (ferror(fp) && errno == EPIPE)
		_exit(T3_EPIPE);
}

void out_begin(struct out *o, enum out_fmt fmt, const struct out_col *cols,
	       int ncols, int single)
{
	out_begin_fp(o, stdout, fmt, cols, ncols, single);
}

void out_begin_fp(struct out *o, FILE *fp, enum out_fmt fmt,
		  const struct out_col *cols, int ncols, int single)
{
	memset(o, 0, sizeof *o);
	o->fmt = fmt;
	o->fp = fp;
	o->cols = cols;
	o->ncols = ncols;
	o->single = single;
	if (fmt == OUT_TABLE)
		o->held = json_array();
	if (fmt == OUT_JSON && !single)
		fputc('[', o->fp);
	if (fmt == OUT_TSV || fmt == OUT_CSV) {
		for (int i = 0; i < ncols; i++) {
			if (i)
				fputc(fmt == OUT_TSV ? '\t' : ',', o->fp);
			fputs(cols[i].key, o->fp);
		}
		fputc('\n', o->fp);
	}
}

void out_scalar(struct strbuf *sb, json_t *v)
{
	switch (json_typeof(v ? v : json_null())) {
	case JSON_STRING:
		sb_add(sb, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		sb_addf(sb, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		num_format(sb, json_real_value(v));
		break;
	case JSON_TRUE:
		sb_adds(sb, "true");
		break;
	case JSON_FALSE:
		sb_adds(sb, "false");
		break;
	case JSON_NULL:
		break;
	default: {
		char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
		sb_adds(sb, s);
		free(s);
	}
	}
}

static void put_tsv(FILE *fp, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '\t': fputs("\\t", fp); break;
		case '\n': fputs("\\n", fp); break;
		case '\r': fputs("\\r", fp); break;
		case '\\': fputs("\\\\", fp); break;
		default: fputc(s[i], fp);
		}
	}
}

static void put_csv(FILE *fp, const char *s, size_t n)
{
	if (!memchr(s, ',', n) && !memchr(s, '"', n) && !memchr(s, '\n', n) &&
	    !memchr(s, '\r', n)) {
		fwrite(s, 1, n, fp);
		return;
	}
	fputc('"', fp);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			fputc('"', fp);
		fputc(s[i], fp);
	}
	fputc('"', fp);
}

static void write_sep_row(struct out *o, json_t *row)
{
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < o->ncols; i++) {
		if (i)
			fputc(o->fmt == OUT_TSV ? '\t' : ',', o->fp);
		sb_reset(&sb);
		out_scalar(&sb, json_object_get(row, o->cols[i].key));
		if (o->fmt == OUT_TSV)
			put_tsv(o->fp, sb.buf, sb.len);
		else
			put_csv(o->fp, sb.buf, sb.len);
	}
	fputc('\n', o->fp);
	sb_release(&sb);
}

/* Serialise through a reused buffer: json_dumpf would call fwrite for
 * every token, which costs more than building the row. */
static void dump_row(FILE *fp, json_t *row)
{
	static char *buf;
	static size_t cap;
	size_t n = json_dumpb(row, buf, cap, OUT_JSON_FLAGS);
	if (n > cap) {
		cap = n + 1024;
		buf = xrealloc(buf, cap);
		n = json_dumpb(row, buf, cap, OUT_JSON_FLAGS);
	}
	fwrite(buf, 1, n, fp);
}

void out_row_new(struct out *o, json_t *row)
{
	struct strbuf sb = STRBUF_INIT;

	switch (o->fmt) {
	case OUT_TABLE:
		json_array_append_new(o->held, row);
		row = NULL;
		break;
	case OUT_JSON:
		if (!o->single && o->nrows)
			fputc(',', o->fp);
		if (!o->single)
			fputc('\n', o->fp);
		dump_row(o->fp, row);
		if (o->single)
			fputc('\n', o->fp);
		break;
	case OUT_JSONL:
		dump_row(o->fp, row);
		fputc('\n', o->fp);
		break;
	case OUT_TSV:
	case OUT_CSV:
		write_sep_row(o, row);
		break;
	case OUT_IDS:
		out_scalar(&sb, json_object_get(row, o->cols[0].key));
		fwrite(sb.buf, 1, sb.len, o->fp);
		fputc('\n', o->fp);
		break;
	}
	o->nrows++;
	json_decref(row);
	sb_release(&sb);
	out_check_pipe(o->fp);
}

void out_row_text(struct out *o, const char *json, size_t len)
{
	if (o->fmt == OUT_JSON || o->fmt == OUT_JSONL) {
		if (o->fmt == OUT_JSON && !o->single)
			fputs(o->nrows ? ",\n" : "\n", o->fp);
		fwrite(json, 1, len, o->fp);
		if (o->fmt == OUT_JSONL || o->single)
			fputc('\n', o->fp);
		o->nrows++;
		out_check_pipe(o->fp);
		return;
	}
	json_t *row = json_loadb(json, len, JSON_DECODE_ANY, NULL);
	if (!json_is_object(row))
		BUG("out_row_text given something that is not a JSON object");
	out_row_new(o, row);
}

static char *label_of(const struct out_col *c)
{
	char *s = xstrdup(c->label ? c->label : c->key);
	if (!c->label)
		for (char *p = s; *p; p++)
			*p = *p == '_' ? ' ' : (char)toupper((unsigned char)*p);
	return s;
}

/* Display width of UTF-8 text, counting code points (good enough for
 * the mostly ASCII values t3 shows). */
static size_t text_width(const char *s, size_t n)
{
	size_t w = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			w++;
	return w;
}

/* A table is for people: a cell stays on its line (newline and tab as a
 * space) and shows other control characters (safe.h) rather than sending
 * them to the terminal. */
static void table_cell(struct strbuf *sb, json_t *v)
{
	struct strbuf raw = STRBUF_INIT;

	sb_reset(sb);
	if (json_is_true(v))
		sb_adds(sb, "yes");
	else if (json_is_false(v))
		sb_adds(sb, "no");
	else if (!v || json_is_null(v))
		sb_adds(sb, "-");
	else {
		out_scalar(&raw, v);
		for (size_t i = 0; i < raw.len; i++)
			if (raw.buf[i] == '\n' || raw.buf[i] == '\t')
				raw.buf[i] = ' ';
		safe_append(sb, raw.buf, raw.len);
	}
	sb_release(&raw);
}

static void write_table(struct out *o)
{
	struct strbuf sb = STRBUF_INIT;
	size_t nrows = json_array_size(o->held);
	size_t *w = xcalloc((size_t)o->ncols, sizeof *w);
	char *num = xcalloc((size_t)o->ncols, 1);
	char **labels = xcalloc((size_t)o->ncols, sizeof *labels);

	if (!nrows && o->quiet_empty && !o->single)
		goto done;
	for (int c = 0; c < o->ncols; c++) {
		labels[c] = label_of(&o->cols[c]);
		w[c] = text_width(labels[c], strlen(labels[c]));
	}
	if (o->single) {
		/* key/value lines, keys aligned */
		size_t kw = 0;
		for (int c = 0; c < o->ncols; c++)
			if (strlen(o->cols[c].key) > kw)
				kw = strlen(o->cols[c].key);
		for (size_t r = 0; r < nrows; r++)
			for (int c = 0; c < o->ncols; c++) {
				table_cell(&sb, json_object_get(json_array_get(o->held, r), o->cols[c].key));
				fprintf(o->fp, "%-*s  %s\n", (int)kw, o->cols[c].key, sb.buf);
			}
		goto done;
	}
	for (size_t r = 0; r < nrows; r++)
		for (int c = 0; c < o->ncols; c++) {
			json_t *v = json_object_get(json_array_get(o->held, r), o->cols[c].key);
			table_cell(&sb, v);
			size_t tw = text_width(sb.buf, sb.len);
			if (json_is_number(v))
				num[c] = 1;
			if (tw > w[c] && (!o->cols[c].max || tw <= (size_t)o->cols[c].max))
				w[c] = tw;
		}
	for (int c = 0; c < o->ncols; c++)
		fprintf(o->fp, num[c] ? "%s%*s" : "%s%-*s", c ? "  " : "",
			c == o->ncols - 1 && !num[c] ? 0 : (int)w[c], labels[c]);
	fputc('\n', o->fp);
	for (size_t r = 0; r < nrows; r++) {
		size_t at = 0;	/* where the next column starts */
		for (int c = 0; c < o->ncols; c++) {
			json_t *v = json_object_get(json_array_get(o->held, r), o->cols[c].key);
			table_cell(&sb, v);
			size_t tw = text_width(sb.buf, sb.len);
			size_t pad = tw < w[c] ? w[c] - tw : 0;
			int right = num[c];
			if (c)
				fputs("  ", o->fp);
			if (right)
				fprintf(o->fp, "%*s", (int)pad, "");
			fwrite(sb.buf, 1, sb.len, o->fp);
			at += (c ? 2 : 0) + w[c];
			if (tw > w[c] && c < o->ncols - 1)
				/* too wide: the rest of the row on the next line */
				fprintf(o->fp, "\n%*s", (int)at, "");
			else if (!right && c < o->ncols - 1)
				fprintf(o->fp, "%*s", (int)pad, "");
		}
		fputc('\n', o->fp);
	}
done:
	for (int c = 0; c < o->ncols; c++)
		free(labels[c]);
	free(labels);
	free(w);
	free(num);
	sb_release(&sb);
}

void out_end(struct out *o)
{
	if (o->fmt == OUT_TABLE) {
		write_table(o);
		json_decref(o->held);
		o->held = NULL;
	}
	if (o->fmt == OUT_JSON && !o->single)
		fputs(o->nrows ? "\n]\n" : "]\n", o->fp);
	out_check_pipe(o->fp);
}

static int stdout_errno;

int out_flush_stdout(void)
{
	if (!fflush(stdout) && !ferror(stdout))
		return 0;
	if (!stdout_errno)
		stdout_errno = errno ? errno : EIO;
	errno = stdout_errno;
	return -1;
}

int out_finish(int code)
{
	if (out_flush_stdout() || fclose(stdout)) {
		if (errno == EPIPE)
			_exit(T3_EPIPE);
		return t3_error(T3_EDATA, "write error on standard output: %s", strerror(errno));
	}
	return code;
}

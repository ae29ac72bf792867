#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "msg.h"
#include "safe.h"

const char *t3_progname = "t3";
const char *t3_error_context;

/* Where to cut s[0..n) to keep at most max bytes without splitting a
 * UTF-8 sequence. */
static size_t utf8_cut(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	while (max && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return max;
}

void msg_make_safe(struct strbuf *out, const char *text, size_t n)
{
	struct strbuf cut = STRBUF_INIT;
	const char *p = text, *end = text + n;

	/* shorten each quoted subject first, then neutralise the lot */
	while (p < end) {
		const char *q = memchr(p, '\'', (size_t)(end - p)), *close;
		if (!q) {
			sb_add(&cut, p, (size_t)(end - p));
			break;
		}
		sb_add(&cut, p, (size_t)(q - p + 1));
		close = memchr(q + 1, '\'', (size_t)(end - q - 1));
		if (!close)
			close = end;
		{
			size_t len = (size_t)(close - q - 1), keep = utf8_cut(q + 1, len,
									      T3_MSG_SUBJECT_MAX);
			sb_add(&cut, q + 1, keep);
			if (keep < len)
				sb_adds(&cut, "...");
		}
		if (close == end)
			break;
		sb_addc(&cut, '\'');
		p = close + 1;
	}
	safe_append(out, cut.buf, cut.len);
	if (out->len > T3_MSG_LINE_MAX) {
		out->len = utf8_cut(out->buf, out->len, T3_MSG_LINE_MAX);
		out->buf[out->len] = '\0';
		sb_adds(out, "...");
	}
	sb_release(&cut);
}

static void vreport(const char *kind, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void vreport(const char *kind, const char *fmt, va_list ap)
{
	struct strbuf body = STRBUF_INIT, line = STRBUF_INIT;

	if (t3_error_context)
		sb_addf(&body, "%s: ", t3_error_context);
	sb_vaddf(&body, fmt, ap);
	sb_addf(&line, "%s: ", t3_progname);
	if (kind)
		sb_addf(&line, "%s: ", kind);
	msg_make_safe(&line, body.buf, body.len);
	sb_addc(&line, '\n');
	fflush(stdout);
	fwrite(line.buf, 1, line.len, stderr);
	sb_release(&body);
	sb_release(&line);
}

int t3_verror(int code, const char *fmt, va_list ap)
{
	vreport("error", fmt, ap);
	return code;
}

int t3_error(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport("error", fmt, ap);
	va_end(ap);
	return code;
}

void t3_warning(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport("warning", fmt, ap);
	va_end(ap);
}

void t3_note(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(NULL, fmt, ap);
	va_end(ap);
}

void t3_die(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport("error", fmt, ap);
	va_end(ap);
	exit(code);
}

void t3_bug(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: BUG: %s:%d: ", t3_progname, file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* safe.c: control characters shown, not executed, on a terminal. */
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "safe.h"

/* The length of a valid UTF-8 sequence starting at p (at most n bytes
 * available) and its code point; 0 when p[0] does not start one; -1 when
 * the n bytes are a valid but unfinished start. */
static int utf8_unit(const unsigned char *p, size_t n, unsigned *cp)
{
	unsigned char b = p[0], lo = 0x80, hi = 0xBF;
	int len;
	unsigned c;

	if (b >= 0xC2 && b <= 0xDF)
		len = 2, c = b & 0x1F;
	else if (b >= 0xE0 && b <= 0xEF)
		len = 3, c = b & 0x0F;
	else if (b >= 0xF0 && b <= 0xF4)
		len = 4, c = b & 0x07;
	else
		return 0;
	if (b == 0xE0)
		lo = 0xA0;
	else if (b == 0xED)
		hi = 0x9F;
	else if (b == 0xF0)
		lo = 0x90;
	else if (b == 0xF4)
		hi = 0x8F;
	for (int i = 1; i < len; i++) {
		if ((size_t)i >= n)
			return -1;
		if (p[i] < (i == 1 ? lo : 0x80) || p[i] > (i == 1 ? hi : 0xBF))
			return 0;
		c = c << 6 | (p[i] & 0x3F);
	}
	*cp = c;
	return len;
}

static void caret(struct strbuf *sb, const char *pre, unsigned c)
{
	sb_adds(sb, pre);
	sb_addc(sb, '^');
	sb_addc(sb, c == 0x7F ? '?' : (int)(c + 64));
}

/* Neutralise p[0..n) into sb; keep_lf: newline and tab pass. Returns how
 * many bytes were used: fewer than n only when hold is set and the text
 * ends inside a UTF-8 sequence. */
static size_t neutralise(struct strbuf *sb, const unsigned char *p, size_t n,
			 int keep_lf, int hold)
{
	size_t i = 0;

	while (i < n) {
		unsigned char b = p[i];
		unsigned cp;
		int len;

		if (b < 0x80) {
			if ((b < 0x20 && !(keep_lf && (b == '\n' || b == '\t'))) || b == 0x7F)
				caret(sb, "", b);
			else
				sb_addc(sb, b);
			i++;
			continue;
		}
		len = utf8_unit(p + i, n - i, &cp);
		if (len < 0 && hold)
			return i;
		if (len <= 0) {		/* a byte that is not UTF-8 */
			if (b <= 0x9F)
				caret(sb, "M-", b & 0x7F);
			else
				sb_addc(sb, b);
			i++;
			continue;
		}
		if (cp <= 0x9F)
			caret(sb, "M-", cp & 0x7F);
		else if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069))
			sb_addf(sb, "<U+%04X>", cp);
		else
			sb_add(sb, p + i, (size_t)len);
		i += (size_t)len;
	}
	return i;
}

void safe_out_init(struct safe_out *s, FILE *fp)
{
	s->fp = fp;
	s->neutralise = isatty(fileno(fp));
	s->nheld = 0;
}

void safe_out_write(struct safe_out *s, const char *p, size_t n)
{
	struct strbuf in = STRBUF_INIT, out = STRBUF_INIT;
	size_t used;

	if (!s->neutralise) {
		fwrite(p, 1, n, s->fp);
		return;
	}
	sb_add(&in, s->held, s->nheld);
	sb_add(&in, p, n);
	used = neutralise(&out, (unsigned char *)in.buf, in.len, 1, 1);
	s->nheld = in.len - used;	/* at most 3: a sequence's start */
	memcpy(s->held, in.buf + used, s->nheld);
	fwrite(out.buf, 1, out.len, s->fp);
	sb_release(&in);
	sb_release(&out);
}

void safe_out_end(struct safe_out *s)
{
	struct strbuf out = STRBUF_INIT;

	if (!s->nheld)
		return;
	neutralise(&out, s->held, s->nheld, 1, 0);
	s->nheld = 0;
	fwrite(out.buf, 1, out.len, s->fp);
	sb_release(&out);
}

int safe_text_valid(const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;
	for (size_t i = 0; i < n;) {
		unsigned cp;
		int len;
		if (u[i] < 0x80) {
			if (u[i] < 0x20 || u[i] == 0x7F)
				return 0;
			i++;
			continue;
		}
		if ((len = utf8_unit(u + i, n - i, &cp)) <= 0 || cp <= 0x9F ||
		    (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069))
			return 0;
		i += (size_t)len;
	}
	return 1;
}

void safe_append(struct strbuf *sb, const char *p, size_t n)
{
	neutralise(sb, (const unsigned char *)p, n, 0, 0);
}

/* sse.c: incremental Server-Sent-Events parser; see sse.h.
 *
 * Speed: complete lines are parsed in place from the caller's buffer; only
 * a line split across feeds is copied into p->line. Line ends are found
 * with memchr, and the positions of the next LF and the next CR are kept
 * across lines, so each byte is scanned once per character class however
 * the stream mixes its line ends. */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "sse.h"

static const char bom_bytes[3] = { '\xef', '\xbb', '\xbf' };

void sse_init(struct sse_parser *p, size_t max_line, sse_fn fn, void *ctx)
{
	memset(p, 0, sizeof(*p));
	p->fn = fn;
	p->ctx = ctx;
	p->max_line = max_line ? max_line : SSE_DEFAULT_MAX_LINE;
	p->max_event = p->max_line <= SIZE_MAX / 4 ? 4 * p->max_line : SIZE_MAX;
	p->retry = -1;
	sb_init(&p->line, 0);
	sb_init(&p->data, 0);
	sb_init(&p->type, 0);
	sb_init(&p->id, 0);
}

void sse_release(struct sse_parser *p)
{
	sb_release(&p->line);
	sb_release(&p->data);
	sb_release(&p->type);
	sb_release(&p->id);
}

static int sse_dispatch(struct sse_parser *p)
{
	struct sse_event ev;
	int rc;

	if (!p->ndata) {
		/* Spec: an empty data buffer resets the type and dispatches
		 * nothing. A "data:" line with an empty value still counts:
		 * the spec's buffer holds its LF. */
		sb_reset(&p->type);
		return 0;
	}
	if (p->type.len) {
		ev.type = p->type.buf;
		ev.type_len = p->type.len;
	} else {
		ev.type = "message";
		ev.type_len = 7;
	}
	ev.data = p->data.buf;
	ev.data_len = p->data.len;
	ev.id = p->id.buf;
	ev.id_len = p->id.len;
	p->events++;
	rc = p->fn ? p->fn(p->ctx, &ev) : 0;
	sb_reset(&p->data);
	sb_reset(&p->type);
	p->ndata = 0;
	return rc;
}

static void sse_set_retry(struct sse_parser *p, const char *v, size_t n)
{
	long ms = 0;
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return;
		if (ms > (LONG_MAX - 9) / 10)
			ms = LONG_MAX;	/* saturate rather than overflow */
		else
			ms = ms * 10 + (v[i] - '0');
	}
	p->retry = ms;
}

/* One complete line, without its line end. */
static int sse_line(struct sse_parser *p, const char *l, size_t n)
{
	const char *colon, *v;
	size_t name_len, vn;

	if (!n)
		return sse_dispatch(p);
	if (l[0] == ':')
		return 0;	/* comment */

	/* Fast path for the line nearly every event consists of. */
	if (n >= 5 && !memcmp(l, "data:", 5)) {
		colon = l + 4;
		name_len = 4;
	} else {
		colon = memchr(l, ':', n);
		name_len = colon ? (size_t)(colon - l) : n;
	}
	if (colon) {
		v = colon + 1;
		vn = n - name_len - 1;
		if (vn && *v == ' ') {
			v++;
			vn--;
		}
	} else {
		v = l + n;
		vn = 0;
	}

	switch (name_len) {
	case 4:
		if (!memcmp(l, "data", 4)) {
			size_t add = vn + (p->ndata ? 1 : 0);
			if (add > p->max_event || p->data.len > p->max_event - add)
				return SSE_ETOOLONG;
			if (p->ndata)
				sb_addc(&p->data, '\n');
			sb_add(&p->data, v, vn);
			p->ndata++;
		}
		break;
	case 5:
		if (!memcmp(l, "event", 5)) {
			sb_reset(&p->type);
			sb_add(&p->type, v, vn);
		} else if (!memcmp(l, "retry", 5)) {
			sse_set_retry(p, v, vn);
		}
		break;
	case 2:
		if (!memcmp(l, "id", 2) && !memchr(v, '\0', vn)) {
			sb_reset(&p->id);
			sb_add(&p->id, v, vn);
		}
		break;
	}
	return 0;
}

static int sse_parse(struct sse_parser *p, const char *s, size_t len)
{
	const char *end = s + len, *lf, *cr;
	int rc;

	if (s >= end)
		return 0;	/* an empty feed keeps a pending CR pending */
	if (p->saw_cr) {
		p->saw_cr = 0;
		if (*s == '\n' && ++s == end)
			return 0;
	}

	lf = memchr(s, '\n', (size_t)(end - s));
	if (!lf)
		lf = end;
	cr = memchr(s, '\r', (size_t)(end - s));
	if (!cr)
		cr = end;

	while (s < end) {
		const char *eol, *next, *l;
		size_t n;

		if (lf < s) {
			lf = memchr(s, '\n', (size_t)(end - s));
			if (!lf)
				lf = end;
		}
		if (cr < s) {
			cr = memchr(s, '\r', (size_t)(end - s));
			if (!cr)
				cr = end;
		}
		eol = lf < cr ? lf : cr;
		n = (size_t)(eol - s);

		if (eol == end) {
			/* A partial line: keep it for the next feed. */
			if (n > p->max_line || p->line.len > p->max_line - n)
				return SSE_ETOOLONG;
			sb_add(&p->line, s, n);
			return 0;
		}

		next = eol + 1;
		if (*eol == '\r') {
			if (next == end)
				p->saw_cr = 1;
			else if (*next == '\n')
				next++;
		}

		if (p->line.len) {
			if (n > p->max_line || p->line.len > p->max_line - n)
				return SSE_ETOOLONG;
			sb_add(&p->line, s, n);
			rc = sse_line(p, p->line.buf, p->line.len);
			sb_reset(&p->line);
		} else {
			if (n > p->max_line)
				return SSE_ETOOLONG;
			l = s;
			rc = sse_line(p, l, n);
		}
		if (rc)
			return rc;
		s = next;
	}
	return 0;
}

int sse_feed(struct sse_parser *p, const char *buf, size_t len)
{
	int rc;

	if (p->stopped)
		return p->stopped;

	/* Skip one leading BOM, which may itself arrive split. */
	while (p->bom >= 0 && len) {
		if (*buf == bom_bytes[p->bom]) {
			buf++;
			len--;
			if (++p->bom == 3)
				p->bom = -1;
			continue;
		}
		/* Not a BOM after all: the bytes held back are data. */
		rc = sse_parse(p, bom_bytes, (size_t)p->bom);
		p->bom = -1;
		if (rc)
			return p->stopped = rc;
	}

	rc = sse_parse(p, buf, len);
	if (rc)
		p->stopped = rc;
	return rc;
}

int sse_finish(struct sse_parser *p)
{
	int pending = p->line.len || p->ndata || p->type.len ||
		(p->bom > 0);

	sb_reset(&p->line);
	sb_reset(&p->data);
	sb_reset(&p->type);
	p->ndata = 0;
	p->saw_cr = 0;
	p->bom = 0;
	p->stopped = 0;
	return pending;
}

/* sse.h: an incremental Server-Sent-Events parser (WHATWG HTML,
 * "Interpreting an event stream"). Pure: no I/O, no printing.
 *
 * Feed it bytes as they arrive, in chunks of any size; it calls back once
 * per dispatched event. Line ends may be LF, CR or CRLF, including a CR
 * that ends one feed and an LF that starts the next (one line end). A
 * leading UTF-8 byte order mark is skipped. Lines are bounded by max_line
 * bytes and the data of one event by max_event bytes: going past either
 * makes sse_feed return SSE_ETOOLONG instead of growing without bound. */
#ifndef T3_SSE_H
#define T3_SSE_H

#include <stddef.h>

#include "buf.h"

/* A line longer than max_line, or an event whose data would exceed
 * max_event. Negative so that it cannot clash with a callback's return. */
#define SSE_ETOOLONG (-2)

#define SSE_DEFAULT_MAX_LINE (1024 * 1024)

/* One dispatched event. The strings are NUL-terminated for convenience but
 * may contain NUL bytes (data can); use the lengths. They stay valid only
 * during the callback. type is "message" when the stream named none; id is
 * the last event ID seen so far in the stream ("" if none), as the
 * specification defines it. */
struct sse_event {
	const char *type;
	size_t type_len;
	const char *data;
	size_t data_len;
	const char *id;
	size_t id_len;
};

/* A non-zero return stops parsing; sse_feed returns that value. */
typedef int (*sse_fn)(void *ctx, const struct sse_event *ev);

struct sse_parser {
	sse_fn fn;
	void *ctx;
	size_t max_line;        /* longest line accepted, without its line end */
	size_t max_event;       /* most data bytes in one event; may be changed
	                           after sse_init (default 4 * max_line) */
	long retry;             /* last valid "retry:" value in ms, -1 if none */
	unsigned long events;   /* events dispatched so far */

	/* private */
	struct strbuf line;     /* a line split across feeds */
	struct strbuf data;     /* data buffer of the event being built */
	struct strbuf type;     /* event type buffer */
	struct strbuf id;       /* last event ID buffer */
	int ndata;              /* data lines in the event being built */
	int saw_cr;             /* the previous feed ended with a CR */
	int bom;                /* BOM bytes matched so far; -1 once past it */
	int stopped;            /* sticky result once parsing stopped, else 0 */
};

/* max_line 0 means SSE_DEFAULT_MAX_LINE. */
void sse_init(struct sse_parser *p, size_t max_line, sse_fn fn, void *ctx);

/* Parse len more bytes. Returns 0, SSE_ETOOLONG, or the callback's
 * non-zero return. Once it returned non-zero, the parser is stopped: the
 * rest of that buffer is dropped and later calls return the same value
 * until sse_finish. */
int sse_feed(struct sse_parser *p, const char *buf, size_t len);

/* The end of the input. Returns 1 if a partial line or an event that was
 * never dispatched was pending (it is discarded, as the specification
 * says), else 0. The parser is then ready for a new stream; the last event
 * ID is kept, as a reconnecting client would send it. */
int sse_finish(struct sse_parser *p);

void sse_release(struct sse_parser *p);

#endif

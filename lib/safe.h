/* safe.h: text from data or input on its way to a terminal.
 *
 * Into a pipe or a file the bytes go out exactly. When the stream is a
 * terminal, control characters that a terminal would execute are shown
 * instead, in the notation of cat -v: C0 controls other than newline and
 * tab as ^X (ESC as ^[), DEL as ^?, C1 controls (U+0080..U+009F, or a
 * stray byte 0x80..0x9F) as M-^X, and the bidirectional overrides and
 * isolates (U+202A..U+202E, U+2066..U+2069) as <U+202E>. A UTF-8 sequence
 * cut between two writes is held until its end arrives. */
#ifndef T3_SAFE_H
#define T3_SAFE_H

#include <stddef.h>
#include <stdio.h>

struct safe_out {
	FILE *fp;
	int neutralise;		/* 1: show controls; 0: bytes exact */
	unsigned char held[4];	/* the start of a cut UTF-8 sequence */
	size_t nheld;
};

/* neutralise = 1 when fp is a terminal (isatty) */
void safe_out_init(struct safe_out *s, FILE *fp);
void safe_out_write(struct safe_out *s, const char *p, size_t n);
/* Write what is held (a sequence that never ended: shown as bytes, or
 * neutralised). Call at the end of a text. */
void safe_out_end(struct safe_out *s);

struct strbuf;
/* Append p[0..n) to sb with every control character neutralised as above,
 * newline and tab included (as ^J, ^I): for one-line messages and table
 * cells. */
void safe_append(struct strbuf *sb, const char *p, size_t n);

/* 1 if p[0..n) is valid UTF-8 without any character a terminal would
 * execute or that reorders text (the ones shown above, newline and tab
 * included): what names and ids must be. */
int safe_text_valid(const char *p, size_t n);

#endif

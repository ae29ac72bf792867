/* num.h: numbers read from people and files, and numbers written for
 * people.
 *
 * Parsing is strict and quiet: the whole text is the number, in plain
 * decimal; no sign but a '-' where negatives are allowed (never '+'), no
 * space, no hex, no inf or nan; a value outside [min, max] is refused
 * rather than clamped. Callers print the message, naming the value. */
#ifndef T3_NUM_H
#define T3_NUM_H

#include <stddef.h>
#include <stdint.h>

struct strbuf;

enum num_result {
	NUM_OK = 0,
	NUM_BAD = -1,     /* not a number of the expected form */
	NUM_RANGE = -2    /* a number, outside [min, max] (or overflow) */
};

/* Digits, after a '-' only when min < 0. */
int num_parse_int64(const char *s, int64_t min, int64_t max, int64_t *out);
/* Digits with at most one '.', digits needed on one side of it, and an
 * optional exponent (e-5); no sign: for prices and other amounts >= 0.
 * The result is finite and within [min, max]. */
int num_parse_double(const char *s, double min, double max, double *out);

/* Write v in plain decimal, never with an exponent: at most 15
 * significant digits, trailing zeros dropped (3.5e-05 -> 0.000035,
 * 1e+16 -> 10000000000000000). Non-finite values are written as "nan"
 * or "inf" (nothing t3 stores). */
void num_format(struct strbuf *sb, double v);
/* The same into buf (at least NUM_FMT_MAX bytes); returns buf. */
#define NUM_FMT_MAX 352
char *num_format_buf(char *buf, double v);

#endif

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "num.h"

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int num_parse_int64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	const char *p = s;
	int neg = 0;
	uint64_t v = 0, limit;

	if (!s)
		return NUM_BAD;
	if (*p == '-' && min < 0) {
		neg = 1;
		p++;
	}
	if (!is_digit(*p))
		return NUM_BAD;
	/* the magnitude of INT64_MIN is INT64_MAX + 1 */
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; is_digit(*p); p++) {
		unsigned d = (unsigned)(*p - '0');
		if (v > (limit - d) / 10) {
			/* keep reading: "12x" with overflow is still BAD */
			while (is_digit(*p))
				p++;
			return *p ? NUM_BAD : NUM_RANGE;
		}
		v = v * 10 + d;
	}
	if (*p)
		return NUM_BAD;
	{
		int64_t x = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v)
				: (int64_t)v;
		if (x < min || x > max)
			return NUM_RANGE;
		*out = x;
	}
	return NUM_OK;
}

int num_parse_double(const char *s, double min, double max, double *out)
{
	const char *p = s;
	int digits = 0;
	char *end;
	double v;

	if (!s)
		return NUM_BAD;
	while (is_digit(*p))
		p++, digits++;
	if (*p == '.')
		for (p++; is_digit(*p); p++)
			digits++;
	if (!digits)
		return NUM_BAD;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '-')
			p++;
		if (!is_digit(*p))
			return NUM_BAD;
		while (is_digit(*p))
			p++;
	}
	if (*p)
		return NUM_BAD;
	errno = 0;
	v = strtod(s, &end);
	if (*end)
		return NUM_BAD;
	/* ERANGE on underflow gives a tiny or zero value: refuse it too,
	 * the text did not mean zero */
	if (errno || !isfinite(v) || v < min || v > max)
		return NUM_RANGE;
	*out = v;
	return NUM_OK;
}

char *num_format_buf(char *buf, double v)
{
	int exp10;
	char *dot;

	if (!isfinite(v)) {
		snprintf(buf, NUM_FMT_MAX, "%s", isnan(v) ? "nan" : v < 0 ? "-inf" : "inf");
		return buf;
	}
	if (v == 0) {
		snprintf(buf, NUM_FMT_MAX, "0");
		return buf;
	}
	/* the decimal exponent after rounding to 15 significant digits */
	snprintf(buf, NUM_FMT_MAX, "%.14e", v);
	exp10 = atoi(strchr(buf, 'e') + 1);
	if (exp10 >= 15)
		snprintf(buf, NUM_FMT_MAX, "%.0f", v);
	else
		/* 15 significant digits: 14 - exp10 after the point */
		snprintf(buf, NUM_FMT_MAX, "%.*f", 14 - exp10 > 0 ? 14 - exp10 : 0, v);
	if ((dot = strchr(buf, '.'))) {
		char *e = buf + strlen(buf);
		while (e > dot + 1 && e[-1] == '0')
			e--;
		if (e == dot + 1)
			e = dot;
		*e = '\0';
	}
	if (!strcmp(buf, "-0"))
		snprintf(buf, NUM_FMT_MAX, "0");
	return buf;
}

void num_format(struct strbuf *sb, double v)
{
	char buf[NUM_FMT_MAX];
	sb_adds(sb, num_format_buf(buf, v));
}

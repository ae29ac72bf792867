/* Unit tests for lib/num.c: strict parsing at the edges of int64 and of
 * double, and decimal output without exponents. */
#include <stdint.h>
#include <stdlib.h>

#include "tap.h"
#include "num.h"

static void int_ok(const char *s, int64_t min, int64_t max, int64_t want)
{
	int64_t v = 0;
	int r = num_parse_int64(s, min, max, &v);
	ok(r == NUM_OK && v == want, "int '%s' reads as %lld", s, (long long)want);
}

static void int_refused(const char *s, int64_t min, int64_t max, int want)
{
	int64_t v = 42;
	int r = num_parse_int64(s, min, max, &v);
	ok(r == want && v == 42, "int '%s' refused (%s)", s, want == NUM_BAD ? "bad" : "range");
}

static void dbl_ok(const char *s, double want)
{
	double v = -1;
	int r = num_parse_double(s, 0, 1000, &v);
	ok(r == NUM_OK && v == want, "double '%s' reads", s);
}

static void dbl_refused(const char *s, int want)
{
	double v = 42;
	int r = num_parse_double(s, 0, 1000, &v);
	ok(r == want && v == 42, "double '%s' refused (%s)", s, want == NUM_BAD ? "bad" : "range");
}

static void fmt(double v, const char *want)
{
	char buf[NUM_FMT_MAX];
	is_str(num_format_buf(buf, v), want, "%s formats as '%s'", want, want);
}

int main(void)
{
	int_ok("0", 0, INT64_MAX, 0);
	int_ok("5", 0, INT64_MAX, 5);
	int_ok("007", 0, INT64_MAX, 7);
	int_ok("9223372036854775807", 0, INT64_MAX, INT64_MAX);
	int_ok("-9223372036854775808", INT64_MIN, INT64_MAX, INT64_MIN);
	int_ok("-5", -10, 10, -5);
	int_refused("9223372036854775808", 0, INT64_MAX, NUM_RANGE);
	int_refused("-9223372036854775809", INT64_MIN, INT64_MAX, NUM_RANGE);
	int_refused("99999999999999999999999", INT64_MIN, INT64_MAX, NUM_RANGE);
	int_refused("99999999999999999999999x", INT64_MIN, INT64_MAX, NUM_BAD);
	int_refused("-5", 0, INT64_MAX, NUM_BAD);
	int_refused("+5", 0, INT64_MAX, NUM_BAD);
	int_refused(" 5", 0, INT64_MAX, NUM_BAD);
	int_refused("5 ", 0, INT64_MAX, NUM_BAD);
	int_refused("", 0, INT64_MAX, NUM_BAD);
	int_refused("-", INT64_MIN, INT64_MAX, NUM_BAD);
	int_refused("0x10", 0, INT64_MAX, NUM_BAD);
	int_refused("1e3", 0, INT64_MAX, NUM_BAD);
	int_refused("11", 0, 10, NUM_RANGE);
	int_refused("0", 1, 10, NUM_RANGE);
	ok(num_parse_int64(NULL, 0, 1, NULL) == NUM_BAD, "NULL is not a number");

	dbl_ok("0", 0);
	dbl_ok("2.5", 2.5);
	dbl_ok(".5", 0.5);
	dbl_ok("5.", 5);
	dbl_ok("5e-5", 5e-5);
	dbl_ok("1E2", 100);
	dbl_ok("1000", 1000);
	dbl_refused("1e308", NUM_RANGE);
	dbl_refused("1e999", NUM_RANGE);
	dbl_refused("1e-999", NUM_RANGE);
	dbl_refused("1000.5", NUM_RANGE);
	dbl_refused("+5", NUM_BAD);
	dbl_refused("-5", NUM_BAD);
	dbl_refused(" 5", NUM_BAD);
	dbl_refused("5 ", NUM_BAD);
	dbl_refused(".", NUM_BAD);
	dbl_refused("", NUM_BAD);
	dbl_refused("inf", NUM_BAD);
	dbl_refused("nan", NUM_BAD);
	dbl_refused("0x1p3", NUM_BAD);
	dbl_refused("1e+5", NUM_BAD);
	dbl_refused("1e", NUM_BAD);
	dbl_refused("1,5", NUM_BAD);

	fmt(0, "0");
	fmt(-0.0, "0");
	fmt(5e-5, "0.00005");
	fmt(3.5e-05, "0.000035");
	fmt(0.0025, "0.0025");
	fmt(2.5, "2.5");
	fmt(10, "10");
	fmt(0.1 + 0.2, "0.3");
	fmt(1e16, "10000000000000000");
	fmt(123456.789, "123456.789");
	fmt(1e-12, "0.000000000001");
	fmt(-1.5, "-1.5");
	return done_testing();
}

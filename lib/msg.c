#include <stdio.h>
#include <stdlib.h>

#include "msg.h"

const char *t3_progname = "t3";
const char *t3_error_context;

static void vreport(const char *kind, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void vreport(const char *kind, const char *fmt, va_list ap)
{
	fflush(stdout);
	fprintf(stderr, "%s: %s: ", t3_progname, kind);
	if (t3_error_context)
		fprintf(stderr, "%s: ", t3_error_context);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
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

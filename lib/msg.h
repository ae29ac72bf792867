/* msg.h: exit codes and diagnostics shared by every t3 tool. */
#ifndef T3_MSG_H
#define T3_MSG_H

#include <stdarg.h>

/* The one exit-code table (see t3.7, EXIT STATUS). Library functions that
 * fail return one of these after printing a one-line message. */
enum t3_exit {
	T3_OK = 0,
	T3_ENEG = 1,      /* negative answer: not found, mismatch, threshold */
	T3_EUSAGE = 2,    /* bad option or invalid argument value */
	T3_EDATA = 3,     /* local data or configuration, conflict */
	T3_ENET = 4,      /* network: connect, TLS, timeout, stream cut off */
	T3_EPROV = 5,     /* provider: HTTP error status, malformed response */
	T3_EPOLICY = 6,   /* refused by policy: quota, inactive model, capability */
	T3_EINTR = 130    /* interrupted */
};

extern const char *t3_progname;
/* When set, errors read "PROG: error: CONTEXT: MSG" (e.g. "line 4"), so
 * library messages name where in an input they come from. */
extern const char *t3_error_context;

/* Print "PROG: error: MSG" to stderr and return code, so callers can write
 * `return t3_error(T3_EUSAGE, "...")`. */
int t3_error(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void t3_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like t3_error but exits; for cmd/ only. */
void t3_die(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
void t3_bug(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));
#define BUG(...) t3_bug(__FILE__, __LINE__, __VA_ARGS__)

#endif

/* msg.h: exit codes and diagnostics shared by every t3 tool.
 *
 * The error contract:
 * - A library function that fails prints one line with t3_error() and
 *   returns its exit code (callers write `return t3_error(...)` and pass
 *   the code up), unless its comment in the header says it is quiet.
 * - Quiet functions print nothing and return a code the caller turns into
 *   a message: lookups (T3_ENEG "not found", e.g. users_find, models_get,
 *   plans_allowance_quiet), predicates returning 1/0/-1 (the -1 has been
 *   printed), parsers of lib/num.h, users_auth_valid, safe_text_valid.
 * - Only cmd/ exits: t3_die(), common_exit(); the library exits only on
 *   out-of-memory (buf.h) and BUG(), and out_* exits quietly with
 *   T3_EPIPE when the reader of standard output went away.
 * - Every message is one line on stderr: "PROG: error: what is wrong
 *   'subject'". Whatever the format's arguments hold, the line is written
 *   with control characters neutralised (safe_append) and each quoted
 *   subject cut to T3_MSG_SUBJECT_MAX bytes followed by "...", so text
 *   from data or input can neither drive the terminal nor flood it. */
#ifndef T3_MSG_H
#define T3_MSG_H

#include <stdarg.h>

/* The one exit-code table (see t3.7, EXIT STATUS). */
enum t3_exit {
	T3_OK = 0,
	T3_ENEG = 1,      /* negative answer: not found, mismatch, threshold */
	T3_EUSAGE = 2,    /* bad option or invalid argument value */
	T3_EDATA = 3,     /* local data or configuration, conflict */
	T3_ENET = 4,      /* network: connect, TLS, timeout, stream cut off */
	T3_EPROV = 5,     /* provider: HTTP error status, malformed response */
	T3_EPOLICY = 6,   /* refused by policy: quota, inactive model, capability */
	T3_EINTR = 130,   /* interrupted */
	T3_EPIPE = 141    /* the reader of stdout went away (128 + SIGPIPE): quiet */
};

/* A quoted subject longer than this is cut (on a UTF-8 boundary). */
#define T3_MSG_SUBJECT_MAX 200
/* And the whole line, as a last resort (a subject with quotes inside). */
#define T3_MSG_LINE_MAX 2000

extern const char *t3_progname;
/* When set, errors read "PROG: error: CONTEXT: MSG" (e.g. "line 4"), so
 * library messages name where in an input they come from. */
extern const char *t3_error_context;

/* Print "PROG: error: MSG" to stderr and return code, so callers can write
 * `return t3_error(T3_EUSAGE, "...")`. */
int t3_error(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int t3_verror(int code, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
void t3_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "PROG: MSG": a report on stderr (counts after an import, sync's lines),
 * made safe like the errors. */
void t3_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like t3_error but exits; for cmd/ only. */
void t3_die(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
void t3_bug(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));
#define BUG(...) t3_bug(__FILE__, __LINE__, __VA_ARGS__)

struct strbuf;
/* The body of a message as written: text neutralised, quoted subjects
 * shortened, the whole line capped. For tests and for tools that build a
 * line themselves. */
void msg_make_safe(struct strbuf *out, const char *text, size_t n);

#endif

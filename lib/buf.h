/* buf.h: allocation that dies on out-of-memory, and a growable string
 * buffer whose buf is never NULL (git's strbuf). */
#ifndef T3_BUF_H
#define T3_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/* p, an array of *cap elements of size, with room for element n: *cap
 * doubles (from 16) when n reaches it (git's ALLOC_GROW). */
void *xgrow(void *p, size_t n, size_t *cap, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

struct strbuf {
	char *buf;      /* NUL-terminated; never NULL */
	size_t len;
	size_t alloc;   /* 0 while buf points at the shared empty string */
};
#define STRBUF_INIT { strbuf_empty, 0, 0 }
extern char strbuf_empty[];

void sb_init(struct strbuf *sb, size_t hint);
void sb_release(struct strbuf *sb);
void sb_grow(struct strbuf *sb, size_t extra);
void sb_add(struct strbuf *sb, const void *data, size_t n);
void sb_adds(struct strbuf *sb, const char *s);
void sb_addc(struct strbuf *sb, int c);
void sb_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sb_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
void sb_reset(struct strbuf *sb);
/* Remove the first n bytes. */
void sb_consume(struct strbuf *sb, size_t n);
/* Hand the string to the caller (free() it); sb is left empty. */
char *sb_detach(struct strbuf *sb, size_t *len);
/* Replace sb's contents with the next line of fp, without its '\n'.
 * Returns 0, or EOF at the end of input when nothing was read. */
int sb_getline(struct strbuf *sb, FILE *fp);

#endif

/* http.h: POST a JSON body (or GET, when there is none) and stream the
 * response through callbacks
 * (libcurl multi interface, polled every 50 ms so an interrupt or a stall
 * is noticed quickly). TLS verification is always on; CURL_CA_BUNDLE, as
 * for curl(1), names a file of CA certificates to trust instead of the
 * system's. */
#ifndef T3_HTTP_H
#define T3_HTTP_H

#include <signal.h>
#include <stddef.h>

enum {
	HTTP_OK = 0,
	HTTP_ENET = -30,    /* connect, TLS, DNS, cut off: see errbuf */
	HTTP_ESTALL = -31,  /* no byte for stall_timeout_s seconds */
	HTTP_EINTR = -32    /* the request's cancel flag was set */
};

struct http_req {
	const char *url;
	char *const *headers;    /* "Name: value" */
	size_t nheaders;
	const char *body;        /* JSON, POSTed; NULL: a GET */
	long connect_timeout_s;
	long stall_timeout_s;
	/* may be NULL; when the caller (a signal handler) sets *cancel, the
	 * transfer stops within ~50 ms with HTTP_EINTR. Per request: nothing
	 * here clears it, nor any other request's. */
	volatile sig_atomic_t *cancel;
};

struct http_cb {
	/* Called once, before the first body byte (or at the end for an
	 * empty body), with the status and Content-Type (may be ""). */
	int (*head)(void *ctx, long status, const char *content_type);
	/* Body bytes as they arrive; a non-zero return aborts and is
	 * returned by http_post. */
	int (*data)(void *ctx, const char *p, size_t n);
	/* Called when the bytes that have arrived have all been handed to
	 * data, before waiting for more (may be NULL): the moment to pass
	 * on what they brought. A non-zero return aborts, as for data. */
	int (*idle)(void *ctx);
	void *ctx;
};

struct http_res {
	long status;
	long retry_after_s;      /* Retry-After in seconds, -1 if none */
	char redirect[512];      /* where a 3xx points (not followed), or "" */
	char errbuf[256];        /* for HTTP_ENET */
};

/* libcurl's global set-up (TLS library initialisation: ~0.8 ms) on a
 * thread of its own, on another CPU than the caller's when there is one,
 * so that it overlaps the caller's other work before the first
 * http_post. Optional; http_post waits for it, or does it
 * itself. http_ready waits for that thread, if one is running, and does
 * nothing else: call it before exiting (harmless when http_prepare was
 * not called). */
void http_prepare(void);
void http_ready(void);
int http_post(const struct http_req *req, const struct http_cb *cb, struct http_res *res);

#endif

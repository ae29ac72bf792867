#define _GNU_SOURCE   /* sched_getcpu, pthread_attr_setaffinity_np */
#include <curl/curl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http.h"
#include "timeutil.h"

static enum { INIT_NONE, INIT_RUNNING, INIT_DONE } init_state;
static pthread_t init_thread;

static void *init_main(void *unused)
{
	(void)unused;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return NULL;
}

/* Another CPU than the caller's, when there is one. Left to itself the
 * scheduler often queues a thread made this early on its creator's CPU
 * until the next tick (measured: it starts ~0.7-1 ms late, after the
 * caller's work instead of beside it, on an idle 2-CPU machine). */
static void other_cpu(pthread_attr_t *attr)
{
#ifdef __linux__
	cpu_set_t set;
	int cpu = sched_getcpu();
	if (cpu < 0 || sched_getaffinity(0, sizeof set, &set))
		return;
	CPU_CLR(cpu, &set);
	if (CPU_COUNT(&set) > 0)
		pthread_attr_setaffinity_np(attr, sizeof set, &set);
#else
	(void)attr;
#endif
}

void http_prepare(void)
{
	pthread_attr_t attr;

	if (init_state != INIT_NONE || pthread_attr_init(&attr))
		return;
	other_cpu(&attr);
	/* no thread, no overlap: http_ready will do it */
	if (!pthread_create(&init_thread, &attr, init_main, NULL))
		init_state = INIT_RUNNING;
	pthread_attr_destroy(&attr);
}

void http_ready(void)
{
	if (init_state == INIT_RUNNING) {
		pthread_join(init_thread, NULL);
		init_state = INIT_DONE;
	}
}

/* http_prepare's work, waited for or done here */
static void http_init(void)
{
	http_ready();
	if (init_state == INIT_NONE) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		init_state = INIT_DONE;
	}
}

struct xfer {
	CURL *h;
	const struct http_cb *cb;
	struct http_res *res;
	int head_done;
	int cb_ret;
	int fresh;		/* data handed over since the last idle call */
	int64_t last_byte_ms;
};

static int call_head(struct xfer *x)
{
	char *ct = NULL;
	x->head_done = 1;
	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &x->res->status);
	curl_easy_getinfo(x->h, CURLINFO_CONTENT_TYPE, &ct);
	if (x->cb->head)
		x->cb_ret = x->cb->head(x->cb->ctx, x->res->status, ct ? ct : "");
	return x->cb_ret;
}

static size_t on_write(char *p, size_t size, size_t n, void *ctx)
{
	struct xfer *x = ctx;
	size_t len = size * n;

	x->last_byte_ms = time_mono_ms();
	if (!x->head_done && call_head(x))
		return CURL_WRITEFUNC_ERROR;
	x->fresh = 1;
	if (x->cb->data && (x->cb_ret = x->cb->data(x->cb->ctx, p, len)))
		return CURL_WRITEFUNC_ERROR;
	return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct xfer *x = ctx;
	size_t len = size * n;
	static const char name[] = "retry-after:";

	x->last_byte_ms = time_mono_ms();
	if (len > sizeof name - 1 && !strncasecmp(p, name, sizeof name - 1)) {
		char buf[64];
		size_t m = len - (sizeof name - 1);
		if (m >= sizeof buf)
			m = sizeof buf - 1;
		memcpy(buf, p + sizeof name - 1, m);
		buf[m] = '\0';
		char *end;
		long v = strtol(buf, &end, 10);
		if (end != buf && v >= 0) {
			x->res->retry_after_s = v;
		} else {
			/* an HTTP date */
			time_t t = curl_getdate(buf, NULL);
			if (t > 0)
				x->res->retry_after_s = t > time(NULL) ? (long)(t - time(NULL)) : 0;
		}
	}
	/* a new response (after a 100 Continue or a redirect) resets */
	if (len >= 5 && !strncmp(p, "HTTP/", 5))
		x->res->retry_after_s = -1;
	return len;
}

int http_post(const struct http_req *req, const struct http_cb *cb, struct http_res *res)
{
	struct curl_slist *hdrs = NULL;
	struct xfer x = { 0 };
	CURLM *m;
	CURLMsg *msg;
	CURLcode code = CURLE_OK;
	int running = 1, left, r = HTTP_OK;

	memset(res, 0, sizeof *res);
	res->retry_after_s = -1;
	http_init();
	x.h = curl_easy_init();
	x.cb = cb;
	x.res = res;
	for (size_t i = 0; i < req->nheaders; i++)
		hdrs = curl_slist_append(hdrs, req->headers[i]);
	if (req->body)
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	hdrs = curl_slist_append(hdrs, "Accept: text/event-stream, application/json");
	hdrs = curl_slist_append(hdrs, "Expect:");
	curl_easy_setopt(x.h, CURLOPT_URL, req->url);
	curl_easy_setopt(x.h, CURLOPT_HTTPHEADER, hdrs);
	if (req->body)
		curl_easy_setopt(x.h, CURLOPT_POSTFIELDS, req->body);
	else
		curl_easy_setopt(x.h, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(x.h, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(x.h, CURLOPT_WRITEDATA, &x);
	curl_easy_setopt(x.h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(x.h, CURLOPT_HEADERDATA, &x);
	curl_easy_setopt(x.h, CURLOPT_ERRORBUFFER, res->errbuf);
	curl_easy_setopt(x.h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x.h, CURLOPT_CONNECTTIMEOUT, req->connect_timeout_s > 0 ? req->connect_timeout_s : 10L);
	curl_easy_setopt(x.h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(x.h, CURLOPT_SSL_VERIFYHOST, 2L);
	/* other trust anchors (a company CA in front of a self-hosted
	 * server), as curl(1) takes them; verification stays on */
	const char *ca = getenv("CURL_CA_BUNDLE");
	if (ca && *ca)
		curl_easy_setopt(x.h, CURLOPT_CAINFO, ca);
	curl_easy_setopt(x.h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(x.h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(x.h, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(x.h, CURLOPT_USERAGENT, "t3/" T3_VERSION);

	m = curl_multi_init();
	curl_multi_add_handle(m, x.h);
	x.last_byte_ms = time_mono_ms();
	while (running) {
		if (curl_multi_perform(m, &running) != CURLM_OK)
			break;
		/* libcurl has read what the socket held: pass it on */
		if (x.fresh && cb->idle && !x.cb_ret) {
			x.fresh = 0;
			if ((x.cb_ret = cb->idle(cb->ctx)))
				break;
		}
		if (!running)
			break;
		if (req->cancel && *req->cancel) {
			r = HTTP_EINTR;
			break;
		}
		if (req->stall_timeout_s > 0 &&
		    time_mono_ms() - x.last_byte_ms > req->stall_timeout_s * 1000) {
			r = HTTP_ESTALL;
			snprintf(res->errbuf, sizeof res->errbuf,
				 "no data for %ld second%s", req->stall_timeout_s,
				 req->stall_timeout_s == 1 ? "" : "s");
			break;
		}
		curl_multi_poll(m, NULL, 0, 50, NULL);
	}
	if (r == HTTP_OK) {
		while ((msg = curl_multi_info_read(m, &left)))
			if (msg->msg == CURLMSG_DONE)
				code = msg->data.result;
		if (x.cb_ret)
			r = x.cb_ret;
		else if (req->cancel && *req->cancel)
			r = HTTP_EINTR;
		else if (code != CURLE_OK) {
			r = HTTP_ENET;
			if (!res->errbuf[0])
				snprintf(res->errbuf, sizeof res->errbuf, "%s", curl_easy_strerror(code));
		} else if (!x.head_done && (r = call_head(&x)) == 0) {
			r = HTTP_OK;
		}
	}
	/* Redirects are not followed: the request carries the API key, and
	 * a POST must not wander. Say where it pointed. */
	char *loc = NULL;
	if (curl_easy_getinfo(x.h, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc)
		snprintf(res->redirect, sizeof res->redirect, "%s", loc);
	curl_multi_remove_handle(m, x.h);
	curl_easy_cleanup(x.h);
	curl_multi_cleanup(m);
	curl_slist_free_all(hdrs);
	return r;
}

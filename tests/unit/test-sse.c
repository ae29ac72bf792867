/* test-sse.c: the SSE parser against the event-stream rules, its bounds,
 * and every recorded stream fed at every split point. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sse.h"
#include "tap.h"

/* Events are recorded as "type|data|id\n" with lengths, so two runs
 * compare with one memcmp and NULs inside data survive. */
struct rec {
	struct strbuf log;
	int stop_at;            /* return stop_rc at this event (1-based) */
	int stop_rc;
	int n;
};

static int rec_fn(void *ctx, const struct sse_event *ev)
{
	struct rec *r = ctx;
	struct strbuf *sb = &r->log;

	r->n++;
	sb_addf(sb, "%zu:", ev->type_len);
	sb_add(sb, ev->type, ev->type_len);
	sb_addf(sb, "|%zu:", ev->data_len);
	sb_add(sb, ev->data, ev->data_len);
	sb_addf(sb, "|%zu:", ev->id_len);
	sb_add(sb, ev->id, ev->id_len);
	sb_addc(sb, '\n');
	if (r->stop_at && r->n == r->stop_at)
		return r->stop_rc;
	return 0;
}

static void rec_init(struct rec *r)
{
	memset(r, 0, sizeof(*r));
	sb_init(&r->log, 0);
}

/* Parse chunks (a NULL-terminated list) and return the log plus the
 * results of the last feed and of finish. */
struct run {
	struct strbuf log;
	int feed_rc;
	int finish_rc;
	long retry;
};

static void run_chunks(struct run *out, size_t max_line, const char **chunks,
		       const size_t *lens, size_t nchunks)
{
	struct sse_parser p;
	struct rec r;
	size_t i;

	rec_init(&r);
	sse_init(&p, max_line, rec_fn, &r);
	out->feed_rc = 0;
	for (i = 0; i < nchunks && !out->feed_rc; i++)
		out->feed_rc = sse_feed(&p, chunks[i], lens[i]);
	out->retry = p.retry;
	out->finish_rc = sse_finish(&p);
	sse_release(&p);
	out->log = r.log;
}

/* Convenience: one string, fed whole. */
static char *run1(const char *s, size_t len, int *finish_rc)
{
	struct run out;
	const char *chunks[1] = { s };
	size_t lens[1] = { len };

	run_chunks(&out, 0, chunks, lens, 1);
	if (finish_rc)
		*finish_rc = out.finish_rc;
	return sb_detach(&out.log, NULL);
}

#define RUN(lit) run1(lit, sizeof(lit) - 1, NULL)

static void check(const char *input_desc, const char *input, size_t len,
		  const char *want)
{
	char *got = run1(input, len, NULL);
	is_str(got, want, "%s", input_desc);
	free(got);
}
#define CHECK(desc, lit, want) check(desc, lit, sizeof(lit) - 1, want)

/* Two feeds: a then b. */
static void check2(const char *desc, const char *a, const char *b,
		   const char *want)
{
	struct run out;
	const char *chunks[2] = { a, b };
	size_t lens[2] = { strlen(a), strlen(b) };

	run_chunks(&out, 0, chunks, lens, 2);
	is_str(out.log.buf, want, "%s", desc);
	sb_release(&out.log);
}

static void test_spec(void)
{
	CHECK("LF line ends", "data: hello\n\n", "7:message|5:hello|0:\n");
	CHECK("CRLF line ends", "data: hello\r\n\r\n", "7:message|5:hello|0:\n");
	CHECK("CR line ends", "data: hello\r\r", "7:message|5:hello|0:\n");
	CHECK("mixed line ends", "data: a\n\rdata: b\r\n\ndata: c\r\r",
	      "7:message|1:a|0:\n7:message|1:b|0:\n7:message|1:c|0:\n");
	check2("CR ending one feed + LF starting the next is one line end",
	       "data: a\r", "\ndata: b\r\n\r\n", "7:message|3:a\nb|0:\n");
	check2("CR ending one feed + CR starting the next is two",
	       "data: a\r", "\rdata: b\n\n",
	       "7:message|1:a|0:\n7:message|1:b|0:\n");
	check2("CR + LF split, then blank line", "data: a\r\n\r", "\n",
	       "7:message|1:a|0:\n");
	{
		struct run out;
		const char *ch[3] = { "data: a\r", "", "\ndata: b\n\n" };
		size_t ln[3] = { 8, 0, 11 };
		run_chunks(&out, 0, ch, ln, 3);
		is_str(out.log.buf, "7:message|3:a\nb|0:\n",
		       "an empty feed between CR and LF keeps them one line end");
		sb_release(&out.log);
	}
	check2("line split inside field name", "da", "ta: x\n\n",
	       "7:message|1:x|0:\n");
	CHECK("leading BOM skipped", "\xEF\xBB\xBF" "data: x\n\n",
	      "7:message|1:x|0:\n");
	{
		struct run out;
		const char *ch[4] = { "\xEF", "\xBB", "\xBF", "data: x\n\n" };
		size_t ln[4] = { 1, 1, 1, 9 };
		run_chunks(&out, 0, ch, ln, 4);
		is_str(out.log.buf, "7:message|1:x|0:\n",
		       "BOM split over three feeds skipped");
		sb_release(&out.log);
	}
	CHECK("only one BOM skipped", "\xEF\xBB\xBF\xEF\xBB\xBF" "data: x\n\n", "");
	check2("partial BOM is data (field name), not dropped", "\xEF\xBB",
	       "data: x\n\n", "");
	CHECK("BOM not at start is data", "data: \xEF\xBB\xBFx\n\n",
	      "7:message|4:\xEF\xBB\xBFx|0:\n");
	CHECK("comments ignored", ": hello\n:\ndata: x\n: mid\n\n",
	      "7:message|1:x|0:\n");
	CHECK("OpenRouter processing comment alone", ": OPENROUTER PROCESSING\n\n", "");
	CHECK("event type", "event: ping\ndata: {}\n\ndata: y\n\n",
	      "4:ping|2:{}|0:\n7:message|1:y|0:\n");
	CHECK("empty event type means message", "event:\ndata: y\n\n",
	      "7:message|1:y|0:\n");
	CHECK("last event field wins", "event: a\nevent: b\ndata: y\n\n",
	      "1:b|1:y|0:\n");
	CHECK("data lines joined with LF", "data: a\ndata: b\ndata:\n\n",
	      "7:message|4:a\nb\n|0:\n");
	CHECK("one optional space removed, only one",
	      "data:  two\n\ndata:x\n\n",
	      "7:message|4: two|0:\n7:message|1:x|0:\n");
	CHECK("colon inside value kept", "data: a: b\n\n",
	      "7:message|4:a: b|0:\n");
	CHECK("field without colon: name with empty value",
	      "data\n\n", "7:message|0:|0:\n");
	CHECK("data: with empty value dispatches an empty event (spec)",
	      "data:\n\n", "7:message|0:|0:\n");
	CHECK("event without data dispatches nothing and resets type",
	      "event: foo\n\ndata: x\n\n", "7:message|1:x|0:\n");
	CHECK("blank lines alone dispatch nothing", "\n\n\r\n\r\r", "");
	CHECK("unknown fields ignored", "foo: bar\nDATA: no\ndata : no\ndata: x\n\n",
	      "7:message|1:x|0:\n");
	CHECK("id set and kept for later events",
	      "id: 42\ndata: a\n\ndata: b\n\n",
	      "7:message|1:a|2:42\n7:message|1:b|2:42\n");
	CHECK("empty id resets", "id: 42\ndata: a\n\nid\ndata: b\n\n",
	      "7:message|1:a|2:42\n7:message|1:b|0:\n");
	CHECK("id containing NUL ignored", "id: 7\nid: a\0b\ndata: a\n\n",
	      "7:message|1:a|1:7\n");
	CHECK("id alone is not an event", "id: 9\n\n", "");
	CHECK("NUL in data preserved", "data: a\0b\n\n", "7:message|3:a\0b|0:\n");
	{
		struct run out;
		const char *s = "retry: 1500\nretry: 15x\nretry:\nretry: -3\n";
		const char *ch[1] = { s };
		size_t ln[1] = { strlen(s) };
		run_chunks(&out, 0, ch, ln, 1);
		is_int(out.retry, 1500, "retry: digits only, others ignored");
		sb_release(&out.log);
		s = "retry: 99999999999999999999999\n";
		ch[0] = s;
		ln[0] = strlen(s);
		run_chunks(&out, 0, ch, ln, 1);
		ok(out.retry > 0, "retry: huge value saturates");
		sb_release(&out.log);
	}
	{
		int fin;
		char *got;
		got = run1("data: x\n\ndata: y", 16, &fin);
		is_str(got, "7:message|1:x|0:\n", "partial line not dispatched");
		is_int(fin, 1, "finish reports a partial line");
		free(got);
		got = run1("data: x\n", 8, &fin);
		is_str(got, "", "event without blank line not dispatched at end");
		is_int(fin, 1, "finish reports the undispatched event");
		free(got);
		got = run1("data: x\n\n", 9, &fin);
		is_int(fin, 0, "finish after a complete stream returns 0");
		free(got);
		got = run1(": c\nid: 1\n", 10, &fin);
		is_int(fin, 0, "comments and id alone leave nothing pending");
		free(got);
		got = run1("data: x\r", 8, &fin);
		is_int(fin, 1, "CR at end of input ends the line but not the event");
		free(got);
	}
	{
		/* The parser is reusable after sse_finish. */
		struct sse_parser p;
		struct rec r;
		rec_init(&r);
		sse_init(&p, 0, rec_fn, &r);
		sse_feed(&p, "id: 5\ndata: partial", 19);
		sse_finish(&p);
		sse_feed(&p, "\xEF\xBB\xBF" "data: z\n\n", 12);
		is_str(r.log.buf, "7:message|1:z|1:5\n",
		       "after finish: new stream (BOM again), last id kept");
		sse_release(&p);
		sb_release(&r.log);
	}
	{
		/* Callback's non-zero return stops parsing and is sticky. */
		struct sse_parser p;
		struct rec r;
		int rc;
		rec_init(&r);
		r.stop_at = 1;
		r.stop_rc = 42;
		sse_init(&p, 0, rec_fn, &r);
		rc = sse_feed(&p, "data: a\n\ndata: b\n\n", 18);
		is_int(rc, 42, "callback return value returned by sse_feed");
		is_int(r.n, 1, "no event after the callback stopped parsing");
		rc = sse_feed(&p, "data: c\n\n", 9);
		is_int(rc, 42, "stopped parser keeps returning the value");
		is_int(r.n, 1, "and dispatches nothing");
		sse_release(&p);
		sb_release(&r.log);
	}
}

static void test_bounds(void)
{
	struct sse_parser p;
	struct rec r;
	char *big;
	size_t i;
	int rc;

	big = xmalloc(200);
	memcpy(big, "data: ", 6);
	memset(big + 6, 'x', 200 - 6);

	/* A line of exactly max_line bytes is fine; one more is not. */
	rec_init(&r);
	sse_init(&p, 64, rec_fn, &r);
	rc = sse_feed(&p, big, 64);
	rc = rc ? rc : sse_feed(&p, "\n\n", 2);
	is_int(rc, 0, "line of exactly max_line bytes accepted");
	is_int(r.n, 1, "and dispatched");
	rc = sse_feed(&p, big, 65);
	is_int(rc, SSE_ETOOLONG, "partial line over max_line: SSE_ETOOLONG");
	rc = sse_feed(&p, "\n\n", 2);
	is_int(rc, SSE_ETOOLONG, "error is sticky");
	sse_release(&p);
	sb_release(&r.log);

	rec_init(&r);
	sse_init(&p, 64, rec_fn, &r);
	big[65] = '\n';
	rc = sse_feed(&p, big, 66);
	is_int(rc, SSE_ETOOLONG, "complete line over max_line in one feed");
	big[65] = 'x';
	sse_release(&p);
	sb_release(&r.log);

	/* A long line split across many feeds is caught before it grows. */
	rec_init(&r);
	sse_init(&p, 100, rec_fn, &r);
	rc = 0;
	for (i = 0; i < 1000 && !rc; i++)
		rc = sse_feed(&p, "xxxxxxxxxx", 10);
	is_int(rc, SSE_ETOOLONG, "line growing over many feeds: SSE_ETOOLONG");
	ok(i <= 11, "caught at once (after %zu feeds)", i);
	ok(p.line.alloc <= 256, "line buffer stayed bounded (%zu bytes)",
	   p.line.alloc);
	sse_release(&p);
	sb_release(&r.log);

	/* Total event size: many short data lines. */
	rec_init(&r);
	sse_init(&p, 64, rec_fn, &r);
	is_int((long long)p.max_event, 256, "max_event defaults to 4 * max_line");
	p.max_event = 100;
	rc = 0;
	for (i = 0; i < 1000 && !rc; i++)
		rc = sse_feed(&p, "data: 0123456789\n", 17);
	is_int(rc, SSE_ETOOLONG, "event data over max_event: SSE_ETOOLONG");
	ok(p.data.len <= 100, "data buffer stayed within max_event (%zu)",
	   p.data.len);
	is_int(r.n, 0, "nothing dispatched");
	sse_release(&p);
	sb_release(&r.log);

	/* Exactly max_event bytes of data is fine (9 lines of 10 + 8 LF = 98,
	 * one more LF + 1 byte = 100). */
	rec_init(&r);
	sse_init(&p, 64, rec_fn, &r);
	p.max_event = 100;
	rc = 0;
	for (i = 0; i < 9 && !rc; i++)
		rc = sse_feed(&p, "data: 0123456789\n", 17);
	rc = rc ? rc : sse_feed(&p, "data: x\n\n", 9);
	is_int(rc, 0, "event of exactly max_event bytes accepted");
	ok(r.n == 1 && r.log.len > 100, "and dispatched");
	sse_release(&p);
	sb_release(&r.log);

	/* Default bound when max_line is 0. */
	sse_init(&p, 0, NULL, NULL);
	is_int((long long)p.max_line, SSE_DEFAULT_MAX_LINE,
	       "max_line 0 means the default");
	sse_release(&p);
	free(big);
}

/* ---- recorded streams ---- */

static const char *fixtures[] = {
	"anthropic/messages-stream-text.sse",
	"anthropic/messages-stream-thinking.sse",
	"anthropic/messages-stream-tool-use.sse",
	"anthropic/messages-stream-legacy-claude3.sse",
	"anthropic/stream-error-event-overloaded-fragment.sse",
	"openai/chat-stream-gpt4omini-include-usage.sse",
	"openai/chat-stream-tool-calls.sse",
	"openai/responses-stream-basic.sse",
	"openrouter/chat-stream-gpt4o-usage.sse",
	"openrouter/chat-stream-tool-calls.sse",
	"openrouter/chat-stream-after-tool-result.sse",
	"openrouter/responses-stream-gpt5nano-reasoning.sse",
	"gemini/streamGenerateContent-sse-basic.sse",
	"gemini/streamGenerateContent-sse-thinking.sse",
	"gemini/streamGenerateContent-sse-functioncall.sse",
};

static char *read_file(const char *path, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	char tmp[65536];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f)
		return NULL;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		sb_add(&sb, tmp, n);
	fclose(f);
	return sb_detach(&sb, len);
}

/* Rewrite every line end (LF, CR or CRLF) as eol. */
static char *convert_eol(const char *s, size_t len, const char *eol,
			 size_t *outlen)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '\r') {
			if (i + 1 < len && s[i + 1] == '\n')
				i++;
			sb_adds(&sb, eol);
		} else if (s[i] == '\n') {
			sb_adds(&sb, eol);
		} else {
			sb_addc(&sb, s[i]);
		}
	}
	return sb_detach(&sb, outlen);
}

/* A reusable parser+recorder for the split loops: no allocation per run
 * once the buffers have grown. */
struct harness {
	struct sse_parser p;
	struct rec r;
};

static void h_start(struct harness *h)
{
	sb_reset(&h->r.log);
	h->r.n = 0;
	sse_finish(&h->p);
	sb_reset(&h->p.id);	/* each run is a fresh stream */
}

static int h_same(struct harness *h, const struct strbuf *want, int rc,
		  int want_finish)
{
	int fin = sse_finish(&h->p);
	return !rc && fin == want_finish && h->r.log.len == want->len &&
		!memcmp(h->r.log.buf, want->buf, want->len);
}

static unsigned long long rng_state;
static unsigned rng(void)
{
	/* xorshift64*: deterministic across platforms */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (unsigned)((rng_state * 2685821657736338717ULL) >> 33);
}

static void test_fixture(const char *dir, const char *name)
{
	static const struct { const char *name, *eol; } variants[] = {
		{ "as recorded", NULL }, { "LF", "\n" }, { "CRLF", "\r\n" },
		{ "CR", "\r" },
	};
	char *path = xasprintf("%s/%s", dir, name);
	size_t len, k, v;
	char *orig = read_file(path, &len);
	struct harness h;
	struct strbuf want = STRBUF_INIT;
	int want_finish, rc;

	if (!orig) {
		ok(0, "%s: cannot read '%s'", name, path);
		free(path);
		return;
	}
	memset(&h, 0, sizeof(h));
	rec_init(&h.r);
	sse_init(&h.p, 0, rec_fn, &h.r);

	/* The reference: the recorded bytes in one feed. */
	rc = sse_feed(&h.p, orig, len);
	want_finish = sse_finish(&h.p);
	sb_add(&want, h.r.log.buf, h.r.log.len);
	ok(!rc && h.r.n > 0 && !want_finish,
	   "%s: whole feed parses (%d events, finish %d)", name, h.r.n,
	   want_finish);

	for (v = 0; v < sizeof(variants) / sizeof(*variants); v++) {
		size_t n;
		char *s;
		int all_ok = 1, seed;

		if (variants[v].eol)
			s = convert_eol(orig, len, variants[v].eol, &n);
		else {
			s = xmalloc(len);
			memcpy(s, orig, len);
			n = len;
		}

		h_start(&h);
		rc = sse_feed(&h.p, s, n);
		ok(h_same(&h, &want, rc, want_finish), "%s (%s): whole feed",
		   name, variants[v].name);

		/* Every split point k: [0,k) then [k,n). The pieces are
		 * copied into exactly-sized buffers so ASan catches any read
		 * past a feed's end. */
		for (k = 0; k <= n && all_ok; k++) {
			char *a = xmalloc(k ? k : 1), *b = xmalloc(n - k ? n - k : 1);
			memcpy(a, s, k);
			memcpy(b, s + k, n - k);
			h_start(&h);
			rc = sse_feed(&h.p, a, k);
			if (!rc)
				rc = sse_feed(&h.p, b, n - k);
			if (!h_same(&h, &want, rc, want_finish)) {
				diag("split at %zu differs", k);
				all_ok = 0;
			}
			free(a);
			free(b);
		}
		ok(all_ok, "%s (%s): split at each of %zu points", name,
		   variants[v].name, n + 1);

		/* One byte at a time. */
		h_start(&h);
		rc = 0;
		for (k = 0; k < n && !rc; k++) {
			char c = s[k];
			rc = sse_feed(&h.p, &c, 1);
		}
		ok(h_same(&h, &want, rc, want_finish), "%s (%s): byte at a time",
		   name, variants[v].name);

		/* Random chunk sizes, several seeds, with empty feeds too. */
		all_ok = 1;
		for (seed = 1; seed <= 20 && all_ok; seed++) {
			rng_state = 0x9E3779B97F4A7C15ULL * (unsigned)seed;
			h_start(&h);
			rc = 0;
			for (k = 0; k < n && !rc;) {
				size_t c = rng() % (seed % 2 ? 17 : 4097);
				char *chunk;
				if (c > n - k)
					c = n - k;
				chunk = xmalloc(c ? c : 1);
				memcpy(chunk, s + k, c);
				rc = sse_feed(&h.p, chunk, c);
				free(chunk);
				k += c;
			}
			if (!h_same(&h, &want, rc, want_finish)) {
				diag("seed %d differs", seed);
				all_ok = 0;
			}
		}
		ok(all_ok, "%s (%s): random chunks, 20 seeds", name,
		   variants[v].name);
		free(s);
	}

	sse_release(&h.p);
	sb_release(&h.r.log);
	sb_release(&want);
	free(orig);
	free(path);
}

int main(void)
{
	const char *dir = getenv("T3_FIXTURES");
	size_t i;

	if (!dir || !*dir)
		dir = "tests/fixtures";
	test_spec();
	test_bounds();
	for (i = 0; i < sizeof(fixtures) / sizeof(*fixtures); i++)
		test_fixture(dir, fixtures[i]);
	return done_testing();
}

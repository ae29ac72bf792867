/* sse-throughput.c: how fast the SSE parser eats a recorded stream.
 *
 * usage: sse-throughput FILE [SECONDS]
 *
 * Reads FILE, then feeds it to the parser over and over in random chunk
 * sizes (1..4096 bytes, fixed seed) for about half a second (or SECONDS),
 * and prints "sse_parse_mbps <MB/s>" (MB = 10^6 bytes). It measures; it
 * does not judge. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "msg.h"
#include "sse.h"

static unsigned long long rng_state = 0x2545F4914F6CDD1DULL;

static unsigned rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (unsigned)((rng_state * 2685821657736338717ULL) >> 33);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int count_fn(void *ctx, const struct sse_event *ev)
{
	unsigned long long *sum = ctx;
	/* Touch the data so the work cannot be optimised away. */
	*sum += ev->data_len + (ev->data_len ? (unsigned char)ev->data[0] : 0);
	return 0;
}

int main(int argc, char **argv)
{
	struct strbuf sb = STRBUF_INIT;
	struct sse_parser p;
	unsigned long long sum = 0, bytes = 0, events = 0;
	double secs = 0.5, t0, t;
	size_t *cuts, ncuts = 0, alloc = 1024, i, off, n;
	char tmp[65536];
	FILE *f;

	t3_progname = "sse-throughput";
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: sse-throughput FILE [SECONDS]\n");
		return T3_EUSAGE;
	}
	if (argc == 3)
		secs = atof(argv[2]);
	f = fopen(argv[1], "rb");
	if (!f)
		return t3_error(T3_EDATA, "cannot open '%s'", argv[1]);
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		sb_add(&sb, tmp, n);
	fclose(f);
	if (!sb.len)
		return t3_error(T3_EDATA, "'%s' is empty", argv[1]);

	/* Precompute the chunk sizes so the timed loop holds only the parser. */
	cuts = xmalloc(alloc * sizeof(*cuts));
	for (off = 0; off < sb.len; off += cuts[ncuts++]) {
		if (ncuts == alloc) {
			alloc *= 2;
			cuts = xrealloc(cuts, alloc * sizeof(*cuts));
		}
		cuts[ncuts] = 1 + rng() % 4096;
		if (cuts[ncuts] > sb.len - off)
			cuts[ncuts] = sb.len - off;
	}

	sse_init(&p, 0, count_fn, &sum);
	t0 = now();
	do {
		for (i = 0, off = 0; i < ncuts; off += cuts[i++]) {
			if (sse_feed(&p, sb.buf + off, cuts[i]))
				return t3_error(T3_EPROV, "parse error in '%s'", argv[1]);
		}
		events += p.events;
		p.events = 0;
		sse_finish(&p);
		bytes += sb.len;
		t = now() - t0;
	} while (t < secs);
	sse_release(&p);

	printf("sse_parse_mbps %.1f\n", (double)bytes / t / 1e6);
	fprintf(stderr, "# %llu bytes, %llu events in %.3f s (checksum %llu)\n",
		bytes, events, t, sum);
	free(cuts);
	sb_release(&sb);
	return 0;
}

/* echo.c: the echo adapter: offline, deterministic, free. It answers
 * with the last user message, a word (with its spaces) at a time, as a
 * stream would bring it; T3_ECHO_DELAY_MS waits between the words. Each
 * file attached to that message comes first, as a line of its own:
 * "[attached NAME: MIME-TYPE, N bytes]". Where
 * a wire format is asked of it (a request body, a URL) it speaks
 * OpenAI's. See provider.h. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "provider.h"

/* ms milliseconds, or less when *cancel is set meanwhile */
static void nap(long ms, volatile sig_atomic_t *cancel)
{
	for (long t = 0; t < ms && !(cancel && *cancel); t += 10) {
		struct timespec ts = { 0, (ms - t < 10 ? ms - t : 10) * 1000000L };
		nanosleep(&ts, NULL);
	}
}

static int echo_answer(struct prov_decoder *d, const struct prov_req *req,
		       const struct prov_local *io)
{
	const struct prov_msg *last = req->nmsgs ? &req->msgs[req->nmsgs - 1] : NULL;
	const char *s = last ? last->text : "";
	const char *delay = getenv("T3_ECHO_DELAY_MS");
	long ms = delay ? atol(delay) : 0;
	int rc;

	for (size_t i = 0; last && i < last->nparts; i++) {
		const struct prov_part *a = &last->parts[i];
		char *line = xasprintf("[attached %s: %s, %zu bytes]\n", a->name, a->mime_type,
				       a->size);
		rc = prov_emit_text(d, line, strlen(line));
		free(line);
		if (rc)
			return rc;
	}

	while (*s) {
		size_t n = strcspn(s, " \n\t");
		n += strspn(s + n, " \n\t");
		if (io->cancel && *io->cancel)
			return PROV_ECANCELLED;
		if ((rc = prov_emit_text(d, s, n)) || (io->idle && (rc = io->idle(io->ctx))))
			return rc;
		s += n;
		if (ms > 0 && *s)
			nap(ms, io->cancel);
	}
	if (io->cancel && *io->cancel)
		return PROV_ECANCELLED;
	d->res.done = 1;
	prov_set_str(&d->res.finish_reason, "stop");
	return 0;
}

const struct prov_ops prov_echo_ops = {
	.api = PROV_ECHO,
	.name = "echo",
	.wire = &prov_openai_ops,
	.answer = echo_answer,
};

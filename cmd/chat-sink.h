/* chat-sink.h: the turn sink that writes an answer to stdout and its
 * diagnostics to stderr, as text, --json or --jsonl: one-shot t3-chat
 * and the REPL share it. */
#ifndef T3_CHAT_SINK_H
#define T3_CHAT_SINK_H

#include "out.h"
#include "safe.h"
#include "turn.h"

/* What stdout and stderr have been given. Set the options, then call
 * chat_sink_init once and chat_writer_start before each turn. */
struct chat_writer {
	/* options */
	enum out_fmt fmt;	/* OUT_TABLE (text), OUT_JSON or OUT_JSONL */
	int no_stream;		/* the text at the end, not as it arrives */
	int show_reasoning;	/* reasoning on stderr */
	int usage;		/* -u: tokens, cost, latency on stderr */
	/* state */
	struct safe_out text;	/* the answer on stdout */
	struct safe_out reas;	/* reasoning on stderr */
	int first;		/* no answer text written yet */
	int gone;		/* stdout failed: T3_EPIPE or T3_EDATA */
	int reasoning_open;	/* reasoning on stderr lacks its final newline */
	int line_open;		/* the answer written lacks its final newline */
};

/* The sink's callbacks, writing through w; verbose adds the request
 * line and headers (never the secret ones) on stderr. */
void chat_sink_init(struct turn_sink *s, struct chat_writer *w, int verbose);
/* A new turn: a fresh answer (and terminal state) on stdout. */
void chat_writer_start(struct chat_writer *w);

#endif

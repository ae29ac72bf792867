/* chat-repl.h: t3-chat's interactive session: a readline prompt on a
 * terminal whose lines are the turns of one chat (lib/turn, through the
 * sink of chat-sink.c), slash commands, a history file. See t3-chat(1),
 * INTERACTIVE USE. */
#ifndef T3_CHAT_REPL_H
#define T3_CHAT_REPL_H

#include "common.h"
#include "config.h"
#include "turn.h"

/* The command line's options that are not turn options. */
struct chat_repl_opts {
	int show_reasoning;	/* --show-reasoning */
	int usage;		/* -u */
	int verbose;		/* -v */
};

/* The session, for t3-chat's main when there is no prompt and standard
 * input is a terminal. o holds the command line's turn options, which
 * apply to every turn (o->chat or o->cont: the chat to resume); cfg is
 * loaded here and released by the caller. Returns the exit code: 0 after
 * Ctrl-D or /exit, 130 after SIGTERM or SIGHUP, else the code of what
 * kept the session from starting (an option that does not apply, the
 * databases, the user or the chat to resume not found). */
int chat_repl_main(struct common *c, struct config *cfg, const struct turn_opts *o,
		   const struct chat_repl_opts *ro);

#endif

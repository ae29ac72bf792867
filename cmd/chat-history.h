/* chat-history.h: t3-chat's history modes: --list, --show, --search,
 * --rm, --rename, --export, --import (see t3-chat(1), HISTORY). */
#ifndef T3_CHAT_HISTORY_H
#define T3_CHAT_HISTORY_H

#include <stdio.h>

#include "chat-opts.h"

/* Run history mode (CM_LIST ... CM_IMPORT, as chat_mode_of found it in
 * argv) and return the exit code. */
int chat_history_main(enum chat_mode mode, int argc, char **argv);

/* The history modes' usage lines, for t3-chat --help. */
void chat_history_usage(FILE *fp);

#endif

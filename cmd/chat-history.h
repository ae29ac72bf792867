/* chat-history.h: t3-chat's history modes: --list, --show, --search,
 * --rm, --rename, --export, --import (see t3-chat(1), HISTORY). */
#ifndef T3_CHAT_HISTORY_H
#define T3_CHAT_HISTORY_H

#include <stdio.h>

/* Run the history mode named in argv and return the exit code, with
 * *handled = 1; without a history mode option in argv (a chat turn),
 * *handled = 0 and nothing has been done or printed. Call it first in
 * main(): argv is left as it was. */
int chat_history_main(int argc, char **argv, int *handled);

/* The history modes' usage lines, for t3-chat --help. */
void chat_history_usage(FILE *fp);

#endif

/* chat-server.h: t3-chat --server-models PROVIDER (chat-server.c). */
#ifndef T3_CHAT_SERVER_H
#define T3_CHAT_SERVER_H

#include <stdio.h>

void chat_server_usage(FILE *fp);
int chat_server_main(int argc, char **argv);

#endif

/* chat-roles.h: t3-chat's role modes: --save-role, --roles, --rm-role
 * (see t3-chat(1), ROLES). */
#ifndef T3_CHAT_ROLES_H
#define T3_CHAT_ROLES_H

#include <stdio.h>

/* Run the role mode named in argv and return the exit code, with
 * *handled = 1; without one (a chat turn, --role included), *handled = 0
 * and nothing has been done. argv is left as it was. */
int chat_roles_main(int argc, char **argv, int *handled);

/* The role modes' usage lines, for t3-chat --help. */
void chat_roles_usage(FILE *fp);

#endif

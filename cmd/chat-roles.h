/* chat-roles.h: t3-chat's role modes: --save-role, --roles, --rm-role
 * (see t3-chat(1), ROLES). */
#ifndef T3_CHAT_ROLES_H
#define T3_CHAT_ROLES_H

#include <stdio.h>

#include "chat-opts.h"

/* Run role mode (CM_SAVE_ROLE, CM_ROLES, CM_RM_ROLE, as chat_mode_of
 * found it in argv) and return the exit code. */
int chat_roles_main(enum chat_mode mode, int argc, char **argv);

/* The role modes' usage lines, for t3-chat --help. */
void chat_roles_usage(FILE *fp);

#endif

/* chat-opts.h: every option of t3-chat in one table, shared by the turn
 * (t3-chat.c), the history modes (chat-history.c), the role modes
 * (chat-roles.c) and --server-models (chat-server.c): each knows every option, so that one which does not
 * apply where it is given is refused as such, never as unknown, and a
 * value is never taken for a mode. */
#ifndef T3_CHAT_OPTS_H
#define T3_CHAT_OPTS_H

#include "common.h"

/* the long-only options' values (the others are their letter) */
enum {
	CO_CHAT = OPT_COMMON_END, CO_USER, CO_TEMPERATURE, CO_MAX_TOKENS, CO_NO_STREAM,
	CO_SHOW_REASONING, CO_REASONING_EFFORT, CO_RETRIES, CO_TIMEOUT, CO_TITLE,
	CO_NO_TITLE, CO_FROM, CO_BRANCH, CO_RETRY, CO_ROLE, CO_NO_LOG,
	/* the modes ('l' is --list) */
	CO_SHOW, CO_SEARCH, CO_RM, CO_RENAME, CO_EXPORT, CO_IMPORT,
	CO_SAVE_ROLE, CO_ROLES, CO_RM_ROLE, CO_SERVER_MODELS,
	/* the history modes' own ('y' is --yes) */
	CO_SINCE, CO_UNTIL, CO_OLDER, CO_FORMAT
};

extern const struct option chat_longopts[];
/* A turn's letters (-n is --no-log); the history modes' take -n N. */
#define CHAT_OPTSTRING ":m:s:a:o:cunvqhly"
#define CHAT_HISTORY_OPTSTRING ":m:s:a:o:cun:vqhly"

enum chat_mode {
	CM_TURN, CM_LIST, CM_SHOW, CM_SEARCH, CM_RM, CM_RENAME, CM_EXPORT, CM_IMPORT,
	CM_SAVE_ROLE, CM_ROLES, CM_RM_ROLE, CM_SERVER_MODELS
};
#define CM_IS_HISTORY(m) ((m) >= CM_LIST && (m) <= CM_IMPORT)
#define CM_IS_ROLES(m) ((m) >= CM_SAVE_ROLE && (m) <= CM_RM_ROLE)

/* The mode argv names (CM_TURN: none), scanned in a copy, getopt reset
 * for the caller. 0, or T3_EUSAGE after a message when it names two. */
int chat_mode_of(int argc, char **argv, enum chat_mode *mode);
/* The mode's option: "--list", ...; "a chat turn" for CM_TURN. */
const char *chat_mode_name(enum chat_mode m);
/* "option '-x' does not apply to 'MODE'" (the letter, else the long
 * name at chat_longopts[longindex]); returns T3_EUSAGE. */
int chat_not_here(int opt, int longindex, enum chat_mode m);

#endif

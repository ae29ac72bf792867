/* roles.h: saved system prompts ("roles") per user, in data.db's
 * chat_roles: t3-chat --save-role NAME -s TEXT, --role NAME, --roles,
 * --rm-role NAME, and the same for the REPL. Every call names the acting
 * user's id: another user's role is not found. */
#ifndef T3_ROLES_H
#define T3_ROLES_H

#include <stddef.h>

#include "db.h"

#define ROLES_NAME_MAX 64		/* bytes */
#define ROLES_PROMPT_MAX (1u << 20)	/* bytes of system prompt */

/* A role name: 1 to ROLES_NAME_MAX bytes of UTF-8 without a space, a
 * control or bidirectional character (as model names), not starting
 * with '-'. 0, or T3_EUSAGE after a message. */
int roles_check_name(const char *name);

/* A role to save: its name (roles_check_name) and a prompt that is not
 * blank nor longer than ROLES_PROMPT_MAX. 0, or T3_EUSAGE after a
 * message. */
int roles_check(const char *name, const char *prompt);

/* Save a role (replacing one of that name), in a transaction of its own:
 * 0, T3_EUSAGE (roles_check's), T3_EDATA. */
int roles_save(struct db *ddb, const char *user_id, const char *name, const char *prompt);

/* A role's prompt (malloc'd, for the caller to free), quietly: 0,
 * T3_ENEG when the user has none of that name, T3_EDATA. */
int roles_get(struct db *ddb, const char *user_id, const char *name, char **prompt);

/* Remove a role in a transaction of its own: 0, T3_ENEG after the
 * message "role 'NAME' not found", T3_EDATA. */
int roles_remove(struct db *ddb, const char *user_id, const char *name);

/* The user's roles by name, each as a serialised JSON object (role_name,
 * system_prompt, created_at, updated_at: ISO-8601 UTC) handed to fn; a
 * non-zero return stops and is returned. */
int roles_list(struct db *ddb, const char *user_id,
	       int (*fn)(void *ctx, const char *json, size_t len), void *ctx);

#endif

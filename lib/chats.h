/* chats.h: chat sessions, messages and usage rows in data.db. */
#ifndef T3_CHATS_H
#define T3_CHATS_H

#include <stdint.h>

#include "db.h"
#include "uuid.h"

struct chat {
	char chat_id[UUID_STRLEN + 1];
	char user_id[UUID_STRLEN + 1];
	char *title;
	char *system_prompt;   /* NULL: none */
	char *model_default;   /* the model of its latest run; NULL: none yet */
	int64_t created_at;
};

struct chat_msg {
	char message_id[UUID_STRLEN + 1];
	char *sender_type;     /* "user" or "ai" */
	char *text;
	char *status;
};

void chat_release(struct chat *c);
void chat_msgs_free(struct chat_msg *m, size_t n);

/* A new chat for user_id, who must exist in user.db (checked here:
 * SQLite cannot enforce a key across files), with model as its
 * model_default. Runs in the caller's transaction on ddb. */
int chats_create(struct db *ddb, struct db *udb, const char *user_id, const char *title,
		 const char *system_prompt, const char *model, struct chat *out);
/* A chat of this user by id (or a unique id prefix of 8+ characters).
 * Another user's chat is "not found" (T3_ENEG, message printed). */
int chats_find(struct db *ddb, const char *user_id, const char *key, struct chat *out);
/* The user's most recently active chat; T3_ENEG when there is none. */
int chats_latest(struct db *ddb, const char *user_id, struct chat *out);
int chats_set_system(struct db *ddb, const char *chat_id, const char *system_prompt);
int chats_set_model(struct db *ddb, const char *chat_id, const char *model);
/* Every message of a chat, oldest first. */
int chats_history(struct db *ddb, const char *chat_id, struct chat_msg **out, size_t *n);

struct ai_message {
	const char *chat_id, *parent_id, *text, *model, *finish_reason, *status,
		   *reasoning_text;
	long prompt_tokens, completion_tokens, reasoning_tokens;
	double cost_usd;
	long first_token_ms, total_ms;   /* -1: unknown */
};

/* Store a user message (own id in out_id) and touch the chat. */
int chats_add_user(struct db *ddb, const char *chat_id, const char *parent_id,
		   const char *text, char out_id[UUID_STRLEN + 1]);
/* Store an answer under the id in out_id, or a new one when it is "". */
int chats_add_ai(struct db *ddb, const struct ai_message *m, char out_id[UUID_STRLEN + 1]);

#endif

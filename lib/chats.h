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
	char *branched_from;   /* the message it was branched at; NULL: no branch */
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

/* ---- branches and retries (lib/chats.c) ----
 * A chat is a tree of messages linked by parent_id: a retry adds an
 * answer beside the one before (same parent), --from a question under an
 * older message. The chat continues from its tip: its newest message
 * that no other of the chat follows. */

/* SQL: the tip of chat ?1, as a scalar subquery */
#define CHATS_SQL_TIP "(SELECT t.message_id FROM chat_messages t WHERE t.chat_id = ?1 AND " \
	"NOT EXISTS (SELECT 1 FROM chat_messages c WHERE c.parent_id = t.message_id AND " \
	"c.chat_id = ?1) " \
	"ORDER BY t.timestamp DESC, t.message_id DESC LIMIT 1)"
/* The chat's tip into out; T3_ENEG quietly when it has no message. */
int chats_tip(struct db *ddb, const char *chat_id, char out[UUID_STRLEN + 1]);
/* The thread that ends at tip (NULL: the chat's tip): the messages from
 * the first one down to it, following parent_id, oldest first. A tip
 * that is not a message of the chat: no message. */
int chats_thread(struct db *ddb, const char *chat_id, const char *tip, struct chat_msg **out,
		 size_t *n);

/* A message found by id or unique prefix. */
struct chat_msgref {
	char message_id[UUID_STRLEN + 1];
	char chat_id[UUID_STRLEN + 1];
	char sender_type[8];	/* "user" or "ai" */
};
/* A message of this user's chats by id or a unique prefix of
 * CHATS_PREFIX_MIN or more characters; chat_id non-NULL: of that chat
 * only. Not found (another user's too): T3_ENEG; a prefix too short or
 * ambiguous: T3_EUSAGE, the candidates listed on stderr. */
int chats_resolve_message(struct db *ddb, const char *user_id, const char *chat_id,
			  const char *key, struct chat_msgref *out);
/* A new chat of the user's holding copies (new ids, the same times and
 * figures, the links following) of the thread that ends at message_id,
 * with its chat's system prompt and model, title (NULL: the chat's) and
 * branched_from set to message_id. Copies, not links: the branch stays
 * whole when the original is removed. In the caller's transaction. */
int chats_branch(struct db *ddb, struct db *udb, const char *user_id,
		 const struct chat_msgref *from, const char *title, struct chat *out);
/* Set the title only while it is still old (a rename meanwhile wins);
 * 0 whether or not it changed. In the caller's transaction. */
int chats_retitle(struct db *ddb, const char *chat_id, const char *old, const char *title);
/* Questions whose answer never came (the process was killed after
 * storing it), q with its chat s, as the tail of a SELECT (t3-user
 * check): a user message that no answer follows, and for which no call
 * of its chat was metered from its time until the chat's next message. */
#define CHATS_SQL_UNANSWERED \
	"FROM chat_messages q JOIN chat_sessions s ON s.chat_id = q.chat_id " \
	"WHERE q.sender_type = 'user' AND NOT EXISTS (SELECT 1 FROM chat_messages a " \
	"WHERE a.parent_id = q.message_id AND a.sender_type = 'ai') AND NOT EXISTS " \
	"(SELECT 1 FROM usage_metrics u WHERE u.chat_id = q.chat_id AND " \
	"u.purpose = 'chat' AND u.timestamp >= q.timestamp AND u.timestamp < " \
	"coalesce((SELECT min(o.timestamp) FROM chat_messages o WHERE o.chat_id = " \
	"q.chat_id AND o.timestamp > q.timestamp), 9223372036854775807))"

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

/* ---- history management (lib/chats.c, lib/chat-history.c) ---- */

#include <jansson.h>

#include "buf.h"

/* The shortest chat id prefix the history commands take. */
#define CHATS_PREFIX_MIN 4

/* A chat of this user by id or unique prefix of CHATS_PREFIX_MIN or more
 * characters. Not found (another user's chat too): T3_ENEG; a prefix too
 * short or ambiguous: T3_EUSAGE, the candidates listed on stderr. */
int chats_resolve(struct db *ddb, const char *user_id, const char *key, struct chat *out);
/* chats_latest without a message: T3_ENEG quietly when there is none. */
int chats_last(struct db *ddb, const char *user_id, struct chat *out);

/* Rows are handed over as serialised JSON objects (SQLite's
 * json_object()), for out_row_text(); a non-zero return stops. */
typedef int (*chats_row_fn)(void *ctx, const char *json, size_t len);

struct chats_filter {
	const char *user_id;
	const char *model;      /* a chat's model or one of its answers'; NULL: any */
	int64_t since, until;   /* since <= updated_at < until; -1: open */
	const char *text;       /* in the title or a message; NULL: any */
	long limit;             /* the newest so many; <= 0: all */
};
/* The user's chats, most recently active first: chat_id, title,
 * created_at, updated_at, model_default, message_count. */
int chats_list(struct db *ddb, const struct chats_filter *f, chats_row_fn fn, void *ctx);
/* Words as an FTS5 query: each word a quoted phrase (so any text is a
 * valid query), all of them required, a trailing '*' a prefix. NULL
 * when there is no word. */
char *chats_fts_query(const char *text);
/* The user's messages that contain every word of text, best first
 * (bm25): chat_id, message_id, title, sender_type, timestamp, snippet
 * (the match between '**'), score (higher is better). When more than
 * SEARCH_RANKED messages match, the SEARCH_RANKED stored last are
 * ranked (see t3-chat(1), --search). */
#define SEARCH_RANKED 2000
int chats_search(struct db *ddb, const char *user_id, const char *text, long limit,
		 chats_row_fn fn, void *ctx);
/* chats_search with the walk over the index chosen (SEARCH_AUTO: by
 * the user's share of the chats, see chat-history.c), for tests. */
enum search_walk { SEARCH_AUTO, SEARCH_LOOKUP, SEARCH_OWN, SEARCH_EVERY, SEARCH_NONE };
int chats_search_walk(struct db *ddb, const char *user_id, const char *text, long limit,
		      enum search_walk walk, chats_row_fn fn, void *ctx);
/* The ids of the user's chats last active before before_ms, oldest first
 * (a NULL-terminated array; free with chats_ids_free). */
int chats_older_than(struct db *ddb, const char *user_id, int64_t before_ms, char ***out,
		     size_t *n);
void chats_ids_free(char **ids, size_t n);
/* Delete a chat of the user's with its messages; its usage rows stay,
 * unlinked (metering is kept). In the caller's transaction. */
int chats_remove(struct db *ddb, const char *user_id, const char *chat_id);
int chats_rename(struct db *ddb, const char *chat_id, const char *title);
/* A title given by hand (--title, --rename, /title): one line, not
 * blank. 0, or T3_EUSAGE after a message. */
int chats_check_title(const char *title);

/* A chat as one serialised JSON object (appended to out): chat_id,
 * title, created_at, updated_at, model_default, system_prompt, messages
 * (every column, oldest first, "answered" on user messages) and usage
 * (its usage_metrics rows). Text that is not UTF-8 has U+FFFD for each
 * byte that is not. */
int chats_json(struct db *ddb, const char *chat_id, struct strbuf *out);

/* One message of a chat, for a transcript. */
struct chat_row {
	const char *message_id, *sender_type, *text, *model_used, *status;
	size_t text_len;
	int64_t timestamp;
	int answered;   /* a question: 1 or 0 (no answer came); an answer: -1 */
	int sibling, siblings;	/* its place among the messages of its parent, 1-based */
	int on_path;	/* on the thread the chat continues from */
};
/* Each message of a chat, oldest first; a non-zero return stops. */
int chats_each_message(struct db *ddb, const char *chat_id,
		       int (*fn)(void *ctx, const struct chat_row *m), void *ctx);

/* Store a chat object of chats_json's form for user_id, in the
 * caller's transaction: ids kept, new ones where taken already (out_id:
 * the chat's). A malformed object: T3_EUSAGE, nothing written by this
 * call that the caller's rollback would not undo. */
int chats_from_json(struct db *ddb, const char *user_id, json_t *chat,
		    char out_id[UUID_STRLEN + 1]);

#endif

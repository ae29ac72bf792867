/* attach.h: files sent with a message (t3-chat -a FILE): read, their
 * type found from their content (never their name), checked against the
 * model's capabilities and its API's size limits, stored once by their
 * SHA-256 in data.db (chat_attachments, linked to their message by
 * chat_message_attachments), loaded again with their message when the
 * chat goes on, and carried by the JSON export and import of chats.
 *
 * Images (PNG, JPEG, WebP, GIF) and PDFs go to the provider as they are,
 * base64-encoded (libsodium); a text file (valid UTF-8 without a NUL
 * byte) is quoted into the prompt under its name instead, and so stored
 * as part of the message's text. See t3-chat(1), ATTACHMENTS. */
#ifndef T3_ATTACH_H
#define T3_ATTACH_H

#include <jansson.h>
#include <stddef.h>

#include "db.h"
#include "models.h"
#include "provider.h"
#include "uuid.h"

#define ATTACH_HASH_HEX 64	/* SHA-256 in lower-case hex */
/* The most of a file read: more than any API takes (see attach.c). */
#define ATTACH_READ_MAX (64u << 20)

/* What an API takes, in bytes: one image and one PDF as read (raw), and
 * all the attachments of one request as sent, base64-encoded (the
 * history's included, since a continued chat resends them). */
struct attach_limits {
	const char *who;	/* "OpenAI", "Anthropic", "Gemini" */
	size_t image_max, pdf_max, request_max;
};
const struct attach_limits *attach_limits_of(enum prov_api api);

/* The type of a file from its first bytes: "image/png", "image/jpeg",
 * "image/webp", "image/gif" or "application/pdf" (*kind set), else NULL. */
const char *attach_detect(const unsigned char *p, size_t n, enum prov_part_kind *kind);

struct attach_file {
	char hash[ATTACH_HASH_HEX + 1];
	const char *mime_type;	/* one of attach_detect's */
	enum prov_part_kind kind;
	char *name;		/* the file's name without its directory */
	unsigned char *data;
	size_t size;
	char *base64;
	char message_id[UUID_STRLEN + 1];	/* "" for the new message's */
};

/* The attachments of one turn: the new message's (first, in the order
 * given), then those of the chat's earlier messages. */
struct attach_set {
	struct attach_file *files;
	size_t nfiles, nnew;
	struct prov_part *parts;	/* one per file, in the same order */
	char *prompt;	/* the prompt with the text files quoted, or NULL */
};

void attach_set_release(struct attach_set *s);

/* The tokens one part is expected to take as input on API api: an image
 * by its pixel size and the API's published rule, a PDF by its pages; an
 * image of unknown size or a PDF whose pages cannot be counted at the
 * API's largest. An estimate, for the quota's hold and the context, never
 * the charge (the provider's counts are). See attach.c for the rules. */
long attach_tokens(const struct prov_part *p, enum prov_api api);

/* Read the n files named for a new message of prompt: images and PDFs
 * become attachments, text files are quoted into s->prompt. 0, or
 * T3_EUSAGE after a message (unreadable, a directory, empty, an unknown
 * type, a text file over ATTACH_READ_MAX); nothing is written. */
int attach_read_files(struct attach_set *s, const char *const *paths, size_t n,
		      const char *prompt);

/* Load the attachments of every message of a chat (after the new ones). */
int attach_load_chat(struct attach_set *s, struct db *ddb, const char *chat_id);

/* The parts of a message (message_id "" for the new one) for its
 * struct prov_msg; none: *parts NULL, *n 0. */
void attach_parts_of(const struct attach_set *s, const char *message_id,
		     const struct prov_part **parts, size_t *n);

/* Refuse (T3_EPOLICY, after a message) to send the parts of msgs to
 * model m of API api: an image or a PDF the model does not take (the
 * message names a model of the catalog that does), a file or the
 * request's total above the API's limits. */
int attach_check(struct db *ddb, enum prov_api api, const struct model *m,
		 const struct prov_msg *msgs, size_t nmsgs);
/* The same for the new message's attachments alone, before any. */
int attach_check_new(struct db *ddb, enum prov_api api, const struct model *m,
		     const struct attach_set *s);

/* Store the new message's attachments for message_id, each file once;
 * in the caller's transaction. */
int attach_store(struct db *ddb, const struct attach_set *s, const char *message_id);
/* Link message to to the files of message from, in the caller's
 * transaction (a branch's copy of a message). */
int attach_copy_links(struct db *ddb, const char *from, const char *to);

/* ---- export and import (lib/chat-history.c) ---- */

/* A SQL expression for the attachments of the message whose id is the
 * expression msg: a JSON array of {name, mime_type, size, sha256, data
 * (base64)} in order, or NULL when it has none. Needs
 * attach_sql_functions() on the connection. */
#define ATTACH_SQL_JSON(msg) \
	"(SELECT CASE WHEN count(*) THEN json_group_array(json_object('name', x.name, " \
	"'mime_type', x.mime_type, 'size', x.size, 'sha256', x.hash, 'data', " \
	"t3_base64(x.data))) END FROM (SELECT l.name, a.mime_type, a.size, a.hash, a.data " \
	"FROM chat_message_attachments l JOIN chat_attachments a ON a.hash = l.hash " \
	"WHERE l.message_id = " msg " ORDER BY l.position) x)"
/* Register t3_base64(blob) on the connection. */
void attach_sql_functions(struct db *ddb);
/* Store the "attachments" array of an imported message (NULL: none) for
 * message_id, checked: the data decodes, its SHA-256, size and type are
 * those given. T3_EUSAGE naming where ("messages[2]") when not. */
int attach_from_json(struct db *ddb, json_t *list, const char *message_id, const char *where);

#endif

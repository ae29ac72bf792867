/* usage.h: the usage ledger. The one module that writes and reads
 * usage_metrics, and the quota charges drawn from it.
 *
 * The record of truth for billing is the usage_metrics row in data.db.
 * The quota in user.db is charged from it, idempotently: user.db and
 * data.db are two files and cannot commit atomically in WAL mode, so a
 * charge that could not be applied (a lock, a kill between the two
 * commits) is applied later, by the next call of the same user or by
 * `t3-user check --repair`, and never twice.
 *
 * Quota is held before a call is sent (usage_reserve) and settled to the
 * real figure after (usage_finish), so that concurrent calls of one user
 * overrun the quota by at most one call. */
#ifndef T3_USAGE_H
#define T3_USAGE_H

#include <stdint.h>

#include "db.h"
#include "uuid.h"

struct ai_message;

/* status_code values of usage_metrics (names in usage_status_name) */
enum usage_status {
	USAGE_SUCCESS,		/* "success" */
	USAGE_QUOTA_EXCEEDED,	/* "quota_exceeded": refused before sending */
	USAGE_RATE_LIMITED,	/* "rate_limited": HTTP 429 */
	USAGE_HTTP_ERROR,	/* "http_NNN": any other HTTP error status */
	USAGE_NETWORK,		/* "network": no response at all */
	USAGE_STALLED,		/* "stalled": no byte for --timeout seconds */
	USAGE_INCOMPLETE,	/* "incomplete": the stream ended early */
	USAGE_STREAM_ERROR,	/* "stream_error": an error event in the stream */
	USAGE_MALFORMED,	/* "malformed": not the API's format, too large */
	USAGE_EMPTY,		/* "empty": complete, but no answer text */
	USAGE_INTERRUPTED,	/* "interrupted": Ctrl-C, SIGTERM, stdout closed */
	USAGE_STATUS_COUNT
};

/* The status_code text: the enum's name, or "http_NNN" for
 * USAGE_HTTP_ERROR (buf, of USAGE_STATUS_MAX bytes, holds it). */
#define USAGE_STATUS_MAX 16
const char *usage_status_name(enum usage_status s, long http_status,
			      char buf[USAGE_STATUS_MAX]);

/* purpose values of usage_metrics: the call answered a prompt, or wrote
 * a chat's title (see turn_title); the status_code is its outcome. */
enum usage_purpose {
	USAGE_FOR_CHAT,		/* "chat" */
	USAGE_FOR_TITLE		/* "title" */
};

struct usage_row {
	char usage_id[UUID_STRLEN + 1];	/* "" : usage_insert makes one */
	const char *user_id, *model_name, *provider_name, *chat_id, *message_id;
	enum usage_status status;
	long prompt_tokens, completion_tokens, reasoning_tokens, cached_tokens;
	int estimated;
	double cost_usd;
	long first_token_ms, total_ms, http_status;  /* -1: NULL */
	int attempt;
	int64_t timestamp;	/* unix ms; 0: now */
	int quota_pending;	/* the charge is still to be applied (usage_finish) */
	enum usage_purpose purpose;	/* what the call was for (column purpose) */
	const char *timezone;	/* the user's zone, to keep their daily totals
				 * in (usage-days.h); NULL: left as they are */
};

/* The enum (and HTTP status) of a status_code text; -1 if unknown. */
int usage_status_parse(const char *name, enum usage_status *s, long *http_status);

/* The tokens a row charges against the quota: prompt + completion. */
int64_t usage_tokens(const struct usage_row *u);

/* Insert one row in the caller's transaction on ddb (fills u->usage_id
 * when it is empty). Charges nothing. With u->timezone, the user's daily
 * totals are first brought to that zone (usage_days_ensure). */
int usage_insert(struct db *ddb, struct usage_row *u);

/* A hold on a user's quota for one call, taken before it is sent. */
struct usage_hold {
	char hold_id[UUID_STRLEN + 1];
	char user_id[UUID_STRLEN + 1];
	int64_t tokens;		/* held */
	int active;
};

/* Hold estimate tokens of user_id's quota, capped at what is left after
 * the other calls' holds; in its own transaction on udb. T3_EPOLICY
 * (nothing printed) when nothing is left: the caller records a
 * quota_exceeded row and refuses. */
int usage_reserve(struct db *udb, const char *user_id, int64_t estimate,
		  struct usage_hold *h);
/* Drop a hold without charging anything (never fails loudly). */
void usage_release(struct db *udb, struct usage_hold *h);

/* The end of one attempt of a call: store am (the answer, may be NULL)
 * and the usage row u in data.db in one transaction (u->message_id is set
 * to the answer's id, written to ai_id when not NULL), then charge
 * usage_tokens(u) to the quota in user.db, once; when final, the hold h
 * (may be NULL) is released in the same user.db transaction.
 * When data.db is locked past the busy timeout (or the wait is
 * interrupted), the answer and row are kept in the spool, and when user.db
 * is, the charge is left pending: both with a warning, returning 0, for the
 * outcome is durable and usage_settle_pending finishes it. Returns
 * T3_EDATA after a message only when nothing could be kept. */
int usage_finish(struct db *ddb, struct db *udb, struct usage_hold *h, int final,
		 struct usage_row *u, const struct ai_message *am,
		 char ai_id[UUID_STRLEN + 1]);

/* What usage_finish could not finish: store the answers and usage rows
 * kept in the spool (DATA.DB-spool/, when data.db was locked), then
 * apply the charges recorded in data.db but not in user.db's ledger (a
 * lock or a kill between the two commits), for one user or all (user_id
 * NULL). Without wait, a lock makes it stop quietly (the next run goes
 * on). *n (may be NULL) gets the number of charges applied. */
int usage_settle_pending(struct db *ddb, struct db *udb, const char *user_id, int wait,
			 int64_t *n);
/* How many usage rows wait for their charge, and how many records wait in
 * the spool. */
int usage_pending(struct db *ddb, int64_t *rows, int64_t *spooled);
/* Call fn for each record waiting in the spool (its usage id and file)
 * until fn returns non-zero, which is then returned. */
int usage_spool_each(const struct db *ddb, int (*fn)(void *ctx, const char *usage_id,
							  const char *path), void *ctx);

/* Delete every usage row of a user, in the caller's transaction on ddb;
 * and the user's ledger of applied charges, in one on udb. */
int usage_delete_user(struct db *ddb, const char *user_id);
int usage_delete_charges(struct db *udb, const char *user_id);

#endif

/* usage.c: usage rows, quota holds and charges (see usage.h). */
#include <stdio.h>
#include <string.h>

#include "chats.h"
#include "msg.h"
#include "timeutil.h"
#include "usage.h"
#include "users.h"

static const char *const status_names[USAGE_STATUS_COUNT] = {
	[USAGE_SUCCESS] = "success",
	[USAGE_QUOTA_EXCEEDED] = "quota_exceeded",
	[USAGE_RATE_LIMITED] = "rate_limited",
	[USAGE_HTTP_ERROR] = "http_",
	[USAGE_NETWORK] = "network",
	[USAGE_STALLED] = "stalled",
	[USAGE_INCOMPLETE] = "incomplete",
	[USAGE_STREAM_ERROR] = "stream_error",
	[USAGE_MALFORMED] = "malformed",
	[USAGE_EMPTY] = "empty",
	[USAGE_INTERRUPTED] = "interrupted",
};

const char *usage_status_name(enum usage_status s, long http_status,
			      char buf[USAGE_STATUS_MAX])
{
	if ((unsigned)s >= USAGE_STATUS_COUNT)
		BUG("usage status %d", (int)s);
	if (s != USAGE_HTTP_ERROR)
		return status_names[s];
	snprintf(buf, USAGE_STATUS_MAX, "http_%03ld", http_status > 0 && http_status < 1000 ?
		 http_status : 0);
	return buf;
}

int64_t usage_tokens(const struct usage_row *u)
{
	int64_t p = u->prompt_tokens > 0 ? u->prompt_tokens : 0;
	int64_t c = u->completion_tokens > 0 ? u->completion_tokens : 0;
	return p + c;
}

int usage_insert(struct db *ddb, struct usage_row *u)
{
	sqlite3_stmt *st;
	char buf[USAGE_STATUS_MAX];
	int r;

	if (!u->usage_id[0])
		uuid_v7(u->usage_id);
	if (db_prepare(ddb, &st, "INSERT INTO usage_metrics (usage_id, user_id, timestamp, model_name, "
		       "tokens_used, status_code, provider_name, prompt_tokens, completion_tokens, "
		       "reasoning_tokens, cached_tokens, tokens_estimated, cost_usd, chat_id, message_id, "
		       "first_token_ms, total_ms, http_status, attempt) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
		       "?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)"))
		return T3_EDATA;
	db_bind_text(st, 1, u->usage_id);
	db_bind_text(st, 2, u->user_id);
	sqlite3_bind_int64(st, 3, time_now_ms());
	db_bind_text(st, 4, u->model_name);
	sqlite3_bind_int64(st, 5, usage_tokens(u));
	db_bind_text(st, 6, usage_status_name(u->status, u->http_status, buf));
	db_bind_text(st, 7, u->provider_name);
	sqlite3_bind_int64(st, 8, u->prompt_tokens);
	sqlite3_bind_int64(st, 9, u->completion_tokens);
	sqlite3_bind_int64(st, 10, u->reasoning_tokens);
	sqlite3_bind_int64(st, 11, u->cached_tokens);
	sqlite3_bind_int(st, 12, !!u->estimated);
	sqlite3_bind_double(st, 13, u->cost_usd);
	db_bind_text(st, 14, u->chat_id);
	db_bind_text(st, 15, u->message_id && *u->message_id ? u->message_id : NULL);
	db_bind_opt_long(st, 16, u->first_token_ms);
	db_bind_opt_long(st, 17, u->total_ms);
	db_bind_opt_long(st, 18, u->http_status);
	sqlite3_bind_int(st, 19, u->attempt > 0 ? u->attempt : 1);
	r = db_step_done(ddb, st);
	sqlite3_finalize(st);
	return r;
}

/* SKELETON (to be replaced by the ledger): no hold table yet; a user
 * with no quota left is refused, as before. */
int usage_reserve(struct db *udb, const char *user_id, int64_t estimate,
		  struct usage_hold *h)
{
	int64_t left;
	int r;

	memset(h, 0, sizeof *h);
	r = db_read_int64(udb, "SELECT token_quota FROM user_accounts WHERE user_id = ?1",
			  user_id, &left, "read the quota");
	if (r == T3_ENEG)
		return t3_error(T3_EDATA, "user '%s' not found", user_id);
	if (r)
		return r;
	if (left <= 0)
		return T3_EPOLICY;
	snprintf(h->user_id, sizeof h->user_id, "%s", user_id);
	h->tokens = estimate < left ? estimate : left;
	h->active = 1;
	return 0;
}

void usage_release(struct db *udb, struct usage_hold *h)
{
	(void)udb;
	h->active = 0;
}

int usage_finish(struct db *ddb, struct db *udb, struct usage_hold *h, int final,
		 struct usage_row *u, const struct ai_message *am,
		 char ai_id[UUID_STRLEN + 1])
{
	char id[UUID_STRLEN + 1] = "";
	int64_t used = usage_tokens(u), after;
	int r;

	if ((r = db_begin(ddb)))
		return r;
	if (am) {
		if ((r = chats_add_ai(ddb, am, id)))
			goto fail_d;
		u->message_id = id;
	}
	if ((r = usage_insert(ddb, u)) || (r = db_commit(ddb)))
		goto fail_d;
	if (ai_id)
		memcpy(ai_id, id, sizeof id);
	u->message_id = NULL;
	if (final && h)
		usage_release(udb, h);
	if (used <= 0)
		return 0;
	if ((r = db_begin(udb)))
		return r;
	if ((r = users_quota_consume(udb, u->user_id, used, &after)) || (r = db_commit(udb))) {
		db_rollback(udb);
		return r;
	}
	return 0;
fail_d:
	u->message_id = NULL;
	db_rollback(ddb);
	return r;
}

int usage_settle_pending(struct db *ddb, struct db *udb, const char *user_id, int64_t *n)
{
	(void)ddb; (void)udb; (void)user_id;
	if (n)
		*n = 0;
	return 0;
}

int usage_delete_user(struct db *ddb, const char *user_id)
{
	return db_exec_text(ddb, "DELETE FROM usage_metrics WHERE user_id = ?", user_id, NULL);
}

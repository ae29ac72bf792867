/* usage.c: usage rows, quota holds and charges (see usage.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"

#include "chats.h"
#include "msg.h"
#include "timeutil.h"
#include "usage.h"
#include "usage-days.h"
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

int usage_status_parse(const char *name, enum usage_status *s, long *http_status)
{
	*http_status = -1;
	for (int i = 0; i < USAGE_STATUS_COUNT; i++)
		if (i != USAGE_HTTP_ERROR && !strcmp(name, status_names[i])) {
			*s = (enum usage_status)i;
			return 0;
		}
	if (!strncmp(name, "http_", 5) && strlen(name) == 8 &&
	    strspn(name + 5, "0123456789") == 3) {
		*s = USAGE_HTTP_ERROR;
		*http_status = strtol(name + 5, NULL, 10);
		return 0;
	}
	return -1;
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
	if (u->timezone && (r = usage_days_ensure(ddb, u->user_id, u->timezone)))
		return r;
	if (db_prepare(ddb, &st, "INSERT INTO usage_metrics (usage_id, user_id, timestamp, model_name, "
		       "tokens_used, status_code, provider_name, prompt_tokens, completion_tokens, "
		       "reasoning_tokens, cached_tokens, tokens_estimated, cost_usd, chat_id, message_id, "
		       "first_token_ms, total_ms, http_status, attempt, quota_applied, purpose) VALUES (?1, ?2, "
		       "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, "
		       "?21)"))
		return T3_EDATA;
	db_bind_text(st, 1, u->usage_id);
	db_bind_text(st, 2, u->user_id);
	sqlite3_bind_int64(st, 3, u->timestamp > 0 ? u->timestamp : time_now_ms());
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
	/* a row that charges tokens waits for user.db's ledger */
	sqlite3_bind_int(st, 20, !(u->quota_pending && usage_tokens(u) > 0));
	db_bind_text(st, 21, u->purpose == USAGE_FOR_TITLE ? "title" : "chat");
	r = db_step_done(ddb, st);
	sqlite3_finalize(st);
	return r;
}

/* ---- holds ---- */

/* A hold no longer counts when its process is gone (this host's pids) or
 * it is older than any call could last. */
#define HOLD_TTL_MS (3600LL * 1000)

static int drop_dead_holds(struct db *udb, const char *user_id)
{
	sqlite3_stmt *st;
	int64_t old = time_now_ms() - HOLD_TTL_MS;
	char dead[64][UUID_STRLEN + 1];
	int n = 0, rc, r = 0;

	if (db_prepare(udb, &st, "SELECT hold_id, pid, created_at FROM quota_holds "
		       "WHERE user_id = ?1"))
		return T3_EDATA;
	db_bind_text(st, 1, user_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < 64) {
		pid_t pid = (pid_t)sqlite3_column_int64(st, 1);
		if (sqlite3_column_int64(st, 2) < old ||
		    (pid > 0 && kill(pid, 0) && errno == ESRCH))
			snprintf(dead[n++], UUID_STRLEN + 1, "%s", db_col_text(st, 0));
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = db_error(udb, "read quota holds");
	sqlite3_finalize(st);
	for (int i = 0; i < n && !r; i++)
		r = db_exec_text(udb, "DELETE FROM quota_holds WHERE hold_id = ?1", dead[i], NULL);
	return r;
}

int usage_reserve(struct db *udb, const char *user_id, int64_t estimate,
		  struct usage_hold *h)
{
	sqlite3_stmt *st;
	int64_t quota, held;
	int r;

	memset(h, 0, sizeof *h);
	if ((r = db_begin(udb)))
		return r;
	if ((r = drop_dead_holds(udb, user_id)))
		goto out;
	r = db_read_int64(udb, "SELECT token_quota FROM user_accounts WHERE user_id = ?1",
			  user_id, &quota, "read the quota");
	if (r == T3_ENEG)
		r = t3_error(T3_EDATA, "user '%s' not found", user_id);
	if (r || (r = db_read_int64(udb, "SELECT coalesce(sum(tokens), 0) FROM quota_holds "
				    "WHERE user_id = ?1", user_id, &held, "read quota holds")))
		goto out;
	if (quota - held <= 0) {
		r = T3_EPOLICY;
		goto out;
	}
	uuid_v7(h->hold_id);
	snprintf(h->user_id, sizeof h->user_id, "%s", user_id);
	h->tokens = estimate < 1 ? 1 : estimate < quota - held ? estimate : quota - held;
	if ((r = db_prepare(udb, &st, "INSERT INTO quota_holds (hold_id, user_id, tokens, "
			    "created_at, pid) VALUES (?1, ?2, ?3, ?4, ?5)")))
		goto out;
	db_bind_text(st, 1, h->hold_id);
	db_bind_text(st, 2, user_id);
	sqlite3_bind_int64(st, 3, h->tokens);
	sqlite3_bind_int64(st, 4, time_now_ms());
	sqlite3_bind_int64(st, 5, (sqlite3_int64)getpid());
	r = db_step_done(udb, st);
	sqlite3_finalize(st);
	if (!r && !(r = db_commit(udb))) {
		h->active = 1;
		return 0;
	}
out:
	db_rollback(udb);
	return r;
}

/* In the caller's transaction. */
static int drop_hold(struct db *udb, struct usage_hold *h)
{
	int r = h && h->active ? db_exec_text(udb, "DELETE FROM quota_holds WHERE hold_id = ?1",
					      h->hold_id, NULL) : 0;
	if (!r && h)
		h->active = 0;
	return r;
}

void usage_release(struct db *udb, struct usage_hold *h)
{
	if (!h->active)
		return;
	/* a hold that cannot be dropped now lapses when this process ends */
	if (db_try_begin(udb, 1))
		return;
	if (drop_hold(udb, h) || db_commit(udb))
		db_rollback(udb);
}

/* ---- charges ---- */

/* Charge one usage row to user.db's quota, once: the ledger row and the
 * charge commit together, and a usage_id already in the ledger charges
 * nothing. In the caller's transaction. A user that no longer exists has
 * nothing to charge. */
static int charge(struct db *udb, const char *usage_id, const char *user_id, int64_t tokens)
{
	sqlite3_stmt *st;
	int64_t after;
	int r;

	if (db_prepare(udb, &st, "INSERT OR IGNORE INTO quota_charges (usage_id, user_id, "
		       "tokens, applied_at) SELECT ?1, ?2, ?3, ?4 WHERE EXISTS "
		       "(SELECT 1 FROM user_accounts WHERE user_id = ?2)"))
		return T3_EDATA;
	db_bind_text(st, 1, usage_id);
	db_bind_text(st, 2, user_id);
	sqlite3_bind_int64(st, 3, tokens);
	sqlite3_bind_int64(st, 4, time_now_ms());
	r = db_step_done(udb, st);
	sqlite3_finalize(st);
	if (r || sqlite3_changes(udb->h) == 0)
		return r;
	return users_quota_consume(udb, user_id, tokens, &after);
}

static int mark_applied(struct db *ddb, const char *usage_id)
{
	return db_exec_text(ddb, "UPDATE usage_metrics SET quota_applied = 1 WHERE usage_id = ?1",
			    usage_id, NULL);
}

/* ---- the spool: answers and usage rows data.db could not take ---- */

static char *spool_dir(const struct db *ddb)
{
	struct strbuf b = STRBUF_INIT;
	sb_addf(&b, "%s-spool", ddb->path);
	return b.buf;
}

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *spool_record(const struct usage_row *u, int64_t ts, const struct ai_message *am,
			    const char *ai_id)
{
	char sbuf[USAGE_STATUS_MAX];
	json_t *j = json_pack("{s:s, s:s, s:I, s:s, s:o, s:s, s:o, s:I, s:I, s:I, s:I, s:b, "
			      "s:f, s:I, s:I, s:I, s:i}",
			      "usage_id", u->usage_id, "user_id", u->user_id, "timestamp", (json_int_t)ts,
			      "model_name", u->model_name, "provider_name", jstr(u->provider_name),
			      "status_code", usage_status_name(u->status, u->http_status, sbuf),
			      "chat_id", jstr(u->chat_id),
			      "prompt_tokens", (json_int_t)u->prompt_tokens,
			      "completion_tokens", (json_int_t)u->completion_tokens,
			      "reasoning_tokens", (json_int_t)u->reasoning_tokens,
			      "cached_tokens", (json_int_t)u->cached_tokens,
			      "tokens_estimated", u->estimated, "cost_usd", u->cost_usd,
			      "first_token_ms", (json_int_t)u->first_token_ms,
			      "total_ms", (json_int_t)u->total_ms,
			      "http_status", (json_int_t)u->http_status, "attempt", u->attempt);
	if (j && u->purpose == USAGE_FOR_TITLE)
		json_object_set_new(j, "purpose", json_string("title"));
	if (j && am)
		json_object_set_new(j, "message", json_pack(
			"{s:s, s:s, s:o, s:s, s:s, s:o, s:s, s:o, s:I, s:I, s:I, s:f, s:I, s:I}",
			"message_id", ai_id, "chat_id", am->chat_id, "parent_id", jstr(am->parent_id),
			"message_text", am->text, "model_used", am->model,
			"finish_reason", jstr(am->finish_reason), "status", am->status,
			"reasoning_text", jstr(am->reasoning_text),
			"prompt_tokens", (json_int_t)am->prompt_tokens,
			"completion_tokens", (json_int_t)am->completion_tokens,
			"reasoning_tokens", (json_int_t)am->reasoning_tokens,
			"cost_usd", am->cost_usd, "first_token_ms", (json_int_t)am->first_token_ms,
			"total_ms", (json_int_t)am->total_ms));
	return j;
}

/* Write the record to DIR/USAGE_ID.json, whole or not at all (a
 * temporary file renamed into place, after fsync). */
static int spool_write(const struct db *ddb, const struct usage_row *u, int64_t ts,
		       const struct ai_message *am, const char *ai_id, char **path_out)
{
	char *dir = spool_dir(ddb);
	struct strbuf tmp = STRBUF_INIT, path = STRBUF_INIT;
	json_t *j = spool_record(u, ts, am, ai_id);
	int fd, r = T3_EDATA;

	sb_addf(&path, "%s/%s.json", dir, u->usage_id);
	sb_addf(&tmp, "%s/.%s.tmp", dir, u->usage_id);
	if (!j || (mkdir(dir, 0700) && errno != EEXIST))
		goto out;
	fd = open(tmp.buf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		goto out;
	if (json_dumpfd(j, fd, JSON_COMPACT) || fsync(fd)) {
		close(fd);
		unlink(tmp.buf);
		goto out;
	}
	if (close(fd) || rename(tmp.buf, path.buf)) {
		unlink(tmp.buf);
		goto out;
	}
	r = 0;
	*path_out = sb_detach(&path, NULL);
out:
	if (r)
		t3_error(T3_EDATA, "cannot keep the answer in '%s': %s", dir, strerror(errno));
	json_decref(j);
	sb_release(&tmp);
	sb_release(&path);
	free(dir);
	return r;
}

/* The spooled record back into rows, in the caller's transaction on ddb. */
static const char *jget(json_t *j, const char *k)
{
	return json_string_value(json_object_get(j, k));
}

static long jlong(json_t *j, const char *k)
{
	json_t *v = json_object_get(j, k);
	return json_is_integer(v) ? (long)json_integer_value(v) : -1;
}

static int spool_store(struct db *ddb, json_t *j)
{
	struct usage_row u = { 0 };
	json_t *jm = json_object_get(j, "message");
	char mid[UUID_STRLEN + 1] = "";
	const char *id = jget(j, "usage_id"), *status = jget(j, "status_code");
	int r, have_chat = 0;

	if (!id || strlen(id) != UUID_STRLEN || !jget(j, "user_id") || !jget(j, "model_name") ||
	    !status || usage_status_parse(status, &u.status, &u.http_status))
		return t3_error(T3_EDATA, "spooled usage record is not one t3 wrote");
	r = db_exists(ddb, "SELECT 1 FROM usage_metrics WHERE usage_id = ?1", id, "read usage");
	if (r)
		return r < 0 ? T3_EDATA : 0;   /* stored already, before a kill */
	if (jget(j, "chat_id") &&
	    (have_chat = db_exists(ddb, "SELECT 1 FROM chat_sessions WHERE chat_id = ?1",
				   jget(j, "chat_id"), "read chats")) < 0)
		return T3_EDATA;
	snprintf(u.usage_id, sizeof u.usage_id, "%s", id);
	u.user_id = jget(j, "user_id");
	u.model_name = jget(j, "model_name");
	u.provider_name = jget(j, "provider_name");
	u.chat_id = have_chat ? jget(j, "chat_id") : NULL;   /* a chat removed since */
	u.prompt_tokens = jlong(j, "prompt_tokens");
	u.completion_tokens = jlong(j, "completion_tokens");
	u.reasoning_tokens = jlong(j, "reasoning_tokens");
	u.cached_tokens = jlong(j, "cached_tokens");
	u.estimated = json_is_true(json_object_get(j, "tokens_estimated"));
	u.cost_usd = json_real_value(json_object_get(j, "cost_usd"));
	u.first_token_ms = jlong(j, "first_token_ms");
	u.total_ms = jlong(j, "total_ms");
	u.attempt = (int)jlong(j, "attempt");
	u.http_status = jlong(j, "http_status");
	u.quota_pending = 1;   /* the ledger tells whether it was charged */
	u.timestamp = jlong(j, "timestamp");
	if (jget(j, "purpose") && !strcmp(jget(j, "purpose"), "title"))
		u.purpose = USAGE_FOR_TITLE;
	if (jm && have_chat && jget(jm, "message_id") && strlen(jget(jm, "message_id")) == UUID_STRLEN) {
		struct ai_message am = {
			.chat_id = jget(jm, "chat_id"), .parent_id = jget(jm, "parent_id"),
			.text = jget(jm, "message_text"), .model = jget(jm, "model_used"),
			.finish_reason = jget(jm, "finish_reason"), .status = jget(jm, "status"),
			.reasoning_text = jget(jm, "reasoning_text"),
			.prompt_tokens = jlong(jm, "prompt_tokens"),
			.completion_tokens = jlong(jm, "completion_tokens"),
			.reasoning_tokens = jlong(jm, "reasoning_tokens"),
			.cost_usd = json_real_value(json_object_get(jm, "cost_usd")),
			.first_token_ms = jlong(jm, "first_token_ms"),
			.total_ms = jlong(jm, "total_ms"),
		};
		if (!am.text || !am.status)
			return t3_error(T3_EDATA, "spooled answer is not one t3 wrote");
		snprintf(mid, sizeof mid, "%s", jget(jm, "message_id"));
		if ((r = chats_add_ai(ddb, &am, mid)))
			return r;
		u.message_id = mid;
	}
	return usage_insert(ddb, &u);
}

int usage_spool_each(const struct db *ddb, int (*fn)(void *ctx, const char *usage_id,
							  const char *path), void *ctx)
{
	char *dir = spool_dir(ddb);
	DIR *d = opendir(dir);
	struct dirent *e;
	int r = 0;

	while (!r && d && (e = readdir(d))) {
		size_t len = strlen(e->d_name);
		struct strbuf id = STRBUF_INIT, path = STRBUF_INIT;

		if (e->d_name[0] == '.' || len < 6 || strcmp(e->d_name + len - 5, ".json"))
			continue;
		sb_add(&id, e->d_name, len - 5);
		sb_addf(&path, "%s/%s", dir, e->d_name);
		r = fn(ctx, id.buf, path.buf);
		sb_release(&id);
		sb_release(&path);
	}
	if (d)
		closedir(d);
	free(dir);
	return r;
}

struct drain {
	struct db *ddb;
	int wait;
	int64_t stored;
};

/* One spooled record into data.db; SPOOL_BUSY when data.db is locked. */
#define SPOOL_BUSY (-1)
static int drain_one(void *ctx, const char *usage_id, const char *path)
{
	struct drain *dr = ctx;
	json_error_t err;
	json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
	int r;

	if (!j)
		return t3_error(T3_EDATA, "spooled usage record '%s': %s", path, err.text);
	if (db_try_begin(dr->ddb, dr->wait)) {
		r = db_busy(dr->ddb) ? SPOOL_BUSY : db_error(dr->ddb, "store spooled usage");
	} else if ((r = spool_store(dr->ddb, j)) || (r = db_commit(dr->ddb))) {
		db_rollback(dr->ddb);
	} else {
		unlink(path);
		dr->stored++;
	}
	json_decref(j);
	return r;
}

/* Store every spooled record; quiet when data.db is locked (the next run
 * will). *n counts the records stored. */
static int spool_drain(struct db *ddb, int wait, int64_t *n)
{
	struct drain dr = { ddb, wait, 0 };
	int r = usage_spool_each(ddb, drain_one, &dr);

	*n = dr.stored;
	return r == SPOOL_BUSY ? 0 : r;
}

int usage_settle_pending(struct db *ddb, struct db *udb, const char *user_id, int wait,
			 int64_t *n)
{
	sqlite3_stmt *st;
	struct pending { char id[UUID_STRLEN + 1], user[UUID_STRLEN + 1]; int64_t tokens; } *p = NULL;
	size_t np = 0, cap = 0;
	int64_t stored = 0;
	int rc, r;

	if (n)
		*n = 0;
	if ((r = spool_drain(ddb, wait, &stored)))
		return r;
	if (db_prepare(ddb, &st, "SELECT usage_id, user_id, tokens_used FROM usage_metrics "
		       "WHERE quota_applied = 0 AND (?1 IS NULL OR user_id = ?1)"))
		return T3_EDATA;
	db_bind_text(st, 1, user_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (np == cap)
			p = xrealloc(p, (cap = cap ? cap * 2 : 16) * sizeof *p);
		snprintf(p[np].id, sizeof p[np].id, "%s", db_col_text(st, 0));
		snprintf(p[np].user, sizeof p[np].user, "%s", db_col_text(st, 1));
		p[np++].tokens = sqlite3_column_int64(st, 2);
	}
	if (rc != SQLITE_DONE)
		r = db_error(ddb, "read pending charges");
	sqlite3_finalize(st);
	if (r || !np)
		goto out;
	/* user.db first: a kill before data.db's commit leaves rows the
	 * ledger already holds, which charge nothing the next time */
	if (db_try_begin(udb, wait)) {
		if (!db_busy(udb))
			r = db_error(udb, "apply pending charges");
		goto out;
	}
	for (size_t i = 0; i < np && !r; i++)
		r = charge(udb, p[i].id, p[i].user, p[i].tokens);
	if (r || (r = db_commit(udb))) {
		db_rollback(udb);
		goto out;
	}
	if (db_try_begin(ddb, wait)) {
		if (!db_busy(ddb))
			r = db_error(ddb, "mark charges applied");
		goto out;
	}
	for (size_t i = 0; i < np && !r; i++)
		r = mark_applied(ddb, p[i].id);
	if (r || (r = db_commit(ddb)))
		db_rollback(ddb);
	else if (n)
		*n = (int64_t)np;
out:
	free(p);
	return r;
}

static int count_one(void *ctx, const char *usage_id, const char *path)
{
	++*(int64_t *)ctx;
	return 0;
}

int usage_pending(struct db *ddb, int64_t *rows, int64_t *spooled)
{
	*spooled = 0;
	usage_spool_each(ddb, count_one, spooled);
	return db_read_int64(ddb, "SELECT count(*) FROM usage_metrics WHERE quota_applied = 0",
			     NULL, rows, "read pending charges");
}

/* ---- the end of a call ---- */

int usage_finish(struct db *ddb, struct db *udb, struct usage_hold *h, int final,
		 struct usage_row *u, const struct ai_message *am,
		 char ai_id[UUID_STRLEN + 1])
{
	char id[UUID_STRLEN + 1] = "";
	char *spooled = NULL;
	int64_t used = usage_tokens(u);
	int r = 0, stored;

	if (!u->usage_id[0])
		uuid_v7(u->usage_id);
	if (!u->timestamp)
		u->timestamp = time_now_ms();
	if (am)
		uuid_v7(id);
	u->quota_pending = used > 0;
	/* data.db: when its lock is taken, keep the record in a file first,
	 * so that neither a kill while waiting nor the wait's end loses it */
	if (db_try_begin(ddb, 0)) {
		if ((r = spool_write(ddb, u, u->timestamp, am, id, &spooled)))
			return r;
		if (db_try_begin(ddb, 1))
			goto charge;
	}
	if (am && (r = chats_add_ai(ddb, am, id)))
		goto fail;
	u->message_id = am ? id : NULL;
	if ((r = usage_insert(ddb, u)) || (r = db_commit(ddb)))
		goto fail;
	if (spooled)
		unlink(spooled);
	free(spooled);
	spooled = NULL;
	goto charge;
fail:
	db_rollback(ddb);
	if (!spooled) {   /* no record of the call: say so */
		u->message_id = NULL;
		return r;
	}
charge:
	stored = !spooled;
	u->message_id = NULL;
	if (ai_id)
		memcpy(ai_id, id, sizeof id);
	if (spooled)
		t3_warning("database '%s' is busy: the answer and its usage are kept in '%s' "
			   "until the next run stores them", ddb->path, spooled);
	free(spooled);
	/* user.db: the charge, once; a charge that cannot be applied now is
	 * applied by the next run or by 't3-user check --repair' */
	if (!used && !(final && h && h->active))
		return 0;
	if (db_try_begin(udb, 1))
		goto deferred;
	if ((used && (r = charge(udb, u->usage_id, u->user_id, used))) ||
	    (final && (r = drop_hold(udb, h))) || (r = db_commit(udb))) {
		db_rollback(udb);
		goto deferred;
	}
	/* the ledger has it: the row need not be looked at again */
	if (used && stored && !db_try_begin(ddb, 1)) {
		if (mark_applied(ddb, u->usage_id) || db_commit(ddb))
			db_rollback(ddb);
	}
	return 0;
deferred:
	if (used)
		t3_warning("database '%s' is busy: the charge of %lld tokens is applied by the "
			   "next run or 't3-user check --repair'", udb->path, (long long)used);
	return 0;
}

int usage_delete_user(struct db *ddb, const char *user_id)
{
	/* the daily totals first: then the rows' trigger has none to keep */
	int r = db_exec_text(ddb, "DELETE FROM usage_user_zones WHERE user_id = ?", user_id, NULL);
	if (!r)
		r = db_exec_text(ddb, "DELETE FROM usage_days WHERE user_id = ?", user_id, NULL);
	if (!r)
		r = db_exec_text(ddb, "DELETE FROM usage_metrics WHERE user_id = ?", user_id, NULL);
	return r;
}

int usage_delete_charges(struct db *udb, const char *user_id)
{
	return db_exec_text(udb, "DELETE FROM quota_charges WHERE user_id = ?", user_id, NULL);
}

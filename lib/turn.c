/* turn.c: one chat turn: prepare, send, store, charge. See turn.h. */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "http.h"
#include "msg.h"
#include "roles.h"
#include "timeutil.h"
#include "turn.h"

#define MAX_BODY (16u << 20)         /* a non-streamed or error body */
#define MAX_STREAM (256u << 20)      /* a whole streamed response */
#define LOCAL_PLAN "local"
#define LOCAL_ALLOWANCE 1000000000000000LL

/* Keys shorter than this are placeholders for servers that want none
 * ("x", "none", "ollama"), not secrets: redacting them would cut every
 * such string out of the message. Real keys are 30 and more. */
#define REDACT_MIN 8

static int cancelled(const struct turn *t)
{
	return t->o.cancel && *t->o.cancel;
}

int turn_parse_long(const char *s, const char *what, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < min || v > max)
		return t3_error(T3_EUSAGE, "%s '%s' must be an integer from %ld to %ld", what, s,
				min, max);
	*out = v;
	return 0;
}

int turn_opts_config(struct turn_opts *o, const struct config *cfg)
{
	const char *v;

	if (o->retries < 0 && (v = config_get(cfg, "retries")) &&
	    turn_parse_long(v, "config 'retries'", 0, 10, &o->retries))
		return T3_EDATA;
	if (o->stall_s < 0 && (v = config_get(cfg, "timeout")) &&
	    turn_parse_long(v, "config 'timeout'", 1, 3600, &o->stall_s))
		return T3_EDATA;
	/* titles: T3_TITLES, else the config's */
	if ((v = getenv("T3_TITLES")) && *v) {
		if (strcmp(v, "on") && strcmp(v, "off"))
			return t3_error(T3_EDATA, "T3_TITLES must be on or off, not '%s'", v);
	} else if ((v = config_get(cfg, "titles")) && strcmp(v, "on") && strcmp(v, "off")) {
		return t3_error(T3_EDATA, "config 'titles' must be on or off, not '%s'", v);
	}
	if (v && !strcmp(v, "off"))
		o->no_title = 1;
	if (o->retries < 0)
		o->retries = TURN_DEFAULT_RETRIES;
	if (o->stall_s < 0)
		o->stall_s = TURN_DEFAULT_TIMEOUT_S;
	return 0;
}

int turn_opts_check(const struct turn_opts *o, int have_prompt)
{
	const char *one = o->cont ? "-c" : o->chat ? "--chat" : NULL;
	int r;

	if (o->branch && (one || o->from || o->retry))
		return t3_error(T3_EUSAGE, "choose one of --branch and %s", one ? one :
				o->from ? "--from" : "--retry");
	if (o->retry && have_prompt)
		return t3_error(T3_EUSAGE, "--retry takes no prompt: it answers the last question again");
	if (o->no_log && (o->branch || o->retry || o->title))
		return t3_error(T3_EUSAGE, "choose one of -n and %s", o->branch ? "--branch" :
				o->retry ? "--retry" : "--title");
	if (o->title && (one || o->from || o->retry))
		return t3_error(T3_EUSAGE, "--title names a new chat (--rename retitles a stored one)");
	if (o->title && (r = chats_check_title(o->title)))
		return r;
	if (!have_prompt && !o->retry && !o->branch)
		return t3_error(T3_EUSAGE, "no prompt: give it as arguments or on standard input");
	if (o->nattach && !have_prompt)
		return t3_error(T3_EUSAGE, "-a sends files with a prompt: %s takes none",
				o->retry ? "--retry" : "--branch without a prompt");
	return 0;
}

void turn_init(struct turn *t)
{
	memset(t, 0, sizeof *t);
	sb_init(&t->text, 0);
	sb_init(&t->reasoning, 0);
	sb_init(&t->rbody, 0);
	t->first_ms = -1;
}

static void call_release(struct turn *t)
{
	if (!t->have_call)
		return;
	prov_decoder_release(&t->dec);
	sse_release(&t->sse);
	t->have_call = 0;
	t->res = NULL;
}

void turn_release(struct turn *t)
{
	if (t->prepared)   /* never sent: the quota held is free again */
		usage_release(t->udb, &t->hold);
	call_release(t);
	sb_release(&t->text);
	sb_release(&t->reasoning);
	sb_release(&t->rbody);
	for (size_t i = 0; i < t->nheaders; i++)
		config_free_secret(t->headers[i]);
	free(t->url);
	free(t->body);
	free(t->message);
	json_decref(t->options);
	free(t->role_prompt);
	free(t->base_url);
	config_free_secret(t->api_key);
	chat_msgs_free(t->rows, t->nrows);
	free(t->msgs);
	attach_set_release(&t->att);
	chat_release(&t->chat);
	model_release(&t->model);
	user_release(&t->user);
	memset(t, 0, sizeof *t);
}

/* ---- the acting user and the chat ---- */

/* --user, T3_USER or the config's user; NULL for the local account */
static const char *named_user(const char *email, const struct config *cfg)
{
	const char *who = email ? email : getenv("T3_USER");

	if (!who || !*who)
		who = config_get(cfg, "user");
	return who && *who ? who : NULL;
}

int turn_acting_user(struct db *udb, const struct config *cfg, const char *email,
		     enum turn_user_make make, struct user *u)
{
	const char *who = named_user(email, cfg);
	int64_t allowance;
	int r;

	if (who) {
		r = users_find(udb, who, u);
		return r == T3_ENEG ? t3_error(T3_ENEG, "user '%s' not found", who) : r;
	}
	/* a single person needs no admin step: a local account on first use */
	if ((r = users_find(udb, TURN_DEFAULT_USER, u)) != T3_ENEG)
		return r;
	memset(u, 0, sizeof *u);
	if (make == TURN_USER_FIND)
		return 0;
	if ((r = db_begin(udb)))
		return r;
	if (plans_allowance_quiet(udb, LOCAL_PLAN, &allowance) &&
	    (r = plans_set(udb, LOCAL_PLAN, LOCAL_ALLOWANCE,
			   "the default account of a single-person install")))
		goto fail;
	u->email = xstrdup(TURN_DEFAULT_USER);
	u->subscription_plan = xstrdup(LOCAL_PLAN);
	u->timezone = xstrdup("UTC");
	u->token_quota = LOCAL_ALLOWANCE;
	if ((r = users_insert(udb, u)) || (make == TURN_USER_MAKE && (r = db_commit(udb))))
		goto fail;
	return 0;
fail:
	db_rollback(udb);
	user_release(u);
	memset(u, 0, sizeof *u);
	return r;
}

static int acting_user(struct turn *t, const struct config *cfg)
{
	return turn_acting_user(t->udb, cfg, t->o.user, TURN_USER_MAKE, &t->user);
}

/* --role: the saved prompt is the turn's system prompt. Looked up before
 * the local account is made, so that a role not found changes nothing. */
static int role_prompt(struct turn *t, const struct config *cfg)
{
	struct user u = { 0 };
	const char *uid = t->user.user_id;
	int r;

	if (!t->o.role)
		return 0;
	if (t->o.system)
		return t3_error(T3_EUSAGE, "choose one of --role and -s");
	if ((r = roles_check_name(t->o.role)))
		return r;
	if (!t->have_chat) {
		if ((r = turn_acting_user(t->udb, cfg, t->o.user, TURN_USER_FIND, &u)))
			return r;
		uid = u.user_id;
	}
	r = roles_get(t->ddb, uid, t->o.role, &t->role_prompt);
	user_release(&u);
	if (r == T3_ENEG)
		return t3_error(T3_ENEG, "role '%s' not found", t->o.role);
	if (!r)
		t->o.system = t->role_prompt;
	return r;
}

/* A continued chat: the user and the chat, looked up before the model is
 * chosen, since the chat's own model is the default. Nothing is created:
 * a local account not yet made has no chat to continue. */
static int continued_chat(struct turn *t, const struct config *cfg)
{
	const char *who = named_user(t->o.user, cfg);
	int r = users_find(t->udb, who ? who : TURN_DEFAULT_USER, &t->user);

	if (r == T3_ENEG && who)
		return t3_error(T3_ENEG, "user '%s' not found", who);
	if (r == T3_ENEG && (t->o.from || t->o.branch) && !t->o.chat)
		return t3_error(T3_ENEG, "message '%s' not found", t->o.from ? t->o.from : t->o.branch);
	if (r == T3_ENEG)
		return t->o.cont ? t3_error(T3_ENEG, "no chat to continue") :
				   t3_error(T3_ENEG, "chat '%s' not found", t->o.chat);
	if (r)
		return r;
	if (t->o.cont || t->o.chat) {
		r = t->o.cont ? chats_latest(t->ddb, t->user.user_id, &t->chat) :
				chats_find(t->ddb, t->user.user_id, t->o.chat, &t->chat);
		if (r)
			return r;
	}
	/* --from, --branch: a message of the chat, or of any of the user's */
	if (t->o.from || t->o.branch) {
		r = chats_resolve_message(t->ddb, t->user.user_id, t->chat.chat_id[0] ?
					  t->chat.chat_id : NULL, t->o.from ? t->o.from :
					  t->o.branch, &t->from);
		if (!r && !t->chat.chat_id[0])
			r = chats_resolve(t->ddb, t->user.user_id, t->from.chat_id, &t->chat);
	}
	return r;
}

/* A retry: the thread's last question (the tip, or the question of the
 * answer at the tip) is the prompt again, without being stored again;
 * the history is what comes before it. */
static int retry_question(struct turn *t)
{
	size_t q = t->nrows;

	if (q && !strcmp(t->rows[q - 1].sender_type, "ai"))
		q--;
	if (!q || strcmp(t->rows[q - 1].sender_type, "user"))
		return t3_error(T3_ENEG, "nothing to retry in chat '%s': no question %s",
				t->chat.chat_id, t->o.from ? "at that message" : "in it");
	q--;
	t->prompt = t->rows[q].text;
	memcpy(t->user_msg_id, t->rows[q].message_id, sizeof t->user_msg_id);
	t->nhist = q;
	return 0;
}

/* ---- history and context ---- */

static long estimate_tokens(size_t bytes)
{
	return (long)((bytes + 3) / 4);
}

static long msg_cost(const char *text)
{
	return estimate_tokens(strlen(text)) + 4;
}

/* The attachments' tokens as the turn's API counts them (attach_tokens) */
static long parts_cost(const struct turn *t, const struct prov_part *p, size_t n)
{
	long k = 0;
	for (size_t i = 0; i < n; i++)
		k += attach_tokens(&p[i], t->ops->api);
	return k;
}

/* A stored message of the history with its attachments */
static long row_cost(const struct turn *t, const char *text, const char *message_id)
{
	const struct prov_part *p;
	size_t n;

	attach_parts_of(&t->att, message_id, &p, &n);
	return msg_cost(text) + parts_cost(t, p, n);
}

/* NULL, empty or only white space: nothing to send (Anthropic and Gemini
 * refuse a text that is) */
static int blank(const char *s)
{
	return !s || !s[strspn(s, " \t\r\n")];
}

/* the answer the call may get */
static long answer_reserve(const struct turn *t)
{
	return t->o.max_tokens > 0 ? t->o.max_tokens :
	       t->model.max_output_tokens > 0 ? t->model.max_output_tokens : 4096;
}

/* Fit the system prompt + history + prompt into the model's context,
 * dropping the oldest turns first. */
static int build_messages(struct turn *t)
{
	const struct model *m = &t->model;
	long limit = m->max_token_limit, reserve = answer_reserve(t), need;
	size_t first = 0, dropped = 0;

	if (reserve > limit / 4)
		reserve = limit / 4;
	need = row_cost(t, t->prompt, "") + (t->system ? msg_cost(t->system) : 0);
	if (need > limit - reserve)
		return t3_error(T3_EPOLICY, "the prompt is about %ld tokens, more than fits in "
				"the context of '%s' (%ld tokens)", need, m->model_name, limit);
	for (size_t i = 0; i < t->nhist; i++)
		if (!blank(t->rows[i].text))
			need += row_cost(t, t->rows[i].text, t->rows[i].message_id);
	/* whole turns: once something is dropped, the kept history must
	 * start with a user message (Anthropic and Gemini refuse one that
	 * starts with the assistant) */
	while (first < t->nhist && (need > limit - reserve ||
				    (dropped && strcmp(t->rows[first].sender_type, "user")))) {
		if (!blank(t->rows[first].text)) {
			need -= row_cost(t, t->rows[first].text, t->rows[first].message_id);
			dropped++;
		}
		first++;
	}
	if (dropped && t->sink->notice) {
		char *msg = xasprintf("left out the %zu oldest message%s to fit the context of '%s'",
				      dropped, dropped == 1 ? "" : "s", m->model_name);
		t->sink->notice(t->sink->ctx, msg);
		free(msg);
	}
	t->msgs = xcalloc(t->nhist - first + 1, sizeof *t->msgs);
	for (size_t i = first; i < t->nhist; i++) {
		if (blank(t->rows[i].text))
			continue;
		t->msgs[t->nmsgs].role = !strcmp(t->rows[i].sender_type, "ai") ? "assistant" : "user";
		attach_parts_of(&t->att, t->rows[i].message_id, &t->msgs[t->nmsgs].parts,
				&t->msgs[t->nmsgs].nparts);
		t->msgs[t->nmsgs++].text = t->rows[i].text;
	}
	t->msgs[t->nmsgs].role = "user";
	attach_parts_of(&t->att, "", &t->msgs[t->nmsgs].parts, &t->msgs[t->nmsgs].nparts);
	t->msgs[t->nmsgs++].text = t->prompt;
	return 0;
}

/* What a call is expected to use, held from the quota while it runs: its
 * prompt as sent and the answer's ceiling (--max-tokens), else an answer
 * of up to EXPECTED_ANSWER tokens (a model's own ceiling is tens of
 * thousands: holding it would refuse a user's parallel calls long before
 * the quota is near). See t3.7, BILLING. */
#define EXPECTED_ANSWER 4096
static int64_t request_estimate(const struct turn *t)
{
	int64_t n = t->system ? msg_cost(t->system) : 0;
	long m = t->model.max_output_tokens;

	for (size_t i = 0; i < t->nmsgs; i++)
		n += msg_cost(t->msgs[i].text) + parts_cost(t, t->msgs[i].parts, t->msgs[i].nparts);
	if (t->o.max_tokens > 0)
		return n + t->o.max_tokens;
	return n + (m > 0 && m < EXPECTED_ANSWER ? m : EXPECTED_ANSWER);
}

static char *title_of(const char *prompt)
{
	size_t n = strcspn(prompt, "\r\n");
	if (n > 80) {
		n = 80;
		while (n && ((unsigned char)prompt[n] & 0xc0) == 0x80)
			n--;
	}
	return xstrndup(prompt, n);
}

/* ---- prepare ---- */

/* The model: -m, else the continued chat's, else T3_MODEL, else the
 * config; resolved against the catalog, with its policy. */
static int choose_model(struct turn *t, const struct config *cfg)
{
	const char *name = t->o.model, *context = t3_error_context;
	int r;

	if (!name && t->have_chat && t->chat.model_default)
		name = t->chat.model_default;
	if (!name && (name = getenv("T3_MODEL")) && !*name)
		name = NULL;   /* an empty variable counts as unset */
	if (!name && !(name = config_get(cfg, "model")))
		return t3_error(T3_EUSAGE, "no model chosen: use -m MODEL, set T3_MODEL, or put "
				"'model = NAME' in %s (try -m echo offline, or set OPENAI_API_KEY "
				"and use -m gpt-4o-mini)", cfg->path ? cfg->path : "the config");
	if (!*name)
		return t3_error(T3_EUSAGE, "the model name is empty");
	/* a chat's model may have gone since: say whose it is */
	if (t->have_chat && name == t->chat.model_default)
		t3_error_context = "the chat's model (choose another with -m)";
	r = models_resolve(t->ddb, name, &t->model);
	t3_error_context = context;
	return r;
}

/* The API's table, the capabilities asked for, the base URL and key. */
static int choose_provider(struct turn *t, const struct config *cfg)
{
	const struct model *m = &t->model;
	enum prov_api api;
	int r;

	if (t->o.effort && !m->reasoning_enabled)
		return t3_error(T3_EPOLICY, "model '%s' does not support reasoning effort",
				m->model_name);
	if (prov_api_parse(m->api, &api))
		return t3_error(T3_EDATA, "model '%s' has an unknown api '%s'", m->model_name, m->api);
	t->ops = prov_ops_of(api);
	if (t->o.noptions &&
	    (r = prov_options_parse(api, t->o.options, t->o.noptions, &t->options)))
		return r;
	if (t->o.has_temperature && !prov_takes_temperature(api, m->provider_name, m->model_name,
							    m->reasoning_enabled))
		return t3_error(T3_EPOLICY, "model '%s' does not take a temperature (its API "
				"refuses any but the default)", m->model_name);
	if (t->ops->answer)   /* a local adapter: no server */
		return 0;
	return config_server(cfg, m->provider_name, &t->base_url, &t->api_key);
}

/* A usage row in a transaction of its own; a failure has been reported
 * by the db layer and does not stop the turn. */
static void insert_usage(struct db *ddb, struct usage_row *u)
{
	if (db_begin(ddb))
		return;
	if (usage_insert(ddb, u) || db_commit(ddb))
		db_rollback(ddb);
}

/* The chat and the user's message, stored before the request with what
 * changes in a continued chat: nothing of it before a refusal. */
static int store_prompt(struct turn *t, char parent[UUID_STRLEN + 1])
{
	const char *sys = t->o.system;
	int r;

	if ((r = db_begin(t->ddb)))
		return r;
	if (t->o.branch) {
		struct chat orig = t->chat;
		memset(&t->chat, 0, sizeof t->chat);
		r = chats_branch(t->ddb, t->udb, t->user.user_id, &t->from, t->o.title, &t->chat);
		if (t->system == orig.system_prompt)   /* the copy's, the same text */
			t->system = t->chat.system_prompt;
		chat_release(&orig);
		if (!r)
			r = chats_tip(t->ddb, t->chat.chat_id, parent);
	}
	if (r) {
		/* the copy failed: nothing to add */
	} else if (!t->have_chat) {
		char *title = t->o.title ? xstrdup(t->o.title) : title_of(t->prompt);
		r = chats_create(t->ddb, t->udb, t->user.user_id, title, sys,
				 t->model.model_name, &t->chat);
		free(title);
		t->have_chat = !r;
	} else {
		if (sys && (!t->chat.system_prompt || strcmp(sys, t->chat.system_prompt)))
			r = chats_set_system(t->ddb, t->chat.chat_id, sys);
		/* the chat goes on with the model of this turn */
		if (!r && t->model.model_name && (!t->chat.model_default || strcmp(t->chat.model_default,
							    t->model.model_name)))
			r = chats_set_model(t->ddb, t->chat.chat_id, t->model.model_name);
	}
	/* a retry answers a stored question; a branch may have no prompt */
	if (r || (!t->o.retry && t->prompt &&
		  ((r = chats_add_user(t->ddb, t->chat.chat_id, parent, t->prompt, t->user_msg_id)) ||
		   (r = attach_store(t->ddb, &t->att, t->user_msg_id)))) ||
	    (r = db_commit(t->ddb))) {
		db_rollback(t->ddb);
		return r;
	}
	t->chat_id = t->chat.chat_id;
	return 0;
}

static void build_request(struct turn *t)
{
	struct prov_req *q = &t->req;
	json_t *jb;

	q->provider = t->model.provider_name;
	q->model = t->model.model_name;
	q->system = t->system;
	q->msgs = t->msgs;
	q->nmsgs = t->nmsgs;
	q->has_temperature = t->o.has_temperature;
	q->temperature = t->o.temperature;
	q->max_tokens = t->o.max_tokens;
	q->reasoning_effort = t->o.effort;
	q->reasoning_text = t->o.reasoning_text;
	q->stream = !t->o.no_stream;
	q->options = t->options;
	if (t->ops->answer)
		return;
	jb = prov_build_body(t->ops->api, q);
	t->body = prov_dump_body(jb);
	json_decref(jb);
	t->url = prov_build_url(t->ops->api, t->base_url, q->model, q->stream);
	t->nheaders = prov_build_headers(t->ops->api, t->api_key, t->headers);
}

static int prepare(struct turn *t, const struct config *cfg);

int turn_prepare(struct turn *t, struct db *udb, struct db *ddb, const struct config *cfg,
		 const struct turn_opts *o, const char *prompt, const struct turn_sink *sink)
{
	static const struct turn_sink none = { 0 };
	int r;

	t->o = *o;
	t->udb = udb;
	t->ddb = ddb;
	t->prompt = prompt;
	t->sink = sink ? sink : &none;
	/* a new turn: a cancel of the one before is spent */
	if (o->cancel)
		*o->cancel = 0;
	/* every wait for a lock from here on gives up on a cancel */
	db_set_interrupt(udb, o->cancel);
	db_set_interrupt(ddb, o->cancel);
	r = prepare(t, cfg);
	/* a wait for a lock that a cancel ended */
	return r == T3_EDATA && cancelled(t) ? T3_EINTR : r;
}

static int prepare(struct turn *t, const struct config *cfg)
{
	const struct turn_opts *o = &t->o;
	struct db *udb = t->udb, *ddb = t->ddb;
	char parent[UUID_STRLEN + 1] = "";
	int r;

	/* a continued chat first: its model is the default (a retry with
	 * neither -c nor --chat nor --from: the latest) */
	if (o->retry && !o->chat && !o->from)
		t->o.cont = 1;
	if (o->cont || o->chat || o->from || o->branch) {
		if ((r = continued_chat(t, cfg)))
			return r;
		t->have_chat = 1;
	}
	t->title_pending = !t->have_chat && !o->title && !o->no_log && !o->no_title;
	/* a branch and no prompt: the copy alone, no call */
	if (o->branch && !t->prompt) {
		if ((r = store_prompt(t, parent)))
			return r;
		return 0;
	}
	if ((r = choose_model(t, cfg)) || (r = choose_provider(t, cfg)) ||
	    (r = role_prompt(t, cfg)))
		return r;
	/* the files given, read and checked before anything is written; text
	 * files are quoted into the prompt */
	if (t->prompt && ((r = attach_read_files(&t->att, o->attach, o->nattach, t->prompt)) ||
			  (r = attach_check_new(ddb, t->ops->api, &t->model, &t->att))))
		return r;
	if (t->att.prompt)
		t->prompt = t->att.prompt;
	/* the user last (a continued chat has found it): every refusal above
	 * leaves the data as it was, even the default account uncreated */
	if (!t->have_chat && (r = acting_user(t, cfg)))
		return r;
	if (t->have_chat) {
		/* the thread the chat goes on from: its tip's, or --from's */
		if ((r = chats_thread(ddb, t->chat.chat_id, t->from.message_id[0] ?
				      t->from.message_id : NULL, &t->rows, &t->nrows)) ||
		    (r = attach_load_chat(&t->att, ddb, t->chat.chat_id)))
			return r;
		t->nhist = t->nrows;
		if (o->retry && (r = retry_question(t)))
			return r;
		if (t->nrows && !o->retry)   /* the new message follows the thread's last */
			memcpy(parent, t->rows[t->nrows - 1].message_id, sizeof parent);
	}
	/* the turn's system prompt, else the chat's; a blank one is none */
	t->system = o->system ? o->system : t->have_chat ? t->chat.system_prompt : NULL;
	if (blank(t->system))
		t->system = NULL;
	if ((r = build_messages(t)) || (r = attach_check(ddb, t->ops->api, &t->model, t->msgs, t->nmsgs)))
		return r;
	/* what an earlier run could not finish (a lock, a kill) first, so
	 * the quota left is the true one; a lock now leaves it to the next */
	if ((r = usage_settle_pending(ddb, udb, t->user.user_id, 0, NULL)))
		return r;
	/* quota: hold what the call may use, or refuse before anything is
	 * sent or stored */
	r = usage_reserve(udb, t->user.user_id, request_estimate(t), &t->hold);
	if (r == T3_EPOLICY) {
		struct usage_row ur = { .user_id = t->user.user_id,
			.model_name = t->model.model_name, .provider_name = t->model.provider_name,
			.status = USAGE_QUOTA_EXCEEDED, .first_token_ms = -1, .total_ms = -1,
			.http_status = -1, .chat_id = t->usage_chat, .purpose = t->purpose,
			.timezone = t->user.timezone };
		insert_usage(ddb, &ur);
		return t3_error(T3_EPOLICY, "token quota of '%s' is used up (plan '%s')",
				t->user.email, t->user.subscription_plan);
	}
	if (r)
		return r;
	if (!o->no_log && (r = store_prompt(t, parent))) {
		usage_release(udb, &t->hold);
		return r;
	}
	build_request(t);
	t->prepared = 1;
	return 0;
}

/* ---- the answer as it arrives ---- */

static int on_text(void *ctx, const char *s, size_t n)
{
	struct turn *t = ctx;
	int r;

	if (t->first_ms < 0)
		t->first_ms = time_mono_ms() - t->t0;
	sb_add(&t->text, s, n);
	if (t->out_code)
		return t->out_code;
	if (t->sink->text && (r = t->sink->text(t->sink->ctx, s, n)))
		return t->out_code = r;
	return 0;
}

static int on_reasoning(void *ctx, const char *s, size_t n)
{
	struct turn *t = ctx;
	int r;

	sb_add(&t->reasoning, s, n);
	if (t->out_code)
		return t->out_code;
	if (t->sink->reasoning && (r = t->sink->reasoning(t->sink->ctx, s, n)))
		return t->out_code = r;
	return 0;
}

static int on_idle(void *ctx)
{
	struct turn *t = ctx;
	int r;

	if (t->out_code)
		return t->out_code;
	if (t->sink->flush && (r = t->sink->flush(t->sink->ctx)))
		return t->out_code = r;
	return 0;
}

/* Note what decoding json (an event's data or a whole body) returned; an
 * error the provider reported after its 200 may pass on retry. */
static int decoded(struct turn *t, int r, const char *json, size_t n)
{
	if (r)
		t->dec_ret = r;
	if (r == PROV_EERROR)
		t->err_retryable = prov_error_is_retryable(t->ops->api, 200, json, n);
	return r;
}

static int on_event(void *ctx, const struct sse_event *ev)
{
	struct turn *t = ctx;
	return decoded(t, prov_decode_event(&t->dec, ev), ev->data, ev->data_len);
}

static int on_head(void *ctx, long status, const char *ctype)
{
	struct turn *t = ctx;
	t->http_status = status;
	t->mode = status == 200 && strstr(ctype, "text/event-stream") ? 1 : 2;
	return 0;
}

/* the most a response may be: a whole stream, or a body */
static size_t call_max(const struct turn *t)
{
	return t->mode == 1 ? MAX_STREAM : MAX_BODY;
}

static int on_data(void *ctx, const char *p, size_t n)
{
	struct turn *t = ctx;
	t->total += n;
	if (t->total > call_max(t))
		return t->dec_ret = PROV_EMALFORMED;
	if (t->mode == 1) {
		/* SSE_ETOOLONG comes from the parser itself, not on_event:
		 * remember it, or the stream would pass for merely cut off */
		int r = sse_feed(&t->sse, p, n);
		if (r && !t->dec_ret)
			t->dec_ret = r;
		return r;
	}
	sb_add(&t->rbody, p, n);
	return 0;
}

static void call_init(struct turn *t)
{
	struct prov_sink sink = { on_text, on_reasoning, t };

	call_release(t);
	prov_decoder_init(&t->dec, t->ops->api, &sink);
	sse_init(&t->sse, 0, on_event, t);
	t->res = &t->dec.res;
	t->have_call = 1;
	sb_reset(&t->text);
	sb_reset(&t->reasoning);
	sb_reset(&t->rbody);
	t->mode = 0;
	t->total = 0;
	t->dec_ret = t->err_retryable = 0;
	t->http_status = 0;
	t->first_ms = -1;
	t->t0 = time_mono_ms();
}

/* ---- attempts ---- */

/* The usage row of an attempt; tokens as the provider reported them, or
 * an estimate (flagged) when it reported none. */
static void fill_usage(struct turn *t)
{
	struct prov_result *res = &t->dec.res;
	struct usage_row *u = &t->usage;
	int estimated = 0;

	if (!res->have_usage && (t->text.len || t->reasoning.len || !t->exit_code)) {
		size_t in = t->system ? strlen(t->system) : 0;
		long files = 0;
		for (size_t i = 0; i < t->nmsgs; i++) {
			in += strlen(t->msgs[i].text);
			files += parts_cost(t, t->msgs[i].parts, t->msgs[i].nparts);
		}
		res->prompt_tokens = estimate_tokens(in) + files;
		res->completion_tokens = estimate_tokens(t->text.len + t->reasoning.len);
		estimated = 1;
	}
	memset(u, 0, sizeof *u);
	u->user_id = t->user.user_id;
	u->timezone = t->user.timezone;
	u->model_name = t->model.model_name;
	u->provider_name = t->model.provider_name;
	u->status = t->status;
	u->chat_id = t->chat_id ? t->chat_id : t->usage_chat;
	u->purpose = t->purpose;
	u->prompt_tokens = res->prompt_tokens;
	u->completion_tokens = res->completion_tokens;
	u->reasoning_tokens = res->reasoning_tokens;
	u->cached_tokens = res->cached_tokens;
	u->estimated = estimated;
	u->cost_usd = models_cost_usd(&t->model, res->prompt_tokens, res->completion_tokens,
				      res->reasoning_tokens, res->cached_tokens);
	u->first_token_ms = t->first_ms;
	u->total_ms = t->total_ms;
	u->http_status = t->http_status > 0 ? t->http_status : -1;
	u->attempt = t->attempts;
}

/* A provider (or a proxy in front of it) may echo the key back in an
 * error message: it is never shown, whatever the server sends. */
static char *redact_key(char *s, const char *key)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = s, *q;
	size_t n = key ? strlen(key) : 0;

	if (n < REDACT_MIN || !strstr(s, key))
		return s;
	while ((q = strstr(p, key))) {
		sb_add(&sb, p, (size_t)(q - p));
		sb_adds(&sb, "(redacted)");
		p = q + n;
	}
	sb_adds(&sb, p);
	config_free_secret(s);
	return sb_detach(&sb, NULL);
}

static void set_message(struct turn *t, char *msg)
{
	free(t->message);
	t->message = msg ? redact_key(msg, t->api_key) : NULL;
}

static void sleep_cancellably(const struct turn *t, long ms)
{
	for (long n = 0; n < ms && !cancelled(t); n += 50) {
		struct timespec ts = { 0, 50 * 1000000L };
		nanosleep(&ts, NULL);
	}
}

/* what one attempt ended with */
enum outcome { DONE, RETRY, FAIL };

/* A retryable failure: wait (Retry-After or the body's retryDelay, else
 * exponential backoff with jitter) and try again, unless answer text has
 * come (and may have been shown), the retries are used up, or the wait
 * would be too long. */
static enum outcome maybe_retry(struct turn *t, long retry_after_s)
{
	long wait = retry_after_s >= 0 ? retry_after_s * 1000 :
		    500L << (t->attempts - 1 < 5 ? t->attempts - 1 : 5);

	if (t->text.len || t->attempts > t->o.retries)
		return FAIL;
	if (retry_after_s < 0)   /* jitter: [0, wait/2) */
		wait += (long)randombytes_uniform((uint32_t)(wait / 2));
	if (wait > 30000)
		return FAIL;
	if (t->sink->retry)
		t->sink->retry(t->sink->ctx, t->message, wait);
	/* the failed attempt is metered and charged on its own */
	fill_usage(t);
	usage_finish(t->ddb, t->udb, &t->hold, 0, &t->usage, NULL, NULL);
	t->recorded = 1;
	sleep_cancellably(t, wait);
	if (cancelled(t)) {
		/* cancelled while waiting: this attempt's row is written */
		t->exit_code = T3_EINTR;
		set_message(t, xstrdup("interrupted"));
		return FAIL;
	}
	t->recorded = 0;
	return RETRY;
}

/* The transfer: HTTP, or the local adapter's answer. Returns 0 or an
 * HTTP_E* code; fills hres. */
static int transfer(struct turn *t, struct http_res *hres)
{
	int r;

	if (t->ops->answer) {
		struct prov_local io = { on_idle, t, t->o.cancel };
		r = t->ops->answer(&t->dec, &t->req, &io);
		return r == PROV_ECANCELLED ? HTTP_EINTR : r;
	}
	struct http_req hr = {
		.url = t->url, .headers = t->headers, .nheaders = t->nheaders,
		.body = t->body, .stall_timeout_s = t->o.stall_s,
		/* connecting: 10 s, or less with a shorter timeout */
		.connect_timeout_s = t->o.stall_s < 10 ? t->o.stall_s : 10,
		.cancel = t->o.cancel,
	};
	if (t->sink->request) {
		char *shown[PROV_MAX_HEADERS], *url = config_url_shown(t->url);
		for (size_t i = 0; i < t->nheaders; i++)
			shown[i] = prov_header_is_secret(t->ops->api, t->headers[i]) ?
				xasprintf("%.*s: (redacted)", (int)strcspn(t->headers[i], ":"),
					  t->headers[i]) : xstrdup(t->headers[i]);
		t->sink->request(t->sink->ctx, url, shown, t->nheaders);
		for (size_t i = 0; i < t->nheaders; i++)
			free(shown[i]);
		free(url);
	}
	r = http_post(&hr, &(struct http_cb){ on_head, on_data, on_idle, t }, hres);
	/* a half event left at the end is dropped, as the SSE rules say;
	 * the done check then reports the stream incomplete */
	if (r == 0 && t->mode == 1)
		sse_finish(&t->sse);
	if (r == 0 && t->mode == 2 && t->http_status == 200)
		r = decoded(t, prov_decode_body(&t->dec, t->rbody.buf, t->rbody.len),
			    t->rbody.buf, t->rbody.len);
	return r;
}

/* An HTTP error status: a message, and whether to try again. */
static enum outcome http_error(struct turn *t, struct http_res *hres)
{
	const char *who = t->model.provider_name;
	enum prov_api api = t->ops->api;
	char *line = hres->redirect[0] ?
		xasprintf("HTTP %ld: redirected to %s, which t3-chat does not follow "
			  "(the request carries the key): set the base URL to it",
			  t->http_status, hres->redirect) :
		prov_error_line(api, t->http_status, t->rbody.buf, t->rbody.len);
	int retry = prov_error_is_retryable(api, t->http_status, t->rbody.buf, t->rbody.len);

	t->status = t->http_status == 429 ? USAGE_RATE_LIMITED : USAGE_HTTP_ERROR;
	t->exit_code = T3_EPROV;
	set_message(t, xasprintf("%s: %s", who, line));
	free(line);
	if (retry && hres->retry_after_s < 0)
		hres->retry_after_s = prov_error_retry_after(api, t->rbody.buf, t->rbody.len);
	return retry ? maybe_retry(t, hres->retry_after_s) : FAIL;
}

static enum outcome attempt(struct turn *t)
{
	struct http_res hres = { .retry_after_s = -1 };
	const char *who = t->model.provider_name;
	int r;

	set_message(t, NULL);
	r = transfer(t, &hres);
	t->total_ms = time_mono_ms() - t->t0;
	if (t->out_code) {
		/* the output's own error is the caller's to report */
		t->status = USAGE_INTERRUPTED;
		t->exit_code = t->out_code;
		return FAIL;
	}
	if (r == HTTP_EINTR) {
		t->status = USAGE_INTERRUPTED;
		t->exit_code = T3_EINTR;
		set_message(t, xstrdup("interrupted"));
	} else if (r == HTTP_ENET || r == HTTP_ESTALL) {
		t->status = r == HTTP_ESTALL ? USAGE_STALLED : t->http_status ? USAGE_INCOMPLETE :
			    USAGE_NETWORK;
		t->exit_code = T3_ENET;
		char *hint = r == HTTP_ENET && !t->http_status ?
			     config_local_hint(who, t->base_url) : NULL;
		set_message(t, xasprintf("%s: %s%s%s", r == HTTP_ESTALL ? "stream stalled" :
					 t->http_status ? "stream cut off" : "network error",
					 hres.errbuf, hint ? "; " : "", hint ? hint : ""));
		free(hint);
	} else if (!t->ops->answer && t->http_status != 200) {
		return http_error(t, &hres);
	} else if (t->dec_ret == PROV_EERROR) {
		t->status = USAGE_STREAM_ERROR;
		t->exit_code = T3_EPROV;
		set_message(t, xasprintf("%s: error in the stream: %s", who,
					 t->dec.res.error ? t->dec.res.error : "unknown"));
		/* an overload reported in the stream before any answer text */
		if (t->err_retryable)
			return maybe_retry(t, -1);
	} else if (t->dec_ret == PROV_EMALFORMED || t->dec_ret == SSE_ETOOLONG) {
		t->status = USAGE_MALFORMED;
		t->exit_code = T3_EPROV;
		set_message(t, t->total > call_max(t) ?
			    xasprintf("%s: response too large (over %zu MiB)", who,
				      call_max(t) >> 20) :
			    xasprintf("%s: malformed response%s", who,
				      t->dec_ret == SSE_ETOOLONG ? " (line too long)" : ""));
	} else if (!t->dec.res.done) {
		t->status = USAGE_INCOMPLETE;
		t->exit_code = T3_ENET;
		set_message(t, xasprintf("%s: the stream ended before the answer was complete",
					 who));
	} else if (!t->text.len) {
		/* complete, but nothing to show: thinking used up the limit,
		 * a filter stopped it, or the prompt itself was blocked */
		const char *fr = t->dec.res.finish_reason;
		t->status = USAGE_EMPTY;
		t->exit_code = T3_EPROV;
		set_message(t, prov_finish_kind(fr) == PROV_FINISH_LENGTH ?
			    xasprintf("%s: no answer: the model reached its token limit (%s) "
				      "before writing any; raise --max-tokens", who, fr) :
			    xasprintf("%s: no answer text (finish reason %s)", who,
				      fr ? fr : "none"));
	} else {
		t->status = USAGE_SUCCESS;
		t->exit_code = 0;
	}
	return t->exit_code ? FAIL : DONE;
}

/* ---- send ---- */

/* the stored answer's status word */
static const char *message_status(const struct turn *t)
{
	if (t->exit_code == 0)
		return "complete";
	if (t->status == USAGE_INTERRUPTED)
		return "interrupted";
	return t->exit_code == T3_ENET ? "incomplete" : "error";
}

int turn_send(struct turn *t)
{
	const struct turn_sink *s = t->sink;
	int stored = 1, r;

	if (!t->prepared)
		BUG("turn_send before turn_prepare");
	if (s->start)
		s->start(s->ctx, t);
	for (t->attempts = 1;; t->attempts++) {
		call_init(t);
		if (attempt(t) != RETRY)
			break;
	}
	/* a cut or stopped stream may end inside a possible <think> tag */
	prov_decode_end(&t->dec);

	/* store what came back in one transaction: the answer (a partial
	 * one flagged) and the usage row of the last attempt */
	fill_usage(t);
	if (t->recorded) {
		/* cancelled while waiting to retry: that attempt is metered */
		usage_release(t->udb, &t->hold);
	} else {
		const struct prov_result *res = &t->dec.res;
		struct ai_message am = {
			.chat_id = t->chat.chat_id, .parent_id = t->user_msg_id,
			.text = t->text.buf, .model = t->model.model_name,
			.finish_reason = res->finish_reason, .status = message_status(t),
			.reasoning_text = t->reasoning.buf,
			.prompt_tokens = res->prompt_tokens,
			.completion_tokens = res->completion_tokens,
			.reasoning_tokens = res->reasoning_tokens, .cost_usd = t->usage.cost_usd,
			.first_token_ms = t->first_ms, .total_ms = t->total_ms,
		};
		stored = !usage_finish(t->ddb, t->udb, &t->hold, 1, &t->usage,
				       t->chat_id && t->text.len ? &am : NULL, t->ai_msg_id);
	}
	t->prepared = 0;
	if (s->done)
		s->done(s->ctx, t);
	if (t->message && s->error)
		s->error(s->ctx, t->exit_code, t->message);
	r = t->exit_code;
	/* the database said why already; an answer that was shown but not
	 * stored or metered must not pass for a success */
	if (!stored && !r)
		r = T3_EDATA;
	return r;
}

/* ---- the title ---- */

#define TITLE_SYSTEM "Write a title of at most six words for a conversation that starts " \
	"with the user's message below. Answer with the title alone: no quotes, no " \
	"punctuation at the end, in the language of the message."
#define TITLE_PROMPT_MAX 2000	/* bytes of the prompt sent */
#define TITLE_MAX_TOKENS 100

/* The model's answer as a title: its first line that is not blank,
 * without quotes, '#', '*' or a "Title:" around it, controls as spaces,
 * cut as a prompt's first line is; "" when nothing is left. */
static char *clean_title(const char *s)
{
	static const char strip[] = " \t\"'`*#_";
	char *line, *p, *e;

	s += strspn(s, " \t\r\n");
	line = title_of(s);
	for (p = line; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	p = line + strspn(line, strip);
	if (!strncasecmp(p, "title:", 6))
		p += 6 + strspn(p + 6, strip);
	e = p + strlen(p);
	while (e > p && strchr(strip, e[-1]))
		e--;
	*e = '\0';
	memmove(line, p, (size_t)(e - p) + 1);
	return line;
}

int turn_title(struct turn *t, const struct config *cfg)
{
	struct turn tt;
	struct turn_opts o = { 0 };
	char *prompt, *title;
	const char *model = config_get(cfg, "title_model");
	size_t n;
	int r;

	if (!t->title_pending || t->exit_code || !t->chat_id || t->o.no_title || cancelled(t))
		return 0;
	t->title_pending = 0;
	o.model = model && *model ? model : t->model.model_name;
	o.user = t->user.email;
	o.system = TITLE_SYSTEM;
	o.no_log = 1;
	o.max_tokens = TITLE_MAX_TOKENS;
	o.no_stream = 1;	/* a few words: one response */
	o.retries = 0;
	o.stall_s = t->o.stall_s;
	o.cancel = t->o.cancel;
	n = strlen(t->prompt);
	if (n > TITLE_PROMPT_MAX) {
		n = TITLE_PROMPT_MAX;
		while (n && ((unsigned char)t->prompt[n] & 0xc0) == 0x80)
			n--;
	}
	prompt = xstrndup(t->prompt, n);
	turn_init(&tt);
	tt.purpose = USAGE_FOR_TITLE;
	tt.usage_chat = t->chat_id;
	t3_error_context = "no title generated";
	r = turn_prepare(&tt, t->udb, t->ddb, cfg, &o, prompt, NULL);
	t3_error_context = NULL;
	if (!r && (r = turn_send(&tt)) && tt.message)
		t3_warning("no title generated: %s", tt.message);
	if (!r) {
		title = clean_title(tt.text.buf);
		if (*title && !(r = db_begin(t->ddb))) {
			if ((r = chats_retitle(t->ddb, t->chat_id, t->chat.title, title)) ||
			    (r = db_commit(t->ddb)))
				db_rollback(t->ddb);
		}
		free(title);
	}
	turn_release(&tt);
	free(prompt);
	return r;
}

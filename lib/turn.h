/* turn.h: one chat turn, from the prompt to the stored and charged
 * answer, as library calls: turn_prepare (the user, the chat, the model
 * and its policy, the quota held, the history fitted to the context) and
 * turn_send (the request, its retries, decoding, storing, charging).
 *
 * No globals, no printing to stdout, no exit: what happens is reported
 * through a struct turn_sink of callbacks, so a one-shot command and a
 * REPL that runs many turns in one process share the same engine. The
 * caller's signal handler cancels the answer under way by setting
 * *opts.cancel; turn_prepare clears it, so the next turn goes on.
 *
 * Refusals in turn_prepare are reported as the rest of the library
 * reports errors (one line on stderr, see msg.h) and return the exit
 * code; nothing is stored or charged by a refused turn except the
 * quota_exceeded usage row. turn_send reports its outcome to the sink's
 * done callback and, for a failure, its error callback. */
#ifndef T3_TURN_H
#define T3_TURN_H

#include <signal.h>
#include <stdint.h>

#include "attach.h"
#include "buf.h"
#include "chats.h"
#include "config.h"
#include "db.h"
#include "models.h"
#include "provider.h"
#include "sse.h"
#include "usage.h"
#include "users.h"

#define TURN_DEFAULT_USER "local@localhost"
#define TURN_DEFAULT_RETRIES 3
#define TURN_DEFAULT_TIMEOUT_S 120

struct turn_opts {
	const char *model;	/* NULL: the continued chat's, T3_MODEL, then
				   the config's "model" */
	const char *system;	/* NULL: the continued chat's; blank: none */
	const char *chat;	/* continue this chat (an id or a prefix) */
	int cont;		/* continue the user's latest chat */
	const char *user;	/* email; NULL: T3_USER, the config's "user",
				   else the local account (made on first use) */
	const char *effort;	/* reasoning effort, NULL: none */
	int has_temperature;
	double temperature;
	long max_tokens;	/* 0: the model's default */
	int no_stream;		/* ask for one whole response */
	int reasoning_text;	/* ask for the thinking text where optional */
	int no_log;		/* store no chat or message (still metered) */
	long retries;		/* of a call that may pass later */
	long stall_s;		/* give up after this long without a byte */
	volatile sig_atomic_t *cancel;	/* may be NULL */
	/* titles, branches, retries (see turn_title, turn_opts_check) */
	const char *title;	/* a new chat's title: no title call */
	int no_title;		/* no title call (also config "titles = off") */
	const char *from;	/* go on from this message (id or prefix), not the tip */
	const char *branch;	/* a new chat with a copy of the thread up to this
				   message; with no prompt only that */
	int retry;		/* answer the thread's last question again (prompt
				   NULL): the new answer a sibling of the old */
	const char *const *attach;	/* files sent with the prompt (attach.h) */
	size_t nattach;
	/* options beyond the named flags (-o): "KEY=VALUE" strings, checked
	 * against the model's API (prov_options_parse) before anything is
	 * stored or sent */
	const char *const *options;
	size_t noptions;
	const char *role;	/* a saved role (roles.h) whose prompt is the
				   system prompt; a usage error with system */
};

struct turn;

/* Where a turn reports. Any callback may be NULL. text, reasoning and
 * flush return 0, or non-zero when the output is gone (a closed pipe: the
 * exit code to end with): the answer then stops, is stored as
 * interrupted, and that code is the turn's. */
struct turn_sink {
	/* prepared, before anything is sent */
	void (*start)(void *ctx, const struct turn *t);
	/* answer text and reasoning as they arrive (never empty) */
	int (*text)(void *ctx, const char *s, size_t n);
	int (*reasoning)(void *ctx, const char *s, size_t n);
	/* what has arrived has all been passed on: write it out */
	int (*flush)(void *ctx);
	/* a remark on the way (history left out to fit the context) */
	void (*notice)(void *ctx, const char *msg);
	/* an attempt failed and is retried after wait_ms */
	void (*retry)(void *ctx, const char *why, long wait_ms);
	/* about to send: URL and headers, the secret parts redacted */
	void (*request)(void *ctx, const char *url, char *const *headers, size_t n);
	/* the end of the turn, whatever it was: the results below */
	void (*done)(void *ctx, const struct turn *t);
	/* after done, when the turn failed: one line */
	void (*error)(void *ctx, int code, const char *message);
	void *ctx;
};

struct turn {
	/* ---- after turn_prepare ---- */
	struct turn_opts o;
	struct user user;
	struct model model;
	struct chat chat;	/* chat_id "" with no_log and no chat */
	const char *chat_id;	/* the stored chat, or NULL (no_log) */
	char user_msg_id[UUID_STRLEN + 1];	/* "" when not stored */

	/* ---- after turn_send ---- */
	struct strbuf text, reasoning;	/* the last attempt's */
	struct prov_result *res;	/* finish reason, tokens, ... */
	long http_status;	/* 0: none (no response, a local adapter) */
	int64_t first_ms;	/* to the first text, -1: none */
	int64_t total_ms;
	int attempts;
	enum usage_status status;
	int exit_code;		/* the msg.h code, 141 for a closed pipe */
	char *message;		/* one line, NULL on success */
	struct usage_row usage;	/* the last attempt's row */
	char ai_msg_id[UUID_STRLEN + 1];	/* "" when not stored */

	/* ---- private ---- */
	struct chat_msgref from;	/* --branch, --from: the message */
	size_t nhist;		/* rows sent as history (a retry's question is not) */
	int title_pending;	/* a new chat whose title turn_title may write */
	enum usage_purpose purpose;	/* of the usage rows */
	const char *usage_chat;	/* the chat of the usage rows of a call that stores none */
	struct db *udb, *ddb;
	const struct turn_sink *sink;
	const struct prov_ops *ops;
	const char *system;
	const char *prompt;
	char *base_url, *api_key;
	struct chat_msg *rows;
	size_t nrows;
	struct prov_msg *msgs;
	size_t nmsgs;
	struct attach_set att;	/* the new message's files and the history's */
	struct prov_req req;
	json_t *options;	/* o.options parsed, or NULL */
	char *role_prompt;	/* o.role's prompt, or NULL */
	char *url, *body, *headers[PROV_MAX_HEADERS];
	size_t nheaders;
	struct usage_hold hold;
	int have_chat, prepared, recorded;
	/* the attempt under way */
	struct prov_decoder dec;
	struct sse_parser sse;
	struct strbuf rbody;
	int mode;		/* 0 undecided, 1 SSE, 2 a body */
	size_t total;		/* response bytes so far */
	int dec_ret, err_retryable, out_code, have_call;
	int64_t t0;
};

/* A number setting (an option's or the config's value): an integer from
 * min to max, else T3_EUSAGE after a message naming what. */
int turn_parse_long(const char *s, const char *what, long min, long max, long *out);
/* Settings the options left unset (< 0) from the config's "retries" and
 * "timeout", else the defaults. 0, or T3_EDATA after a message. */
int turn_opts_config(struct turn_opts *o, const struct config *cfg);
/* The acting user: email, else T3_USER, else the config's "user", else
 * the local account (TURN_DEFAULT_USER). That one, when it does not
 * exist yet: TURN_USER_FIND leaves user_id "", so that every query by it
 * finds nothing; TURN_USER_MAKE makes it in a transaction of its own;
 * TURN_USER_MAKE_OPEN makes it in a transaction of udb left open for
 * the caller to commit with its own work (udb->in_tx tells). 0, T3_ENEG
 * after "user 'EMAIL' not found", T3_EDATA. */
enum turn_user_make { TURN_USER_FIND, TURN_USER_MAKE, TURN_USER_MAKE_OPEN };
int turn_acting_user(struct db *udb, const struct config *cfg, const char *email,
		     enum turn_user_make make, struct user *u);

/* One struct turn per turn: turn_init, turn_prepare, turn_send (or not:
 * turn_release of a prepared turn gives back the quota it held),
 * turn_release; then turn_init again for the next. */
void turn_init(struct turn *t);
void turn_release(struct turn *t);

/* Prepare a turn of prompt (kept by pointer: it must outlive the turn)
 * on the open databases. Clears *o->cancel. 0, or the exit code after a
 * message: T3_ENEG (user or chat not found), T3_EUSAGE (no model),
 * T3_EDATA, T3_EPOLICY (model refused, quota used up, too long a prompt,
 * an attachment the model or its API does not take). */
int turn_prepare(struct turn *t, struct db *udb, struct db *ddb, const struct config *cfg,
		 const struct turn_opts *o, const char *prompt, const struct turn_sink *sink);

/* Mistakes in the combination of options, for a command to refuse
 * before anything is opened: 0, or T3_EUSAGE after a message. */
int turn_opts_check(const struct turn_opts *o, int have_prompt);

/* Send a prepared turn: the request and its retries, the answer through
 * the sink, then the answer and its usage row stored and the quota
 * charged. Returns the turn's exit code (t->exit_code, or T3_EDATA when
 * the outcome could not be stored). */
int turn_send(struct turn *t);

/* After turn_send of a new chat's first exchange that succeeded: ask a
 * model (the config's "title_model", else the turn's) for a short title
 * and store it, unless --title, -n, no_title or "titles = off". The call
 * stores no message; it is metered (purpose 'title', the chat's id) and
 * charged like any other. When it fails or is refused the prompt's first
 * line stays; one line on stderr says why. Returns 0, or the code the
 * call failed with: not the chat's exit code. */
int turn_title(struct turn *t, const struct config *cfg);

#endif

/* provider.h: the pure part of the provider adapters -- request bodies and
 * URLs, stream and body decoding, error bodies. No network, no printing;
 * lib/http.c moves the bytes.
 *
 * Three wire formats: OpenAI Chat Completions (also OpenRouter, Azure and
 * other compatible servers), Anthropic Messages, Gemini generateContent.
 * PROV_ECHO (lib/echo.c, the offline adapter) answers without a network;
 * where a wire format is asked of it, it speaks OpenAI's.
 *
 * Each API is one table of operations (struct prov_ops, looked up once
 * with prov_ops_of); what differs between the servers that speak one API
 * (a default base URL, another variable for the key, a field name) is a
 * row of data (struct prov_info, prov_info_of), never a comparison of
 * provider names in code.
 *
 * Token counts are normalised across providers so one price table fits:
 *   prompt_tokens      all input tokens, cached ones included (OpenAI's
 *                      prompt_tokens; Anthropic's input_tokens +
 *                      cache_read_input_tokens + cache_creation_input_tokens;
 *                      Gemini's promptTokenCount)
 *   cached_tokens      the part of prompt_tokens read from a cache
 *   completion_tokens  all output tokens, reasoning included, i.e. what is
 *                      billed at the output price (OpenAI's
 *                      completion_tokens; Anthropic's output_tokens; Gemini's
 *                      candidatesTokenCount + thoughtsTokenCount, because
 *                      Gemini's candidates count leaves thoughts out but
 *                      bills them as output)
 *   reasoning_tokens   the part of completion_tokens spent thinking (0 when
 *                      the provider does not say; Anthropic does not) */
#ifndef T3_PROVIDER_H
#define T3_PROVIDER_H

#include <signal.h>
#include <stddef.h>
#include <jansson.h>

#include "sse.h"

enum prov_api { PROV_OPENAI, PROV_ANTHROPIC, PROV_GEMINI, PROV_ECHO };

/* Returns of prov_decode_event/prov_decode_body besides 0 and a sink's
 * own non-zero return; negative and apart from SSE_ETOOLONG. */
#define PROV_EERROR (-20)     /* the provider reported an error: res.error */
#define PROV_EMALFORMED (-21) /* not JSON, or not the expected shape */
/* A local adapter's answer stopped by the caller's cancel flag. */
#define PROV_ECANCELLED (-22)

/* Anthropic requires max_tokens; used when the request gives none. */
#define PROV_ANTHROPIC_DEFAULT_MAX_TOKENS 4096
/* ... and for a model that thinks (adaptive thinking asked for, or on by
 * default from Claude 5), where thinking and answer share max_tokens. */
#define PROV_ANTHROPIC_THINKING_MAX_TOKENS 32000

/* "openai", "anthropic", "gemini", "echo"; NULL for an unknown value. */
const char *prov_api_name(enum prov_api api);
/* The reverse; returns -1 for an unknown name. */
int prov_api_parse(const char *name, enum prov_api *out);

/* ---- the servers: one row of data each ---- */

/* quirks of a server that speaks an API the common way otherwise */
#define PROV_Q_MAX_COMPLETION_TOKENS 0x1  /* OpenAI: max_tokens is sent as
					     max_completion_tokens */
#define PROV_Q_NO_STREAM_OPTIONS 0x2      /* OpenAI: refuses stream_options
					     (HTTP 422), sends usage unasked */
#define PROV_Q_REASONING_NO_TEMP 0x4      /* its reasoning models refuse any
					     temperature but the default */
#define PROV_Q_OLLAMA 0x8                 /* Ollama: ROOT/api/show tells a
					     model's context and capabilities
					     (ROOT: the base URL less /v1);
					     a ":latest" tag is the default */

struct prov_info {
	const char *provider;	/* the catalog's provider_name */
	const char *base_url;	/* the default, NULL: none (must be set) */
	const char *key_env_alt;	/* read after PROVIDER_API_KEY, or NULL */
	unsigned quirks;	/* PROV_Q_* */
	const char *start_hint;	/* how to start a local server, or NULL */
	enum prov_api api;	/* the API it speaks (the model list's, for
				   t3-models sync --provider) */
};

/* The row of provider (the catalog's provider_name). An unknown provider
 * gets a row with no default URL and no quirks; NULL gets "openai"'s
 * (OpenAI's own API). Never NULL. */
const struct prov_info *prov_info_of(const char *provider);

/* A file sent with a message (lib/attach.c reads and checks them): the
 * adapters put each before the message's text, in their own format --
 * OpenAI an "image_url" part with a data: URL or a "file" part with
 * "file_data"; Anthropic an "image" or "document" block with a base64
 * source; Gemini an "inline_data" part; echo names it in its answer. */
enum prov_part_kind { PROV_PART_IMAGE, PROV_PART_PDF };
struct prov_part {
	enum prov_part_kind kind;
	const char *mime_type;	/* image/png, ..., application/pdf */
	const char *name;	/* the file's name, "" if none */
	size_t size;		/* bytes */
	const char *base64;	/* the bytes, base64 (standard, padded) */
	unsigned width, height;	/* an image's pixels, 0 when not read */
	unsigned pages;		/* a PDF's pages as counted, 0 when none */
};

struct prov_msg {
	const char *role;	/* "user" or "assistant" */
	const char *text;
	const struct prov_part *parts;	/* NULL when nparts is 0 */
	size_t nparts;
};

struct prov_req {
	const char *provider;	/* the catalog's provider_name: the OpenAI
				   adapter's servers differ (see below) */
	const char *model;
	const char *system;	/* may be NULL */
	const struct prov_msg *msgs;
	size_t nmsgs;
	int has_temperature;
	double temperature;
	long max_tokens;	/* 0 = the provider's default */
	const char *reasoning_effort;	/* NULL, "low", "medium", "high" */
	int reasoning_text;	/* ask for the thinking text where that is a
				   choice (Anthropic's thinking.display) */
	int stream;
	/* -o options: wire name -> value, from prov_options_parse (may be
	 * NULL); each adapter puts them where its API takes them */
	const json_t *options;
};

/* ---- options beyond the named flags (t3-chat -o KEY=VALUE) ---- */

enum prov_opt_type {
	PROV_OPT_NUMBER,	/* a number from min to max */
	PROV_OPT_INTEGER,	/* an integer from min to max */
	PROV_OPT_STOP		/* stop sequences: a string, or a JSON array
				   of 1 to max non-empty strings; repeated,
				   they add up */
};
struct prov_option {
	const char *key;	/* the name given: one vocabulary for all */
	const char *wire;	/* the member the API takes */
	enum prov_opt_type type;
	double min, max;
};
/* The options api takes (its wire format's), ended by a NULL key:
 * OpenAI top_p, frequency_penalty, presence_penalty, seed, stop (top
 * level); Anthropic top_p, top_k, stop (as stop_sequences, top level);
 * Gemini top_p, top_k, frequency_penalty, presence_penalty, seed, stop
 * (as generationConfig's topP, topK, frequencyPenalty, presencePenalty,
 * seed, stopSequences). */
const struct prov_option *prov_options_of(enum prov_api api);
/* "KEY=VALUE" strings checked against api's list, as a new object of
 * wire names and JSON values (*out NULL when n is 0). 0, or T3_EUSAGE
 * after a message naming the key and, for an unknown one, the valid
 * keys; a key a named flag sets (temperature, max_tokens, ...) is
 * refused, naming the flag. A key given twice is refused, but stop. */
int prov_options_parse(enum prov_api api, const char *const *kv, size_t n, json_t **out);

/* The JSON request body (a new reference).
 *
 * OpenAI: messages with a leading {"role":"system"} message;
 *   "reasoning_effort" top level; streaming adds
 *   "stream_options":{"include_usage":true} to get the usage chunk.
 *   max_tokens is sent as "max_completion_tokens" to a server with the
 *   quirk PROV_Q_MAX_COMPLETION_TOKENS (openai, azure), whose reasoning
 *   models (o-series, gpt-5) refuse "max_tokens"; as "max_tokens" to
 *   every other server, as all accept it and some (Mistral) refuse the
 *   newer name. PROV_Q_NO_STREAM_OPTIONS (mistral) gets no stream_options:
 *   it refuses unknown fields (HTTP 422) and sends usage unasked.
 * Anthropic: "system" top level; "max_tokens" always (defaults above).
 *   How thinking is asked for depends on the model's generation (its
 *   version, read from the name: claude-sonnet-4-6, claude-3-7-sonnet-...):
 *   up to 4.5, reasoning_effort becomes "thinking":{"type":"enabled",
 *   "budget_tokens":1024|4096|16384} and max_tokens is raised to budget +
 *   default when it would not exceed the budget; from 4.6 on, where that
 *   form is deprecated and from 4.7 refused, "thinking":{"type":"adaptive"}
 *   with "output_config":{"effort":...}. Claude 5 thinks even unasked.
 *   The adaptive form carries "display":"summarized" (4.7 on hide the
 *   text by default); for Claude 5 reasoning_text alone asks for it too.
 *   Temperature is left out while thinking; from 4.7 on the API refuses
 *   it always (see prov_takes_temperature).
 * Gemini: "contents" with roles "user"/"model", messages of one role in
 *   a row as parts of one turn, "systemInstruction", "generationConfig"
 *   {temperature, maxOutputTokens, thinkingConfig {thinkingBudget
 *   1024|8192|24576, includeThoughts true}}; maxOutputTokens not above
 *   the budget gets the budget added, as thinking counts against it.
 *   Gemini 3 on get "thinkingLevel": reasoning_effort instead of a budget.
 *   The model and streaming are in the URL, not the body.
 * An unknown reasoning_effort is treated as "medium" where it becomes a
 * budget; where it is sent as a level (Claude 4.6 on, Gemini 3 on) it
 * goes as given. */
json_t *prov_build_body(enum prov_api api, const struct prov_req *req);

/* Whether the model takes a sampling temperature. No for Anthropic's
 * models from Claude 4.7 and 5 on, and for the reasoning models of a
 * server with PROV_Q_REASONING_NO_TEMP (openai, azure: o-series, gpt-5):
 * their APIs refuse any but the default with HTTP 400. */
int prov_takes_temperature(enum prov_api api, const char *provider, const char *model,
			   int reasoning_model);

/* The body as compact JSON text to send (the caller frees it). Doubles
 * get 15 significant digits, so a temperature of 0.7 reads "0.7", not
 * jansson's default "0.69999999999999996". */
char *prov_dump_body(const json_t *body);

/* BASE/chat/completions, BASE/messages,
 * BASE/models/MODEL:streamGenerateContent?alt=sse or
 * BASE/models/MODEL:generateContent (a "models/" prefix on MODEL is
 * dropped and the rest percent-encoded). A trailing '/' on base_url is
 * ignored. The caller frees the result. */
char *prov_build_url(enum prov_api api, const char *base_url,
		     const char *model, int stream);

/* Request headers other than Content-Type, as "Name: value" strings:
 * OpenAI "Authorization: Bearer KEY"; Anthropic "x-api-key: KEY" and
 * "anthropic-version: 2023-06-01"; Gemini "x-goog-api-key: KEY". No key
 * header when api_key is NULL or empty. Fills out[] (room for
 * PROV_MAX_HEADERS) with strings the caller frees; returns the count. */
#define PROV_MAX_HEADERS 4
size_t prov_build_headers(enum prov_api api, const char *api_key,
			  char *out[PROV_MAX_HEADERS]);
/* Whether a "Name: value" header of api carries the key. */
int prov_header_is_secret(enum prov_api api, const char *header);

/* Where decoded text goes. Either callback may be NULL; a non-zero return
 * stops decoding and is returned by prov_decode_*. Text comes in UTF-8
 * pieces as the provider sent them (never empty). */
struct prov_sink {
	int (*text)(void *ctx, const char *s, size_t n);
	int (*reasoning)(void *ctx, const char *s, size_t n);
	void *ctx;
};

struct prov_result {
	long prompt_tokens, completion_tokens, reasoning_tokens, cached_tokens;
	int have_usage;
	char *finish_reason;	/* the provider's own word: stop, length,
				   tool_calls, end_turn, max_tokens, STOP,
				   MAX_TOKENS, SAFETY...; NULL if none */
	int done;		/* terminal event seen: [DONE], message_stop,
				   an OpenAI or Gemini chunk with a finish
				   reason, or a complete non-streaming body */
	char *error;		/* one line, for PROV_EERROR */
	char *model;		/* the model the provider reports */
};

struct prov_ops;

struct prov_decoder {
	enum prov_api api;
	const struct prov_ops *ops;
	struct prov_sink sink;
	struct prov_result res;
	/* private: provider.c's and the adapter's */
	int collect;		/* prov_decode_body: gather, then one call */
	struct strbuf text;
	struct strbuf reasoning;
	void *state;		/* the adapter's own, ops->state_size bytes */
};

/* How a local adapter (ops->answer) hands over its answer: text goes
 * through the decoder's sink; idle, when not NULL, is called after each
 * piece (the moment to write it out; a non-zero return stops, and is
 * returned); a non-zero *cancel stops it with PROV_ECANCELLED. */
struct prov_local {
	int (*idle)(void *ctx);
	void *ctx;
	volatile sig_atomic_t *cancel;
};

/* One API. Every operation but those marked "may be NULL" is set. */
struct prov_ops {
	enum prov_api api;
	const char *name;
	/* the wire format, when it is another API's (echo: OpenAI's); the
	 * build and decode operations below are then that one's */
	const struct prov_ops *wire;
	json_t *(*build_body)(const struct prov_req *req, const struct prov_info *info);
	/* appends to sb, which holds the base URL without a trailing '/' */
	void (*build_url)(struct strbuf *sb, const char *model, int stream);
	size_t (*build_headers)(const char *api_key, char *out[]);
	/* the headers that carry the key (lower case, NULL-terminated):
	 * shown redacted by -v */
	const char *const *secret_headers;
	/* the data of the event that ends a stream without JSON ("[DONE]"),
	 * or NULL */
	const char *done_marker;
	/* a stream's event, its data parsed to an object; type is the JSON
	 * "type" member or the SSE event name */
	int (*decode_event)(struct prov_decoder *d, const char *type, const json_t *root);
	/* a whole response body (an object, or for Gemini also an array) */
	int (*decode_body)(struct prov_decoder *d, const json_t *root);
	/* the stream is over: hand on held text (may be NULL) */
	int (*end)(struct prov_decoder *d);
	/* the wait an error object asks for, in s, or -1 (may be NULL) */
	long (*retry_after)(const json_t *err);
	/* an error object that no wait will cure (a daily quota; may be
	 * NULL) */
	int (*never_retry)(const json_t *err);
	int (*takes_temperature)(const struct prov_info *info, const char *model,
				 int reasoning_model);
	size_t state_size;	/* the decoder's private state, zeroed */
	void (*state_init)(void *state);	/* may be NULL */
	void (*state_release)(void *state);	/* may be NULL */
	/* A local adapter's whole answer, without a network (NULL for the
	 * others): 0 with res.done set, PROV_ECANCELLED, or idle's return. */
	int (*answer)(struct prov_decoder *d, const struct prov_req *req,
		      const struct prov_local *io);
};

/* The table of api. Never NULL for a valid enum value. */
const struct prov_ops *prov_ops_of(enum prov_api api);

void prov_decoder_init(struct prov_decoder *d, enum prov_api api,
		       const struct prov_sink *sink);
/* Frees the strings in d->res; set a field to NULL first to keep it. */
void prov_decoder_release(struct prov_decoder *d);

/* One SSE event of a streaming response. Returns 0 to continue,
 * PROV_EERROR for an error event (res.error says what), PROV_EMALFORMED,
 * or a sink callback's non-zero return. Events after the terminal one are
 * still decoded; check res.done at the end of the stream to tell a
 * complete answer from a cut one. Unknown event types and events with
 * empty data are ignored. */
int prov_decode_event(struct prov_decoder *d, const struct sse_event *ev);

/* A whole non-streaming response body (leading whitespace, such as
 * OpenRouter's keep-alive padding, is fine; for Gemini a JSON array of
 * chunks, as streamGenerateContent sends without alt=sse, is accepted
 * too). Calls sink->reasoning once with all reasoning text, if any, then
 * sink->text once with all the text, if any; fills res and sets res.done.
 * Returns as prov_decode_event. */
int prov_decode_body(struct prov_decoder *d, const char *body, size_t len);

/* The stream is over, however it ended (cut off, interrupted, an error
 * event): hands on text still held back while undecided (the first bytes
 * of what may be an OpenAI <think> tag), so a partial answer keeps it.
 * Returns as prov_decode_event; a no-op after a complete answer. */
int prov_decode_end(struct prov_decoder *d);

/* One line describing an error response, for the user:
 *   "HTTP 429 rate_limit_exceeded: Rate limit reached for ..."
 * i.e. "HTTP STATUS", then the provider's error code (OpenAI code or type,
 * Anthropic error type, Gemini status; a numeric code equal to STATUS is
 * left out), then its message. An OpenRouter error that wraps an upstream
 * body (error.metadata.raw) gets "(PROVIDER: upstream line)" appended.
 * A body that is not a JSON error gives its first 200 printable bytes.
 * Whitespace runs, newlines included, become one space. status <= 0 omits
 * "HTTP STATUS". The caller frees the result; never NULL. */
char *prov_error_line(enum prov_api api, long http_status, const char *body,
		      size_t len);

/* What a finish reason says, across providers. */
enum prov_finish {
	PROV_FINISH_OTHER,	/* stop, end_turn, STOP, tool_calls, none... */
	PROV_FINISH_LENGTH,	/* length, max_tokens, MAX_TOKENS */
	PROV_FINISH_FILTER	/* content_filter, refusal, SAFETY, RECITATION,
				   PROHIBITED_CONTENT, BLOCKLIST, SPII, ... */
};
enum prov_finish prov_finish_kind(const char *finish_reason);

/* The wait an error body asks for, in whole seconds (rounded up), for a
 * provider that puts it there rather than in Retry-After: Gemini's
 * google.rpc.RetryInfo retryDelay. -1 when there is none. */
long prov_error_retry_after(enum prov_api api, const char *body, size_t len);

/* Whether the same request may succeed later: 408, 429, 5xx (529 too), or
 * a 200 whose body is a mid-stream overload/server error; but not a 429
 * with OpenAI/OpenRouter code or type "insufficient_quota" (billing), nor
 * one for a Gemini quota that resets daily (a QuotaFailure quotaId with
 * "PerDay"). */
int prov_error_is_retryable(enum prov_api api, long status, const char *body,
			    size_t len);

/* ---- for the adapters (lib/openai.c, anthropic.c, gemini.c, echo.c) ---- */

/* Hand text to the sink (or gather it, for prov_decode_body). */
int prov_emit_text(struct prov_decoder *d, const char *s, size_t n);
int prov_emit_reasoning(struct prov_decoder *d, const char *s, size_t n);
/* Replace a result string with a copy of s (NULL clears it); an equal
 * string is kept as it is, so a value every chunk repeats costs no
 * allocation. */
void prov_set_str(char **field, const char *s);
/* The integer value of key in obj, or dflt when absent or not a number. */
long prov_json_long(const json_t *obj, const char *key, long dflt);
/* A JSON string for s (NULL gives JSON null); bytes that are not valid
 * UTF-8 become U+FFFD rather than making the whole string vanish. */
json_t *prov_json_str(const char *s);
/* The same for n bytes (a piece of a stream, not NUL-terminated). */
json_t *prov_json_strn(const char *s, size_t n);
/* {"type":"text","text":TEXT}: the text after a message's attachments
 * (OpenAI's content parts, Anthropic's content blocks). */
json_t *prov_text_part_new(const char *text);
/* Set d->res.error to a one-line "CODE: MESSAGE" from the error that root
 * reports: its "error" member when that is an object, else root itself (a
 * top-level "error" string, "message"), else one in its first choice
 * (OpenRouter) -- where prov_error_line and prov_error_is_retryable look
 * too. Returns PROV_EERROR. */
int prov_set_error(struct prov_decoder *d, const json_t *root);

/* The error object of a body or chunk (see prov_set_error), or NULL;
 * and a string member of it, NULL when absent or empty. */
const json_t *prov_error_object(const json_t *root);
const char *prov_json_string(const json_t *obj, const char *key);

/* A Claude model's version, major * 100 + minor (406 for claude-opus-4-6),
 * 0 when the name has none. */
int anthropic_version(const char *model);

/* the adapters' tables, each in its own file */
extern const struct prov_ops prov_openai_ops, prov_anthropic_ops, prov_gemini_ops,
	prov_echo_ops;

#endif

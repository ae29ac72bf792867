/* config.h: the config file ($XDG_CONFIG_HOME/t3/config) and provider
 * settings: base URLs and API keys. Keys come only from the environment
 * or a key command; they are never stored, printed or logged. */
#ifndef T3_CONFIG_H
#define T3_CONFIG_H

#include <stddef.h>

struct config {
	char *path;
	char **keys, **vals;
	size_t n;
};

/* Load "key = value" lines ('#' comments, blank lines) of any length. A
 * missing file is an empty config; a directory, or a line with a NUL
 * byte, is an error. Returns 0 or T3_EDATA (with "line N" in the
 * message). */
int config_load(struct config *c, const char *path);
void config_release(struct config *c);
const char *config_get(const struct config *c, const char *key);

/* PROVIDER_BASE_URL, then "PROVIDER.base_url", then the provider's
 * default (prov_info_of); *url NULL if none, else for the caller to free.
 * Returns 0, or T3_EDATA after a message for a URL with a control
 * character or another scheme than http:// or https://. */
int config_base_url(const struct config *c, const char *provider, char **url);
/* url with the password of its user information, if any, shown as
 * "(redacted)": for messages and -v. The caller frees it. */
char *config_url_shown(const char *url);
/* PROVIDER_API_KEY (then the provider's other variable, GOOGLE_API_KEY for
 * gemini), then the first line printed by "PROVIDER.key_command" (run
 * with /bin/sh -c). *key is NULL when there is none. Returns 0 or
 * T3_EDATA: the command failed, or the key is blank or holds a control
 * character (the message never shows it). */
int config_api_key(const struct config *c, const char *provider, char **key);
/* Both, for a request: the base URL (one is needed) and the key (needed
 * unless the server is on this machine). 0, or T3_EDATA after a message
 * naming the variables that set them; on error both are NULL. The
 * caller frees them. */
int config_server(const struct config *c, const char *provider, char **url, char **key);
/* Whether a provider at this base URL may go without a key: one on the
 * loopback interface (localhost, 127.0.0.0/8, [::1]). */
int config_key_optional(const char *base_url);
/* For a network error towards a server on this machine (see
 * config_key_optional): a hint that says how to start it ("ollama serve"
 * for Ollama) and which variable says where it listens; NULL for a
 * remote one. The caller frees it. */
char *config_local_hint(const char *provider, const char *base_url);
/* Wipe and free a key, or a header holding one (NULL is fine). */
void config_free_secret(char *s);
/* "OPENAI" for "openai", "OPENROUTER" etc.: the environment prefix. */
void config_env_prefix(const char *provider, char *out, size_t n);

#endif

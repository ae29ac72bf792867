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

/* Load "key = value" lines ('#' comments, blank lines). A missing file is
 * an empty config. Returns 0 or T3_EDATA (with "line N" in the message). */
int config_load(struct config *c, const char *path);
void config_release(struct config *c);
const char *config_get(const struct config *c, const char *key);

/* PROVIDER_BASE_URL, then "PROVIDER.base_url", then the built-in default
 * for known providers; NULL if none. The caller frees it. */
char *config_base_url(const struct config *c, const char *provider);
/* PROVIDER_API_KEY (GEMINI_API_KEY also GOOGLE_API_KEY), then the first
 * line printed by "PROVIDER.key_command" (run with /bin/sh -c). *key is
 * NULL when there is none. Returns 0 or T3_EDATA (the command failed). */
int config_api_key(const struct config *c, const char *provider, char **key);
/* Whether a provider at this base URL may go without a key: one on the
 * loopback interface (localhost, 127.0.0.0/8, [::1]). */
int config_key_optional(const char *base_url);
/* "OPENAI" for "openai", "OPENROUTER" etc.: the environment prefix. */
void config_env_prefix(const char *provider, char *out, size_t n);

#endif

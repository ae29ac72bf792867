#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <sodium.h>

#include "buf.h"
#include "config.h"
#include "msg.h"

static const struct {
	const char *provider, *url;
} default_urls[] = {
	{ "openai", "https://api.openai.com/v1" },
	{ "anthropic", "https://api.anthropic.com/v1" },
	{ "gemini", "https://generativelanguage.googleapis.com/v1beta" },
	{ "openrouter", "https://openrouter.ai/api/v1" },
	{ "groq", "https://api.groq.com/openai/v1" },
	{ "deepseek", "https://api.deepseek.com/v1" },
	{ "xai", "https://api.x.ai/v1" },
	{ "mistral", "https://api.mistral.ai/v1" },
	{ "ollama", "http://localhost:11434/v1" },
};

static char *trim(char *s)
{
	char *e;
	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int config_load(struct config *c, const char *path)
{
	FILE *fp;
	char line[4096];
	long lineno = 0;

	memset(c, 0, sizeof *c);
	if (!path)
		return 0;
	c->path = xstrdup(path);
	if (!(fp = fopen(path, "r")))
		return errno == ENOENT ? 0 :
		       t3_error(T3_EDATA, "cannot read config '%s': %s", path, strerror(errno));
	while (fgets(line, sizeof line, fp)) {
		char *s = trim(line), *eq;
		lineno++;
		if (!*s || *s == '#')
			continue;
		if (!(eq = strchr(s, '='))) {
			fclose(fp);
			return t3_error(T3_EDATA, "config '%s' line %ld: expected KEY = VALUE", path, lineno);
		}
		*eq = '\0';
		c->keys = xrealloc(c->keys, (c->n + 1) * sizeof *c->keys);
		c->vals = xrealloc(c->vals, (c->n + 1) * sizeof *c->vals);
		c->keys[c->n] = xstrdup(trim(s));
		c->vals[c->n] = xstrdup(trim(eq + 1));
		c->n++;
	}
	fclose(fp);
	return 0;
}

void config_release(struct config *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->keys[i]);
		free(c->vals[i]);
	}
	free(c->keys);
	free(c->vals);
	free(c->path);
	memset(c, 0, sizeof *c);
}

const char *config_get(const struct config *c, const char *key)
{
	const char *v = NULL;
	for (size_t i = 0; i < c->n; i++)   /* the last one wins */
		if (!strcmp(c->keys[i], key))
			v = c->vals[i];
	return v;
}

void config_env_prefix(const char *provider, char *out, size_t n)
{
	size_t i;
	for (i = 0; provider[i] && i + 1 < n; i++)
		out[i] = isalnum((unsigned char)provider[i]) ?
			 (char)toupper((unsigned char)provider[i]) : '_';
	out[i] = '\0';
}

static const char *env_for(const char *provider, const char *suffix)
{
	char name[128], prefix[96];
	const char *v;
	config_env_prefix(provider, prefix, sizeof prefix);
	snprintf(name, sizeof name, "%s_%s", prefix, suffix);
	v = getenv(name);
	return v && *v ? v : NULL;
}

char *config_base_url(const struct config *c, const char *provider)
{
	const char *v = env_for(provider, "BASE_URL");
	char key[160];
	if (v)
		return xstrdup(v);
	snprintf(key, sizeof key, "%s.base_url", provider);
	if ((v = config_get(c, key)))
		return xstrdup(v);
	for (size_t i = 0; i < sizeof default_urls / sizeof default_urls[0]; i++)
		if (!strcmp(default_urls[i].provider, provider))
			return xstrdup(default_urls[i].url);
	return NULL;
}

int config_key_optional(const char *base_url)
{
	/* a server on this machine (Ollama, llama.cpp, vLLM, LM Studio) is
	 * usually run without a key; a remote one never is */
	static const char *const local[] = { "localhost", "127.", "[::1]" };
	const char *host = base_url ? strstr(base_url, "://") : NULL;
	size_t n;

	if (!host)
		return 0;
	host += 3;
	n = strcspn(host, "/");
	for (size_t i = 0; i < sizeof local / sizeof local[0]; i++) {
		size_t k = strlen(local[i]);
		if (n >= k && !strncasecmp(host, local[i], k) &&
		    (local[i][k - 1] == '.' || n == k || host[k] == ':'))
			return 1;
	}
	return 0;
}

int config_api_key(const struct config *c, const char *provider, char **key)
{
	const char *v = env_for(provider, "API_KEY"), *cmd;
	char name[160];
	struct strbuf sb = STRBUF_INIT;
	FILE *p;
	int ch, status;

	*key = NULL;
	if (!v && !strcmp(provider, "gemini") && (v = getenv("GOOGLE_API_KEY")) && !*v)
		v = NULL;
	if (v) {
		*key = xstrdup(v);
		return 0;
	}
	snprintf(name, sizeof name, "%s.key_command", provider);
	if (!(cmd = config_get(c, name)))
		return 0;
	fflush(NULL);
	if (!(p = popen(cmd, "r")))
		return t3_error(T3_EDATA, "cannot run the key command for '%s'", provider);
	while ((ch = getc(p)) != EOF && ch != '\n')
		sb_addc(&sb, ch);
	while (ch != EOF)
		ch = getc(p);
	status = pclose(p);
	if (status || !sb.len) {
		sodium_memzero(sb.buf, sb.len);
		sb_release(&sb);
		/* never echo the command's output: it may be a key */
		return t3_error(T3_EDATA, "the key command for '%s' failed (status %d)", provider,
				WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	*key = sb_detach(&sb, NULL);
	return 0;
}

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sodium.h>

#include "buf.h"
#include "config.h"
#include "msg.h"
#include "provider.h"

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
	struct strbuf line = STRBUF_INIT;
	struct stat st;
	FILE *fp;
	long lineno = 0;
	int r = 0;

	memset(c, 0, sizeof *c);
	if (!path)
		return 0;
	c->path = xstrdup(path);
	if (!(fp = fopen(path, "r")))
		return errno == ENOENT ? 0 :
		       t3_error(T3_EDATA, "cannot read config '%s': %s", path, strerror(errno));
	if (fstat(fileno(fp), &st) || !S_ISREG(st.st_mode)) {
		fclose(fp);
		return t3_error(T3_EDATA, "config '%s' is %s", path,
				S_ISDIR(st.st_mode) ? "a directory" : "not a regular file");
	}
	/* lines of any length: a long key command is one line */
	while (sb_getline(&line, fp) != EOF) {
		char *s, *eq;
		lineno++;
		if (strlen(line.buf) != line.len) {
			r = t3_error(T3_EDATA, "config '%s' line %ld: contains a NUL byte", path, lineno);
			break;
		}
		s = trim(line.buf);
		if (!*s || *s == '#')
			continue;
		if (!(eq = strchr(s, '='))) {
			r = t3_error(T3_EDATA, "config '%s' line %ld: expected KEY = VALUE", path, lineno);
			break;
		}
		*eq = '\0';
		c->keys = xrealloc(c->keys, (c->n + 1) * sizeof *c->keys);
		c->vals = xrealloc(c->vals, (c->n + 1) * sizeof *c->vals);
		c->keys[c->n] = xstrdup(trim(s));
		c->vals[c->n] = xstrdup(trim(eq + 1));
		c->n++;
	}
	if (!r && ferror(fp))
		r = t3_error(T3_EDATA, "cannot read config '%s': %s", path, strerror(errno));
	sb_release(&line);
	fclose(fp);
	return r;
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

/* a byte a terminal or an HTTP header would act on */
static int has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

char *config_url_shown(const char *url)
{
	const char *host = strstr(url, "://"), *at, *colon;
	size_t end;

	if (!host)
		return xstrdup(url);
	host += 3;
	end = strcspn(host, "/?#");
	/* the last '@' before the path ends the user information */
	for (at = NULL, colon = host; colon < host + end; colon++)
		if (*colon == '@')
			at = colon;
	if (!at || !(colon = memchr(host, ':', (size_t)(at - host))))
		return xstrdup(url);
	return xasprintf("%.*s:(redacted)%s", (int)(colon - url), url, at);
}

int config_base_url(const struct config *c, const char *provider, char **url)
{
	const char *v = env_for(provider, "BASE_URL"), *from;
	char key[160], env[128], prefix[96];
	char *shown;

	*url = NULL;
	config_env_prefix(provider, prefix, sizeof prefix);
	snprintf(env, sizeof env, "%s_BASE_URL", prefix);
	snprintf(key, sizeof key, "%s.base_url", provider);
	from = env;
	if (!v && (v = config_get(c, key)))
		from = key;
	if (!v && !(v = prov_info_of(provider)->base_url))
		return 0;
	/* never into a header or a terminal; the URL may hold a password,
	 * so it is not shown */
	if (has_control(v))
		return t3_error(T3_EDATA, "the base URL of provider '%s' (%s) contains a control "
				"character", provider, from);
	if (strncasecmp(v, "http://", 7) && strncasecmp(v, "https://", 8)) {
		shown = config_url_shown(v);
		t3_error(T3_EDATA, "the base URL '%s' of provider '%s' (%s) is not http:// or "
			 "https://", shown, provider, from);
		free(shown);
		return T3_EDATA;
	}
	*url = xstrdup(v);
	return 0;
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

/* A key goes into a request header: a control character (CR, LF: a
 * header of its own) is refused, and the key is never shown. */
static int check_key(const char *key, const char *provider, const char *from)
{
	if (!key[strspn(key, " \t")])
		return t3_error(T3_EDATA, "the API key for '%s' (%s) is blank", provider, from);
	if (has_control(key))
		return t3_error(T3_EDATA, "the API key for '%s' (%s) contains a control character",
				provider, from);
	return 0;
}

int config_api_key(const struct config *c, const char *provider, char **key)
{
	const char *v = env_for(provider, "API_KEY"), *cmd, *from;
	const char *alt = prov_info_of(provider)->key_env_alt;
	char name[160], prefix[96];
	struct strbuf sb = STRBUF_INIT;
	FILE *p;
	int ch, status, r;

	*key = NULL;
	config_env_prefix(provider, prefix, sizeof prefix);
	snprintf(name, sizeof name, "%s_API_KEY", prefix);
	from = name;
	if (!v && alt && (v = getenv(alt)) && !*v)
		v = NULL;
	else if (v && alt && v == getenv(alt))
		from = alt;
	if (v) {
		if ((r = check_key(v, provider, from)))
			return r;
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
	/* a NUL would cut the key short: a control character too */
	r = strlen(sb.buf) != sb.len ?
	    t3_error(T3_EDATA, "the API key for '%s' (%s) contains a control character",
		     provider, name) :
	    check_key(sb.buf, provider, name);
	if (r) {
		sodium_memzero(sb.buf, sb.len);
		sb_release(&sb);
		return r;
	}
	*key = sb_detach(&sb, NULL);
	return 0;
}

char *config_local_hint(const char *provider, const char *base_url)
{
	const char *start = prov_info_of(provider)->start_hint;
	char prefix[96];

	if (!config_key_optional(base_url))
		return NULL;
	config_env_prefix(provider, prefix, sizeof prefix);
	return start ? xasprintf("is the server running? start it with '%s' (%s_BASE_URL "
				 "says where it listens)", start, prefix) :
		       xasprintf("is the server running? (%s_BASE_URL says where it listens)",
				 prefix);
}

int config_server(const struct config *c, const char *provider, char **url, char **key)
{
	char env[96];
	int r;

	*key = NULL;
	config_env_prefix(provider, env, sizeof env);
	if ((r = config_base_url(c, provider, url)))
		return r;
	if (!*url)
		return t3_error(T3_EDATA, "no base URL for provider '%s': set %s_BASE_URL or "
				"'%s.base_url' in the config", provider, env, provider);
	if ((r = config_api_key(c, provider, key)))
		goto fail;
	if (!*key && !config_key_optional(*url)) {
		r = t3_error(T3_EDATA, "no API key for '%s': set %s_API_KEY or '%s.key_command' "
			     "in %s", provider, env, provider, c->path ? c->path : "the config");
		goto fail;
	}
	return 0;
fail:
	free(*url);
	*url = NULL;
	return r;
}

void config_free_secret(char *s)
{
	if (s) {
		sodium_memzero(s, strlen(s));
		free(s);
	}
}

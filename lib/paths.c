#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "msg.h"
#include "paths.h"

static int mkdir_p(char *dir)
{
	struct stat st;
	if (!stat(dir, &st))
		return S_ISDIR(st.st_mode) ? 0 :
		       t3_error(T3_EDATA, "'%s' exists and is not a directory", dir);
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) && errno != EEXIST) {
			int e = errno;
			*p = '/';
			return t3_error(T3_EDATA, "cannot create directory '%s': %s", dir, strerror(e));
		}
		*p = '/';
	}
	if (mkdir(dir, 0700) && errno != EEXIST)
		return t3_error(T3_EDATA, "cannot create directory '%s': %s", dir, strerror(errno));
	return 0;
}

static const char *nonempty_env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

/* The data directory: T3_HOME, XDG_DATA_HOME/t3, ~/.local/share/t3. */
static int data_dir(char **out)
{
	const char *v;
	if ((v = nonempty_env("T3_HOME")))
		*out = xstrdup(v);
	else if ((v = nonempty_env("XDG_DATA_HOME")))
		*out = xasprintf("%s/t3", v);
	else if ((v = nonempty_env("HOME")))
		*out = xasprintf("%s/.local/share/t3", v);
	else
		return t3_error(T3_EDATA, "no data directory: set T3_HOME or HOME");
	return mkdir_p(*out);
}

static int resolve_one(char **out, const char *opt, const char *env,
		       const char *name, char **dir)
{
	const char *v = opt && *opt ? opt : nonempty_env(env);
	int r;
	if (v) {
		*out = xstrdup(v);
		return 0;
	}
	if (!*dir && (r = data_dir(dir)))
		return r;
	*out = xasprintf("%s/%s", *dir, name);
	return 0;
}

int paths_resolve(struct t3_paths *p, const char *user_opt, const char *data_opt)
{
	char *dir = NULL;
	const char *v;
	int r;

	memset(p, 0, sizeof *p);
	r = resolve_one(&p->user_db, user_opt, "T3_USER_DB", "user.db", &dir);
	if (!r)
		r = resolve_one(&p->data_db, data_opt, "T3_DATA_DB", "data.db", &dir);
	free(dir);
	if (r)
		return r;
	if ((v = nonempty_env("T3_CONFIG")))
		p->config = xstrdup(v);
	else if ((v = nonempty_env("XDG_CONFIG_HOME")))
		p->config = xasprintf("%s/t3/config", v);
	else if ((v = nonempty_env("HOME")))
		p->config = xasprintf("%s/.config/t3/config", v);
	return 0;
}

void paths_release(struct t3_paths *p)
{
	free(p->user_db);
	free(p->data_db);
	free(p->config);
	memset(p, 0, sizeof *p);
}

int paths_history(char **out)
{
	const char *v;
	char *dir;
	int r;

	*out = NULL;
	if ((v = nonempty_env("XDG_STATE_HOME")))
		dir = xasprintf("%s/t3", v);
	else if ((v = nonempty_env("HOME")))
		dir = xasprintf("%s/.local/state/t3", v);
	else
		return t3_error(T3_EDATA, "no directory for the history: set XDG_STATE_HOME or HOME");
	if (!(r = mkdir_p(dir)))
		*out = xasprintf("%s/history", dir);
	free(dir);
	return r;
}

/* paths.h: where the databases and the config live. */
#ifndef T3_PATHS_H
#define T3_PATHS_H

struct t3_paths {
	char *user_db;
	char *data_db;
	char *config;   /* $XDG_CONFIG_HOME/t3/config or ~/.config/t3/config */
};

/* Resolve each database path: the option (may be NULL), then T3_USER_DB /
 * T3_DATA_DB, then $T3_HOME/NAME, then $XDG_DATA_HOME/t3/NAME, then
 * ~/.local/share/t3/NAME. The directory of a default path is created with
 * mode 0700. Returns 0 or T3_EDATA. */
int paths_resolve(struct t3_paths *p, const char *user_opt, const char *data_opt);
void paths_release(struct t3_paths *p);
/* The interactive session's history file: $XDG_STATE_HOME/t3/history,
 * else ~/.local/state/t3/history, its directory created (mode 0700) if
 * missing. Returns 0 with *out for the caller to free, or T3_EDATA after
 * a message. */
int paths_history(char **out);

#endif

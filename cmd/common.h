/* common.h: what every t3 tool's main shares: global options, opening
 * the databases, output format flags, prompts. */
#ifndef T3_COMMON_H
#define T3_COMMON_H

#include <getopt.h>
#include <stdio.h>

#include "db.h"
#include "msg.h"
#include "out.h"
#include "paths.h"

struct common {
	const char *user_db_opt, *data_db_opt;
	int defer_help;     /* set by tools with subcommands: --help and -h
			       wait for common_dispatch, which knows the
			       subcommand (see there) */
	int help_wanted;
	enum out_fmt fmt;
	int fmt_set;
	struct t3_paths paths;
	int paths_done;
	struct db udb, ddb;
};

/* Long options every tool accepts; option values are >= 0x100. */
enum {
	OPT_USER_DB = 0x100, OPT_DATA_DB, OPT_JSON, OPT_JSONL, OPT_TSV, OPT_CSV,
	OPT_HELP, OPT_VERSION, OPT_COMMON_END
};
#define COMMON_LONGOPTS \
	{ "user-db", required_argument, NULL, OPT_USER_DB }, \
	{ "data-db", required_argument, NULL, OPT_DATA_DB }, \
	{ "json", no_argument, NULL, OPT_JSON }, \
	{ "jsonl", no_argument, NULL, OPT_JSONL }, \
	{ "tsv", no_argument, NULL, OPT_TSV }, \
	{ "csv", no_argument, NULL, OPT_CSV }, \
	{ "quiet", no_argument, NULL, 'q' }, \
	{ "help", no_argument, NULL, OPT_HELP }, \
	{ "version", no_argument, NULL, OPT_VERSION }

/* Set up a tool: program name, SIGPIPE ignored (EPIPE is handled). */
void common_init(struct common *c, const char *progname);
/* Handle a common option; returns 1 if it was one. help() is called for
 * --help and -h (unless c->defer_help); it must print to stdout and the
 * tool exits 0. */
int common_option(struct common *c, int opt, const char *arg, void (*help)(FILE *));
/* Resolve the database and config paths once (0 or T3_EDATA). */
int common_paths(struct common *c);
int common_open_user(struct common *c);
int common_open_data(struct common *c);
/* Close what is open and finish stdout; returns the exit code. */
int common_exit(struct common *c, int code);

/* A usage mistake: "PROG: error: MSG" and "try 'PROG --help'" on stderr;
 * returns T3_EUSAGE. */
int common_bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Check a subcommand's argument count (max < 0: no limit). */
int common_nargs(const char *cmd, int argc, int min, int max);

/* Refuse the options a subcommand does not take. seen and allowed are
 * bit sets: bit i stands for names[i] (an option's long name). */
int common_only(const char *cmd, unsigned long long seen, unsigned long long allowed,
		const char *const *names, int nnames);
/* A getopt_long ':' (missing value) or '?' (unknown option, or a value
 * given to one that takes none) as a usage error naming the option;
 * optstring is the one given to getopt_long. */
int common_getopt_error(int opt, char **argv, const char *optstring);


struct common_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	/* the command's lines of the usage, without the program name; a
	 * second line and more start with spaces */
	const char *synopsis;
};
/* Run the subcommand named by argv[0] with the rest of argv; without one,
 * print usage to stderr. 'help' prints usage to stdout, 'help COMMAND'
 * and 'COMMAND --help' (when c->help_wanted) that command's synopsis.
 * Returns the exit code. */
int common_dispatch(struct common *c, const struct common_cmd *cmds, size_t ncmds,
		    int argc, char **argv, void (*usage)(FILE *));
/* The commands' synopses, one after another, each line indented by two
 * spaces: the middle of a tool's usage(). */
void common_usage_commands(FILE *fp, const struct common_cmd *cmds, size_t ncmds);

/* Read a password: from the first line of stdin (from_stdin), else from
 * a no-echo prompt on /dev/tty (asked twice if confirm). Returns a
 * malloc'd string (free with common_free_secret) or NULL after printing
 * an error (*code set). */
char *common_read_password(const char *prompt, int from_stdin, int confirm, int *code);
void common_free_secret(char *s);
/* Ask QUESTION on the terminal; 1 for yes. */
int common_confirm(const char *question);
/* Read one word per line from stdin into a NULL-terminated array, for
 * tools given no arguments in a pipe. A line holding a NUL byte is refused
 * (never cut short): NULL after a message (T3_EUSAGE). */
char **common_read_words(FILE *fp, int *n);
void common_free_words(char **w);

#endif

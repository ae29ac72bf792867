#include <errno.h>
#include <stdarg.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <sodium.h>

#include "buf.h"
#include "common.h"

void common_init(struct common *c, const char *progname)
{
	memset(c, 0, sizeof *c);
	t3_progname = progname;
	signal(SIGPIPE, SIG_IGN);
}

int common_option(struct common *c, int opt, const char *arg, void (*help)(FILE *))
{
	switch (opt) {
	case OPT_USER_DB: c->user_db_opt = arg; return 1;
	case OPT_DATA_DB: c->data_db_opt = arg; return 1;
	case OPT_JSON: c->fmt = OUT_JSON; break;
	case OPT_JSONL: c->fmt = OUT_JSONL; break;
	case OPT_TSV: c->fmt = OUT_TSV; break;
	case OPT_CSV: c->fmt = OUT_CSV; break;
	case 'q': c->fmt = OUT_IDS; break;
	case 'h':
	case OPT_HELP:
		if (c->defer_help) {
			c->help_wanted = 1;
			return 1;
		}
		help(stdout);
		exit(out_finish(0));
	case OPT_VERSION:
		printf("%s %s\n", t3_progname, T3_VERSION);
		exit(out_finish(0));
	default:
		return 0;
	}
	if (c->fmt_set && c->fmt_set != opt)
		t3_die(T3_EUSAGE, "choose one output format");
	c->fmt_set = opt;
	return 1;
}

int common_bad_usage(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	t3_verror(T3_EUSAGE, fmt, ap);
	va_end(ap);
	fprintf(stderr, "try '%s --help'\n", t3_progname);
	return T3_EUSAGE;
}

int common_nargs(const char *cmd, int argc, int min, int max)
{
	if (argc < min)
		return common_bad_usage("'%s' needs more arguments", cmd);
	if (max >= 0 && argc > max)
		return common_bad_usage("too many arguments for '%s'", cmd);
	return 0;
}

int common_only(const char *cmd, unsigned long long seen, unsigned long long allowed,
		const char *const *names, int nnames)
{
	unsigned long long extra = seen & ~allowed;
	for (int i = 0; i < nnames; i++)
		if (extra & (1ull << i))
			return t3_error(T3_EUSAGE, "option '%s' does not apply to '%s'", names[i], cmd);
	return 0;
}

int common_getopt_error(int opt, char **argv, const char *optstring)
{
	/* An unknown short option is optopt: argv[optind - 1] is its word
	 * only when it was the word's last letter ('-zq' stops at 'z' with
	 * optind still at the word). A missing value always ends its word;
	 * a long option always has optind past it, and optopt 0 when unknown
	 * or its value (maybe a letter) when given a value it takes none of.
	 * A letter of optstring is never unknown: '--quiet=1 -q' is about
	 * the first word, though the next has its letter. */
	const char *w = argv[optind - 1], *next = argv[optind];
	int mid = next && next[0] == '-' && next[1] != '-' && optopt > 0 &&
		  !strchr(optstring, optopt) && strchr(next + 1, optopt);

	if (opt == '?' && optopt > ' ' && optopt < 0x7f && (mid || strncmp(w, "--", 2))) {
		const char *word = mid ? next : w;
		if (optopt >= '0' && optopt <= '9' && word[1] == optopt)
			return common_bad_usage("'%s' is not an option; a negative number is not "
						"accepted here", word);
		return common_bad_usage("unknown option '-%c'", optopt);
	}
	/* '--name=value': the name only; the value may be a secret typed in
	 * the wrong place */
	int n = (int)(strncmp(w, "--", 2) ? strlen(w) : strcspn(w, "="));
	if (opt == '?' && optopt && w[n] == '=')
		return common_bad_usage("option '%.*s' takes no value", n, w);
	return common_bad_usage(opt == ':' ? "option '%.*s' needs a value" : "unknown option '%.*s'",
				n, w);
}

static void print_synopsis(FILE *fp, const char *prefix, const char *synopsis)
{
	const char *p = synopsis;
	while (*p) {
		size_t n = strcspn(p, "\n");
		fprintf(fp, "%s%.*s\n", prefix, (int)n, p);
		p += n + (p[n] == '\n');
	}
}

void common_usage_commands(FILE *fp, const struct common_cmd *cmds, size_t ncmds)
{
	for (size_t i = 0; i < ncmds; i++)
		print_synopsis(fp, "  ", cmds[i].synopsis);
}

static const struct common_cmd *find_cmd(const struct common_cmd *cmds, size_t ncmds,
					 const char *name)
{
	for (size_t i = 0; i < ncmds; i++)
		if (!strcmp(name, cmds[i].name))
			return &cmds[i];
	return NULL;
}

/* "usage: PROG SYNOPSIS" and where to read more, on stdout */
static int cmd_help(const struct common_cmd *cmd)
{
	const char *p = cmd->synopsis;
	int width = (int)strlen(t3_progname) + 8;	/* "usage: PROG " */

	/* another form of the command under the program name, a line that
	 * goes on (it starts with a space) under the command */
	for (int first = 1; *p; first = 0) {
		size_t n = strcspn(p, "\n");
		if (first)
			printf("usage: %s %.*s\n", t3_progname, (int)n, p);
		else if (*p == ' ')
			printf("%*s%.*s\n", width, "", (int)n, p);
		else
			printf("       %s %.*s\n", t3_progname, (int)n, p);
		p += n + (p[n] == '\n');
	}
	printf("see %s(1) for the options and fields\n", t3_progname);
	return 0;
}

int common_dispatch(struct common *c, const struct common_cmd *cmds, size_t ncmds,
		    int argc, char **argv, void (*usage)(FILE *))
{
	const struct common_cmd *cmd;

	if (argc && !strcmp(argv[0], "help")) {
		if (argc == 1) {
			usage(stdout);
			return 0;
		}
		if (argc > 2)
			return common_bad_usage("too many arguments for '%s'", "help");
		if (!(cmd = find_cmd(cmds, ncmds, argv[1])))
			return common_bad_usage("unknown command '%s'", argv[1]);
		return cmd_help(cmd);
	}
	if (c->help_wanted && !argc) {
		usage(stdout);
		return 0;
	}
	if (!argc) {
		usage(stderr);
		return T3_EUSAGE;
	}
	if (!(cmd = find_cmd(cmds, ncmds, argv[0])))
		return common_bad_usage("unknown command '%s'", argv[0]);
	if (c->help_wanted)
		return cmd_help(cmd);
	return cmd->fn(argc - 1, argv + 1);
}

int common_paths(struct common *c)
{
	if (c->paths_done)
		return 0;
	if (paths_resolve(&c->paths, c->user_db_opt, c->data_db_opt))
		return T3_EDATA;
	c->paths_done = 1;
	return 0;
}

int common_open_user(struct common *c)
{
	if (c->udb.h)
		return 0;
	if (common_paths(c))
		return T3_EDATA;
	return db_open(&c->udb, c->paths.user_db, DB_USER);
}

int common_open_data(struct common *c)
{
	if (c->ddb.h)
		return 0;
	if (common_paths(c))
		return T3_EDATA;
	return db_open(&c->ddb, c->paths.data_db, DB_DATA);
}

int common_exit(struct common *c, int code)
{
	db_close(&c->udb);
	db_close(&c->ddb);
	paths_release(&c->paths);
	return out_finish(code);
}

void common_free_secret(char *s)
{
	if (s) {
		sodium_memzero(s, strlen(s));
		free(s);
	}
}

/* The next line without its end; *nul set when it held a NUL byte (a C
 * string would silently stop there). */
static char *read_line_nul(FILE *fp, int *nul)
{
	struct strbuf sb = STRBUF_INIT;
	*nul = 0;
	if (sb_getline(&sb, fp) == EOF) {
		sb_release(&sb);
		return NULL;
	}
	if (sb.len && sb.buf[sb.len - 1] == '\r')
		sb.buf[--sb.len] = '\0';
	*nul = memchr(sb.buf, '\0', sb.len) != NULL;
	if (*nul)
		sodium_memzero(sb.buf, sb.len);
	return sb_detach(&sb, NULL);
}

/* Terminal input: a NUL typed there is taken as the end of the line. */
static char *read_line(FILE *fp)
{
	int nul;
	return read_line_nul(fp, &nul);
}

static volatile sig_atomic_t prompt_interrupted;

static void on_prompt_signal(int sig)
{
	(void)sig;
	prompt_interrupted = 1;
}

static char *prompt_tty(const char *prompt)
{
	FILE *tty = fopen("/dev/tty", "r+");
	struct termios old, quiet;
	struct sigaction sa = { 0 }, old_int, old_term;
	char *line;
	int restore;

	if (!tty)
		return NULL;
	fputs(prompt, tty);
	fflush(tty);
	/* Ctrl-C must not leave the terminal without echo: catch it (no
	 * SA_RESTART, so the read returns), restore, then exit 130 */
	sa.sa_handler = on_prompt_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	restore = !tcgetattr(fileno(tty), &old);
	if (restore) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		quiet.c_lflag |= ECHONL;
		tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
	}
	line = prompt_interrupted ? NULL : read_line(tty);
	if (restore)
		tcsetattr(fileno(tty), TCSAFLUSH, &old);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (prompt_interrupted) {
		fputc('\n', tty);
		fclose(tty);
		free(line);
		exit(T3_EINTR);
	}
	fclose(tty);
	return line ? line : xstrdup("");
}

char *common_read_password(const char *prompt, int from_stdin, int confirm, int *code)
{
	char *pw, *again;

	if (from_stdin) {
		int nul;
		pw = read_line_nul(stdin, &nul);
		if (!pw) {
			*code = t3_error(T3_EUSAGE, "no password on standard input");
			return NULL;
		}
		if (nul) {
			free(pw);
			*code = t3_error(T3_EUSAGE, "the password on standard input holds a NUL byte");
			return NULL;
		}
		return pw;
	}
	if (!isatty(STDIN_FILENO) || !(pw = prompt_tty(prompt))) {
		*code = t3_error(T3_EUSAGE, "no terminal to ask for the password: use --password-stdin");
		return NULL;
	}
	if (confirm) {
		again = prompt_tty("Retype password: ");
		if (!again || strcmp(pw, again)) {
			common_free_secret(pw);
			common_free_secret(again);
			*code = t3_error(T3_EUSAGE, "passwords do not match");
			return NULL;
		}
		common_free_secret(again);
	}
	return pw;
}

int common_confirm(const char *question)
{
	FILE *tty = fopen("/dev/tty", "r+");
	char *ans;
	int yes;
	if (!tty)
		return 0;
	fprintf(tty, "%s [y/N] ", question);
	fflush(tty);
	ans = read_line(tty);
	fclose(tty);
	yes = ans && (!strcmp(ans, "y") || !strcmp(ans, "Y") || !strcmp(ans, "yes"));
	free(ans);
	return yes;
}

char **common_read_words(FILE *fp, int *n)
{
	char **w = NULL, *line;
	int cap = 0, nul;
	long lineno = 0;
	*n = 0;
	while ((line = read_line_nul(fp, &nul))) {
		char *s = line, *e;
		lineno++;
		if (nul) {
			free(line);
			if (w)
				w[*n] = NULL;
			common_free_words(w);
			t3_error(T3_EUSAGE, "line %ld of standard input holds a NUL byte", lineno);
			return NULL;
		}
		while (*s == ' ' || *s == '\t')
			s++;
		e = s + strlen(s);
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (*s) {
			if (*n + 2 > cap) {
				cap = cap ? cap * 2 : 16;
				w = xrealloc(w, (size_t)cap * sizeof *w);
			}
			w[(*n)++] = xstrdup(s);
		}
		free(line);
	}
	if (!w)
		w = xcalloc(1, sizeof *w);
	w[*n] = NULL;
	return w;
}

void common_free_words(char **w)
{
	for (char **p = w; p && *p; p++)
		free(*p);
	free(w);
}

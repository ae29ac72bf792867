/* chat-opts.c: t3-chat's one table of options and its modes (see
 * chat-opts.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#include "chat-opts.h"

const struct option chat_longopts[] = {
	COMMON_LONGOPTS,
	/* a turn's */
	{ "model", required_argument, NULL, 'm' },
	{ "system", required_argument, NULL, 's' },
	{ "attach", required_argument, NULL, 'a' },
	{ "option", required_argument, NULL, 'o' },
	{ "continue", no_argument, NULL, 'c' },
	{ "usage", no_argument, NULL, 'u' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "no-log", no_argument, NULL, CO_NO_LOG },
	{ "chat", required_argument, NULL, CO_CHAT },
	{ "user", required_argument, NULL, CO_USER },
	{ "temperature", required_argument, NULL, CO_TEMPERATURE },
	{ "max-tokens", required_argument, NULL, CO_MAX_TOKENS },
	{ "no-stream", no_argument, NULL, CO_NO_STREAM },
	{ "show-reasoning", no_argument, NULL, CO_SHOW_REASONING },
	{ "reasoning-effort", required_argument, NULL, CO_REASONING_EFFORT },
	{ "retries", required_argument, NULL, CO_RETRIES },
	{ "timeout", required_argument, NULL, CO_TIMEOUT },
	{ "title", required_argument, NULL, CO_TITLE },
	{ "no-title", no_argument, NULL, CO_NO_TITLE },
	{ "from", required_argument, NULL, CO_FROM },
	{ "branch", required_argument, NULL, CO_BRANCH },
	{ "retry", no_argument, NULL, CO_RETRY },
	{ "role", required_argument, NULL, CO_ROLE },
	/* the modes */
	{ "list", no_argument, NULL, 'l' },
	{ "show", no_argument, NULL, CO_SHOW },
	{ "search", no_argument, NULL, CO_SEARCH },
	{ "rm", no_argument, NULL, CO_RM },
	{ "rename", no_argument, NULL, CO_RENAME },
	{ "export", no_argument, NULL, CO_EXPORT },
	{ "import", no_argument, NULL, CO_IMPORT },
	{ "save-role", required_argument, NULL, CO_SAVE_ROLE },
	{ "roles", no_argument, NULL, CO_ROLES },
	{ "rm-role", required_argument, NULL, CO_RM_ROLE },
	{ "server-models", required_argument, NULL, CO_SERVER_MODELS },
	/* the history modes' */
	{ "since", required_argument, NULL, CO_SINCE },
	{ "until", required_argument, NULL, CO_UNTIL },
	{ "older-than", required_argument, NULL, CO_OLDER },
	{ "format", required_argument, NULL, CO_FORMAT },
	{ "yes", no_argument, NULL, 'y' },
	{ 0 }
};

static const char *const mode_names[] = {
	"a chat turn", "--list", "--show", "--search", "--rm", "--rename", "--export",
	"--import", "--save-role", "--roles", "--rm-role", "--server-models"
};

const char *chat_mode_name(enum chat_mode m)
{
	return mode_names[m];
}

static int mode_of(int opt)
{
	if (opt == 'l')
		return CM_LIST;
	if (opt >= CO_SHOW && opt <= CO_SERVER_MODELS)
		return CM_SHOW + (opt - CO_SHOW);
	return CM_TURN;
}

int chat_mode_of(int argc, char **argv, enum chat_mode *mode)
{
	char **copy = xcalloc((size_t)argc + 1, sizeof *copy);
	enum chat_mode first = CM_TURN, m;
	int opt, twice = 0;

	/* in a copy: getopt permutes */
	memcpy(copy, argv, (size_t)argc * sizeof *copy);
	opterr = 0;
	optind = 0;
	*mode = CM_TURN;
	while ((opt = getopt_long(argc, copy, CHAT_OPTSTRING, chat_longopts, NULL)) != -1) {
		if ((m = mode_of(opt)) == CM_TURN)
			continue;
		if (!first)
			first = m;
		else if (m != first)
			twice = 1;
		*mode = m;
	}
	free(copy);
	optind = 0;
	if (!twice)
		return 0;
	if (CM_IS_HISTORY(first) && CM_IS_HISTORY(*mode))
		return common_bad_usage("choose one of --list, --show, --search, --rm, --rename, "
					"--export and --import");
	if (CM_IS_ROLES(first) && CM_IS_ROLES(*mode))
		return common_bad_usage("choose one of --save-role, --roles and --rm-role");
	return common_bad_usage("choose one of %s and %s", mode_names[first],
				mode_names[*mode]);
}

int chat_not_here(int opt, int longindex, enum chat_mode m)
{
	char where[32];

	snprintf(where, sizeof where, m ? "'%s'" : "%s", mode_names[m]);
	if (opt < 0x100)
		return common_bad_usage("option '-%c' does not apply to %s", opt, where);
	return common_bad_usage("option '--%s' does not apply to %s",
				chat_longopts[longindex].name, where);
}

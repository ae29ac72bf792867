/* chat-roles.c: t3-chat's role modes: --save-role NAME -s TEXT, --roles,
 * --rm-role NAME (see t3-chat(1), ROLES). A role is a saved system
 * prompt of the acting user's, used by a turn with --role NAME. The
 * library part is lib/roles.c. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chat-opts.h"
#include "chat-roles.h"
#include "common.h"
#include "config.h"
#include "roles.h"
#include "safe.h"
#include "turn.h"

struct roles_cmd {
	struct common c;
	enum chat_mode mode;
	const char *name, *system, *user;
	struct config cfg;
	struct user u;
};

void chat_roles_usage(FILE *fp)
{
	fputs("       t3-chat --save-role NAME -s TEXT\n"
	      "       t3-chat --roles [--json | --jsonl | --tsv | --csv | -q]\n"
	      "       t3-chat --rm-role NAME\n", fp);
}

static void usage(FILE *fp)
{
	fputs("usage: t3-chat --role NAME [options] PROMPT...   (see t3-chat --help)\n", fp);
	chat_roles_usage(fp);
	fputs("\n"
	      "Roles: saved system prompts, the acting user's only (--user EMAIL,\n"
	      "T3_USER, the config's user, else local@localhost).\n"
	      "\n"
	      "      --save-role NAME  save TEXT (-s) as role NAME, replacing one so named\n"
	      "      --roles           the roles, by name\n"
	      "      --rm-role NAME    remove a role\n"
	      "      --role NAME       (a chat turn) the role's prompt as the system prompt\n"
	      "NAME: 1-64 bytes, no space or control character, not starting with '-'\n"
	      "exit: 0 ok, 1 not found, 2 usage, 3 local data\n", fp);
}

static int parse_options(struct roles_cmd *rc, int argc, char **argv)
{
	int opt, idx;

	opterr = 0;
	optind = 0;
	while ((opt = getopt_long(argc, argv, CHAT_OPTSTRING, chat_longopts, &idx)) != -1) {
		if (opt != 'q' && opt != OPT_JSON && opt != OPT_JSONL && opt != OPT_TSV &&
		    opt != OPT_CSV && common_option(&rc->c, opt, optarg, usage))
			continue;
		switch (opt) {
		case CO_SAVE_ROLE: case CO_RM_ROLE:
			rc->name = optarg;
			break;
		case CO_ROLES:
			break;
		case 's':
			if (rc->mode != CM_SAVE_ROLE)
				return chat_not_here(opt, idx, rc->mode);
			rc->system = optarg;
			break;
		case CO_USER:
			if (!*optarg)
				return t3_error(T3_EUSAGE, "the user given to --user is empty");
			rc->user = optarg;
			break;
		case 'q': case OPT_JSON: case OPT_JSONL: case OPT_TSV: case OPT_CSV:
			if (rc->mode != CM_ROLES)
				return common_bad_usage("output options do not apply to '%s'",
							chat_mode_name(rc->mode));
			common_option(&rc->c, opt, optarg, usage);
			break;
		case ':': case '?':
			return common_getopt_error(opt, argv, CHAT_OPTSTRING);
		default:   /* a turn's or a history mode's */
			return chat_not_here(opt, idx, rc->mode);
		}
	}
	if (optind < argc)
		return common_nargs(chat_mode_name(rc->mode), argc - optind, 0, 0);
	if (rc->mode == CM_SAVE_ROLE && !rc->system)
		return common_bad_usage("--save-role needs the prompt: -s TEXT");
	return 0;
}

/* A role for a table or a terminal: the prompt's first line, cut. */
#define PROMPT_SHOWN 60
static int put_role(void *ctx, const char *json, size_t len)
{
	struct out *o = ctx;
	json_t *row, *p;
	struct strbuf sb = STRBUF_INIT;
	const char *s;
	size_t n;

	int tty_sep = (o->fmt == OUT_TSV || o->fmt == OUT_CSV) && isatty(STDOUT_FILENO);

	if (o->fmt != OUT_TABLE && !tty_sep) {
		out_row_text(o, json, len);
		return 0;
	}
	row = json_loadb(json, len, 0, NULL);
	if (!json_is_object(row))
		BUG("a role row that is not JSON");
	p = json_object_get(row, "system_prompt");
	s = json_string_value(p);
	n = json_string_length(p);
	if (o->fmt == OUT_TABLE) {
		size_t cut = strcspn(s, "\r\n"), k = 0, w = 0;
		/* PROMPT_SHOWN characters at most, on a UTF-8 boundary */
		while (k < cut && (w < PROMPT_SHOWN || ((unsigned char)s[k] & 0xc0) == 0x80))
			w += ((unsigned char)s[k++] & 0xc0) != 0x80;
		sb_add(&sb, s, k);
		if (k < n)
			sb_adds(&sb, "...");
	} else {
		/* TSV and CSV on a terminal: controls shown, not sent */
		safe_append(&sb, s, n);
	}
	json_object_set_new(row, "system_prompt", json_stringn(sb.buf, sb.len));
	sb_release(&sb);
	out_row_new(o, row);
	return 0;
}

static int do_list(struct roles_cmd *rc)
{
	static const struct out_col cols[] = {
		{ "role_name", "ROLE" }, { "updated_at", "UPDATED" },
		{ "system_prompt", "PROMPT" },
	};
	static const struct out_col all_cols[] = {
		{ "role_name", NULL }, { "system_prompt", NULL }, { "created_at", NULL },
		{ "updated_at", NULL },
	};
	enum out_fmt fmt = rc->c.fmt_set ? rc->c.fmt : OUT_TABLE;
	struct out o;
	int r;

	if (fmt == OUT_TABLE)
		out_begin(&o, fmt, cols, 3, 0);
	else
		out_begin(&o, fmt, all_cols, 4, 0);
	r = roles_list(&rc->c.ddb, rc->u.user_id, put_role, &o);
	out_end(&o);
	return r;
}

int chat_roles_main(enum chat_mode mode, int argc, char **argv)
{
	struct roles_cmd rc = { .mode = mode };
	int r;

	common_init(&rc.c, "t3-chat");
	if ((r = parse_options(&rc, argc, argv)))
		goto out;
	/* a bad name or prompt is refused before anything is opened */
	if ((rc.mode == CM_SAVE_ROLE && (r = roles_check(rc.name, rc.system))) ||
	    (rc.mode == CM_RM_ROLE && (r = roles_check_name(rc.name))))
		goto out;
	if ((r = common_paths(&rc.c)) || (r = config_load(&rc.cfg, rc.c.paths.config)) ||
	    (r = common_open_user(&rc.c)) || (r = common_open_data(&rc.c)))
		goto out;
	/* saving makes the local account on first use, as a chat turn does */
	if ((r = turn_acting_user(&rc.c.udb, &rc.cfg, rc.user,
				    rc.mode == CM_SAVE_ROLE ? TURN_USER_MAKE : TURN_USER_FIND, &rc.u)))
		goto out;
	switch (rc.mode) {
	case CM_SAVE_ROLE: r = roles_save(&rc.c.ddb, rc.u.user_id, rc.name, rc.system); break;
	case CM_ROLES: r = do_list(&rc); break;
	case CM_RM_ROLE: r = roles_remove(&rc.c.ddb, rc.u.user_id, rc.name); break;
	default: break;
	}
out:
	user_release(&rc.u);
	config_release(&rc.cfg);
	optind = 0;
	return common_exit(&rc.c, r);
}

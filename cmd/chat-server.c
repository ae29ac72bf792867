/* chat-server.c: t3-chat --server-models PROVIDER: the models a server
 * says it serves (lib/discover.c), as a table or as records in the
 * format of `t3-models import`. It is how `t3-models sync --provider P`
 * reads a server: the network stays in t3-chat, the only tool linked
 * with libcurl. See t3-chat(1), SERVER MODELS. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "chat-opts.h"
#include "chat-server.h"
#include "common.h"
#include "config.h"
#include "discover.h"
#include "turn.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

void chat_server_usage(FILE *fp)
{
	fputs("       t3-chat --server-models PROVIDER [--timeout SECS]\n"
	      "               [--json | --jsonl | --tsv | --csv | -q]\n", fp);
}

static void usage(FILE *fp)
{
	fputs("usage: t3-chat --server-models PROVIDER [options]\n"
	      "\n"
	      "The models PROVIDER's server lists (GET BASE/models of an OpenAI-compatible\n"
	      "API; Ollama's /api/show for each model's context and capabilities), with\n"
	      "their context size where the server says it. The base URL and key are a\n"
	      "chat turn's: PROVIDER_BASE_URL, PROVIDER_API_KEY, the config file. Nothing\n"
	      "is written: 't3-models sync --provider PROVIDER' adds them to the catalog.\n"
	      "\n"
	      "      --timeout SECS    the longest silence (and connect), 1-3600 (30)\n"
	      "      --json, --jsonl   records as 't3-models import' reads them\n"
	      "      --tsv, --csv      the same columns, separated\n"
	      "  -q, --quiet           the model names only\n"
	      "exit: 0 ok, 2 usage or a provider of another API, 3 configuration,\n"
	      "      4 network (a server on this machine: how to start it), 5 the server's\n"
	      "      error or no model list, 130 interrupted\n", fp);
}

int chat_server_main(int argc, char **argv)
{
	static const struct out_col cols[] = {
		{ "model_name", "MODEL" }, { "provider_name", "PROVIDER" },
		{ "api", NULL }, { "max_token_limit", "CONTEXT" },
		{ "supports_images", "IMAGES" },
	};
	struct common c;
	struct config cfg = { 0 };
	struct discover_list l = { 0 };
	const char *provider = NULL;
	long timeout_s = 30;
	struct out out;
	int opt, idx, r = 0;

	common_init(&c, "t3-chat");
	opterr = 0;
	optind = 0;
	while ((opt = getopt_long(argc, argv, CHAT_OPTSTRING, chat_longopts, &idx)) != -1) {
		if (common_option(&c, opt, optarg, usage))
			continue;
		switch (opt) {
		case CO_SERVER_MODELS:
			provider = optarg;
			break;
		case CO_TIMEOUT:
			if ((r = turn_parse_long(optarg, "timeout", 1, 3600, &timeout_s)))
				goto out;
			break;
		case ':': case '?':
			r = common_getopt_error(opt, argv, CHAT_OPTSTRING);
			goto out;
		default:
			r = chat_not_here(opt, idx, CM_SERVER_MODELS);
			goto out;
		}
	}
	if (optind < argc) {
		r = common_nargs("--server-models", argc - optind, 0, 0);
		goto out;
	}
	if (!*provider) {
		r = common_bad_usage("the provider given to --server-models is empty");
		goto out;
	}
	if ((r = common_paths(&c)) || (r = config_load(&cfg, c.paths.config)))
		goto out;
	struct sigaction sa = { .sa_handler = on_signal };   /* no SA_RESTART */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if ((r = discover_models(&cfg, provider, timeout_s, &interrupted, &l)))
		goto out;
	out_begin(&out, c.fmt, cols, sizeof cols / sizeof *cols, 0);
	for (size_t i = 0; i < l.n; i++) {
		const struct discovered *d = &l.v[i];
		out_row_new(&out, json_pack("{sssssssosb}", "model_name", d->model_name,
					    "provider_name", provider, "api", "openai",
					    "max_token_limit", d->context ?
					    json_integer(d->context) : json_null(),
					    "supports_images", d->images));
	}
	out_end(&out);
out:
	discover_release(&l);
	config_release(&cfg);
	optind = 0;
	return common_exit(&c, r);
}

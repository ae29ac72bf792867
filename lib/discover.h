/* discover.h: the models a server says it serves, for
 * `t3-models sync --provider P` (through `t3-chat --server-models P`: the
 * network stays in t3-chat, the only tool linked with libcurl).
 *
 * The server is the provider's (its base URL and key as for a chat turn:
 * PROVIDER_BASE_URL, ...; see config.h) and speaks the OpenAI API:
 * GET BASE/models, whose "data" array lists models by "id". A model's
 * context is read from the first of its fields context_length
 * (OpenRouter, LM Studio), context_window (Groq), max_context_length
 * (Mistral), max_model_len (vLLM) and meta.n_ctx_train (llama.cpp); that
 * it reads images from architecture.input_modalities (OpenRouter) or
 * capabilities.vision (Mistral). For Ollama (the PROV_Q_OLLAMA quirk)
 * ROOT/api/show is asked for each model: the context is its Modelfile's
 * num_ctx, else model_info's ARCH.context_length; "vision" among its
 * capabilities means images; a model without "completion" (an embedding
 * model) is left out; and the default tag ":latest" is dropped from
 * names, as Ollama itself takes "llama3.2" for "llama3.2:latest". */
#ifndef T3_DISCOVER_H
#define T3_DISCOVER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct discovered {
	char *model_name;
	int64_t context;	/* tokens; 0: the server does not say */
	int images;		/* 1: reads images; 0: no, or not said */
};

struct discover_list {
	char *base_url;		/* the server asked */
	struct discovered *v;
	size_t n;
};

/* Ask provider's server. timeout_s bounds the connect and any silence
 * (0: 30 s); *cancel, when set by a signal handler, stops it with
 * T3_EINTR. Prints its error and returns: T3_EUSAGE (a provider of
 * another API: Anthropic's and Gemini's models come with the shipped
 * catalog), T3_EDATA (no base URL, a bad key or URL), T3_ENET (with a
 * hint for a server on this machine: how to start it), T3_EPROV (an HTTP
 * error, or no model list), T3_EINTR. Models are in the server's order,
 * each once. */
int discover_models(const struct config *cfg, const char *provider, long timeout_s,
		    volatile sig_atomic_t *cancel, struct discover_list *out);
void discover_release(struct discover_list *l);

#endif

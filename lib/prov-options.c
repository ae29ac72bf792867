/* prov-options.c: the provider options beyond the named flags (t3-chat
 * -o KEY=VALUE), one list of data per API, checked and turned into JSON
 * values under the names each API takes. See provider.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "msg.h"
#include "num.h"
#include "provider.h"

#define INT32_LIMITS -2147483648.0, 2147483647.0
#define INT53_LIMITS -9007199254740991.0, 9007199254740991.0	/* exact in a double and in JSON */

/* OpenAI Chat Completions: top level; stop takes up to 4 sequences */
static const struct prov_option openai_options[] = {
	{ "top_p", "top_p", PROV_OPT_NUMBER, 0, 1 },
	{ "frequency_penalty", "frequency_penalty", PROV_OPT_NUMBER, -2, 2 },
	{ "presence_penalty", "presence_penalty", PROV_OPT_NUMBER, -2, 2 },
	{ "seed", "seed", PROV_OPT_INTEGER, INT53_LIMITS },
	{ "stop", "stop", PROV_OPT_STOP, 1, 4 },
	{ NULL }
};
/* Anthropic Messages: top level; no seed, no penalties */
static const struct prov_option anthropic_options[] = {
	{ "top_p", "top_p", PROV_OPT_NUMBER, 0, 1 },
	{ "top_k", "top_k", PROV_OPT_INTEGER, 1, 1000000 },
	{ "stop", "stop_sequences", PROV_OPT_STOP, 1, 16 },
	{ NULL }
};
/* Gemini: members of generationConfig; stopSequences up to 5 */
static const struct prov_option gemini_options[] = {
	{ "top_p", "topP", PROV_OPT_NUMBER, 0, 1 },
	{ "top_k", "topK", PROV_OPT_INTEGER, 1, 1000000 },
	{ "frequency_penalty", "frequencyPenalty", PROV_OPT_NUMBER, -2, 2 },
	{ "presence_penalty", "presencePenalty", PROV_OPT_NUMBER, -2, 2 },
	{ "seed", "seed", PROV_OPT_INTEGER, INT32_LIMITS },
	{ "stop", "stopSequences", PROV_OPT_STOP, 1, 5 },
	{ NULL }
};

/* Keys that a named flag sets: refused, naming the flag, so that one
 * setting never has two sources. */
static const struct {
	const char *key, *flag;
} flag_keys[] = {
	{ "temperature", "--temperature" },
	{ "max_tokens", "--max-tokens" },
	{ "max_completion_tokens", "--max-tokens" },
	{ "max_output_tokens", "--max-tokens" },
	{ "reasoning_effort", "--reasoning-effort" },
	{ "stream", "--no-stream" },
};

/* the API whose wire format api speaks (echo: OpenAI's) */
static enum prov_api wire_api(enum prov_api api)
{
	const struct prov_ops *ops = prov_ops_of(api);
	return ops && ops->wire ? ops->wire->api : api;
}

const struct prov_option *prov_options_of(enum prov_api api)
{
	switch (wire_api(api)) {
	case PROV_ANTHROPIC: return anthropic_options;
	case PROV_GEMINI: return gemini_options;
	default: return openai_options;
	}
}

/* the keys of list, for a message: "top_p, top_k, stop" */
static char *key_list(const struct prov_option *list)
{
	struct strbuf sb = STRBUF_INIT;

	for (; list->key; list++)
		sb_addf(&sb, "%s%s", sb.len ? ", " : "", list->key);
	return sb_detach(&sb, NULL);
}

static int bad_value(const struct prov_option *o, const char *v)
{
	char lo[NUM_FMT_MAX], hi[NUM_FMT_MAX];

	if (o->type == PROV_OPT_STOP)
		return t3_error(T3_EUSAGE, "option '%s' must be a non-empty string or a JSON "
				"array of 1 to %.0f of them, not '%s'", o->key, o->max, v);
	return t3_error(T3_EUSAGE, "option '%s' must be %s from %s to %s, not '%s'", o->key,
			o->type == PROV_OPT_INTEGER ? "an integer" : "a number",
			num_format_buf(lo, o->min), num_format_buf(hi, o->max), v);
}

/* A number of lib/num's form, with a leading '-' where min < 0. */
static int parse_number(const struct prov_option *o, const char *v, json_t **out)
{
	if (o->type == PROV_OPT_INTEGER) {
		int64_t x;
		if (num_parse_int64(v, (int64_t)o->min, (int64_t)o->max, &x))
			return bad_value(o, v);
		*out = json_integer((json_int_t)x);
		return 0;
	}
	double x;
	int neg = *v == '-' && o->min < 0;
	if (num_parse_double(v + neg, 0, neg ? -o->min : o->max, &x) ||
	    (neg ? -x : x) < o->min)
		return bad_value(o, v);
	*out = json_real(neg ? -x : x);
	return 0;
}

/* A stop sequence, or a JSON array of them, appended to *list. */
static int parse_stop(const struct prov_option *o, const char *v, json_t *list)
{
	json_t *arr, *s;
	size_t i;

	if (*v != '[') {
		if (!*v)
			return bad_value(o, v);
		json_array_append_new(list, prov_json_str(v));
	} else {
		arr = json_loads(v, JSON_REJECT_DUPLICATES, NULL);
		if (!json_is_array(arr) || !json_array_size(arr)) {
			json_decref(arr);
			return bad_value(o, v);
		}
		json_array_foreach(arr, i, s) {
			if (!json_is_string(s) || !json_string_length(s)) {
				json_decref(arr);
				return bad_value(o, v);
			}
		}
		json_array_extend(list, arr);
		json_decref(arr);
	}
	if (json_array_size(list) > (size_t)o->max)
		return bad_value(o, v);
	return 0;
}

int prov_options_parse(enum prov_api api, const char *const *kv, size_t n, json_t **out)
{
	const struct prov_option *list = prov_options_of(api), *o;
	json_t *obj = json_object(), *v = NULL;
	int r = 0;

	*out = NULL;
	for (size_t i = 0; !r && i < n; i++) {
		const char *eq = strchr(kv[i], '=');
		char *key = eq ? xstrndup(kv[i], (size_t)(eq - kv[i])) : xstrdup(kv[i]);

		for (o = list; o->key && strcmp(o->key, key); o++)
			;
		if (!eq || !*key) {
			r = t3_error(T3_EUSAGE, "option '%s' must be KEY=VALUE", kv[i]);
		} else if (!o->key) {
			size_t k;
			for (k = 0; k < sizeof flag_keys / sizeof flag_keys[0]; k++)
				if (!strcmp(flag_keys[k].key, key))
					break;
			if (k < sizeof flag_keys / sizeof flag_keys[0]) {
				r = t3_error(T3_EUSAGE, "option '%s' has a flag of its own: use %s",
					     key, flag_keys[k].flag);
			} else {
				char *keys = key_list(list);
				r = t3_error(T3_EUSAGE, "option '%s' is not one the %s API takes "
					     "(valid: %s)", key, prov_api_name(wire_api(api)), keys);
				free(keys);
			}
		} else if (o->type == PROV_OPT_STOP) {
			json_t *stops = json_object_get(obj, o->wire);
			if (!stops)
				json_object_set_new(obj, o->wire, stops = json_array());
			r = parse_stop(o, eq + 1, stops);
		} else if (json_object_get(obj, o->wire)) {
			r = t3_error(T3_EUSAGE, "option '%s' is given twice", key);
		} else if (!(r = parse_number(o, eq + 1, &v))) {
			json_object_set_new(obj, o->wire, v);
		}
		free(key);
	}
	if (r || !json_object_size(obj)) {
		json_decref(obj);
		return r;
	}
	*out = obj;
	return 0;
}

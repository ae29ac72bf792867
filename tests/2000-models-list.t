#!/bin/sh
# t3-models: the shipped catalog on first use, list with its filters and
# sorts, show, resolve, aliases and the output formats.
. "$(dirname "$0")/lib.sh"

run t3-models --help
is_rc 0 "--help exits 0"
like "$OUT" '^usage: t3-models' "--help prints usage to stdout"
run t3-models
is_rc 2 "no command is a usage error"
like "$ERR" '^usage: t3-models' "no command prints usage to stderr"
is "$(cat "$OUT")" "" "and nothing to stdout"
run t3-models frobnicate
is_rc 2 "an unknown command is a usage error"
is "$(head -1 "$ERR")" "t3-models: error: unknown command 'frobnicate'" "and says which"
is "$(ls -A "$T3_HOME" 2>/dev/null)" "" "usage errors create no database"

# --- first use loads the catalog -----------------------------------------
run t3-models list --all -q
is_rc 0 "list --all on a new data.db"
is "$(wc -l <"$OUT" | tr -d ' ')" 68 "68 shipped models (61 + 6 ollama + echo)"
is "$(sql "$DDB" "SELECT count(*), sum(origin = 'catalog'), sum(user_modified) FROM model_capabilities")" \
	"68|68|0" "all loaded as catalog rows, none user-modified"
version=$(sed -n '1s/.*version=//p' "$TESTDIR/../share/models.tsv")
is "$(sql "$DDB" "SELECT value FROM t3_meta WHERE key = 'catalog_version'")" "$version" \
	"catalog_version recorded in t3_meta"
is "$(sql "$DDB" "SELECT count(DISTINCT catalog_version) || catalog_version FROM model_capabilities")" \
	"1$version" "each row carries the catalog version"
is "$(sql "$DDB" "SELECT count(*) FROM model_capabilities WHERE abs(usd_per_1k_tokens - (3 * input_usd_per_1k + output_usd_per_1k) / 4) > 1e-15")" \
	0 "usd_per_1k_tokens is the blended 3:1 price"
is "$(sql "$DDB" "SELECT provider_name, api, max_token_limit, input_usd_per_1k, output_usd_per_1k FROM model_capabilities WHERE model_name = 'echo'")" \
	"echo|echo|1000000|0.0|0.0" "the offline echo model is shipped"

# --- default list: active and not deprecated ----------------------------
run t3-models list -q
is "$(wc -l <"$OUT" | tr -d ' ')" 63 "list hides the 5 deprecated models"
unlike "$OUT" '^claude-3-7-sonnet-20250219$' "a deprecated model is not listed"
run t3-models list --provider ollama
is_out "NAME         PROVIDER  CONTEXT  IN/1M  OUT/1M  CAPS   STATUS
deepseek-r1  ollama     131072      0       0  ---R-  active
gemma3       ollama     131072      0       0  -----  active
llama3.1     ollama     131072      0       0  -----  active
llama3.2     ollama     131072      0       0  -----  active
mistral      ollama     131072      0       0  -----  active
qwen2.5      ollama     131072      0       0  -----  active
caps: I images, P pdfs, M multimodal, R reasoning, T tools; USD per 1M tokens" "list --provider: the table, with the key to its letters"
run t3-models list --all
awk 'length > 80' "$OUT" >"$TMP/wide"
is "$(cat "$TMP/wide")" "" "list --all fits 80 columns"
like "$OUT" '^meta-llama/llama-4-maverick-17b-128e-instruct$' "a name too long for its column stands on a line of its own"
like "$OUT" '^ {27}groq +131072 +0\.2 +0\.6 +I-M-T +active$' "and its row goes on below, under the columns"
like "$OUT" '^gpt-4\.1-nano +openai +1047576 +0\.1 +0\.4 ' "prices per 1M tokens, in plain decimal"
unlike "$OUT" '[0-9]e-?[0-9]' "no exponent notation"
run t3-models list --all --provider openai --tsv
unlike "$OUT" '	[0-9.]+e-?[0-9]+	' "TSV: no exponent notation (0.000025, not 2.5e-05)"
like "$OUT" '	0\.000025	' "TSV: the cached price of gpt-4.1-nano in full"
run t3-models list --all --provider openai --csv
unlike "$OUT" ',[0-9.]+e-?[0-9]+,' "CSV: no exponent notation"
run t3-models list --all --provider anthropic --tsv
is "$(cut -f1,23 "$OUT" | grep -c 'true$')" 4 "the anthropic list --all has 4 deprecated models"

run t3-models list --supports reasoning --supports images --max-price 0.001 --sort price -q
is_out "gpt-5-nano
gemini-2.5-flash-lite
gemini-3.1-flash-lite
gpt-5-mini
gemini-2.5-flash" "--supports twice, --max-price and --sort price"
run t3-models list --max-price 0.00085 --supports reasoning --supports images --sort price -q
is "$(tail -1 "$OUT")" "gemini-2.5-flash" "--max-price is inclusive"
run t3-models list --sort context -q
is "$(head -3 "$OUT" | tr '\n' ' ')" "grok-4.20-0309-reasoning gpt-5.4 gpt-5.4-mini " \
	"--sort context: largest context first, then by name"
run t3-models list --sort name --provider deepseek -q
is_out "deepseek-chat
deepseek-reasoner
deepseek-v4-flash
deepseek-v4-pro" "--sort name"
run t3-models list --supports pdfs --provider xai -q
is_rc 0 "an empty listing exits 0"
is "$(wc -c <"$OUT" | tr -d ' ')" 0 "and prints nothing with -q"
run t3-models list --supports tools --provider deepseek -q
is_out "deepseek-chat
deepseek-v4-flash
deepseek-v4-pro" "--supports tools"
run t3-models list --supports multimodal --provider mistral -q
is_out "ministral-8b-latest
mistral-large-latest
mistral-medium-latest
mistral-small-latest" "--supports multimodal"

# --- bad list options: usage, nothing written ---------------------------
snapshot
run t3-models list --supports telepathy
is_rc 2 "unknown capability"
is_err "t3-models: error: unknown capability 'telepathy' (images, pdfs, multimodal, reasoning, tools)" \
	"names the capability and the choices"
run t3-models list --max-price -1
is_rc 2 "negative --max-price"
is_err "t3-models: error: --max-price '-1' is not a non-negative number" "says so"
run t3-models list --max-price abc
is_rc 2 "non-numeric --max-price"
is_err "t3-models: error: --max-price 'abc' is not a non-negative number" "says so"
run t3-models list --sort size
is_rc 2 "unknown --sort"
is_err "t3-models: error: --sort 'size' must be name, price or context" "names the choices"
run t3-models list --provider nosuch
is_rc 2 "unknown provider"
is_err "t3-models: error: unknown provider 'nosuch'" "says so"
run t3-models list --api openai
is_rc 2 "an option of another command"
is_err "t3-models: error: option '--api' does not apply to 'list'" "is refused by name"
run t3-models list extra
is_rc 2 "list takes no arguments"
is_err "t3-models: error: too many arguments for 'list'
try 't3-models --help'" "says so"
run t3-models list --json --csv
is_rc 2 "two output formats"
is_err "t3-models: error: choose one output format" "says so"
unchanged "bad list options leave the databases unchanged"

# --- output formats -------------------------------------------------------
run t3-models list --json --provider echo
is_out '[
{"model_id":"'"$(sql "$DDB" "SELECT model_id FROM model_capabilities WHERE model_name='echo'")"'","provider_name":"echo","model_name":"echo","api":"echo","is_active":true,"max_token_limit":1000000,"max_output_tokens":null,"input_usd_per_1k":0.0,"output_usd_per_1k":0.0,"reasoning_usd_per_1k":null,"cached_usd_per_1k":null,"usd_per_1k_tokens":0.0,"supports_images":true,"supports_pdfs":true,"multimodal_input":true,"reasoning_enabled":false,"supports_tools":false,"deprecation_date":null,"replacement":null,"origin":"catalog","user_modified":false,"catalog_version":"'"$version"'","deprecated":false,"aliases":[]}
]' "list --json: the frozen record"
run t3-models list --jsonl --provider openai
is "$(wc -l <"$OUT" | tr -d ' ')" 16 "--jsonl: one object per line"
like "$OUT" '^\{"model_id":"[0-9a-f-]{36}","provider_name":"openai","model_name":"gpt-4o",.*"aliases":\["4o"\]\}$' \
	"--jsonl carries aliases"
run t3-models list --tsv --provider groq
is "$(head -1 "$OUT")" "$(printf 'model_id\tprovider_name\tmodel_name\tapi\tis_active\tmax_token_limit\tmax_output_tokens\tinput_usd_per_1k\toutput_usd_per_1k\treasoning_usd_per_1k\tcached_usd_per_1k\tusd_per_1k_tokens\tsupports_images\tsupports_pdfs\tmultimodal_input\treasoning_enabled\tsupports_tools\tdeprecation_date\treplacement\torigin\tuser_modified\tcatalog_version\tdeprecated\taliases')" \
	"--tsv header: every field"
run t3-models list --csv --provider groq
is "$(cut -d, -f3,2,6 "$OUT")" "provider_name,model_name,max_token_limit
groq,llama-3.1-8b-instant,128000
groq,llama-3.3-70b-versatile,128000
groq,meta-llama/llama-4-maverick-17b-128e-instruct,131072
groq,meta-llama/llama-4-scout-17b-16e-instruct,131072" "--csv"

# --- show -------------------------------------------------------------------
run t3-models show gpt-4o-mini
is_rc 0 "show by model name"
like "$OUT" '^input_usd_per_1k +0\.00015$' "show: key/value table with the input price"
like "$OUT" '^aliases +4o-mini$' "show: the aliases"
run t3-models show 4o-mini --json
is_rc 0 "show by alias --json"
is "$(sed -n '1p;3p' "$OUT")" "[
]" "show --json of one model is an array (show can name several)"
like "$OUT" '^\{"model_id":"[0-9a-f-]{36}","provider_name":"openai","model_name":"gpt-4o-mini",' "holding the model's object"
run t3-models show openai/gpt-4o-mini -q
is_out "gpt-4o-mini" "show PROVIDER/MODEL -q prints the name"
run t3-models show groq/meta-llama/llama-4-scout-17b-16e-instruct -q
is_out "meta-llama/llama-4-scout-17b-16e-instruct" "provider/model where the model name has a '/'"
run t3-models show openai/gpt-5 --json
like "$OUT" '"provider_name":"openrouter","model_name":"openai/gpt-5"' \
	"an exact model name wins over provider/model"
run t3-models show gpt-5 sonnet -q
is_out "gpt-5
claude-sonnet-5" "show several models"
run t3-models show claude-3-7-sonnet-20250219 --json
is_rc 0 "show works for a deprecated model"
like "$OUT" '"deprecation_date":"2026-02-19","replacement":"claude-sonnet-4-6",.*"deprecated":true' \
	"and says it is deprecated"

snapshot
run t3-models show sonet
is_rc 2 "an unknown model is a usage error"
is_err "t3-models: error: unknown model 'sonet' (closest: sonnet)" "with the closest candidate"
run t3-models show claude-sonet-4-6
is_rc 2 "a near miss is a usage error"
is_err "t3-models: error: unknown model 'claude-sonet-4-6' (closest: claude-sonnet-4-6, claude-opus-4-6, claude-sonnet-5, claude-opus-4-7, claude-opus-4-8)" \
	"edit distance finds near misses"
run t3-models show gemini
is_rc 2 "a prefix of many is a usage error"
is_err "t3-models: error: unknown model 'gemini' (closest: gemini-2.5-pro, gemini-2.0-flash, gemini-2.5-flash, gemini-3.5-flash, gemini-2.5-flash-lite)" \
	"at most 5 candidates, prefix matches first"
run t3-models show zzzzzzzz
is_rc 2 "no candidate: a usage error"
is_err "t3-models: error: unknown model 'zzzzzzzz' (see 't3-models list --all')" "no candidate at all"
run t3-models show
is_rc 2 "show needs a model"
is_err "t3-models: error: 'show' needs more arguments
try 't3-models --help'" "says so"
unchanged "show leaves the databases unchanged"

# ambiguity: two providers serve the same model name
t3-models add lab gpt-4o --api openai --context 1000 >/dev/null
run t3-models show gpt-4o
is_rc 2 "an ambiguous name is a usage error"
is_err "t3-models: error: model 'gpt-4o' is ambiguous (candidates: lab/gpt-4o, openai/gpt-4o)" \
	"listing the qualified candidates"
run t3-models list --all -q --provider lab
is_out "lab/gpt-4o" "-q qualifies an ambiguous name"
run t3-models show lab/gpt-4o -q
is_out "lab/gpt-4o" "and the qualified name resolves"
run t3-models show 4o -q
is_out "openai/gpt-4o" "an alias still resolves"

# --- resolve: the policy of t3-chat -m ---------------------------------------
run t3-models resolve sonnet
is_rc 0 "resolve an alias"
is_out "claude-sonnet-5" "prints the model's name"
run t3-models resolve claude-3-7-sonnet-20250219
is_rc 6 "a deprecated model is refused by policy"
is_err "t3-models: error: model 'claude-3-7-sonnet-20250219' was deprecated on 2026-02-19; use 'claude-sonnet-4-6'" \
	"naming the replacement"
t3-models disable llama3.1
snapshot
run t3-models resolve llama3.1
is_rc 6 "a disabled model is refused"
is_err "t3-models: error: model 'llama3.1' is disabled (see 't3-models enable')" "says so"
run t3-models resolve nosuch
is_rc 2 "resolve an unknown model"
is_err "t3-models: error: unknown model 'nosuch' (see 't3-models list --all')" "says so"
run t3-models resolve gpt-4o
is_rc 2 "resolve an ambiguous model"
unchanged "refused resolves change nothing"
is_err "t3-models: error: model 'gpt-4o' is ambiguous (candidates: lab/gpt-4o, openai/gpt-4o)" "listing the candidates"

# --- aliases ----------------------------------------------------------------
run t3-models aliases
is_out "ALIAS     MODEL                      PROVIDER   MODEL NAME
4o        openai/gpt-4o              openai     gpt-4o
4o-mini   gpt-4o-mini                openai     gpt-4o-mini
deepseek  deepseek-chat              deepseek   deepseek-chat
flash     gemini-2.5-flash           gemini     gemini-2.5-flash
gpt5      gpt-5                      openai     gpt-5
grok      grok-4                     xai        grok-4
haiku     claude-haiku-4-5-20251001  anthropic  claude-haiku-4-5-20251001
llama     llama3.2                   ollama     llama3.2
opus      claude-opus-4-8            anthropic  claude-opus-4-8
pro       gemini-2.5-pro             gemini     gemini-2.5-pro
sonnet    claude-sonnet-5            anthropic  claude-sonnet-5" "the shipped aliases"
run t3-models aliases -q
is "$(tr '\n' ' ' <"$OUT")" "4o 4o-mini deepseek flash gpt5 grok haiku llama opus pro sonnet " "aliases -q"

done_testing

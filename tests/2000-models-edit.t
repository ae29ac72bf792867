#!/bin/sh
# t3-models: add, set, enable, disable, rm, alias and unalias, and every
# bad input refused with its exit code and no change to the database.
. "$(dirname "$0")/lib.sh"

t3-models list -q >/dev/null   # create data.db with the catalog

# --- add --------------------------------------------------------------------
run t3-models add acme rocket-1 --api openai --context 32000 --max-output 4096 \
	--input-price 0.001 --output-price 0.004 --reasoning-price 0.008 --cached-price 0.0001 \
	--images --pdfs --multimodal --reasoning --tools --replacement rocket-2
is_rc 0 "add with every field option"
is_out "rocket-1" "add prints the model's name"
is "$(sql "$DDB" "SELECT api, is_active, max_token_limit, max_output_tokens, input_usd_per_1k,
	output_usd_per_1k, reasoning_usd_per_1k, cached_usd_per_1k, usd_per_1k_tokens,
	supports_images, supports_pdfs, multimodal_input, reasoning_enabled, supports_tools,
	deprecation_date IS NULL, replacement, origin, user_modified, catalog_version IS NULL
	FROM model_capabilities WHERE provider_name = 'acme'")" \
	"openai|1|32000|4096|0.001|0.004|0.008|0.0001|0.00175|1|1|1|1|1|1|rocket-2|user|0|1" \
	"every column stored; usd_per_1k_tokens derived"
run t3-models add acme tiny --api echo --context 100 --disabled --json
is_rc 0 "add --disabled --json"
like "$OUT" '^\{"model_id":"[0-9a-f-]{36}","provider_name":"acme","model_name":"tiny","api":"echo","is_active":false,"max_token_limit":100,"max_output_tokens":null,"input_usd_per_1k":0\.0,"output_usd_per_1k":0\.0,"reasoning_usd_per_1k":null,"cached_usd_per_1k":null,' \
	"add --json prints the record with the defaults"

snapshot
run t3-models add acme rocket-1 --api openai --context 1000
is_rc 3 "a duplicate provider/model is a conflict"
is_err "t3-models: error: model 'acme/rocket-1' already exists" "says which"
run t3-models add acme sonnet --api openai --context 1000
is_rc 3 "a model named like an alias is a conflict"
is_err "t3-models: error: name 'sonnet' is already an alias (see 't3-models unalias')" "says so"
run t3-models add acme x --context 1000
is_rc 2 "add without --api"
is "$(head -1 "$ERR")" "t3-models: error: 'add' needs --api and --context" "says what is missing"
run t3-models add acme x --api openai
is_rc 2 "add without --context"
is_err "t3-models: error: 'add' needs --api and --context
try 't3-models --help'" "says what is missing"
run t3-models add acme x --api cohere --context 10
is_rc 2 "unknown api"
is_err "t3-models: error: field 'api' must be openai, anthropic, gemini or echo, not 'cohere'" "names the field"
run t3-models add acme x --api openai --context 0
is_rc 2 "zero context"
is_err "t3-models: error: field 'max_token_limit' must be a positive integer, not '0'" "names the field"
run t3-models add acme x --api openai --context 12k
is_rc 2 "non-numeric context"
is_err "t3-models: error: field 'max_token_limit' must be a positive integer, not '12k'" "names the field"
run t3-models add acme x --api openai --context 10 --max-output -5
is_rc 2 "negative max output"
is_err "t3-models: error: field 'max_output_tokens' must be a positive integer, not '-5'" "names the field"
run t3-models add acme x --api openai --context 10 --input-price -1
is_rc 2 "negative price"
is_err "t3-models: error: field 'input_usd_per_1k' must be a non-negative number (USD per 1k tokens), not '-1'" \
	"names the field"
for bad in nan inf 0x10 1e 1.2.3 ''; do
	run t3-models add acme x --api openai --context 10 --output-price "$bad"
	is_rc 2 "price '$bad' refused"
	is_err "t3-models: error: field 'output_usd_per_1k' must be a non-negative number (USD per 1k tokens), not '$bad'" \
		"price '$bad': names the field and the value"
done
run t3-models add acme x --api openai --context 10 --deprecation-date 2026-02-30
is_rc 2 "impossible date"
is_err "t3-models: error: field 'deprecation_date' must be a date YYYY-MM-DD, not '2026-02-30'" "names the field"
run t3-models add acme x --api openai --context 10 --images --no-images
is_rc 2 "--images with --no-images"
is "$(head -1 "$ERR")" "t3-models: error: choose one of '--images' and '--no-images'" "says so"
run t3-models add acme x --api openai --context 10 --enabled --disabled
is_rc 2 "--enabled with --disabled"
is_err "t3-models: error: choose one of '--enabled' and '--disabled'
try 't3-models --help'" "says so"
run t3-models add 'ac me' x --api openai --context 10
is_rc 2 "a provider with a space"
is_err "t3-models: error: field 'provider_name' must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit, not 'ac me'" \
	"names the field"
run t3-models add acme/x y --api openai --context 10
is_rc 2 "a provider with a '/'"
is_err "t3-models: error: field 'provider_name' must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit, not 'acme/x'" "names the field"
run t3-models add acme 'x y' --api openai --context 10
is_rc 2 "a model name with a space"
is_err "t3-models: error: field 'model_name' must be 1-200 bytes of UTF-8 without spaces or control characters, not 'x y'" "names the field"
run t3-models add acme x --api openai --context 10 --context 20
is_rc 2 "an option given twice"
is_err "t3-models: error: option '--context' given twice
try 't3-models --help'" "names the option"
run t3-models add acme --api openai --context 10
is_rc 2 "add needs PROVIDER and MODEL"
is_err "t3-models: error: 'add' needs more arguments
try 't3-models --help'" "says so"
run t3-models add acme x --api openai --context 10 --force
is_rc 2 "an option of another command"
is_err "t3-models: error: option '--force' does not apply to 'add'" "names the option"
unchanged "no bad add changed the database"

# --- set ------------------------------------------------------------------
run t3-models set gpt-4o --input-price 0.002 --max-output none --no-images
is_rc 0 "set a shipped model"
is "$(wc -c <"$OUT" | tr -d ' ')" 0 "set prints nothing by default"
is "$(sql "$DDB" "SELECT input_usd_per_1k, max_output_tokens IS NULL, supports_images, user_modified, usd_per_1k_tokens FROM model_capabilities WHERE provider_name = 'openai' AND model_name = 'gpt-4o'")" \
	"0.002|1|0|1|0.004" "set changes the fields, marks user_modified, re-derives the blend"
run t3-models set 4o --deprecation-date 2999-01-01 --replacement gpt-5 --json
is_rc 0 "set --json"
like "$OUT" '"deprecation_date":"2999-01-01","replacement":"gpt-5",.*"deprecated":false' \
	"set --json; a future deprecation date does not deprecate yet"
run t3-models resolve 4o
is_rc 0 "and the model still resolves"
run t3-models set 4o --deprecation-date none --replacement none -q
is_rc 0 "set -q"
is_out "gpt-4o" "set -q prints the name"
is "$(sql "$DDB" "SELECT deprecation_date IS NULL AND replacement IS NULL FROM model_capabilities WHERE model_name = 'gpt-4o'")" \
	1 "'none' clears a nullable field"

snapshot
run t3-models set gpt-4o
is_rc 2 "set without a field option"
is_err "t3-models: error: 'set' needs at least one field option (see --help)
try 't3-models --help'" "says so"
run t3-models set gpt-4o --cached-price -0.1
is_rc 2 "set a negative price"
is_err "t3-models: error: field 'cached_usd_per_1k' must be a non-negative number (USD per 1k tokens), not '-0.1'" "names the field"
run t3-models set nosuch --input-price 1
is_rc 2 "set an unknown model"
is_err "t3-models: error: unknown model 'nosuch' (see 't3-models list --all')" "says so"
run t3-models set gpt-4o --all
is_rc 2 "set --all"
is_err "t3-models: error: option '--all' does not apply to 'set'" "names the option"
run t3-models set gpt-4o --context 0
is_rc 2 "set a zero context"
is_err "t3-models: error: field 'max_token_limit' must be a positive integer, not '0'" "names the field"
unchanged "no bad set changed the database"

# --- enable / disable ----------------------------------------------------
run t3-models disable gemma3 qwen2.5
is_rc 0 "disable two models"
is "$(sql "$DDB" "SELECT group_concat(model_name) FROM (SELECT model_name FROM model_capabilities WHERE is_active = 0 AND provider_name = 'ollama' ORDER BY model_name)")" \
	"gemma3,qwen2.5" "both disabled"
run t3-models list --provider ollama -q
unlike "$OUT" '^(gemma3|qwen2.5)$' "disabled models are not listed"
run t3-models list --all --provider ollama --tsv
is "$(grep gemma3 "$OUT" | cut -f5)" false "list --all shows them inactive"
snapshot
run t3-models enable gemma3 nosuch
is_rc 2 "enable with one unknown model"
is_err "t3-models: error: unknown model 'nosuch' (see 't3-models list --all')" "names the unknown model"
unchanged "changes nothing (all or nothing)"
run t3-models enable gemma3 qwen2.5
is_rc 0 "enable"
is "$(sql "$DDB" "SELECT count(*) FROM model_capabilities WHERE is_active = 0 AND provider_name = 'ollama'")" 0 "enabled again"
is "$(sql "$DDB" "SELECT user_modified FROM model_capabilities WHERE model_name = 'gemma3'")" 0 \
	"enable/disable do not mark a model user-modified (sync never touches is_active)"

# --- alias / unalias ---------------------------------------------------------
run t3-models alias rocket acme/rocket-1
is_rc 0 "alias"
run t3-models show rocket -q
is_out "rocket-1" "the alias resolves"
snapshot
run t3-models alias rocket gpt-5
is_rc 3 "repointing an alias needs --force"
is_err "t3-models: error: alias 'rocket' already points to 'acme/rocket-1' (use --force to repoint it)" "says so"
run t3-models alias gpt-5 rocket-1
is_rc 3 "an alias may not hide a model name"
is_err "t3-models: error: alias 'gpt-5' is already a model name" "says so"
run t3-models alias openai/gpt-5 rocket-1
is_rc 2 "an alias with a '/'"
is_err "t3-models: error: alias 'openai/gpt-5' must be 1-64 letters, digits, '.', '_', '+', ':', '@' or '-', starting with a letter or digit" "says what an alias may be"
run t3-models alias 'my alias' rocket-1
is_rc 2 "an alias with a space"
is_err "t3-models: error: alias 'my alias' must be 1-64 letters, digits, '.', '_', '+', ':', '@' or '-', starting with a letter or digit" "says what an alias may be"
run t3-models alias new nosuch
is_rc 2 "alias to an unknown model"
is_err "t3-models: error: unknown model 'nosuch' (see 't3-models list --all')" "names the model"
run t3-models unalias nosuch
is_rc 1 "unalias an unknown alias is not found"
is_err "t3-models: error: alias 'nosuch' not found" "says so"
run t3-models unalias rocket nosuch
is_rc 1 "unalias stops at the first unknown alias"
is_err "t3-models: error: alias 'nosuch' not found" "names it"
unchanged "no bad alias changed the database"
run t3-models alias --force rocket gpt-5
is_rc 0 "alias --force repoints"
is "$(t3-models show rocket -q)" "gpt-5" "to the new model"
run t3-models unalias rocket
is_rc 0 "unalias"
run t3-models show rocket
is_rc 2 "the alias is gone"

# --- rm -------------------------------------------------------------------------
t3-models alias rk acme/rocket-1
sql "$DDB" "INSERT INTO chat_sessions (chat_id, user_id, created_at, updated_at) VALUES
	('01a21364-0fc2-72d8-bb36-000000000001', '01a21364-0fc2-72d8-bb36-0000000000aa', 1, 1);
	INSERT INTO chat_messages (message_id, chat_id, sender_type, message_text, timestamp, model_used) VALUES
	('01a21364-0fc2-72d8-bb36-000000000002', '01a21364-0fc2-72d8-bb36-000000000001', 'ai', 'hi', 1, 'rocket-1');
	INSERT INTO usage_metrics (usage_id, user_id, timestamp, model_name, status_code) VALUES
	('01a21364-0fc2-72d8-bb36-000000000003', '01a21364-0fc2-72d8-bb36-0000000000aa', 1, 'acme/rocket-1', 'success'),
	('01a21364-0fc2-72d8-bb36-000000000004', '01a21364-0fc2-72d8-bb36-0000000000aa', 1, 'gpt-5-nano', 'success')"
snapshot
run t3-models rm rocket-1
is_rc 3 "rm refused while a chat message and a usage row name the model"
is_err "t3-models: error: model 'rocket-1' is named by 2 chat messages or usage rows (use --force to remove it anyway)" \
	"says why"
run t3-models rm gpt-5-nano
is_rc 3 "rm refused for a usage row alone"
is_err "t3-models: error: model 'gpt-5-nano' is named by 1 chat message or usage row (use --force to remove it anyway)" "says why"
run t3-models rm tiny gpt-5-nano
is_rc 3 "rm of several models is all or nothing"
is_err "t3-models: error: model 'gpt-5-nano' is named by 1 chat message or usage row (use --force to remove it anyway)" "names the model in use"
run t3-models rm nosuch
is_rc 2 "rm an unknown model"
is_err "t3-models: error: unknown model 'nosuch' (see 't3-models list --all')" "names it"
run t3-models rm
is_rc 2 "rm needs a model"
is_err "t3-models: error: 'rm' needs more arguments
try 't3-models --help'" "says so"
unchanged "refused rm changes nothing"
run t3-models rm tiny
is_rc 0 "rm an unused model"
is "$(cat "$OUT" "$ERR")" "" "rm prints nothing"
is "$(sql "$DDB" "SELECT count(*) FROM model_capabilities WHERE model_name = 'tiny'")" 0 "it is gone"
run t3-models rm --force rocket-1
is_rc 0 "rm --force"
is "$(sql "$DDB" "SELECT count(*) FROM model_capabilities WHERE model_name = 'rocket-1'") $(sql "$DDB" "SELECT count(*) FROM model_aliases WHERE alias = 'rk'")" \
	"0 0" "the model and its alias are gone"
is "$(sql "$DDB" "SELECT count(*) FROM chat_messages") $(sql "$DDB" "SELECT count(*) FROM usage_metrics")" \
	"1 2" "the chat and usage history stay"

done_testing

#!/bin/sh
# t3-models sync --provider P: the models a local or OpenAI-compatible
# server lists (t3-chat --server-models P reads them), added to the
# catalog with the context sizes the server reports; the network part,
# its refusals and the database after each.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mock.sh"

F=$FIXTURES/servers
t3-models list -q >/dev/null   # the databases exist before the snapshots
ollama_script() {
	mock_script "{\"file\":\"$F/ollama-v1-models.json\"}" \
		"{\"file\":\"$F/ollama-show-qwen3.json\"}" \
		"{\"file\":\"$F/ollama-show-llama3.2.json\"}" \
		"{\"file\":\"$F/ollama-show-gemma3.json\"}" \
		"{\"file\":\"$F/ollama-show-nomic-embed-text.json\"}" \
		"{\"file\":\"$F/ollama-show-mystery.json\"}"
}
ollama_rows() {
	sql "$DDB" "SELECT model_name, max_token_limit, supports_images, multimodal_input, origin,
		usd_per_1k_tokens, user_modified FROM model_capabilities WHERE provider_name = 'ollama'
		ORDER BY model_name"
}

# ---- t3-chat --server-models: what the server says, nothing written ----
ollama_script
snapshot
run with_provider OLLAMA /v1 t3-chat --server-models ollama
is_rc 0 "server-models: exit 0"
is_out "MODEL       PROVIDER  API     CONTEXT  IMAGES
qwen3:8b    ollama    openai    40960  no
llama3.2    ollama    openai     8192  no
gemma3:4b   ollama    openai   131072  yes
mystery:7b  ollama    openai        -  no" "server-models: a table; the embedding model left out, an unknown context '-'"
unchanged "server-models writes nothing"
is "$(mock_count)" 6 "one list, then /api/show for each model"
is "$(mock_req 1 '$.method' '$.path' '$.body')" '["GET","/v1/models",null]' "the list: GET BASE/models, no body"
is "$(mock_req 1 '$.headers.authorization')" "Bearer $KEY" "the key is sent as for a chat"
is "$(mock_req 2 '$.method' '$.path' '$.body')" '["POST","/api/show",{"model":"qwen3:8b"}]' \
	"show: POST ROOT/api/show (the base less /v1)"
is "$(mock_req 3 '$.body.model')" "llama3.2" "show: the default tag :latest dropped"
is "$(mock_req 5 '$.body.model')" "nomic-embed-text" "show: the embedding model asked too"

ollama_script
run with_provider OLLAMA /v1 t3-chat --server-models ollama --jsonl
is_rc 0 "server-models --jsonl: exit 0"
is_out '{"model_name":"qwen3:8b","provider_name":"ollama","api":"openai","max_token_limit":40960,"supports_images":false}
{"model_name":"llama3.2","provider_name":"ollama","api":"openai","max_token_limit":8192,"supports_images":false}
{"model_name":"gemma3:4b","provider_name":"ollama","api":"openai","max_token_limit":131072,"supports_images":true}
{"model_name":"mystery:7b","provider_name":"ollama","api":"openai","max_token_limit":null,"supports_images":false}' \
	"server-models --jsonl: records in the import format; num_ctx before the trained context"
ollama_script
run with_provider OLLAMA /v1 t3-chat --server-models ollama -q
is_out "qwen3:8b
llama3.2
gemma3:4b
mystery:7b" "server-models -q: the names"

# ---- OpenAI-compatible servers: each one's context field ----
mock_script "{\"file\":\"$F/openai-compatible-models.json\"}"
run tmo env LOCAL_BASE_URL="$MOCK_URL/v1" t3-chat --server-models local --tsv
is_rc 0 "a server of no known provider, on this machine, no key: exit 0"
is_out "model_name	provider_name	api	max_token_limit	supports_images
Qwen/Qwen3-8B	local	openai	32768	false
local-gguf	local	openai	40960	false
llama-3.3-70b-versatile	local	openai	131072	false
vendor/vision-model	local	openai	200000	true
pixtral-large-latest	local	openai	131072	true
bare-model	local	openai		false" \
	"max_model_len, meta.n_ctx_train, context_window, context_length, max_context_length; images from input_modalities and capabilities.vision; a repeated id once"
is "$(mock_keys 1 '$.headers' | tr ',' '\n' | grep -c authorization)" 0 "no key: no Authorization header"
is "$(mock_count)" 1 "no /api/show for a server that is not Ollama"

# ---- t3-models sync --provider ollama ----
ollama_script
snapshot
run with_provider OLLAMA /v1 t3-models sync --provider ollama --dry-run
is_rc 0 "sync --dry-run: exit 0"
is_err "t3-models: sync: add ollama/qwen3:8b: max_token_limit none -> 40960
t3-models: sync: keep ollama/llama3.2 (in the catalog already; --force takes the server's figures): max_token_limit 131072 -> 8192
t3-models: sync: add ollama/gemma3:4b: max_token_limit none -> 131072, supports_images false -> true
t3-models: sync: skip ollama/mystery:7b (the server does not say its context size: use --context N)
t3-models: ollama: 4 models listed: 2 added, 0 updated, 1 kept, 1 skipped (dry run: nothing written)" \
	"sync --dry-run: one line per model, and the counts"
unchanged "sync --dry-run writes nothing"

before=$(ollama_rows)
ollama_script
run with_provider OLLAMA /v1 t3-models sync --provider ollama
is_rc 0 "sync: exit 0"
like "$ERR" "^t3-models: ollama: 4 models listed: 2 added, 0 updated, 1 kept, 1 skipped$" "sync: the counts"
is "$(ollama_rows)" "deepseek-r1|131072|0|0|catalog|0.0|0
gemma3|131072|0|0|catalog|0.0|0
gemma3:4b|131072|1|1|user|0.0|0
llama3.1|131072|0|0|catalog|0.0|0
llama3.2|131072|0|0|catalog|0.0|0
mistral|131072|0|0|catalog|0.0|0
qwen2.5|131072|0|0|catalog|0.0|0
qwen3:8b|40960|0|0|user|0.0|0" "sync: the new models added (origin user, price 0), the shipped one kept"
is "$(sql "$DDB" "SELECT api || ' ' || is_active FROM model_capabilities WHERE model_name = 'qwen3:8b'")" \
	"openai 1" "sync: an added model speaks the OpenAI API, active"
run t3-models resolve qwen3:8b
is_rc 0 "an added model resolves for t3-chat -m"

ollama_script
run with_provider OLLAMA /v1 t3-models sync --provider ollama
like "$ERR" "^t3-models: ollama: 4 models listed: 0 added, 0 updated, 1 kept, 1 skipped$" \
	"sync again: nothing added twice"

ollama_script
run with_provider OLLAMA /v1 t3-models sync --provider ollama --force --context 4096 --json
is_rc 0 "sync --force --context: exit 0"
is_out '[
{"action":"update","provider_name":"ollama","model_name":"llama3.2","alias":null,"reason":null,"changes":{"max_token_limit":[131072,8192]}},
{"action":"add","provider_name":"ollama","model_name":"mystery:7b","alias":null,"reason":null,"changes":{"max_token_limit":[null,4096]}}
]' \
	"sync --json: the server's figure taken with --force; --context N for one it does not report"
is "$(sql "$DDB" "SELECT model_name || ' ' || max_token_limit || ' ' || user_modified FROM model_capabilities WHERE model_name IN ('llama3.2', 'mystery:7b') ORDER BY 1")" \
	"llama3.2 8192 1
mystery:7b 4096 0" "sync --force: stored; the forced row marked changed, so a shipped sync keeps it"

# a listed name that is an alias of another model is skipped, not added
t3-models rm gemma3:4b >/dev/null
t3-models alias gemma3:4b gpt-4o
ollama_script
run with_provider OLLAMA /v1 t3-models sync --provider ollama
is_rc 0 "a name that is an alias: exit 0"
like "$ERR" "^t3-models: sync: skip ollama/gemma3:4b \\(the name is an alias of another model\\)$" \
	"a name that is an alias: skipped with the reason"
is "$(sql "$DDB" "SELECT count(*) FROM model_capabilities WHERE model_name = 'gemma3:4b'")" 0 \
	"a name that is an alias: no model added"
t3-models unalias gemma3:4b

# a chat turn with an added model goes to the same server
mock_script '{"gen_events":2,"api":"openai"}'
run with_provider OLLAMA /v1 t3-chat -m qwen3:8b hi
is_rc 0 "a chat with a synced model"
is "$(mock_req 1 '$.path' '$.body.model')" '["/v1/chat/completions","qwen3:8b"]' "it asks the server for it by name"

# ---- refusals: a message, the exit code, nothing written ----
snapshot
run t3-models sync --provider anthropic
is_rc 2 "another API: exit 2"
is_err "t3-chat: error: provider 'anthropic' does not serve an OpenAI-compatible model list: its models come with the shipped catalog (t3-models sync)" \
	"another API: says where its models come from"
run t3-models sync --provider nowhere
is_rc 3 "no base URL: exit 3"
is_err "t3-chat: error: no base URL for provider 'nowhere': set NOWHERE_BASE_URL or 'nowhere.base_url' in the config" \
	"no base URL: names the variable"
run tmo env REMOTE_BASE_URL=https://models.example.invalid/v1 t3-models sync --provider remote
is_rc 3 "a remote server and no key: exit 3"
like "$ERR" "^t3-chat: error: no API key for 'remote': set REMOTE_API_KEY" "no key: names the variable"
port=$(closed_port)
run tmo env OLLAMA_BASE_URL="http://127.0.0.1:$port/v1" t3-models sync --provider ollama
is_rc 4 "ollama not running: exit 4"
like "$ERR" "^t3-chat: error: network error: .*127\\.0\\.0\\.1 port $port.*; is the server running\\? start it with 'ollama serve' \\(OLLAMA_BASE_URL says where it listens\\)$" \
	"ollama not running: says how to start it"
is "$(wc -l <"$ERR" | tr -d ' ')" 1 "ollama not running: one line"
run tmo env VLLM_BASE_URL="http://127.0.0.1:$port/v1" t3-chat --server-models vllm
is_rc 4 "another local server not running: exit 4"
like "$ERR" "; is the server running\\? \\(VLLM_BASE_URL says where it listens\\)$" \
	"another local server: the variable that says where"
mock_script '{"status":401,"body":"{\"error\":{\"message\":\"Invalid API key\",\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}"}'
run with_provider GROQ /openai/v1 t3-models sync --provider groq
is_rc 5 "HTTP 401: exit 5"
like "$ERR" "^t3-chat: error: groq: HTTP 401.*Invalid API key.*/openai/v1/models\\)$" "HTTP 401: the server's message and the URL"
if grep -q "$KEY" "$ERR"; then ok 1 "HTTP 401: the key is not shown"; else ok 0 "HTTP 401: the key is not shown"; fi
mock_script '{"body":"{\"models\":[]}"}'
run with_provider OLLAMA /v1 t3-models sync --provider ollama
is_rc 5 "no data array: exit 5"
like "$ERR" "^t3-chat: error: ollama: the answer to http://127\\.0\\.0\\.1:[0-9]+/v1/models has no model list \\(\"data\"\\)$" \
	"no data array: says so"
mock_script '{"body":"<html>not json</html>","content_type":"text/html"}'
run with_provider OLLAMA /v1 t3-chat --server-models ollama
is_rc 5 "not JSON: exit 5"
like "$ERR" "is not a JSON object$" "not JSON: says so"
run t3-models sync --context 4096
is_rc 2 "--context without --provider: exit 2"
like "$ERR" "^t3-models: error: --context goes with --provider$" "--context without --provider: says so"
run t3-models sync --provider ollama --context 0
is_rc 2 "--context 0: exit 2"
like "$ERR" "^t3-models: error: --context needs a number of tokens, 1 or more: '0'$" "--context 0: says so"
run t3-models sync --provider ''
is_rc 2 "an empty provider: exit 2"
unchanged "the refusals wrote nothing"

run t3-chat --server-models ollama -m gpt-4o
is_rc 2 "a turn's option with --server-models: exit 2"
like "$ERR" "^t3-chat: error: option '-m' does not apply to '--server-models'$" "says it does not apply"
run t3-chat --server-models ollama --list
is_rc 2 "--server-models with --list: exit 2"
like "$ERR" "^t3-chat: error: choose one of --server-models and --list$" "names both modes"
run t3-chat --server-models ollama extra
is_rc 2 "an argument: exit 2"

# ---- a chat turn to a local server that is not running says how to start it ----
run tmo env OLLAMA_BASE_URL="http://127.0.0.1:$port/v1" t3-chat -m qwen3:8b hi
is_rc 4 "a chat to ollama not running: exit 4"
like "$ERR" "^t3-chat: error: network error: .*; is the server running\\? start it with 'ollama serve' \\(OLLAMA_BASE_URL says where it listens\\)$" \
	"a chat to ollama not running: the hint"

done_testing

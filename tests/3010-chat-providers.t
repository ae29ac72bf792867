#!/bin/sh
# t3-chat against the mock provider replaying each provider's recorded
# stream: what is printed, stored, metered, and sent.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mock.sh"
F=$FIXTURES

last_usage() { # COLUMNS
	sql "$DDB" "SELECT $1 FROM usage_metrics ORDER BY timestamp DESC, usage_id DESC LIMIT 1"
}
# The cost from the catalog's prices, computed here independently:
# cached input at the cached price, reasoning at the reasoning price,
# each falling back to the input/output price.
cost_of() { # MODEL PROMPT COMPLETION REASONING CACHED
	sql "$DDB" "SELECT printf('%.12f', (($2 - $5) * input_usd_per_1k + $5 * coalesce(cached_usd_per_1k, input_usd_per_1k)
		+ ($3 - $4) * output_usd_per_1k + $4 * coalesce(reasoning_usd_per_1k, output_usd_per_1k)) / 1000)
		FROM model_capabilities WHERE model_name = '$1'"
}
is_cost() { # MODEL P C R CACHED DESCRIPTION: the last usage row and AI message
	want=$(cost_of "$1" "$2" "$3" "$4" "$5")
	is "$(last_usage "printf('%.12f', cost_usd)")" "$want" "$6: usage cost from the catalog prices"
	is "$(last_ai "printf('%.12f', cost_usd)")" "$want" "$6: the answer's cost too"
}

# ================= OpenAI =================
OAI_TEXT='The result of \( 1231 \times 2331 \) is \( 2,869,461 \).'
mock_script "{\"file\":\"$F/openai/chat-stream-gpt4omini-include-usage.sse\"}"
run with_openai t3-chat -m gpt-4o-mini -u -s "You are terse." --temperature 0.7 --max-tokens 300 "What is 1231*2331?"
is_rc 0 "openai: exit 0"
is_out "$OAI_TEXT" "openai: the recorded answer, exactly, on stdout"
like "$ERR" '^t3-chat: gpt-4o-mini: 87 prompt \+ 26 completion tokens, \$0\.000029, first token [0-9]+ ms, total [0-9]+ ms$' "openai: -u line"
is "$(wc -l <"$ERR" | tr -d ' ')" 1 "openai: nothing else on stderr"
is "$(last_usage 'status_code, provider_name, model_name, prompt_tokens, completion_tokens, reasoning_tokens, cached_tokens, tokens_used, tokens_estimated, http_status, attempt')" \
	"success|openai|gpt-4o-mini|87|26|0|0|113|0|200|1" "openai: usage row as reported"
is_cost gpt-4o-mini 87 26 0 0 openai
is "$(last_ai 'message_text, model_used, tokens_used, prompt_tokens, completion_tokens, finish_reason, status')" \
	"$OAI_TEXT|gpt-4o-mini|113|87|26|stop|complete" "openai: the answer stored with its split and finish reason"
is "$(last_ai 'first_token_ms >= 0 AND total_ms >= first_token_ms')" 1 "openai: latencies stored"
is "$(sql "$DDB" "SELECT u.message_id = m.message_id, u.chat_id = m.chat_id FROM usage_metrics u, chat_messages m WHERE m.sender_type = 'ai'")" "1|1" \
	"openai: the usage row names the answer and the chat"
is "$(sql "$DDB" "SELECT m.parent_id = p.message_id, p.sender_type, p.message_text, s.system_prompt, s.title FROM chat_messages m JOIN chat_messages p ON p.chat_id = m.chat_id AND p.sender_type = 'user' JOIN chat_sessions s ON s.chat_id = m.chat_id WHERE m.sender_type = 'ai'")" \
	"1|user|What is 1231*2331?|You are terse.|What is 1231*2331?" "openai: the user message, system prompt and title stored"
is "$(mock_count)" 1 "openai: one request"
is "$(mock_req 1 '$.method' '$.path')" '["POST","/v1/chat/completions"]' "openai: POST BASE/chat/completions"
is "$(mock_req 1 '$.headers.authorization')" "Bearer $KEY" "openai: the key in Authorization: Bearer"
is "$(mock_req 1 '$.headers."content-type"')" "application/json" "openai: JSON body"
is "$(mock_req 1 '$.body')" \
	'{"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"What is 1231*2331?"}],"temperature":0.7,"max_completion_tokens":300,"stream":true,"stream_options":{"include_usage":true}}' \
	"openai: body: system message first, stream_options.include_usage, temperature, max_completion_tokens"

run with_openai t3-chat -m gpt-4o-mini --json hi
is_rc 0 "openai --json"
is "$(jx "$OUT" '$.text')" "$OAI_TEXT" "openai --json: text"
is "$(jx "$OUT" '$.model_name' '$.provider_name' '$.status' '$.finish_reason' '$.prompt_tokens' '$.completion_tokens' '$.reasoning_tokens' '$.cached_tokens' '$.tokens_estimated' '$.attempts' '$.error' '$.reasoning')" \
	'["gpt-4o-mini","openai","success","stop",87,26,0,0,false,1,null,null]' \
	"openai --json: model, status, finish reason, tokens"
is "$(jsql "$OUT" "SELECT printf('%.12f', json_extract(J, '\$.cost_usd')) FROM d")" "$(cost_of gpt-4o-mini 87 26 0 0)" "openai --json: cost"
is "$(jsql "$OUT" "SELECT json_extract(J, '\$.first_token_ms') >= 0 AND json_extract(J, '\$.total_ms') >= json_extract(J, '\$.first_token_ms') FROM d")" 1 "openai --json: latencies"
is "$(jx "$OUT" '$.chat_id')" "$(last_ai chat_id)" "openai --json: chat_id"
is "$(jx "$OUT" '$.message_id')" "$(last_ai message_id)" "openai --json: message_id"
is "$(wc -l <"$OUT" | tr -d ' ')" 1 "openai --json: one line"

run with_openai t3-chat -m gpt-4o-mini --jsonl hi
is_rc 0 "openai --jsonl"
is "$(jsonl_types "$OUT")" "start delta delta delta delta delta delta delta delta delta delta delta delta delta delta delta delta delta delta delta delta delta delta delta delta usage done" \
	"openai --jsonl: start, one delta per recorded delta, usage, done"
is "$(jsonl_text "$OUT" delta)" "$OAI_TEXT" "openai --jsonl: the deltas add up to the answer"
is "$(jx "$OUT.json" '$[0].chat_id' '$[0].model_name' '$[0].provider_name')" "[\"$(last_ai chat_id)\",\"gpt-4o-mini\",\"openai\"]" "openai --jsonl: start event"
is "$(jx "$OUT.json" '$[#-2].prompt_tokens' '$[#-2].completion_tokens' '$[#-2].reasoning_tokens' '$[#-2].cached_tokens' '$[#-2].tokens_estimated')" '[87,26,0,0,false]' "openai --jsonl: usage event"
is "$(jx "$OUT.json" '$[#-1].status' '$[#-1].finish_reason' '$[#-1].message_id')" "[\"success\",\"stop\",\"$(last_ai message_id)\"]" "openai --jsonl: done event"

# cached tokens: the recorded stream with a cache hit spliced in
sed 's/"cached_tokens":0/"cached_tokens":64/' "$F/openai/chat-stream-gpt4omini-include-usage.sse" >"$TMP/cached.sse"
mock_script "{\"file\":\"$TMP/cached.sse\"}"
run with_openai t3-chat -m gpt-4o-mini hi
is_rc 0 "openai cached: exit 0"
is_out "$OAI_TEXT" "openai cached: the same answer"
is "$(last_usage 'prompt_tokens, completion_tokens, cached_tokens')" "87|26|64" "openai: cached tokens recorded"
is_cost gpt-4o-mini 87 26 0 64 "openai cached"

# --no-stream with the recorded non-streaming bodies
mock_script "{\"file\":\"$F/openai/chat-nonstream-gpt4omini.json\"}"
run with_openai t3-chat -m gpt-4o-mini --no-stream hi
is_rc 0 "openai --no-stream"
is_out "YES" "openai --no-stream: the answer"
is "$(mock_req 1 '$.body')" '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}' \
	"openai --no-stream: no stream, no stream_options"
is "$(last_usage 'status_code, prompt_tokens, completion_tokens, tokens_estimated')" "success|146|3|0" "openai --no-stream: usage"
is "$(last_ai 'message_text, finish_reason, status')" "YES|stop|complete" "openai --no-stream: stored"

# a prompt that is not UTF-8: sent as U+FFFD, stored as given
mock_script "{\"file\":\"$F/openai/chat-stream-gpt4omini-include-usage.sse\"}"
printf 'caf\351 ok' >"$TMP/latin1"
run with_openai t3-chat -m gpt-4o-mini <"$TMP/latin1"
is_rc 0 "a Latin-1 prompt: exit 0"
is "$(mock_req 1 '$.body.messages[0].content')" "$(printf 'caf\357\277\275 ok')" "a Latin-1 prompt: the bad byte sent as U+FFFD"
is "$(sql "$DDB" "SELECT hex(message_text) FROM chat_messages WHERE sender_type = 'user' ORDER BY timestamp DESC, message_id DESC LIMIT 1")" \
	636166E9206F6B "a Latin-1 prompt: stored as given"
# echoed back: --jsonl's deltas carry the bad byte as U+FFFD, as --json does
run t3-chat -m echo -n --jsonl <"$TMP/latin1"
is "$rc $(jsonl_text "$OUT" delta)" "0 $(printf 'caf\357\277\275 ok')" "a Latin-1 prompt echoed: --jsonl deltas with U+FFFD, none dropped"
run t3-chat -m echo -n --json <"$TMP/latin1"
is "$(jx "$OUT" '$.text')" "$(printf 'caf\357\277\275 ok')" "... and --json's text the same"

# one CPU allowed: libcurl's start-up thread (put on another CPU when
# there is one) still runs, on the only one
if have taskset 2; then
	mock_script "{\"file\":\"$F/openai/chat-stream-gpt4omini-include-usage.sse\"}"
	run with_openai taskset -c 0 t3-chat -m gpt-4o-mini "What is 1231*2331?"
	is_rc 0 "openai on one CPU: exit 0"
	is_out "$OAI_TEXT" "openai on one CPU: the answer"
fi

# reasoning: gpt-5-nano, reasoning_effort
mock_script "{\"file\":\"$F/openai/chat-nonstream-reasoning-gpt5nano.json\"}"
run with_openai t3-chat -m gpt-5-nano --no-stream --reasoning-effort low -u "How many r in strawberry?"
is_rc 0 "openai reasoning model"
is "$(mock_req 1 '$.body.reasoning_effort')" low "openai: --reasoning-effort becomes reasoning_effort"
is "$(last_usage 'prompt_tokens, completion_tokens, reasoning_tokens')" "11|228|192" "openai: reasoning tokens recorded"
is_cost gpt-5-nano 11 228 192 0 "openai reasoning"
like "$ERR" '^t3-chat: gpt-5-nano: 11 prompt \+ 228 completion tokens \(192 reasoning\), \$0\.0000[0-9]+, first token' "openai: -u shows reasoning tokens"

# a blank system prompt is not sent (Gemini and Anthropic refuse an empty text)
mock_script "{\"file\":\"$F/gemini/streamGenerateContent-sse-basic.sse\"}"
run with_gemini t3-chat -m gemini-2.5-flash -s ' ' "hi"
is "$rc $(mock_req 1 '$.body.systemInstruction')" "0 " "a blank system prompt: no systemInstruction sent"
is "$(mock_keys 1 '$.body')" contents "a blank system prompt: the body is the contents alone (no null systemInstruction)"

# ================= Anthropic =================
mock_script "{\"file\":\"$F/anthropic/messages-stream-text.sse\"}"
run with_anthropic t3-chat -m claude-haiku-4-5-20251001 -s "Be brief." --temperature 0.2 -u "Say hello"
is_rc 0 "anthropic: exit 0"
is_out "Hello" "anthropic: the recorded answer"
like "$ERR" '^t3-chat: claude-haiku-4-5-20251001: 10 prompt \+ 4 completion tokens, \$0\.000030, first token [0-9]+ ms, total [0-9]+ ms$' "anthropic: -u line"
is "$(last_usage 'status_code, provider_name, prompt_tokens, completion_tokens, reasoning_tokens, cached_tokens, tokens_estimated')" \
	"success|anthropic|10|4|0|0|0" "anthropic: input tokens from message_start, output from message_delta"
is_cost claude-haiku-4-5-20251001 10 4 0 0 anthropic
is "$(last_ai 'message_text, finish_reason, status')" "Hello|end_turn|complete" "anthropic: stored with finish reason"
is "$(mock_req 1 '$.path')" "/v1/messages" "anthropic: BASE/messages"
is "$(mock_req 1 '$.headers."x-api-key"' '$.headers."anthropic-version"' '$.headers.authorization')" \
	"[\"$KEY\",\"2023-06-01\",null]" "anthropic: x-api-key and anthropic-version, no Authorization"
is "$(mock_req 1 '$.body')" \
	'{"model":"claude-haiku-4-5-20251001","system":"Be brief.","messages":[{"role":"user","content":"Say hello"}],"temperature":0.2,"max_tokens":4096,"stream":true}' \
	"anthropic: body: system top level, max_tokens default, stream, temperature"

mock_script "{\"file\":\"$F/anthropic/messages-stream-thinking.sse\"}"
run with_anthropic t3-chat -m claude-haiku-4-5-20251001 --reasoning-effort medium --show-reasoning --max-tokens 2000 "pelican names"
is_rc 0 "anthropic thinking"
ANT_TEXT='1. **Pouch** - references their iconic bill pouch
2. **Pelé** - playful take on "pelican"'
ANT_THINK="The user wants two names for a pet pelican, and they want me to be brief. I'll suggest two names that would suit a pelican well.

Some good options:
- Pelé (play on pelican)
- Pouch (referencing their bill pouch)
- Captain Beak
- Squirt
- Scoop
- Wing

Let me give two brief, catchy names:"
is_out "$ANT_TEXT" "anthropic thinking: only the answer on stdout"
is "$(cat "$ERR")" "$ANT_THINK" "anthropic thinking: --show-reasoning puts the thinking on stderr"
is "$(tail -c 1 "$ERR" | od -An -tx1 | tr -d ' ')" 0a "anthropic thinking: its line ended before the answer"
is "$(mock_req 1 '$.body.thinking' '$.body.max_tokens' '$.body.temperature')" \
	'[{"type":"enabled","budget_tokens":4096},8192,null]' "anthropic: medium effort is a 4096-token thinking budget, max_tokens raised above it"
is "$(last_ai 'reasoning_text')" "$ANT_THINK" "anthropic thinking: reasoning text stored"
is "$(last_usage 'prompt_tokens, completion_tokens')" "46|133" "anthropic thinking: tokens"
is_cost claude-haiku-4-5-20251001 46 133 0 0 "anthropic thinking"

# Claude 5 (the 'sonnet' alias): adaptive thinking with an effort, the
# thinking text asked for, room for thinking in max_tokens; a temperature
# is refused before anything is sent or stored
run with_anthropic t3-chat -m sonnet --reasoning-effort high --show-reasoning "pelican names"
is_rc 0 "claude 5 thinking"
is_out "$ANT_TEXT" "claude 5 thinking: the answer"
is "$(mock_req "$(mock_count)" '$.body.model' '$.body.thinking' '$.body.output_config' '$.body.max_tokens' '$.body.temperature')" \
	'["claude-sonnet-5",{"type":"adaptive","display":"summarized"},{"effort":"high"},32000,null]' \
	"claude 5: adaptive thinking, output_config.effort, no budget, max_tokens 32000"
is "$(mock_keys "$(mock_count)" '$.body')" "model,messages,thinking,output_config,max_tokens,stream" \
	"claude 5: no temperature member at all (not even null)"
snapshot
n=$(mock_count)
run with_anthropic t3-chat -m sonnet --temperature 0.5 "pelican names"
is "$rc $(cat "$ERR")" "6 t3-chat: error: model 'claude-sonnet-5' does not take a temperature (its API refuses any but the default)" \
	"claude 5: --temperature refused, naming the model"
is "$(mock_count)" "$n" "claude 5 --temperature: nothing sent"
unchanged "claude 5 --temperature: nothing stored"

run with_anthropic t3-chat -m claude-haiku-4-5-20251001 --jsonl "pelican names"
is_rc 0 "anthropic --jsonl: exit 0"
is "$(jsonl_types "$OUT")" "start reasoning reasoning reasoning reasoning reasoning delta delta usage done" \
	"anthropic --jsonl: reasoning events, then deltas, usage, done"
is "$(jsonl_text "$OUT" reasoning)" "$ANT_THINK" "anthropic --jsonl: reasoning text"
is "$(jsonl_text "$OUT" delta)" "$ANT_TEXT" "anthropic --jsonl: the deltas add up to the answer"
is "$(cat "$ERR")" "" "anthropic --jsonl: nothing on stderr"

mock_script "{\"file\":\"$F/anthropic/messages-nonstream-claude3opus.json\"}"
run with_anthropic t3-chat -m claude-haiku-4-5-20251001 --no-stream Nietzsche
is_rc 0 "anthropic --no-stream"
is_out 'When Nietzsche famously declared "God is dead" in his' "anthropic --no-stream: the answer"
is "$(mock_req 1 '$.body.stream')" "" "anthropic --no-stream: no stream field"
is "$(mock_keys 1 '$.body')" "model,messages,max_tokens" "anthropic --no-stream: the body's members (stream absent, not null)"
is "$(last_ai 'finish_reason, prompt_tokens, completion_tokens')" "max_tokens|22|15" "anthropic --no-stream: finish reason max_tokens, tokens"

# ================= Gemini =================
mock_script "{\"file\":\"$F/gemini/streamGenerateContent-sse-basic.sse\"}"
run with_gemini t3-chat -m gemini-2.5-flash -s "Answer in one line." --temperature 1 --max-tokens 64 -u "Capital of France?"
is_rc 0 "gemini: exit 0"
is_out_raw "The capital of France is Paris.
" "gemini: the recorded answer"
like "$ERR" '^t3-chat: gemini-2.5-flash: 13 prompt \+ 8 completion tokens, \$0\.0000[0-9]+, first token' "gemini: -u line"
is "$(last_usage 'status_code, provider_name, prompt_tokens, completion_tokens, reasoning_tokens, tokens_estimated')" \
	"success|gemini|13|8|0|0" "gemini: the last cumulative usageMetadata"
is_cost gemini-2.5-flash 13 8 0 0 gemini
is "$(last_ai 'finish_reason, status')" "STOP|complete" "gemini: finish reason"
is "$(mock_req 1 '$.path' '$.query')" '["/v1beta/models/gemini-2.5-flash:streamGenerateContent",{"alt":"sse"}]' \
	"gemini: BASE/models/MODEL:streamGenerateContent?alt=sse"
is "$(mock_req 1 '$.headers."x-goog-api-key"' '$.headers.authorization' '$.query.key')" \
	"[\"$KEY\",null,null]" "gemini: the key in x-goog-api-key, not in the URL"
is "$(mock_req 1 '$.body')" \
	'{"contents":[{"role":"user","parts":[{"text":"Capital of France?"}]}],"systemInstruction":{"parts":[{"text":"Answer in one line."}]},"generationConfig":{"temperature":1.0,"maxOutputTokens":64}}' \
	"gemini: body: contents, systemInstruction, generationConfig"

mock_script "{\"file\":\"$F/gemini/streamGenerateContent-sse-thinking.sse\"}"
run with_gemini t3-chat -m gemini-2.5-flash --reasoning-effort high --json "crossing the street"
is_rc 0 "gemini thinking"
is "$(mock_req 1 '$.body.generationConfig')" '{"thinkingConfig":{"thinkingBudget":24576,"includeThoughts":true}}' \
	"gemini: high effort is a thinking budget with thoughts included"
is "$(jsql "$OUT" "SELECT json_array(json_extract(J, '\$.prompt_tokens'), json_extract(J, '\$.completion_tokens'), json_extract(J, '\$.reasoning_tokens'), json_extract(J, '\$.finish_reason'), substr(json_extract(J, '\$.reasoning'), 1, 26), substr(json_extract(J, '\$.text'), -41), instr(json_extract(J, '\$.text'), 'Clarifying')) FROM d")" \
	'[34,1256,787,"STOP","**Clarifying User Goals**\n","Always assume a driver might not see you.",0]' \
	"gemini thinking --json: thoughts apart from the text, completion = candidates + thoughts"
is "$(last_usage 'prompt_tokens, completion_tokens, reasoning_tokens')" "34|1256|787" "gemini thinking: usage"
is_cost gemini-2.5-flash 34 1256 787 0 "gemini thinking"

mock_script "{\"file\":\"$F/gemini/generateContent-nonstream-text-short.json\"}"
run with_gemini t3-chat -m gemini-2.5-flash --no-stream hi
is_rc 0 "gemini --no-stream"
is_out_raw 'OK. I found a reference for "recurring revenue". What would you like to know about it? 
' "gemini --no-stream: the answer"
is "$(mock_req 1 '$.path' '$.query')" '["/v1beta/models/gemini-2.5-flash:generateContent",{}]' "gemini --no-stream: generateContent"
is "$(last_usage 'prompt_tokens, completion_tokens')" "207|20" "gemini --no-stream: usage"
is "$(last_ai 'finish_reason, status')" "STOP|complete" "gemini --no-stream: stored with its finish reason"

# ================= OpenRouter (the OpenAI adapter, another base URL) =================
mock_script "{\"file\":\"$F/openrouter/chat-stream-gpt4o-usage.sse\"}"
run with_openrouter t3-chat -m anthropic/claude-sonnet-4.5 "name two pets"
is_rc 0 "openrouter: exit 0"
is_out "Pebbles and Skipper." "openrouter: the recorded answer (comments skipped)"
is "$(last_usage 'status_code, provider_name, model_name, prompt_tokens, completion_tokens')" \
	"success|openrouter|anthropic/claude-sonnet-4.5|17|6" "openrouter: usage row"
is_cost anthropic/claude-sonnet-4.5 17 6 0 0 openrouter
is "$(last_ai 'finish_reason')" stop "openrouter: the usage chunk's null finish_reason does not erase 'stop'"
is "$(mock_req 1 '$.path' '$.headers.authorization' '$.body.model' '$.body.stream_options')" \
	"[\"/v1/chat/completions\",\"Bearer $KEY\",\"anthropic/claude-sonnet-4.5\",{\"include_usage\":true}]" \
	"openrouter: OpenAI-format request with the OpenRouter key"

# ================= the OpenAI adapter's other servers differ in two fields =================
mock_script '{"gen_events":2}'
run with_provider MISTRAL /v1 t3-chat -m mistral-small-latest --max-tokens 50 "hello"
is_rc 0 "mistral: exit 0"
is_out "tok0 tok1 " "mistral: the answer"
is "$(last_usage 'status_code, provider_name, model_name')" "success|mistral|mistral-small-latest" "mistral: usage row"
is "$(mock_req 1 '$.path' '$.body.max_tokens' '$.body.max_completion_tokens' '$.body.stream' '$.body.stream_options')" \
	'["/v1/chat/completions",50,null,true,null]' \
	"mistral: max_tokens, and no stream_options (it refuses unknown fields)"
is "$(mock_keys 1 '$.body')" "model,messages,max_tokens,stream" "mistral: no other member, not even a null one"
mock_script '{"gen_events":2}'
run with_provider GROQ /v1 t3-chat -m llama-3.3-70b-versatile --max-tokens 50 "hello"
is_rc 0 "groq: exit 0"
is_out "tok0 tok1 " "groq: the answer"
is "$(mock_req 1 '$.body.max_tokens' '$.body.max_completion_tokens' '$.body.stream_options')" \
	'[50,null,{"include_usage":true}]' "groq: max_tokens, stream_options"
is "$(mock_keys 1 '$.body')" "model,messages,max_tokens,stream,stream_options" "groq: no max_completion_tokens member, not even a null one"
is "$(last_usage 'prompt_tokens, completion_tokens')" "10|2" "groq: usage from the usage chunk"

done_testing

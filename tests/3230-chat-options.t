#!/bin/sh
# t3-chat -o KEY=VALUE: provider options beyond the named flags, checked
# against the model's API and sent where each API takes them; a bad key
# or value is refused before anything is stored or sent.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mock.sh"

t3-models list -q >/dev/null   # the databases exist before the snapshots

# ---- OpenAI: top level ----
mock_script '{"gen_events":2,"api":"openai"}'
run with_openai t3-chat -m gpt-4o-mini -o top_p=0.9 -o seed=42 -o frequency_penalty=-0.5 \
	-o presence_penalty=1.25 -o stop=END -o 'stop=["##","--"]' hi
is_rc 0 "openai: exit 0 with options"
is_out "tok0 tok1 " "openai: the answer"
is "$(mock_req 1 '$.body')" \
	'{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"top_p":0.9,"seed":42,"frequency_penalty":-0.5,"presence_penalty":1.25,"stop":["END","##","--"],"stream":true,"stream_options":{"include_usage":true}}' \
	"openai: the options at the top level, typed; stop sequences add up in order"
is "$(mock_req 1 '$.body.seed' '$.body.top_p')" '[42,0.9]' "openai: seed an integer, top_p a number"

# ---- Anthropic: top level, stop as stop_sequences ----
mock_script '{"gen_events":2,"api":"anthropic"}'
run with_anthropic t3-chat -m claude-haiku-4-5-20251001 -o top_k=40 -o top_p=0.5 -o stop=Human: hi
is_rc 0 "anthropic: exit 0 with options"
is "$(mock_req 1 '$.body')" \
	'{"model":"claude-haiku-4-5-20251001","messages":[{"role":"user","content":"hi"}],"max_tokens":4096,"top_k":40,"top_p":0.5,"stop_sequences":["Human:"],"stream":true}' \
	"anthropic: top_k, top_p and stop_sequences at the top level"

# ---- Gemini: generationConfig, camelCase ----
mock_script '{"gen_events":2,"api":"gemini"}'
run with_gemini t3-chat -m gemini-2.5-flash --max-tokens 100 -o top_p=0.8 -o top_k=20 -o seed=7 \
	-o stop=x -o presence_penalty=0.5 -o frequency_penalty=0.25 hi
is_rc 0 "gemini: exit 0 with options"
is "$(mock_req 1 '$.body.generationConfig')" \
	'{"maxOutputTokens":100,"topP":0.8,"topK":20,"seed":7,"stopSequences":["x"],"presencePenalty":0.5,"frequencyPenalty":0.25}' \
	"gemini: the options in generationConfig under Gemini's names"
is "$(mock_keys 1 '$.body')" "contents,generationConfig" "gemini: nothing at the top level"

# ---- refusals: exit 2, naming the key, nothing stored, nothing sent ----
mock_script '{"gen_events":2,"api":"openai"}'
refuse() { # PROVIDER MODEL MESSAGE DESCRIPTION -o...
	rf_p=$1 rf_m=$2 rf_msg=$3 rf_d=$4; shift 4
	snapshot
	run with_provider "$rf_p" "$([ "$rf_p" = GEMINI ] && echo /v1beta || echo /v1)" \
		t3-chat -m "$rf_m" "$@" hi
	is_rc 2 "$rf_d: exit 2"
	is_err "t3-chat: error: $rf_msg" "$rf_d: the message"
	is_out_raw "" "$rf_d: nothing on stdout"
	unchanged "$rf_d: nothing stored"
	is "$(mock_count)" 0 "$rf_d: nothing sent"
}
refuse OPENAI gpt-4o-mini "option 'top_k' is not one the openai API takes (valid: top_p, frequency_penalty, presence_penalty, seed, stop)" \
	"openai: top_k unknown" -o top_k=5
refuse ANTHROPIC claude-haiku-4-5-20251001 "option 'seed' is not one the anthropic API takes (valid: top_p, top_k, stop)" \
	"anthropic: seed unknown" -o seed=1
refuse GEMINI gemini-2.5-flash "option 'logprobs' is not one the gemini API takes (valid: top_p, top_k, frequency_penalty, presence_penalty, seed, stop)" \
	"gemini: logprobs unknown" -o logprobs=1
refuse OPENAI gpt-4o-mini "option 'top_p' must be a number from 0 to 1, not '1.5'" "top_p out of range" -o top_p=1.5
refuse OPENAI gpt-4o-mini "option 'top_p' must be a number from 0 to 1, not 'high'" "top_p not a number" -o top_p=high
refuse OPENAI gpt-4o-mini "option 'presence_penalty' must be a number from -2 to 2, not '-2.5'" \
	"a penalty below its range" -o presence_penalty=-2.5
refuse OPENAI gpt-4o-mini "option 'seed' must be an integer from -9007199254740991 to 9007199254740991, not '1.5'" \
	"seed not an integer" -o seed=1.5
refuse GEMINI gemini-2.5-flash "option 'seed' must be an integer from -2147483648 to 2147483647, not '4294967296'" \
	"gemini: seed beyond int32" -o seed=4294967296
refuse ANTHROPIC claude-haiku-4-5-20251001 "option 'top_k' must be an integer from 1 to 1000000, not '0'" \
	"anthropic: top_k 0" -o top_k=0
refuse OPENAI gpt-4o-mini "option 'stop' must be a non-empty string or a JSON array of 1 to 4 of them, not 'e'" \
	"openai: a fifth stop sequence" -o 'stop=["a","b","c"]' -o stop=d -o stop=e
refuse OPENAI gpt-4o-mini "option 'stop' must be a non-empty string or a JSON array of 1 to 4 of them, not '[1]'" \
	"stop: an array of a number" -o 'stop=[1]'
refuse OPENAI gpt-4o-mini "option 'stop' must be a non-empty string or a JSON array of 1 to 4 of them, not ''" \
	"stop: empty" -o stop=
refuse OPENAI gpt-4o-mini "option 'top_p' is given twice" "a key given twice" -o top_p=0.1 -o top_p=0.2
refuse OPENAI gpt-4o-mini "option 'top_p' must be KEY=VALUE" "no '='" -o top_p
refuse OPENAI gpt-4o-mini "option '=1' must be KEY=VALUE" "no key" -o =1
refuse OPENAI gpt-4o-mini "option 'temperature' has a flag of its own: use --temperature" \
	"temperature: its flag" -o temperature=0.5
refuse GEMINI gemini-2.5-flash "option 'max_tokens' has a flag of its own: use --max-tokens" \
	"max_tokens: its flag" -o max_tokens=5
refuse OPENAI gpt-4o-mini "option 'stream' has a flag of its own: use --no-stream" \
	"stream: its flag" -o stream=false

# the offline echo model speaks OpenAI's wire format: the same list
snapshot
run t3-chat -m echo -o top_k=1 hi
is_rc 2 "echo: checked against OpenAI's list"
unchanged "echo: nothing stored"
run t3-chat -m echo -o top_p=0.5 -o stop=x hi
is_rc 0 "echo: valid options are accepted (and have no effect)"
is_out "hi" "echo: the answer"

# -o in a continued chat applies to that turn only
mock_script '{"gen_events":1,"api":"openai"}' '{"gen_events":1,"api":"openai"}'
with_openai t3-chat -m gpt-4o-mini -o seed=3 first >/dev/null 2>&1
run with_openai t3-chat -c second
is_rc 0 "a continued chat"
is "$(mock_keys 2 '$.body')" "model,messages,stream,stream_options" "-o is not kept with the chat"

done_testing

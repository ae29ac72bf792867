#!/bin/sh
# t3-chat and API keys: sent in the right header, never in argv, never
# printed (also not with -v, also not when the server echoes it), never
# stored; keys from a key command; a missing key explained.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mock.sh"

no_key_in() { # DESCRIPTION FILE...: none of FILE... holds the key (each
	# must be there to be read: a file missing, or a glob that matched
	# nothing, fails rather than passing unsearched)
	nk_desc=$1; shift
	for nk_f; do
		[ -f "$nk_f" ] && [ -r "$nk_f" ] && continue
		ok 1 "$nk_desc"; diag "no file '$nk_f' to search"; return
	done
	if grep -a -q -F -- "$KEY" "$@"; then ok 1 "$nk_desc"; diag "the key is in: $(grep -a -l -F -- "$KEY" "$@")"
	else ok 0 "$nk_desc"; fi
}
# every file a run leaves behind, and its output
leftovers() { echo "$OUT" "$ERR" "$T3_HOME"/*; }

mock_script '{"gen_events":3}'
run with_openai t3-chat -m gpt-4o-mini -v hello
is_rc 0 "openai -v"
is "$(mock_req 1 '$.headers.authorization')" "Bearer $KEY" "(the key did reach the provider)"
is_err "t3-chat: POST $MOCK_URL/v1/chat/completions
t3-chat:   Authorization: (redacted)" "-v: the request line and headers, the key redacted"
no_key_in "openai -v: the key is not printed" "$OUT" "$ERR"

mock_script '{"gen_events":3,"api":"anthropic"}'
run with_anthropic t3-chat -m claude-haiku-4-5-20251001 -v --jsonl hello
is_rc 0 "anthropic -v --jsonl"
is_err "t3-chat: POST $MOCK_URL/v1/messages
t3-chat:   x-api-key: (redacted)
t3-chat:   anthropic-version: 2023-06-01" "anthropic -v: x-api-key redacted"
no_key_in "anthropic -v --jsonl: the key is not printed" "$OUT" "$ERR"

mock_script '{"gen_events":3,"api":"gemini"}'
run with_gemini t3-chat -m gemini-2.5-flash -v --json hello
is_rc 0 "gemini -v --json"
is_err "t3-chat: POST $MOCK_URL/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse
t3-chat:   x-goog-api-key: (redacted)" "gemini -v: x-goog-api-key redacted, not in the URL"
no_key_in "gemini -v --json: the key is not printed" "$OUT" "$ERR"

# a server that echoes the key back in its error
mock_script "{\"status\":401,\"body\":\"{\\\"error\\\":{\\\"message\\\":\\\"Incorrect API key provided: $KEY\\\",\\\"code\\\":\\\"invalid_api_key\\\"}}\"}"
run with_openai t3-chat -m gpt-4o-mini -v --json hello
is_rc 5 "a 401 that echoes the key"
is "$(tail -1 "$ERR")" "t3-chat: error: openai: HTTP 401 invalid_api_key: Incorrect API key provided: (redacted)" "the echoed key is redacted in the message"
no_key_in "nor in the --json error field" "$OUT"
mock_script "{\"body\":\"event: error\\ndata: {\\\"type\\\":\\\"error\\\",\\\"error\\\":{\\\"type\\\":\\\"authentication_error\\\",\\\"message\\\":\\\"bad key $KEY\\\"}}\\n\\n\",\"content_type\":\"text/event-stream\"}"
run with_anthropic t3-chat -m claude-haiku-4-5-20251001 --jsonl hello
is_rc 5 "an error event that echoes the key"
is "$(cat "$ERR")" "t3-chat: error: anthropic: error in the stream: authentication_error: bad key (redacted)" "redacted there too"
no_key_in "and in the --jsonl error event" "$OUT"

# a placeholder key (for a server that wants none) is no secret: the
# message keeps its letters
mock_script "{\"status\":400,\"body\":\"{\\\"error\\\":{\\\"message\\\":\\\"max_tokens is too large\\\",\\\"code\\\":\\\"bad_request\\\"}}\"}"
run env OPENAI_BASE_URL="$MOCK_URL/v1" OPENAI_API_KEY=x timeout 20 t3-chat -m gpt-4o-mini hello
is "$rc $(cat "$ERR")" "5 t3-chat: error: openai: HTTP 400 bad_request: max_tokens is too large" \
	"a short placeholder key is not redacted out of every word"

# a redirect is not followed (the key would go with it); the error says where
mock_script '{"status":301,"headers":{"Location":"https://elsewhere.example/v1/chat/completions"},"body":"<html>Moved</html>","content_type":"text/html"}'
run with_openai t3-chat -m gpt-4o-mini hello
is "$rc $(cat "$ERR")" "5 t3-chat: error: openai: HTTP 301: redirected to https://elsewhere.example/v1/chat/completions, which t3-chat does not follow (the request carries the key): set the base URL to it" \
	"a 301: not followed, the error names where it points"
is "$(mock_count)" 1 "a 301: one request, to the mock only"
mock_script '{"status":307,"headers":{"Location":"/v2/chat/completions"},"body":""}'
run with_openai t3-chat -m gpt-4o-mini hello
is "$rc $(cat "$ERR")" "5 t3-chat: error: openai: HTTP 307: redirected to $MOCK_URL/v2/chat/completions, which t3-chat does not follow (the request carries the key): set the base URL to it" \
	"a 307 with a relative Location: named in full"

# the key is not in argv while a request runs
mock_script '{"gen_events":200,"chunk":60,"delay_ms":10}'
: >"$TMP/argv.out"
env OPENAI_BASE_URL="$MOCK_URL/v1" OPENAI_API_KEY="$KEY" t3-chat -m gpt-4o-mini hello >"$TMP/argv.out" 2>/dev/null &
pid=$!
i=0; while [ ! -s "$TMP/argv.out" ] && [ $i -lt 250 ]; do sleep 0.02; i=$((i + 1)); done
ps -e -o pid= -o args= >"$TMP/ps"
tr '\0' ' ' </proc/$pid/cmdline >"$TMP/cmdline" 2>/dev/null
mkdir "$TMP/during"
cp "$T3_HOME"/* "$TMP/during/"
kill -INT $pid
i=0; while kill -0 $pid 2>/dev/null && [ $i -lt 100 ]; do sleep 0.02; i=$((i + 1)); done
kill -9 $pid 2>/dev/null
wait $pid
like "$TMP/ps" "t3-chat -m gpt-4o-mini hello" "(t3-chat was running)"
no_key_in "the key is in no process's argv" "$TMP/ps" "$TMP/cmdline"
like "$TMP/cmdline" "^t3-chat -m gpt-4o-mini hello $" "(argv is just the command line)"
ls "$TMP/during" | grep -q -- '-wal$'; ok $? "(a WAL file exists during a chat: $(ls "$TMP/during" | tr '\n' ' '))"
no_key_in "the key is in no database or WAL file during a chat" "$TMP"/during/*

# a key from the config's key command (no environment variable)
mkdir -p "$XDG_CONFIG_HOME/t3"
printf '%s\n' "$KEY" >"$TMP/keyfile"
mock_script '{"gen_events":3}'
printf 'openai.key_command = cat %s\nopenai.base_url = %s/v1\n' "$TMP/keyfile" "$MOCK_URL" >"$XDG_CONFIG_HOME/t3/config"
run tmo t3-chat -m gpt-4o-mini -v hello
is_rc 0 "a key from key_command"
is "$(mock_req 1 '$.headers.authorization')" "Bearer $KEY" "key_command's first line is the key"
no_key_in "key_command: not printed" "$OUT" "$ERR"
printf 'openai.key_command = echo %s; exit 3\n' "not-the-key-but-secret" >"$XDG_CONFIG_HOME/t3/config"
run tmo t3-chat -m gpt-4o-mini hello
is_rc 3 "a failing key command exits 3"
is_err "t3-chat: error: the key command for 'openai' failed (status 3)" "without echoing its output"
rm "$XDG_CONFIG_HOME/t3/config"
run tmo t3-chat -m gpt-4o-mini hello
is_rc 3 "no key at all exits 3"
is_err "t3-chat: error: no API key for 'openai': set OPENAI_API_KEY or 'openai.key_command' in $XDG_CONFIG_HOME/t3/config" \
	"saying where to put one"
run env OPENAI_BASE_URL="https://api.invalid/v1" timeout 20 t3-chat -m gpt-4o-mini hello
is_rc 3 "a remote base URL without a key is refused too"
is_err "t3-chat: error: no API key for 'openai': set OPENAI_API_KEY or 'openai.key_command' in $XDG_CONFIG_HOME/t3/config" \
	"with the same message"

# a server on this machine (Ollama, llama.cpp, vLLM) needs no key
mock_script '{"gen_events":2}'
n0=$(mock_count)
run env OLLAMA_BASE_URL="$MOCK_URL/v1" timeout 20 t3-chat -m llama3.2 hello
is "$rc $(cat "$OUT")" "0 tok0 tok1 " "a loopback provider without a key answers"
is "$(mock_req $((n0 + 1)) '$.headers.authorization')" "" "and no Authorization header is sent"
run env OLLAMA_BASE_URL="http://localhost.example.com:11434/v1" timeout 20 t3-chat -m llama3.2 hello
is_rc 3 "a host that merely starts with 'localhost' is not loopback"
is_err "t3-chat: error: no API key for 'ollama': set OLLAMA_API_KEY or 'ollama.key_command' in $XDG_CONFIG_HOME/t3/config" \
	"it needs a key like any remote host"
mock_script '{"gen_events":2,"api":"gemini"}'
run env GEMINI_BASE_URL="$MOCK_URL/v1beta" GOOGLE_API_KEY="$KEY" timeout 20 t3-chat -m gemini-2.5-flash hello
is "$rc $(cat "$OUT")" "0 tok0 tok1 " "GOOGLE_API_KEY: answered"
is "$(mock_req "$(mock_count)" '$.headers."x-goog-api-key"')" "$KEY" "GOOGLE_API_KEY serves Gemini too"

# nothing stored anywhere holds the key
n=$(sql "$DDB" "SELECT count(*) FROM usage_metrics")
[ "$n" -ge 8 ]; ok $? "(the runs were metered: $n usage rows)"
no_key_in "the key is in no database, WAL or other file under T3_HOME" $(leftovers)
done_testing

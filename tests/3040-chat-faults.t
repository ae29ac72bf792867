#!/bin/sh
# t3-chat when things go wrong: HTTP errors and retries, cut and stalled
# streams, mid-stream errors, oversized lines, refused connections,
# SIGINT, a closed pipe; and the earlier history intact after each.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mock.sh"
F=$FIXTURES
OAI_SSE=$F/openai/chat-stream-gpt4omini-include-usage.sse
OAI_TEXT='The result of \( 1231 \times 2331 \) is \( 2,869,461 \).'

ms() { echo $(($(date +%s%N) / 1000000)); }
timed() { # CMD...: run CMD (a function, such as cont or run); how long it took, in ms, in $took
	timed_t0=$(ms); "$@"; took=$(($(ms) - timed_t0))
}
usage_rows() { # the usage rows of the current chat (and chat-less ones) after $mark
	sql "$DDB" "SELECT status_code || ',' || ifnull(http_status, '-') || ',' || attempt FROM usage_metrics WHERE rowid > $mark ORDER BY rowid"
}
mark() { mark=$(sql "$DDB" "SELECT ifnull(max(rowid), 0) FROM usage_metrics"); }
nmsgs() { sql "$DDB" "SELECT count(*) FROM chat_messages"; }

# One chat whose first exchange must survive every fault below.
mock_script "{\"file\":\"$OAI_SSE\"}"
run with_openai t3-chat -m gpt-4o-mini -s "Be exact." "What is 1231*2331?"
is_rc 0 "a first exchange"
sql "$DDB" "SELECT message_id, sender_type, message_text, status, tokens_used FROM chat_messages ORDER BY timestamp" >"$TMP/history0"
chat=$(sql "$DDB" "SELECT chat_id FROM chat_sessions")
cont() { # PROVIDER-WRAPPER ARGS...: continue the chat
	w=$1; shift
	run $w t3-chat --chat "$chat" "$@"
}

# ---- 429 with Retry-After, then success ----
mock_script "{\"status\":429,\"headers\":{\"Retry-After\":\"0\"},\"file\":\"$F/openai/error-429-rate_limit_exceeded-rpm.json\"}" \
	"{\"file\":\"$OAI_SSE\"}"
mark
cont with_openai -m gpt-4o-mini "again"
is_rc 0 "429 then success: exit 0"
is_out "$OAI_TEXT" "429 then success: the answer once on stdout"
is_err "t3-chat: openai: HTTP 429 rate_limit_exceeded: Rate limit reached for gpt-4o-mini in organization org-2UNBOwAjq6LkaA8Fl347aXVc on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in 120ms. Visit https://platform.openai.com/account/rate-limits to learn more.; retrying in 0.0 s" \
	"429: the retry announced on stderr with the decoded error"
is "$(mock_count)" 2 "429: retried once"
is "$(usage_rows)" "rate_limited,429,1
success,200,2" "429: a usage row per attempt: rate_limited, then success"
is "$(last_ai 'status, tokens_used')" "complete|113" "429: the answer stored once"

mock_script "{\"status\":429,\"headers\":{\"Retry-After\":\"1\"},\"file\":\"$F/openai/error-429-rate_limit_exceeded-rpm.json\"}" \
	"{\"file\":\"$OAI_SSE\"}"
mark
timed cont with_openai -m gpt-4o-mini "again"
is_rc 0 "429 Retry-After 1, then success"
like "$ERR" 'retrying in 1\.0 s$' "Retry-After: 1 is honoured"
is "$(mock_count) $(usage_rows | tr '\n' ' ')" "2 rate_limited,429,1 success,200,2 " "Retry-After 1: retried once, a usage row per attempt"
[ $took -ge 1000 ] && [ $took -lt 5000 ]; ok $? "waited about a second ($took ms)"

# Gemini sends no Retry-After: the wait is the body's RetryInfo retryDelay
sed 's/"retryDelay": "3s"/"retryDelay": "1s"/' "$F/gemini/error-429-RESOURCE_EXHAUSTED-quota-retryinfo.json" >"$TMP/g429.json"
grep -q '"1s"' "$TMP/g429.json"; ok $? "(the fixture's retryDelay made 1s)"
mock_script "{\"status\":429,\"file\":\"$TMP/g429.json\"}" "{\"file\":\"$F/gemini/streamGenerateContent-sse-basic.sse\"}"
mark
timed run with_gemini t3-chat -m gemini-2.5-flash -n "again"
is_rc 0 "gemini 429 with RetryInfo, then success"
like "$ERR" 'retrying in 1\.0 s$' "gemini: retryDelay 1s honoured"
[ $took -ge 1000 ] && [ $took -lt 5000 ]; ok $? "gemini: waited about a second ($took ms)"
sed 's/PerMinute/PerDay/' "$TMP/g429.json" >"$TMP/g429d.json"
mock_script "{\"status\":429,\"file\":\"$TMP/g429d.json\"}"
mark
run with_gemini t3-chat -m gemini-2.5-flash -n "again"
is "$rc $(mock_count)" "5 1" "gemini 429 for a daily quota: not retried"
is_err "t3-chat: error: gemini: HTTP 429 RESOURCE_EXHAUSTED: You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. To monitor your current usage, head to: https://ai.dev/usage?tab=rate-limit. * Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 2, model: gemini-2.5-pro Please retry in 3.598366221s." \
	"gemini daily quota: the decoded error, no retry announced"
is "$(usage_rows)" "rate_limited,429,1" "gemini daily quota: one usage row"

mock_script "{\"status\":429,\"headers\":{\"Retry-After\":\"120\"},\"file\":\"$F/openai/error-429-rate_limit_exceeded-rpm.json\"}"
mark
timed cont with_openai -m gpt-4o-mini "again"
is_rc 5 "a Retry-After beyond the bound is not waited for: exit 5"
is_err "t3-chat: error: openai: HTTP 429 rate_limit_exceeded: Rate limit reached for gpt-4o-mini in organization org-2UNBOwAjq6LkaA8Fl347aXVc on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in 120ms. Visit https://platform.openai.com/account/rate-limits to learn more." \
	"Retry-After beyond the bound: the decoded error, no retry announced"
is "$(cat "$OUT")" "" "Retry-After beyond the bound: nothing on stdout"
is "$(mock_count) $(usage_rows)" "1 rate_limited,429,1" "one request, one usage row"
[ $took -lt 5000 ]; ok $? "and no long wait ($took ms)"

# Retry-After may also be an HTTP date (RFC 9110): one in the past means
# now; one an hour ahead is beyond the bound. (Read as no Retry-After,
# either would get a backoff of 0.5-0.75 s and a retry.)
mock_script "{\"status\":429,\"headers\":{\"Retry-After\":\"Wed, 21 Oct 2015 07:28:00 GMT\"},\"file\":\"$F/openai/error-429-rate_limit_exceeded-rpm.json\"}" \
	"{\"file\":\"$OAI_SSE\"}"
mark
cont with_openai -m gpt-4o-mini "again"
is_rc 0 "Retry-After as a past HTTP date, then success"
like "$ERR" 'retrying in 0\.0 s$' "a past date: retried at once"
is "$(mock_count) $(usage_rows | tr '\n' ' ')" "2 rate_limited,429,1 success,200,2 " "a past date: two requests, a usage row each"
later=$(date -u -d '+1 hour' '+%a, %d %b %Y %H:%M:%S GMT')
mock_script "{\"status\":429,\"headers\":{\"Retry-After\":\"$later\"},\"file\":\"$F/openai/error-429-rate_limit_exceeded-rpm.json\"}"
mark
cont with_openai -m gpt-4o-mini "again"
is_rc 5 "Retry-After as an HTTP date an hour ahead: exit 5"
is "$(mock_count) $(usage_rows)" "1 rate_limited,429,1" "not retried: one request, one usage row"
unlike "$ERR" 'retrying' "no retry announced"
is_err "t3-chat: error: openai: HTTP 429 rate_limit_exceeded: Rate limit reached for gpt-4o-mini in organization org-2UNBOwAjq6LkaA8Fl347aXVc on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in 120ms. Visit https://platform.openai.com/account/rate-limits to learn more." \
	"an HTTP date an hour ahead: the decoded error"

# ---- insufficient_quota: a 429 that is not retried ----
mock_script "{\"status\":429,\"file\":\"$F/openai/error-429-insufficient_quota.json\"}"
mark
cont with_openai -m gpt-4o-mini "again"
is_rc 5 "insufficient_quota: exit 5"
is_err "t3-chat: error: openai: HTTP 429 insufficient_quota: You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors." \
	"insufficient_quota: one line naming status, code and message"
is "$(mock_count)" 1 "insufficient_quota: not retried"
is "$(usage_rows)" "rate_limited,429,1" "insufficient_quota: one usage row"
is "$(cat "$OUT")" "" "insufficient_quota: nothing on stdout"

# ---- 529 / 500 retried up to --retries ----
mock_script "{\"status\":529,\"headers\":{\"Retry-After\":\"0\"},\"file\":\"$F/anthropic/error-529-overloaded_error-2024.json\"}"
mark
cont with_anthropic -m claude-haiku-4-5-20251001 --retries 2 "again"
is_rc 5 "529 every time: exit 5"
is_err "t3-chat: anthropic: HTTP 529 overloaded_error: Overloaded; retrying in 0.0 s
t3-chat: anthropic: HTTP 529 overloaded_error: Overloaded; retrying in 0.0 s
t3-chat: error: anthropic: HTTP 529 overloaded_error: Overloaded" "529: two retries announced, then the decoded error"
is "$(mock_count)" 3 "529: --retries 2 is three requests"
is "$(usage_rows)" "http_529,529,1
http_529,529,2
http_529,529,3" "529: a usage row per attempt"

mock_script '{"status":500,"body":"Internal Server Error","content_type":"text/plain"}'
mark
timed cont with_openai -m gpt-4o-mini --retries 1 "again"
is_rc 5 "500 with a text body: exit 5"
like "$ERR" '^t3-chat: openai: HTTP 500: Internal Server Error; retrying in 0\.[5-7] s$' "500: backoff of half a second, with jitter"
like "$ERR" '^t3-chat: error: openai: HTTP 500: Internal Server Error$' "500: the body as the message"
is "$(mock_count) $(usage_rows | tr '\n' ' ')" "2 http_500,500,1 http_500,500,2 " "500: --retries 1 is two requests"
[ $took -ge 500 ]; ok $? "500: waited before retrying ($took ms)"

mock_script '{"status":503}'
mark
cont with_openai -m gpt-4o-mini --retries 0 "again"
is_rc 5 "--retries 0: exit 5 at once"
is "$(mock_count) $(cat "$ERR")" "1 t3-chat: error: openai: HTTP 503" "503 with an empty body"
is "$(usage_rows)" "http_503,503,1" "503: one usage row"

# ---- an error page that is not UTF-8 (a proxy's Latin-1 HTML) ----
# --jsonl used to crash here (json_pack refused the message) and --json
# to drop its "error" member; bad bytes now become U+FFFD in JSON
printf '<html>502 Bad gateway \351t\351</html>' >"$TMP/latin1.html"
for fmt in --jsonl --json; do
	mock_script "{\"status\":502,\"file\":\"$TMP/latin1.html\",\"content_type\":\"text/html\"}"
	mark
	cont with_openai -m gpt-4o-mini --retries 0 $fmt "again"
	is_rc 5 "$fmt, a non-UTF-8 error page: exit 5"
	jsonl_array "$OUT"
	is "$(jsql "$OUT.json" "SELECT coalesce(json_extract(value, '\$.error'), json_extract(value, '\$.message')) FROM d, json_each(d.J) WHERE json_extract(value, '\$.type') = 'error' OR json_extract(value, '\$.type') IS NULL")" \
		"openai: HTTP 502: <html>502 Bad gateway $(printf '\357\277\275')t$(printf '\357\277\275')</html>" \
		"$fmt: the error in valid JSON, bad bytes as U+FFFD"
	is "$(usage_rows)" "http_502,502,1" "$fmt: metered"
done

# ---- 401 and other client errors: not retried ----
mock_script "{\"status\":401,\"file\":\"$F/openai/error-401-invalid_api_key-chat-2024.json\"}"
mark
cont with_openai -m gpt-4o-mini "again"
is_rc 5 "openai 401: exit 5"
is_err "t3-chat: error: openai: HTTP 401 invalid_api_key: Incorrect API key provided: <not-a-r****key>. You can find your API key at https://platform.openai.com/account/api-keys." \
	"openai 401: status, code and the provider's message"
is "$(mock_count)" 1 "openai 401: not retried"
is "$(usage_rows)" "http_401,401,1" "openai 401: usage row http_401"
mock_script "{\"status\":401,\"file\":\"$F/anthropic/error-401-authentication_error.json\"}"
mark
cont with_anthropic -m claude-haiku-4-5-20251001 "again"
is_rc 5 "anthropic 401: exit 5"
is_err "t3-chat: error: anthropic: HTTP 401 authentication_error: invalid x-api-key" "anthropic 401: decoded"
is "$(usage_rows)" "http_401,401,1" "anthropic 401: usage row http_401"
mock_script "{\"status\":400,\"file\":\"$F/gemini/error-400-API_KEY_INVALID.json\"}"
cont with_gemini -m gemini-2.5-flash "again"
is_rc 5 "gemini 400: exit 5"
is_err "t3-chat: error: gemini: HTTP 400 INVALID_ARGUMENT: API key not valid. Please pass a valid API key." "gemini 400: decoded"
is "$(mock_count)" 1 "gemini 400: not retried"
mock_script "{\"status\":429,\"file\":\"$F/gemini/error-429-RESOURCE_EXHAUSTED-simple.json\",\"headers\":{\"Retry-After\":\"0\"}}" \
	'{"gen_events":2,"api":"gemini"}'
cont with_gemini -m gemini-2.5-flash "again"
is "$rc $(mock_count)" "0 2" "gemini 429 RESOURCE_EXHAUSTED: retried"
is "$(cat "$OUT")" "tok0 tok1 " "gemini 429: the answer of the second attempt"

# ---- a 200 with JSON instead of SSE ----
mock_script "{\"file\":\"$F/openai/chat-nonstream-gpt4omini.json\"}"
cont with_openai -m gpt-4o-mini "again"
is_rc 0 "a JSON completion where SSE was asked for is still an answer"
is "$(cat "$OUT") $(last_ai 'message_text, status, prompt_tokens')" "YES YES|complete|146" "decoded and stored"
mock_script "{\"file\":\"$F/openai/error-429-insufficient_quota.json\"}"
mark
n=$(nmsgs)
cont with_openai -m gpt-4o-mini "again"
is_rc 5 "a 200 whose JSON body is an error: exit 5"
is_err "t3-chat: error: openai: error in the stream: insufficient_quota: You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors." \
	"the error decoded"
is "$(usage_rows) $(nmsgs)" "stream_error,200,1 $((n + 1))" "usage stream_error; only the user message stored"
mock_script '{"body":"<html>bad gateway</html>","content_type":"text/html"}'
mark
n=$(nmsgs)
cont with_openai -m gpt-4o-mini "again"
is_rc 5 "a 200 with HTML: exit 5"
is_err "t3-chat: error: openai: malformed response" "reported as malformed"
is "$(cat "$OUT")" "" "HTML: nothing on stdout"
is "$(usage_rows) $(nmsgs)" "malformed,200,1 $((n + 1))" "HTML: usage malformed; only the user message stored"

# ---- a stream cut off mid-transfer ----
mock_script "{\"file\":\"$OAI_SSE\",\"cut_at\":1500}"
mark
cont with_openai -m gpt-4o-mini "again"
is_rc 4 "cut_at: exit 4"
is_out 'The result of' "cut_at: the partial answer was printed, its line ended"
like "$ERR" '^t3-chat: error: stream cut off: ' "cut_at: says the stream was cut off"
is "$(last_ai 'message_text, status, finish_reason IS NULL')" "The result of|incomplete|1" "cut_at: the partial answer stored, flagged incomplete"
is "$(usage_rows)" "incomplete,200,1" "cut_at: usage row incomplete"
is "$(sql "$DDB" "SELECT tokens_estimated, prompt_tokens > 0, completion_tokens > 0 FROM usage_metrics ORDER BY rowid DESC LIMIT 1")" "1|1|1" \
	"cut_at: tokens estimated (the provider gave none), flagged"
is "$(mock_count)" 1 "cut_at: not retried once text was printed"

# a complete transfer whose stream lacks its terminal event
head -c 3300 "$OAI_SSE" | sed '$d' >"$TMP/noterm.sse"
grep -q '"finish_reason":"stop"' "$TMP/noterm.sse"; ok $((! $?)) "(the truncated fixture has no finish reason)"
mock_script "{\"file\":\"$TMP/noterm.sse\"}"
mark
cont with_openai -m gpt-4o-mini "again"
is_rc 4 "no terminator: exit 4"
is_err "t3-chat: error: openai: the stream ended before the answer was complete" "no terminator: says so"
is "$(last_ai 'status')" incomplete "no terminator: partial stored as incomplete"
is "$(usage_rows)" "incomplete,200,1" "no terminator: usage incomplete"
# cut while deciding on a <think> tag: the bytes held back are kept
printf '%s\n\n' 'data: {"choices":[{"index":0,"delta":{"content":"<thi"},"finish_reason":null}]}' >"$TMP/held.sse"
mock_script "{\"file\":\"$TMP/held.sse\"}"
mark
cont with_openai -m gpt-4o-mini "again"
is "$rc $(cat "$OUT")" "4 <thi" "cut inside a possible <think> tag: exit 4, the held bytes printed"
is_err "t3-chat: error: openai: the stream ended before the answer was complete" "cut inside a possible <think> tag: says so"
is "$(last_ai 'message_text, status')" "<thi|incomplete" "and stored with the partial answer"
printf '%s\n\n' 'data: {"choices":[{"index":0,"delta":{"content":"<think>plan</thi"},"finish_reason":null}]}' >"$TMP/held.sse"
mock_script "{\"file\":\"$TMP/held.sse\"}"
mark
cont with_openai -m gpt-4o-mini --show-reasoning "again"
is "$rc|$(cat "$OUT")|$(cat "$ERR")" "$(printf '4||plan</thi\nt3-chat: error: %s' \
	'openai: the stream ended before the answer was complete')" \
	"cut inside the </think> tag: the held bytes are reasoning, shown with it, its line ended"
grep -v '^data: \[DONE\]' "$F/anthropic/messages-stream-text.sse" | sed '/^event: message_stop/,$d' >"$TMP/nostop.sse"
mock_script "{\"file\":\"$TMP/nostop.sse\"}"
mark
cont with_anthropic -m claude-haiku-4-5-20251001 "again"
is "$rc $(cat "$OUT")" "4 Hello" "anthropic without message_stop: exit 4"
is_err "t3-chat: error: anthropic: the stream ended before the answer was complete" "anthropic without message_stop: says so"
is "$(last_ai 'message_text, status') $(usage_rows)" "Hello|incomplete incomplete,200,1" "anthropic without message_stop: partial stored and metered as incomplete"

# ---- Anthropic mid-stream error event ----
sed '/^event: content_block_stop/,$d' "$F/anthropic/messages-stream-text.sse" >"$TMP/midstream.sse"
cat "$F/anthropic/stream-error-event-overloaded-fragment.sse" >>"$TMP/midstream.sse"
mock_script "{\"file\":\"$TMP/midstream.sse\"}"
mark
cont with_anthropic -m claude-haiku-4-5-20251001 "again"
is_rc 5 "anthropic event: error: exit 5"
is "$(cat "$OUT")" "Hello" "the text before the error was printed"
is_err "t3-chat: error: anthropic: error in the stream: overloaded_error: Overloaded" "the error event reported"
is "$(last_ai 'message_text, status')" "Hello|error" "the partial answer stored, flagged"
is "$(usage_rows)" "stream_error,200,1" "usage stream_error"
is "$(mock_count)" 1 "not retried after text was printed"

# the same overload before any text: retried
sed '/^event: content_block_start/,$d' "$F/anthropic/messages-stream-text.sse" >"$TMP/early.sse"
cat "$F/anthropic/stream-error-event-overloaded-fragment.sse" >>"$TMP/early.sse"
mock_script "{\"file\":\"$TMP/early.sse\"}" "{\"file\":\"$F/anthropic/messages-stream-text.sse\"}"
mark
cont with_anthropic -m claude-haiku-4-5-20251001 "again"
is_rc 0 "an overloaded error event before any text is retried"
like "$ERR" '^t3-chat: anthropic: error in the stream: overloaded_error: Overloaded; retrying in 0\.[5-7] s$' "with a backoff"
is "$(cat "$OUT") $(mock_count)" "Hello 2" "the answer of the second attempt"
is "$(usage_rows)" "stream_error,200,1
success,200,2" "a usage row per attempt"

# an OpenRouter error chunk mid-stream
head -n 8 "$F/openrouter/chat-stream-gpt4o-usage.sse" >"$TMP/orerr.sse"
printf '%s\n\n' 'data: {"id":"gen-x","object":"chat.completion.chunk","created":1754441342,"model":"openai/gpt-4o","provider":"OpenAI","error":{"code":"server_error","message":"Provider disconnected unexpectedly"},"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}]}' >>"$TMP/orerr.sse"
mock_script "{\"file\":\"$TMP/orerr.sse\"}"
mark
cont with_openrouter -m anthropic/claude-sonnet-4.5 "again"
is_rc 5 "openrouter error chunk: exit 5"
is "$(cat "$OUT")" "Pebbles" "openrouter error chunk: the text before it was printed"
is_err "t3-chat: error: openrouter: error in the stream: server_error: Provider disconnected unexpectedly" "openrouter error chunk: reported"
is "$(last_ai 'message_text, status') $(usage_rows)" "Pebbles|error stream_error,200,1" "openrouter error chunk: partial stored, flagged"

# ---- a stalled stream ----
mock_script '{"gen_events":50,"stall_after":300,"stall_s":8}'
mark
timed cont with_openai -m gpt-4o-mini --timeout 1 "again"
is_rc 4 "stall: exit 4"
is_err "t3-chat: error: stream stalled: no data for 1 second" "stall: says so"
[ $took -ge 900 ] && [ $took -lt 4000 ]; ok $? "stall: noticed after about a second ($took ms)"
is "$(last_ai 'message_text, status')" "tok0 |incomplete" "stall: partial stored as incomplete"
is "$(usage_rows)" "stalled,200,1" "stall: usage row"
mock_script '{"gen_events":5,"first_delay_ms":8000}'
mark
timed cont with_openai -m gpt-4o-mini --timeout 1 "again"
is "$rc $(cat "$ERR")" "4 t3-chat: error: stream stalled: no data for 1 second" "a stall before the first byte"
[ $took -ge 900 ] && [ $took -lt 4000 ]; ok $? "noticed in time, after the second of --timeout 1 ($took ms)"
is "$(cat "$OUT")" "" "a stall before the first byte: nothing on stdout"
is "$(usage_rows)" "stalled,-,1" "a stall before the first byte: usage row stalled (no HTTP status before the first byte)"

# ---- complete, but no answer text, or cut short ----
printf '%s\n\n' 'data: {"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}' \
	'data: {"choices":[{"index":0,"delta":{},"finish_reason":"length"}],"usage":{"prompt_tokens":9,"completion_tokens":50,"total_tokens":59,"completion_tokens_details":{"reasoning_tokens":50}}}' \
	'data: [DONE]' >"$TMP/empty.sse"
mock_script "{\"file\":\"$TMP/empty.sse\"}"
mark
n=$(nmsgs)
cont with_openai -m gpt-4o-mini "again"
is "$rc $(cat "$ERR")" "5 t3-chat: error: openai: no answer: the model reached its token limit (length) before writing any; raise --max-tokens" \
	"thinking used the whole limit: exit 5, says so"
is "$(usage_rows) $(nmsgs)" "empty,200,1 $((n + 1))" "no answer: usage row 'empty', no AI message stored"
printf '%s\n\n' 'data: {"promptFeedback":{"blockReason":"PROHIBITED_CONTENT"},"usageMetadata":{"promptTokenCount":7,"totalTokenCount":7},"modelVersion":"gemini-2.5-flash"}' >"$TMP/blocked.sse"
mock_script "{\"file\":\"$TMP/blocked.sse\"}"
mark
run with_gemini t3-chat -m gemini-2.5-flash -n "again"
is "$rc $(cat "$ERR")" "5 t3-chat: error: gemini: no answer text (finish reason PROHIBITED_CONTENT)" \
	"a blocked prompt: exit 5, naming the block reason"
is "$(usage_rows)" "empty,200,1" "a blocked prompt: metered as empty"
printf '%s\n\n' 'data: {"choices":[{"index":0,"delta":{"content":"Once upon"},"finish_reason":null}]}' \
	'data: {"choices":[{"index":0,"delta":{},"finish_reason":"length"}]}' 'data: [DONE]' >"$TMP/cut.sse"
mock_script "{\"file\":\"$TMP/cut.sse\"}"
run with_openai t3-chat -m gpt-4o-mini -n "again"
is "$rc $(cat "$OUT")" "0 Once upon" "an answer cut at the limit: shown, exit 0"
is "$(cat "$ERR")" "t3-chat: warning: the answer was cut at the token limit (length)" "and a warning says so"
run with_openai t3-chat -m gpt-4o-mini -n --json "again"
is_rc 0 "--json, an answer cut at the limit: exit 0"
is "$(jx "$OUT" '$.finish_reason') $(wc -c <"$ERR" | tr -d ' ')" "length 0" "--json: the reason in the output, no warning"
sed 's/"length"/"content_filter"/' "$TMP/cut.sse" >"$TMP/filtered.sse"
mock_script "{\"file\":\"$TMP/filtered.sse\"}"
run with_openai t3-chat -m gpt-4o-mini -n "again"
is "$rc $(cat "$OUT")" "0 Once upon" "an answer stopped by a filter: shown, exit 0"
is "$(cat "$ERR")" "t3-chat: warning: the provider stopped the answer (content_filter)" "and a warning says so"

# ---- an over-long SSE line ----
mock_script '{"gen_events":5,"huge_line":3000000}'
mark
cont with_openai -m gpt-4o-mini "again"
is_rc 5 "huge line: exit 5"
is_err "t3-chat: error: openai: malformed response (line too long)" "huge line: bounded, reported"
is "$(usage_rows)" "malformed,200,1" "huge line: usage malformed"

# ---- responses past the size bounds ----
mock_script '{"gen_events":5,"pad_comments":268500000}'
mark
cont with_openai -m gpt-4o-mini "again"
is_rc 5 "a stream over 256 MiB: exit 5"
is_err "t3-chat: error: openai: response too large (over 256 MiB)" "a stream over 256 MiB: says so"
is "$(usage_rows)" "malformed,200,1" "a stream over 256 MiB: usage malformed"
is "$(cat "$OUT")" "" "a stream over 256 MiB: nothing on stdout"
mock_script '{"pad_json":16800000}'
mark
cont with_openai -m gpt-4o-mini --no-stream "again"
is_rc 5 "a body over 16 MiB: exit 5"
is_err "t3-chat: error: openai: response too large (over 16 MiB)" "a body over 16 MiB: says so"
is "$(usage_rows)" "malformed,200,1" "a body over 16 MiB: usage malformed"
mock_script '{"pad_json":16700000}'
cont with_openai -m gpt-4o-mini --no-stream "again"
is "$rc $(cat "$ERR")" "5 t3-chat: error: openai: malformed response" "a body just under 16 MiB is read whole (and is no answer)"

# ---- nobody listening ----
port=$(closed_port)
mark
run env OPENAI_BASE_URL="http://127.0.0.1:$port/v1" OPENAI_API_KEY="$KEY" timeout 20 t3-chat --chat "$chat" -m gpt-4o-mini "again"
is_rc 4 "connection refused: exit 4"
like "$ERR" "^t3-chat: error: network error: .*127\\.0\\.0\\.1 port $port" "connection refused: one line naming the address"
is "$(wc -l <"$ERR" | tr -d ' ')" 1 "connection refused: one line"
is "$(usage_rows)" "network,-,1" "connection refused: usage network"
is "$(cat "$OUT")" "" "connection refused: nothing on stdout"

# ---- a connect that hangs: the connect timeout, bounded by --timeout ----
blackhole_start
mark
n0=$(nmsgs)
timed run env OPENAI_BASE_URL="http://127.0.0.1:$BH_PORT/v1" OPENAI_API_KEY="$KEY" timeout 20 \
	t3-chat --chat "$chat" -m gpt-4o-mini --timeout 1 "again"
kill "$BH_PID" 2>/dev/null
is_rc 4 "connect timeout: exit 4"
like "$ERR" "^t3-chat: error: network error: .*127\\.0\\.0\\.1 port $BH_PORT.*([Tt]imeout was reached|timed out)" \
	"connect timeout: one line naming the address and the timeout"
is "$(wc -l <"$ERR" | tr -d ' ')" 1 "connect timeout: one line"
[ $took -ge 900 ] && [ $took -lt 5000 ]; ok $? "connect timeout: gave up after about a second, not 10 ($took ms)"
is "$(usage_rows)" "network,-,1" "connect timeout: usage row network, not retried"
is "$(nmsgs)" "$((n0 + 1))" "connect timeout: the user message stored, no answer"
is "$(cat "$OUT")" "" "connect timeout: nothing on stdout"

# ---- SIGINT during a drip stream ----
# Wait for output, send SIGINT, and time the stop: until the "interrupted"
# line on stderr, which t3-chat writes once the transfer has stopped and
# the partial answer is stored (the exit that follows may take longer
# under the sanitizers' leak check, which is not what is measured).
sigint_after_output() { # OUTFILE PID: t1 - t0 is the stop, rc the exit status,
	# began 0 if OUTFILE had something in it when SIGINT was sent
	i=0
	while [ ! -s "$1" ] && [ $i -lt 250 ]; do sleep 0.02; i=$((i + 1)); done
	[ -s "$1" ]; began=$?
	t0=$(ms)
	kill -INT "$2"
	i=0
	while ! grep -q interrupted "$TMP/int.err" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.01; i=$((i + 1)); done
	t1=$(ms)
	i=0
	while kill -0 "$2" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.01; i=$((i + 1)); done
	kill -9 "$2" 2>/dev/null
	wait "$2"; rc=$?
}
again_bg() { # [BASE_URL]: continue the chat in the background against the
	# mock (or BASE_URL): its stdout and stderr in int.out and int.err
	# (emptied first), its pid $bg
	: >"$TMP/int.out"
	: >"$TMP/int.err"
	env OPENAI_BASE_URL="${1:-$MOCK_URL/v1}" OPENAI_API_KEY="$KEY" t3-chat --chat "$chat" -m gpt-4o-mini "again" >"$TMP/int.out" 2>"$TMP/int.err" &
	bg=$!
}
stopped_by_sigint() { # EXIT-DESCRIPTION STOP-DESCRIPTION-PREFIX
	is "$rc" 130 "$1"
	[ $((t1 - t0)) -lt 500 ]; ok $? "${2}stopped within 500 ms ($((t1 - t0)) ms)"
}
mock_script '{"gen_events":400,"chunk":60,"delay_ms":20}'
mark
again_bg
sigint_after_output "$TMP/int.out" $bg
ok $began "SIGINT: (sent once the answer had begun)"
stopped_by_sigint "SIGINT: exit 130" "SIGINT: "
is "$(cat "$TMP/int.err")" "t3-chat: error: interrupted" "SIGINT: says interrupted"
is "$(last_ai 'status')" interrupted "SIGINT: the partial answer stored, flagged interrupted"
is "$(last_ai 'message_text')" "$(cat "$TMP/int.out")" "SIGINT: what was stored is what was printed"
is "$(usage_rows)" "interrupted,200,1" "SIGINT: usage interrupted"

# SIGINT before the first byte (the provider is slow to answer)
mock_script '{"gen_events":5,"first_delay_ms":5000}'
mark
n=$(nmsgs)
again_bg
i=0; while [ "$(mock_count)" = 0 ] && [ $i -lt 250 ]; do sleep 0.02; i=$((i + 1)); done
sigint_after_output "$MOCK_LOG" $bg
ok $began "(sent once the request had reached the provider)"
stopped_by_sigint "SIGINT while waiting for the provider: exit 130" ""
is "$(nmsgs) $(usage_rows)" "$((n + 1)) interrupted,-,1" "the user message kept, no answer, usage interrupted (no HTTP status yet)"
is "$(cat "$TMP/int.out") $(cat "$TMP/int.err")" " t3-chat: error: interrupted" "nothing on stdout, 'interrupted' on stderr"

# SIGINT while waiting to retry
mock_script "{\"status\":429,\"headers\":{\"Retry-After\":\"10\"},\"file\":\"$F/openai/error-429-rate_limit_exceeded-rpm.json\"}"
mark
again_bg
sigint_after_output "$TMP/int.err" $bg
ok $began "(sent once the retry was announced)"
stopped_by_sigint "SIGINT while waiting to retry: exit 130" ""
is "$(sed 1d "$TMP/int.err")" "t3-chat: error: interrupted" "says interrupted"
is "$(mock_count) $(usage_rows)" "1 rate_limited,429,1" "one request, one usage row for it"
is "$(cat "$TMP/int.out")" "" "nothing on stdout"

# SIGINT while connecting to a host that does not answer
blackhole_start
mark
n=$(nmsgs)
again_bg "http://127.0.0.1:$BH_PORT/v1"
# its first socket is made after the SIGINT handler is in place, for the
# connect; a fixed sleep after the user message is stored would race that
i=0
until ls -l "/proc/$bg/fd" 2>/dev/null | grep -q 'socket:' || [ $i -ge 250 ]; do
	sleep 0.02; i=$((i + 1))
done
[ $i -lt 250 ] && echo now >"$TMP/int.go"
sigint_after_output "$TMP/int.go" $bg
ok $began "(sent once it was connecting)"
kill "$BH_PID" 2>/dev/null
stopped_by_sigint "SIGINT while connecting: exit 130" ""
is "$(nmsgs) $(usage_rows)" "$((n + 1)) interrupted,-,1" "the user message kept, usage interrupted (no HTTP status)"
is "$(cat "$TMP/int.out") $(cat "$TMP/int.err")" " t3-chat: error: interrupted" "nothing on stdout, 'interrupted' on stderr"

# ---- a reader that goes away ----
mock_script '{"gen_events":400,"chunk":60,"delay_ms":10}'
mark
t0=$(ms)
(with_openai t3-chat --chat "$chat" -m gpt-4o-mini "again" 2>"$TMP/pipe.err"; echo $? >"$TMP/pipe.rc") | head -c 5 >"$OUT"
took=$(($(ms) - t0))
is "$(cat "$OUT")" "tok0 " "head -c 5 got its bytes"
is "$(cat "$TMP/pipe.err")" "" "a closed pipe ends quietly: nothing on stderr"
is "$(cat "$TMP/pipe.rc")" 141 "exit 141, as if killed by SIGPIPE"
[ $took -lt 3000 ]; ok $? "it stopped soon after the reader left ($took ms)"
is "$(last_ai 'status') $(usage_rows)" "interrupted interrupted,200,1" "the partial answer stored as interrupted"

# ---- standard output that cannot be written: the transfer stops ----
if [ -w /dev/full ]; then
	mock_script '{"gen_events":400,"chunk":60,"delay_ms":20}'
	mark
	t0=$(ms)
	with_openai t3-chat --chat "$chat" -m gpt-4o-mini "again" >/dev/full 2>"$ERR"; rc=$?
	took=$(($(ms) - t0))
	is "$rc $(cat "$ERR")" "3 t3-chat: error: write error on standard output: No space left on device" \
		"stdout on a full disk: exit 3, one line"
	[ $took -lt 3000 ]; ok $? "the transfer stopped, not drained ($took ms of a ~30 s drip)"
	is "$(last_ai 'status') $(usage_rows)" "interrupted interrupted,200,1" "the part stored and metered as interrupted"
	# reasoning handed on after stdout failed (the held '</thi') is
	# dropped with its --jsonl event, not shown on stderr instead
	printf '%s\n\n' 'data: {"choices":[{"index":0,"delta":{"content":"<think>plan</thi"},"finish_reason":null}]}' >"$TMP/held.sse"
	mock_script "{\"file\":\"$TMP/held.sse\"}"
	with_openai t3-chat --chat "$chat" -m gpt-4o-mini --jsonl --show-reasoning "again" >/dev/full 2>"$ERR"; rc=$?
	is "$rc $(cat "$ERR")" "3 t3-chat: error: write error on standard output: No space left on device" \
		"--jsonl --show-reasoning on a full disk: no reasoning on stderr"
else
	skip 4 "no writable /dev/full"
fi

# ---- the history is intact ----
sql "$DDB" "SELECT message_id, sender_type, message_text, status, tokens_used FROM chat_messages ORDER BY timestamp LIMIT 2" >"$TMP/history1"
cmp -s "$TMP/history0" "$TMP/history1"; ok $? "the first exchange is unchanged after every fault"
is "$(sql "$DDB" "SELECT count(*) FROM chat_sessions")" 1 "still one chat"
is "$(sql "$DDB" "SELECT count(*) FROM chat_messages m WHERE parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM chat_messages p WHERE p.message_id = m.parent_id)")" 0 \
	"no message has a dangling parent"
is "$(sql "$DDB" "PRAGMA integrity_check") $(sql "$DDB" "PRAGMA foreign_key_check" | wc -l)" "ok 0" "data.db is consistent"
mock_script '{"gen_events":2}'
cont with_openai -m gpt-4o-mini "and finally"
is_rc 0 "the chat continues"
is "$(mock_req 1 '$.body.messages[0]' '$.body.messages[1]' '$.body.messages[2]')" \
	"[{\"role\":\"system\",\"content\":\"Be exact.\"},{\"role\":\"user\",\"content\":\"What is 1231*2331?\"},{\"role\":\"assistant\",\"content\":\"$(printf '%s' "$OAI_TEXT" | sed 's/\\/\\\\/g')\"}]" \
	"with the first exchange sent as history"

# ---- the text reaches stdout as it arrives ----
# The server sends the first three events, then holds the stream: their
# text must be on stdout while t3-chat still waits for the rest. (-n: this
# chat is done with.)
n_stream=$(nmsgs)
B=$("$PYTHON" "$TESTDIR/mockprov.py" --dump-gen openai 50 | awk 'BEGIN { RS = "\n\n" } NR <= 3 { n += length($0) + 2 } END { print n }')
mock_script "{\"gen_events\":50,\"stall_after\":$B,\"stall_s\":8}"
env OPENAI_BASE_URL="$MOCK_URL/v1" OPENAI_API_KEY="$KEY" t3-chat -n -m gpt-4o-mini "stream" >"$TMP/s.out" 2>"$TMP/s.err" &
pid=$!
i=0
while [ "$(cat "$TMP/s.out")" != "tok0 tok1 tok2 " ] && [ $i -lt 400 ]; do sleep 0.02; i=$((i + 1)); done
is "$(cat "$TMP/s.out")" "tok0 tok1 tok2 " "streaming: the text of the three events sent is on stdout"
kill -0 $pid 2>/dev/null; ok $? "streaming: while t3-chat still waits for the rest"
kill -INT $pid 2>/dev/null
wait $pid
is "$?" 130 "streaming: then SIGINT stops it"
# the same with --jsonl: the start event and three deltas, each a line
mock_script "{\"gen_events\":50,\"stall_after\":$B,\"stall_s\":8}"
env OPENAI_BASE_URL="$MOCK_URL/v1" OPENAI_API_KEY="$KEY" t3-chat -n --jsonl -m gpt-4o-mini "stream" >"$TMP/s.out" 2>"$TMP/s.err" &
pid=$!
i=0
while [ "$(wc -l <"$TMP/s.out")" -lt 4 ] && [ $i -lt 400 ]; do sleep 0.02; i=$((i + 1)); done
is "$(jsonl_types "$TMP/s.out")" "start delta delta delta" "--jsonl streaming: start and three deltas while the stream is held"
kill -0 $pid 2>/dev/null; ok $? "--jsonl streaming: t3-chat still waiting"
kill -INT $pid 2>/dev/null
wait $pid
is "$?" 130 "--jsonl streaming: then SIGINT stops it"
is "$(nmsgs) $(sql "$DDB" "SELECT count(*) FROM chat_sessions")" "$n_stream 1" "-n: the interrupted streams stored no chat and no message"

done_testing

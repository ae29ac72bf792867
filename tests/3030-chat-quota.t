#!/bin/sh
# t3-chat and token quotas: refused before any request, decremented by
# what was used, no decrement lost to concurrency.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mock.sh"

t3-user add zero@example.com --quota 0 >/dev/null
t3-user add q@example.com --quota 100000 >/dev/null
zero=$(sql "$UDB" "SELECT user_id FROM user_accounts WHERE email = 'zero@example.com'")
q=$(sql "$UDB" "SELECT user_id FROM user_accounts WHERE email = 'q@example.com'")
# 10 prompt + 3 completion tokens per answer
mock_script '{"gen_events":3}'

run with_openai t3-chat -m gpt-4o-mini --user zero@example.com hello
is_rc 6 "an exhausted quota is refused with exit 6"
is_err "t3-chat: error: token quota of 'zero@example.com' is used up (plan 'free')" "naming the user and plan"
is "$(cat "$OUT")" "" "nothing on stdout"
is "$(mock_count)" 0 "no request sent"
is "$(sql "$DDB" "SELECT user_id, status_code, model_name, provider_name, tokens_used, cost_usd, chat_id IS NULL FROM usage_metrics")" \
	"$zero|quota_exceeded|gpt-4o-mini|openai|0|0.0|1" "a usage row 'quota_exceeded'"
is "$(sql "$DDB" "SELECT count(*) FROM chat_messages") $(sql "$DDB" "SELECT count(*) FROM chat_sessions")" "0 0" "no chat, no message stored"
run with_openai t3-chat -m gpt-4o-mini --user zero@example.com --json hello
is_rc 6 "also with --json"
is "$(cat "$OUT")" "" "--json prints nothing for a refusal"
is_err "t3-chat: error: token quota of 'zero@example.com' is used up (plan 'free')" "--json: the same message on stderr"
is "$(mock_count)" 0 "--json: no request sent"
is "$(sql "$DDB" "SELECT group_concat(status_code) FROM usage_metrics WHERE user_id = '$zero'") $(sql "$DDB" "SELECT count(*) FROM chat_messages")" \
	"quota_exceeded,quota_exceeded 0" "--json: a second 'quota_exceeded' row, still no message"
is "$(sql "$UDB" "SELECT token_quota FROM user_accounts WHERE user_id = '$zero'")" 0 "the quota stays 0"

run with_openai t3-chat -m gpt-4o-mini --user q@example.com hello
is_rc 0 "a user with quota chats"
is "$(sql "$UDB" "SELECT token_quota FROM user_accounts WHERE user_id = '$q'")" 99987 "the quota went down by the 13 tokens used"
is "$(sql "$DDB" "SELECT tokens_used FROM usage_metrics WHERE user_id = '$q'")" 13 "as metered"

# spending more than is left stops at zero; the next call is refused
t3-user set q@example.com --quota 5 >/dev/null
run with_openai t3-chat -m gpt-4o-mini --user q@example.com hello
is_rc 0 "a call with some quota left goes ahead"
is "$(cat "$OUT")" "tok0 tok1 tok2 " "and answers in full"
is "$(sql "$DDB" "SELECT status_code, tokens_used FROM usage_metrics WHERE user_id = '$q' ORDER BY rowid DESC LIMIT 1")" "success|13" \
	"metered at the 13 tokens used, not the 5 left"
is "$(sql "$UDB" "SELECT token_quota FROM user_accounts WHERE user_id = '$q'")" 0 "and uses the quota up (not below zero)"
n=$(mock_count)
run with_openai t3-chat -m gpt-4o-mini --user q@example.com hello
is_rc 6 "then the user is refused"
is "$(mock_count)" "$n" "before any request"
is_err "t3-chat: error: token quota of 'q@example.com' is used up (plan 'free')" "naming the user and plan"
is "$(sql "$DDB" "SELECT status_code, tokens_used FROM usage_metrics WHERE user_id = '$q' ORDER BY rowid DESC LIMIT 1")" "quota_exceeded|0" \
	"a usage row 'quota_exceeded'"
is "$(sql "$DDB" "SELECT count(*) FROM chat_messages m JOIN chat_sessions s USING (chat_id) WHERE s.user_id = '$q'")" 4 \
	"no message stored for the refusal (the two answered calls' four only)"

# eight chats of one user at once against a dripping mock: none lost
t3-user set q@example.com --quota 100000 >/dev/null
mock_script '{"gen_events":20,"chunk":200,"delay_ms":10}'
pids=
for k in 1 2 3 4 5 6 7 8; do
	with_openai t3-chat -m gpt-4o-mini --user q@example.com "parallel $k" >"$TMP/p$k.out" 2>"$TMP/p$k.err" &
	pids="$pids $!"
done
fails=0
for p in $pids; do wait "$p" || fails=$((fails + 1)); done
is "$fails" 0 "eight concurrent chats succeed"
is "$(cat "$TMP"/p*.err)" "" "without a message (no busy database)"
is "$(mock_count)" 8 "eight requests"
is "$(sql "$DDB" "SELECT count(*), sum(tokens_used) FROM usage_metrics WHERE user_id = '$q' AND status_code = 'success' AND timestamp > 0 AND chat_id IN (SELECT chat_id FROM chat_messages WHERE message_text LIKE 'parallel %')")" \
	"8|240" "eight usage rows of 30 tokens"
is "$(sql "$UDB" "SELECT token_quota FROM user_accounts WHERE user_id = '$q'")" 99760 "no decrement lost: 100000 - 8 * 30"
is "$(sql "$DDB" "SELECT count(*) FROM chat_messages WHERE sender_type = 'ai' AND status = 'complete' AND message_text LIKE 'tok0 %tok19 '")" 8 \
	"eight answers stored"
bad=
for k in 1 2 3 4 5 6 7 8; do
	[ "$(cat "$TMP/p$k.out")" = "$(printf 'tok%d ' $(seq 0 19))" ] || bad="$bad $k"
done
is "$bad" "" "each of the eight printed its whole answer"

done_testing

#!/bin/sh
# t3-usage quota, export and prune.
. "$(dirname "$0")/lib.sh"
. "$TESTDIR/usage-data.sh"
usage_data
t3-user quota alice@example.com --set 10000 >/dev/null
t3-user quota bob@example.com --set 4000000 >/dev/null
export T3_NOW=2026-03-15T12:00:00Z

run t3-usage quota --csv
is_rc 0 "quota"
is_out "user_id,email,subscription_plan,token_allowance,token_quota,used,share_used,tokens_this_month
$ALICE,alice@example.com,free,100000,10000,90000,90,187
$BOB,bob@example.com,pro,5000000,4000000,1000000,20,1200
$CAROL,carol@example.com,free,100000,100000,0,0,0" \
	"plan, allowance, left, used, share, and this month's tokens in each user's zone"
run t3-usage quota --over 50 --json
is_rc 1 "--over 50: exit 1 when a user is past it"
is_out "[
{\"user_id\":\"$ALICE\",\"email\":\"alice@example.com\",\"subscription_plan\":\"free\",\"token_allowance\":100000,\"token_quota\":10000,\"used\":90000,\"share_used\":90.0,\"tokens_this_month\":187}
]" "listing only those users, --json"
run t3-usage quota --over 95
is_rc 0 "--over 95: nobody, exit 0"
is_out "USER ID  EMAIL  PLAN  ALLOWANCE  LEFT  USED  USED %  THIS MONTH" "an empty table"
run t3-usage quota --user bob@example.com --over 20 -q
is_rc 1 "--over is reached at exactly the share"
is_out "$BOB" "-q lists the user ids, for xargs"
unset T3_NOW

# export: every row, in time order, every column
run t3-usage export
is_rc 0 "export"
is "$(wc -l <"$OUT")" 7 "one NDJSON line per row"
is "$(sed -n 1p "$OUT")" "{\"usage_id\":\"00000000-0000-7000-8000-000000000004\",\"user_id\":\"$BOB\",\"timestamp\":\"2026-03-07T19:00:00.000Z\",\"model_name\":\"claude\",\"tokens_used\":1200,\"status_code\":\"success\",\"provider_name\":\"anthropic\",\"prompt_tokens\":1000,\"completion_tokens\":200,\"reasoning_tokens\":0,\"cached_tokens\":0,\"tokens_estimated\":0,\"cost_usd\":0.250000000,\"chat_id\":null,\"message_id\":null,\"first_token_ms\":null,\"total_ms\":null,\"http_status\":null,\"attempt\":1}" \
	"the first line: the oldest row, seed names, ISO-8601 UTC, cost without an exponent"
is "$(sed 's/.*"usage_id":"[0-9-]*\([0-9]\)".*/\1/' "$OUT" | tr -d '\n')" 4123657 "time order"
if have jq; then
	jq -e . "$OUT" >/dev/null
	ok $? "every line is JSON (jq)"
fi
run t3-usage export --csv --user alice@example.com --since 2026-03-08T08:00Z
is_out "usage_id,user_id,timestamp,model_name,tokens_used,status_code,provider_name,prompt_tokens,completion_tokens,reasoning_tokens,cached_tokens,tokens_estimated,cost_usd,chat_id,message_id,first_token_ms,total_ms,http_status,attempt
00000000-0000-7000-8000-000000000002,$ALICE,2026-03-08T08:30:00.000Z,gpt-4o,150,success,openai,100,50,5,40,0,0.001500000,,,,,,1
00000000-0000-7000-8000-000000000003,$ALICE,2026-03-08T10:00:00.000Z,claude,7,http_500,anthropic,7,0,0,0,0,0.000000000,,,,,,1" \
	"export --csv of one user since an instant"
run t3-usage export --until 2026-03-07
is "$(wc -l <"$OUT")" 1 "export --until a date (UTC): to the end of that day"

# prune: deletes what is older, archives it first
t3-usage export >"$TMP/all.ndjson"
snapshot
run t3-usage prune --before 2026-03-31
is_rc 0 "prune"
is_err "t3-usage: pruned 5 usage rows" "says how many"
is "$(sql "$DDB" "SELECT count(*) FROM usage_metrics")" 2 "the older rows are gone"
run t3-usage prune --before 2026-04-10 --archive "$TMP/archive.ndjson"
is_rc 0 "prune --archive"
is "$(sql "$DDB" "SELECT count(*) FROM usage_metrics")" 0 "all gone"
is "$(cat "$TMP/archive.ndjson")" "$(tail -n 2 "$TMP/all.ndjson")" "the archive holds exactly the pruned rows, as export writes them"
run t3-usage prune --before 2026-04-10
is_err "t3-usage: pruned 0 usage rows" "pruning nothing is fine"
is_rc 0 "and exits 0"
done_testing

#!/bin/sh
# t3-usage report: groupings, zones, filters and formats over a few rows
# around Denver's DST change (tests/usage-data.sh).
. "$(dirname "$0")/lib.sh"
. "$TESTDIR/usage-data.sh"

run t3-usage report
is_rc 0 "an empty report exits 0"
is_out "USER ID  EMAIL  REQUESTS  ERRORS  PROMPT  COMPLETION  REASONING  CACHED  TOTAL  COST USD
TOTAL                  0       0       0           0          0       0      0  0.000000" "an empty table has its header and a zero total"
run t3-usage report --json
is_out "[]" "an empty --json report is an empty array"
run t3-usage daily --csv
is_out "day,requests,errors,prompt_tokens,completion_tokens,reasoning_tokens,cached_tokens,tokens_used,cost_usd" \
	"an empty --csv report is its header"

usage_data

run t3-usage report --by user,day --csv
is_out "user_id,email,day,requests,errors,prompt_tokens,completion_tokens,reasoning_tokens,cached_tokens,tokens_used,cost_usd
$GONE,,2026-03-08,1,0,1,1,0,0,2,0.000000
$ALICE,alice@example.com,2026-03-07,1,0,10,20,0,0,30,0.000010
$ALICE,alice@example.com,2026-03-08,2,1,107,50,5,40,157,0.001500
$BOB,bob@example.com,2026-03-08,1,0,1000,200,0,0,1200,0.250000
$BOB,bob@example.com,2026-04-01,1,1,0,0,0,0,0,0.000000
$CAROL,carol@example.com,2026-04-02,1,0,3,4,0,0,7,0.000001" \
	"by user,day: each user's own local days (Denver, Kolkata; UTC for a user not in user.db)"

run t3-usage report --by day --utc --tsv
is_out "$(printf 'day\trequests\terrors\tprompt_tokens\tcompletion_tokens\treasoning_tokens\tcached_tokens\ttokens_used\tcost_usd
2026-03-07\t1\t0\t1000\t200\t0\t0\t1200\t0.250000
2026-03-08\t4\t1\t118\t71\t5\t40\t189\t0.001510
2026-03-31\t1\t1\t0\t0\t0\t0\t0\t0.000000
2026-04-02\t1\t0\t3\t4\t0\t0\t7\t0.000001')" "--utc buckets in UTC, --tsv"

run t3-usage report --by day --tz America/Denver --csv
is_out "day,requests,errors,prompt_tokens,completion_tokens,reasoning_tokens,cached_tokens,tokens_used,cost_usd
2026-03-07,2,0,1010,220,0,0,1230,0.250010
2026-03-08,3,1,108,51,5,40,159,0.001500
2026-03-31,1,1,0,0,0,0,0,0.000000
2026-04-02,1,0,3,4,0,0,7,0.000001" "--tz puts everyone in one zone"

run t3-usage report --by user,hour --user alice@example.com --csv
is_out "user_id,email,hour,requests,errors,prompt_tokens,completion_tokens,reasoning_tokens,cached_tokens,tokens_used,cost_usd
$ALICE,alice@example.com,2026-03-07T23:00-07:00,1,0,10,20,0,0,30,0.000010
$ALICE,alice@example.com,2026-03-08T01:00-07:00,1,0,100,50,5,40,150,0.001500
$ALICE,alice@example.com,2026-03-08T04:00-06:00,1,1,7,0,0,0,7,0.000000" \
	"hours carry their UTC offset, before and after the change"

run t3-usage report --by model --json
is_out '[
{"model_name":"claude","requests":2,"errors":1,"prompt_tokens":1007,"completion_tokens":200,"reasoning_tokens":0,"cached_tokens":0,"tokens_used":1207,"cost_usd":0.250000},
{"model_name":"gemini","requests":1,"errors":0,"prompt_tokens":1,"completion_tokens":1,"reasoning_tokens":0,"cached_tokens":0,"tokens_used":2,"cost_usd":0.000000},
{"model_name":"gpt-4o","requests":4,"errors":1,"prompt_tokens":113,"completion_tokens":74,"reasoning_tokens":5,"cached_tokens":40,"tokens_used":187,"cost_usd":0.001511}
]' "--json: an array, seed names, costs as plain decimals"

run t3-usage report --by provider,status --jsonl
is_out '{"provider_name":"anthropic","status_code":"http_500","requests":1,"errors":1,"prompt_tokens":7,"completion_tokens":0,"reasoning_tokens":0,"cached_tokens":0,"tokens_used":7,"cost_usd":0.000000}
{"provider_name":"anthropic","status_code":"success","requests":1,"errors":0,"prompt_tokens":1000,"completion_tokens":200,"reasoning_tokens":0,"cached_tokens":0,"tokens_used":1200,"cost_usd":0.250000}
{"provider_name":"google","status_code":"success","requests":1,"errors":0,"prompt_tokens":1,"completion_tokens":1,"reasoning_tokens":0,"cached_tokens":0,"tokens_used":2,"cost_usd":0.000000}
{"provider_name":"openai","status_code":"rate_limited","requests":1,"errors":1,"prompt_tokens":0,"completion_tokens":0,"reasoning_tokens":0,"cached_tokens":0,"tokens_used":0,"cost_usd":0.000000}
{"provider_name":"openai","status_code":"success","requests":3,"errors":0,"prompt_tokens":113,"completion_tokens":74,"reasoning_tokens":5,"cached_tokens":40,"tokens_used":187,"cost_usd":0.001511}' \
	"--jsonl, by provider and status"

run t3-usage monthly --utc --breakdown --csv
is_out "month,model_name,requests,errors,prompt_tokens,completion_tokens,reasoning_tokens,cached_tokens,tokens_used,cost_usd
2026-03,claude,2,1,1007,200,0,0,1207,0.250000
2026-03,gemini,1,0,1,1,0,0,2,0.000000
2026-03,gpt-4o,3,1,110,70,5,40,180,0.001510
2026-04,gpt-4o,1,0,3,4,0,0,7,0.000001" "monthly --breakdown: by month and model"

run t3-usage weekly --utc --csv
is_out "week,requests,errors,prompt_tokens,completion_tokens,reasoning_tokens,cached_tokens,tokens_used,cost_usd
2026-03-02,5,1,1118,271,5,40,1389,0.251510
2026-03-30,2,1,3,4,0,0,7,0.000001" "weeks start on Monday (2026-03-08 is a Sunday)"
run t3-usage weekly --utc --week-start sunday --csv
is_out "week,requests,errors,prompt_tokens,completion_tokens,reasoning_tokens,cached_tokens,tokens_used,cost_usd
2026-03-01,1,0,1000,200,0,0,1200,0.250000
2026-03-08,4,1,118,71,5,40,189,0.001510
2026-03-29,2,1,3,4,0,0,7,0.000001" "--week-start sunday"

# the table: right-aligned numbers, a totals row, no data from rows
# reaching the terminal as control characters
run t3-usage report --by user --user alice@example.com,$GONE
is_out "USER ID                               EMAIL              REQUESTS  ERRORS  PROMPT  COMPLETION  REASONING  CACHED  TOTAL  COST USD
$GONE  -                         1       0       1           1          0       0      2  0.000000
$ALICE  alice@example.com         3       1     117          70          5      40    187  0.001510
TOTAL                                                           4       1     118          71          5      40    189  0.001510" \
	"a table with a totals row; --user takes emails and ids, comma lists"
usage_row 8 "$CAROL" 2026-04-03T10:00:00 "$(printf 'evil\033[2Jmodel')" x success 1 1 0 0 0
run t3-usage report --by model --user "$CAROL"
like "$OUT" '^evil\^\[\[2Jmodel ' "a model name's escape sequence is shown, not sent, in a table"
run t3-usage report --by model --user "$CAROL" --csv
like "$OUT" "$(printf '^evil\033')" "and exact in CSV"
sql "$DDB" "DELETE FROM usage_metrics WHERE usage_id LIKE '%000000000008'"

# filters
csv_totals() { # the report's rows without the header, one per line
	tail -n +2 "$OUT" | tr '\n' ' ' | sed 's/ $//'
}
run t3-usage report --by model --model gpt-4o,claude --provider openai --csv
is "$(csv_totals)" "gpt-4o,4,1,113,74,5,40,187,0.001511" "--model (a list) and --provider together"
run t3-usage report --by status --status error --csv
is "$(csv_totals)" "http_500,1,1,7,0,0,0,7,0.000000 rate_limited,1,1,0,0,0,0,0,0.000000" \
	"--status error: every status but success"
run t3-usage report --by status --status success --status http_500 --csv
is "$(csv_totals)" "http_500,1,1,7,0,0,0,7,0.000000 success,5,0,1114,275,5,40,1389,0.251511" \
	"--status repeated"
run t3-usage report --by user --since 2026-03-08 --until 2026-03-08 --csv
is "$(csv_totals)" "$GONE,,1,0,1,1,0,0,2,0.000000 $ALICE,alice@example.com,2,1,107,50,5,40,157,0.001500 $BOB,bob@example.com,1,0,1000,200,0,0,1200,0.250000" \
	"--since and --until a date: that whole local day of each user"
run t3-usage report --by user --since 2026-03-08T09:00Z --until 2026-03-08T12:00:00Z --csv
is "$(csv_totals)" "$ALICE,alice@example.com,1,1,7,0,0,0,7,0.000000" \
	"instants: --since inclusive, --until exclusive"
run t3-usage report --by user --since 2026-03-08T01:00 --user alice@example.com --csv
is "$(csv_totals)" "$ALICE,alice@example.com,2,1,107,50,5,40,157,0.001500" "a local time in the user's zone"
T3_NOW=2026-04-01T12:00:00Z run t3-usage report --by user --since today --until today --csv
is "$(csv_totals)" "$BOB,bob@example.com,1,1,0,0,0,0,0,0.000000" "today (T3_NOW): Bob's April 1 in Kolkata"
export T3_NOW=2026-04-03T12:00:00Z
run t3-usage report --by day --since yesterday --until yesterday --utc --csv
is "$(csv_totals)" "2026-04-02,1,0,3,4,0,0,7,0.000001" "yesterday"
run t3-usage report --by month --since last-month --utc --csv
is "$(csv_totals)" "2026-03,6,2,1118,271,5,40,1389,0.251510 2026-04,1,0,3,4,0,0,7,0.000001" "last-month as --since"
run t3-usage report --by month --until last-month --utc --csv
is "$(csv_totals)" "2026-03,6,2,1118,271,5,40,1389,0.251510" "last-month as --until: to its end"
run t3-usage report --by month --since this-month --utc --csv
is "$(csv_totals)" "2026-04,1,0,3,4,0,0,7,0.000001" "this-month"
run t3-usage report --by day --since 3d --utc --csv
is "$(csv_totals)" "2026-04-02,1,0,3,4,0,0,7,0.000001" "3d: today and the two days before"
run t3-usage daily --last 4 --utc --csv
is "$(csv_totals)" "2026-03-31,1,1,0,0,0,0,0,0.000000 2026-04-02,1,0,3,4,0,0,7,0.000001" \
	"--last 4 days: March 31 to April 3"
run t3-usage monthly --last 1 --utc --csv
is "$(csv_totals)" "2026-04,1,0,3,4,0,0,7,0.000001" "--last 1 month"
unset T3_NOW

# --window: blocks that start at the hour of a user's first request
run t3-usage report --by user --window 3h --user alice@example.com --csv
is "$(csv_totals)" "$ALICE,alice@example.com,2026-03-07T23:00-07:00,2,0,110,70,5,40,180,0.001510 $ALICE,alice@example.com,2026-03-08T04:00-06:00,1,1,7,0,0,0,7,0.000000" \
	"--window 3h: 06:30Z and 08:30Z fall in the block from 06:00Z, 10:00Z starts the next"

# --by chat reads chat_id from the table
sql "$DDB" "UPDATE usage_metrics SET chat_id = '00000000-0000-7000-8000-0000000000c1' WHERE usage_id IN ('00000000-0000-7000-8000-000000000001', '00000000-0000-7000-8000-000000000002')"
run t3-usage report --by chat,user --user alice@example.com --csv
is "$(csv_totals)" ",$ALICE,alice@example.com,1,1,7,0,0,0,7,0.000000 00000000-0000-7000-8000-0000000000c1,$ALICE,alice@example.com,2,0,110,70,5,40,180,0.001510" \
	"--by chat: rows without a chat come first, as an empty field"
run t3-usage report --by chat --user alice@example.com --json
like "$OUT" '^\{"chat_id":null,' "and as null in JSON"

# --by purpose: a title call apart from the chats' (purpose from the table)
sql "$DDB" "UPDATE usage_metrics SET purpose = 'title' WHERE usage_id = '00000000-0000-7000-8000-000000000002'"
run t3-usage report --by user,purpose --user alice@example.com --csv
is_out "user_id,email,purpose,requests,errors,prompt_tokens,completion_tokens,reasoning_tokens,cached_tokens,tokens_used,cost_usd
$ALICE,alice@example.com,chat,2,1,17,20,0,0,37,0.000010
$ALICE,alice@example.com,title,1,0,100,50,5,40,150,0.001500" "--by purpose: the title call apart"
run t3-usage report --by purpose --json
like "$OUT" '^\{"purpose":"chat","requests":6,' "--by purpose --json: the member is purpose"
run t3-usage report --by purpose
like "$OUT" '^PURPOSE +REQUESTS' "--by purpose: a table column"

# a chat writing (a write transaction open, not committed) does not
# block a report, nor does the report see the uncommitted row
"$PYTHON" -c '
import sqlite3, sys, os, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
db.execute("INSERT INTO usage_metrics (usage_id, user_id, timestamp, model_name, status_code, tokens_used) VALUES (?, ?, 1772950000000, ?, ?, 5)",
	("00000000-0000-7000-8000-0000000000ff", sys.argv[2], "gpt-4o", "success"))
open(sys.argv[3], "w").close()
while not os.path.exists(sys.argv[4]):
	time.sleep(0.01)
db.execute("COMMIT")
' "$DDB" "$ALICE" "$TMP/locked" "$TMP/release" &
writer=$!
while [ ! -f "$TMP/locked" ]; do sleep 0.05; done
run t3-usage report --by user --user alice@example.com --csv
: >"$TMP/release"
wait $writer
is_rc 0 "a report runs while a chat holds the write lock"
is "$(csv_totals)" "$ALICE,alice@example.com,3,1,117,70,5,40,187,0.001510" "and sees only committed rows"
run t3-usage report --by user --user alice@example.com --csv
is "$(csv_totals)" "$ALICE,alice@example.com,4,1,117,70,5,40,192,0.001510" "the row is there once committed"
sql "$DDB" "DELETE FROM usage_metrics WHERE usage_id = '00000000-0000-7000-8000-0000000000ff'"

# --chart
run t3-usage report --by user --utc --chart --ascii --user alice@example.com,bob@example.com
is_out "alice@example.com #######+ 187
bob@example.com   ################################################## 1200" "--chart --ascii: total tokens"
run t3-usage report --by model --chart --cost --model gpt-4o,claude
is_out "claude \
██████████████████████████████████████████████████ 0.250000
gpt-4o ▎ 0.001511" "--chart --cost in Unicode blocks"
done_testing

#!/bin/sh
# The daily totals (usage_days): built for a user, kept by the triggers
# through every insert, update and delete, rebuilt on a zone change, and
# read by t3-usage only where they give the same report as the rows.
# A report whose --since is an instant that is not a local midnight
# (2000-01-01T00:00:01Z, before every row) reads the rows themselves:
# it is the reference the daily totals are held to.
. "$(dirname "$0")/lib.sh"
. "$TESTDIR/usage-data.sh"
usage_data
ROWS_SINCE=2000-01-01T00:00:01Z

# REPORT-ARGS DESCRIPTION: the report equals the one read from the rows
same_as_rows() {
	d=$1
	shift
	t3-usage report "$@" --since "$ROWS_SINCE" --csv >"$TMP/rows" 2>&1
	run t3-usage report "$@" --csv
	if cmp -s "$TMP/rows" "$OUT"; then ok 0 "$d"; else
		ok 1 "$d"; diag "$(diff "$TMP/rows" "$OUT")"
	fi
}
kept() { sql "$DDB" "SELECT user_id || ' ' || zone FROM usage_user_zones ORDER BY zone"; }
zone_of() { sql "$DDB" "SELECT zone FROM usage_user_zones WHERE user_id = '$1'"; }
days() { sql "$DDB" "SELECT user_id, day, requests, errors, prompt_tokens, completion_tokens,
	reasoning_tokens, cached_tokens, tokens_used, cost_nusd FROM usage_days
	WHERE requests > 0 ORDER BY 1, 2"; }

t3-usage report --by user,day --csv >"$TMP/before"
is "$(kept)" "" "rows written by hand: no user's daily totals are kept yet"
run t3-user check
unlike "$OUT" "daily-totals" "totals not kept yet are not a fault for check"

# ---- built: t3-user set --timezone (the same zone) ----
for u in "$ALICE" "$BOB" "$CAROL"; do
	t3-user set "$u" --timezone "$(sql "$UDB" "SELECT timezone FROM user_accounts WHERE user_id = '$u'")"
done
is "$(kept)" "$ALICE America/Denver
$BOB Asia/Kolkata
$CAROL UTC" "set --timezone keeps each user's totals in the user's zone"
is "$(sql "$DDB" "SELECT day || ':' || requests || ':' || cost_nusd FROM usage_days WHERE user_id = '$ALICE' ORDER BY day")" \
	"20519:1:10000
20520:2:1500000" "alice's Denver days, 2026-03-07 and 2026-03-08 (20520), the cost in 1e-9 USD"
[ "$(sql "$DDB" "SELECT count(*) FROM usage_zone_offsets WHERE zone = 'America/Denver'")" -gt 200 ]
ok $? "Denver's offsets are stored, 1970 to 2100 (two changes a year)"
is "$(sql "$DDB" "SELECT count(*) FROM usage_zone_offsets WHERE zone = 'UTC'")" 0 "UTC needs none"
t3-usage report --by user,day --csv >"$OUT"
cmp -s "$TMP/before" "$OUT"
ok $? "the report by user,day is the same as before the totals were kept"
same_as_rows "by user,day: the totals give the rows' report" --by user,day
same_as_rows "by user,week" --by user,week
same_as_rows "by week, weeks from Sunday" --by week --week-start sunday
same_as_rows "by month,user" --by month,user
same_as_rows "totals only" --by user
same_as_rows "daily" --by day

# the totals are what is read: tampered, they show (then rebuilt)
sql "$DDB" "UPDATE usage_days SET tokens_used = tokens_used + 1000 WHERE user_id = '$CAROL'"
run t3-usage report --by user --user "$CAROL" --csv
like "$OUT" ",1007,0.000001$" "a report by user reads carol's daily totals, not her rows"
run t3-usage report --by user,model --user "$CAROL" --csv
like "$OUT" ",7,0.000001$" "a report by model reads her rows"
run t3-user check
is_rc 1 "check: totals that do not add up are a fault"
like "$OUT" "^daily-totals +usage_days +$CAROL +daily totals: they do not add up" "check names the user"
run t3-user check --repair
is_rc 0 "check --repair rebuilds them"
run t3-user check
is_rc 0 "and check finds nothing after"
same_as_rows "carol's report after the repair" --by user,day

# ---- the cost: check applies the trigger's rule to the rows ----
# costs the rounding to nano-dollars meets: halves, a tenth and a fifth,
# under a nano-dollar, negative, NULL, past the clamp; the triggers keep
# the days, and check must agree with them to the nano-dollar
usage_row 20 "$CAROL" 2026-04-03T10:00:00 gpt-4o openai success 1 1 0 0 0.0000000005
usage_row 21 "$CAROL" 2026-04-03T10:01:00 gpt-4o openai success 1 1 0 0 '0.1 + 0.2'
usage_row 22 "$CAROL" 2026-04-03T10:02:00 gpt-4o openai success 1 1 0 0 0.00000000049
usage_row 23 "$CAROL" 2026-04-03T10:03:00 gpt-4o openai success 1 1 0 0 -0.0000000025
usage_row 24 "$CAROL" 2026-04-03T10:04:00 gpt-4o openai success 1 1 0 0 NULL
usage_row 25 "$CAROL" 2026-04-03T10:05:00 gpt-4o openai success 1 1 0 0 1e10
run t3-user check
is_rc 0 "check: the days' cost is the rows' by the same rule"
sql "$DDB" "UPDATE usage_days SET cost_nusd = cost_nusd + 1 WHERE user_id = '$CAROL' AND day = (SELECT max(day) FROM usage_days WHERE user_id = '$CAROL')"
run t3-user check
is_rc 1 "one nano-dollar more in a day is a fault"
like "$OUT" "^daily-totals +usage_days +$CAROL +daily totals: they do not add up" "check names the user"
t3-user check --repair >/dev/null 2>&1
run t3-user check
is_rc 0 "--repair rebuilds the cost too"
sql "$DDB" "DELETE FROM usage_metrics WHERE usage_id BETWEEN printf('00000000-0000-7000-8000-%012d', 20) AND printf('00000000-0000-7000-8000-%012d', 25)"
is "$(sql "$DDB" "SELECT count(*) FROM usage_metrics WHERE user_id = '$CAROL'")" 1 "(those rows gone again)"

# ---- spans: local midnights read the totals, other instants the rows ----
same_as_rows "--until a local day" --by user,day --until 2026-03-08
run t3-usage report --by user,day --since 2026-03-08 --until 2026-03-31 --csv
cp "$OUT" "$TMP/days"
sql "$DDB" "UPDATE usage_days SET requests = requests + 50 WHERE user_id = '$BOB'"
run t3-usage report --by user,day --since 2026-03-08 --until 2026-03-31 --csv
like "$OUT" "^$BOB,bob@example.com,2026-03-08,51," "a span of local days reads the totals"
run t3-usage report --by user,day --since 2026-03-07T18:00:00Z --until 2026-03-31 --csv
like "$OUT" "^$BOB,bob@example.com,2026-03-08,1," "a span from an instant reads the rows"
run t3-usage report --by user,hour --csv
like "$OUT" "^$BOB,bob@example.com,2026-03-08T00:00\+05:30,1," "a report by hour reads the rows"
t3-user check --repair >/dev/null 2>&1
run t3-usage report --by user,day --since 2026-03-08 --until 2026-03-31 --csv
cmp -s "$TMP/days" "$OUT"
ok $? "after the repair, the span's report is the one before"

# ---- kept by the triggers: inserts, updates and deletes by any writer ----
days >"$TMP/days0"
usage_row 8 "$ALICE" 2026-03-09T06:59:59 gpt-4o openai success 5 6 1 2 0.0000000015
usage_row 9 "$BOB" 2026-03-31T18:29:59 claude anthropic success 8 9 0 0 0.00002
sql "$DDB" "UPDATE usage_metrics SET prompt_tokens = 70, tokens_used = 70, status_code = 'success'
	WHERE usage_id = '00000000-0000-7000-8000-000000000003'"
sql "$DDB" "UPDATE usage_metrics SET timestamp = timestamp + 86400000
	WHERE usage_id = '00000000-0000-7000-8000-000000000007'"
sql "$DDB" "DELETE FROM usage_metrics WHERE usage_id = '00000000-0000-7000-8000-000000000005'"
same_as_rows "after inserts, updates and a delete by the sqlite3 shell" --by user,day
days >"$TMP/days1"
t3-user set "$ALICE" --timezone UTC
t3-user set "$ALICE" --timezone America/Denver
t3-user set "$BOB" --timezone UTC
t3-user set "$BOB" --timezone Asia/Kolkata
t3-user set "$CAROL" --timezone Europe/London
t3-user set "$CAROL" --timezone UTC
days >"$TMP/days2"
cmp -s "$TMP/days1" "$TMP/days2"
ok $? "the triggers' totals are the ones rebuilt from the rows"
cmp -s "$TMP/days0" "$TMP/days1"
ok $((! $?)) "(and they changed)"
is "$(sql "$DDB" "SELECT count(*) FROM usage_days WHERE requests = 0")" 0 \
	"a rebuild leaves no emptied day"

# ---- a zone change ----
run t3-user set "$ALICE" --timezone Asia/Kolkata
is_rc 0 "set --timezone"
is "$(zone_of "$ALICE")" "Asia/Kolkata" \
	"alice's totals are rebuilt in her new zone"
same_as_rows "her report in the new zone" --by user,day
# changed behind libt3's back (user.db alone): the report reads her rows
sql "$UDB" "UPDATE user_accounts SET timezone = 'Europe/London' WHERE user_id = '$ALICE'"
sql "$DDB" "UPDATE usage_days SET tokens_used = tokens_used + 1000 WHERE user_id = '$ALICE'"
same_as_rows "totals kept in a zone that is no longer hers are not read" --by user,day
run t3-user check
is_rc 1 "check: totals kept in another zone are a fault"
like "$OUT" "^daily-totals +usage_days +$ALICE +daily totals: kept in Asia/Kolkata, the user's zone is Europe/London$" \
	"check says which zones"
run t3-user check --repair
is "$(zone_of "$ALICE")" "Europe/London" \
	"--repair rebuilds them in her zone"
same_as_rows "and they give her report" --by user,day
t3-usage report --by day --tz Asia/Kolkata --since 2026-03-01 --csv >"$TMP/ist"
same_as_rows "--tz ZONE: totals kept in that zone are read, others not" --by day --tz Asia/Kolkata

# ---- a zone change while data.db is locked: user.db changes, a warning ----
lock "$DDB"
T3_BUSY_TIMEOUT=100 t3-user set "$ALICE" --timezone America/Denver >"$OUT" 2>"$ERR"
rc=$?
unlock
is "$rc $(sql "$UDB" "SELECT timezone FROM user_accounts WHERE user_id = '$ALICE'")" "0 America/Denver" \
	"data.db locked: the zone is set in user.db all the same"
like "$ERR" "^t3-user: warning: the daily usage totals of '$ALICE' are not in the new zone yet: 't3-user check --repair' rebuilds them\$" \
	"and a warning says the totals are not rebuilt yet"
is "$(zone_of "$ALICE")" "Europe/London" \
	"they are still in the old zone"
same_as_rows "her report reads her rows meanwhile" --by user,day
run t3-user check --repair
is "$(zone_of "$ALICE")" "America/Denver" \
	"--repair rebuilds them in the new zone"
same_as_rows "and they give her report" --by user,day

# ---- stored offsets that are not the tz database's are not used ----
sql "$DDB" "UPDATE usage_zone_offsets SET offset_s = offset_s + 3600 WHERE zone = 'Asia/Kolkata'"
sql "$DDB" "UPDATE usage_days SET tokens_used = tokens_used + 1000 WHERE user_id = '$BOB'"
same_as_rows "totals bucketed with offsets the tz database disowns are not read" --by user,day
run t3-user check
like "$OUT" "^daily-totals +usage_days +$BOB +daily totals: the offsets stored for Asia/Kolkata differ from the tz database's$" \
	"check finds the offsets"
t3-user check --repair >/dev/null 2>&1
run t3-user check
is_rc 0 "--repair stores them again and rebuilds bob's days"
is "$(sql "$DDB" "SELECT offset_s FROM usage_zone_offsets WHERE zone = 'Asia/Kolkata' ORDER BY start_ms DESC LIMIT 1")" 19800 \
	"Kolkata is +05:30 again"
same_as_rows "bob's report" --by user,day

# ---- bad input changes nothing ----
snapshot
run t3-user set "$BOB" --timezone Mars/Olympus
is_rc 2 "an unknown zone is refused"
unchanged "and nothing changes in either database"

# ---- the chat keeps them: a new user's first call ----
t3-user add dave@example.com --timezone Pacific/Chatham >/dev/null
DAVE=$(sql "$UDB" "SELECT user_id FROM user_accounts WHERE email = 'dave@example.com'")
T3_TITLES=off t3-chat --user dave@example.com -m echo "hello" >/dev/null
is "$(zone_of "$DAVE")" "Pacific/Chatham" \
	"a chat keeps its user's totals in the user's zone"
is "$(sql "$DDB" "SELECT sum(requests) FROM usage_days WHERE user_id = '$DAVE'")" 1 \
	"with the call counted"
same_as_rows "dave's report" --by user,day --user "$DAVE"
t3-user rm --yes "$DAVE" >/dev/null 2>&1
is "$(sql "$DDB" "SELECT count(*) FROM usage_days WHERE user_id = '$DAVE'")$(sql "$DDB" "SELECT count(*) FROM usage_user_zones WHERE user_id = '$DAVE'")" \
	"00" "rm takes the user's totals too"

done_testing

#!/bin/sh
# Billing across the two files: the usage row in data.db is the record of
# truth and the quota in user.db is charged from it once, whatever lock,
# signal or kill comes between the two commits (t3.7, BILLING).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mock.sh"

t3-user add b@example.com --quota 100000 >/dev/null
b=$(sql "$UDB" "SELECT user_id FROM user_accounts WHERE email = 'b@example.com'")
quota() { sql "$UDB" "SELECT token_quota FROM user_accounts WHERE user_id = '$b'"; }

# a chat in the background whose pid ($!) is t3-chat's own, to signal it
bg_chat() { env OPENAI_BASE_URL="$MOCK_URL/v1" OPENAI_API_KEY="$KEY" t3-chat -m gpt-4o-mini "$@" & }
# PID has FILE open
has_open() { ls -l "/proc/$1/fd" 2>/dev/null | grep -q -- "$2\$"; }

# the answer arrives after 1 s: time to take a lock once it was asked for
mock_script '{"gen_events":3,"first_delay_ms":1000}'
export T3_BUSY_TIMEOUT=300

# ---- user.db locked when the charge is due ----
with_openai t3-chat -m gpt-4o-mini --user b@example.com one >"$OUT" 2>"$ERR" &
chat=$!
wait_for requested 1
lock "$UDB"
wait "$chat"; rc=$?
is_rc 0 "user.db locked past the timeout when the charge is due: the chat still succeeds"
is_out "tok0 tok1 tok2 " "its answer printed"
is_err "t3-chat: warning: database '$UDB' is busy: the charge of 13 tokens is applied by the next run or 't3-user check --repair'" \
	"a warning says the charge is deferred and how it is applied"
unlock
u1=$(sql "$DDB" "SELECT usage_id FROM usage_metrics WHERE user_id = '$b'")
is "$(sql "$DDB" "SELECT status_code, tokens_used, quota_applied FROM usage_metrics WHERE usage_id = '$u1'")" "success|13|0" \
	"the usage row is stored, marked as not yet charged"
is "$(last_ai "message_text, status")" "tok0 tok1 tok2 |complete" "the answer is stored"
is "$(quota)" 100000 "the quota is not charged yet"

run t3-user check --tsv
is_rc 1 "t3-user check finds the pending charge"
is_out "problem	table	id	detail
pending-charge	usage_metrics	$u1	user $b, 13 tokens" "naming the usage row, the user and the tokens"
run t3-user check --json
is "$(jx "$OUT" '$[0].problem') $(jx "$OUT" '$[0].id')" "pending-charge $u1" "also in --json"
run t3-user check --repair
is_rc 0 "--repair applies it"
is_err "t3-user: 1 problem found, 1 row repaired" "saying so"
is "$(quota)" 99987 "the quota charged the 13 tokens"
is "$(sql "$DDB" "SELECT quota_applied FROM usage_metrics WHERE usage_id = '$u1'")" 1 "the row marked as charged"
is "$(sql "$UDB" "SELECT usage_id, tokens FROM quota_charges")" "$u1|13" "the ledger holds the charge"
snapshot
run t3-user check --repair
is_rc 0 "a second --repair"
is_err "t3-user: 0 problems found, 0 rows repaired" "finds nothing"
unchanged "and changes nothing: no charge applied twice"
run t3-user check
is_rc 0 "check: nothing wrong"
is "$(cat "$OUT" "$ERR")" "" "prints nothing"

# ---- a deferred charge is applied by the user's next chat ----
with_openai t3-chat -m gpt-4o-mini --user b@example.com two >"$OUT" 2>"$ERR" &
chat=$!
wait_for requested 2
lock "$UDB"
wait "$chat"; rc=$?
is_rc 0 "a second deferred charge"
unlock
is "$(quota)" 99987 "not charged yet"
run with_openai t3-chat -m gpt-4o-mini --user b@example.com three
is_rc 0 "the next chat of the user"
is "$(cat "$ERR")" "" "runs without a warning"
is "$(quota)" 99961 "and applies the deferred charge with its own: 99987 - 2 * 13"
is "$(sql "$DDB" "SELECT count(*) FROM usage_metrics WHERE quota_applied = 0")" 0 "nothing left pending"
is "$(sql "$UDB" "SELECT count(*), sum(tokens) FROM quota_charges")" "3|39" "three charges in the ledger"

# ---- data.db locked when the answer is stored: the spool ----
n=$(mock_count)
with_openai t3-chat -m gpt-4o-mini --user b@example.com four >"$OUT" 2>"$ERR" &
chat=$!
wait_for requested $((n + 1))
lock "$DDB"
wait "$chat"; rc=$?
is_rc 0 "data.db locked past the timeout when the answer is stored: the chat still succeeds"
is_out "tok0 tok1 tok2 " "its answer printed"
spool=$(ls "$DDB-spool" 2>/dev/null)
u4=${spool%.json}
like "$ERR" "^t3-chat: warning: database '$DDB' is busy: the answer and its usage are kept in '$DDB-spool/$u4.json' until the next run stores them\$" \
	"a warning names the spool file"
unlock
is "$(stat -c %a "$DDB-spool") $(stat -c %a "$DDB-spool/$spool")" "700 600" "the spool is private"
is "$(jx "$DDB-spool/$spool" '$.usage_id')|$(jx "$DDB-spool/$spool" '$.message.message_text')" "$u4|tok0 tok1 tok2 " \
	"the record holds the row and the answer"
is "$(sql "$DDB" "SELECT count(*) FROM usage_metrics WHERE usage_id = '$u4'")" 0 "not in data.db yet"
is "$(quota)" 99948 "the quota is charged from the record, once"
run t3-user check --tsv
is_rc 1 "t3-user check finds the spooled record"
is_out "problem	table	id	detail
spooled-usage	usage_metrics	$u4	kept in $DDB-spool/$spool" "naming it and its file"
run with_openai t3-chat -m gpt-4o-mini --user b@example.com five
is_rc 0 "the next chat"
is "$(sql "$DDB" "SELECT status_code, tokens_used, quota_applied FROM usage_metrics WHERE usage_id = '$u4'")" "success|13|1" \
	"stores the spooled row, charged already"
is "$(sql "$DDB" "SELECT count(*) FROM chat_messages WHERE sender_type = 'ai' AND message_text = 'tok0 tok1 tok2 '")" 5 \
	"and its answer: five answers stored"
is "$(ls "$DDB-spool")" "" "the spool is empty"
is "$(quota)" 99935 "the spooled call is not charged twice: 99948 - 13 for the fifth"
run t3-user check
is_rc 0 "check: nothing wrong"

# ---- kill -9 between the two commits ----
export T3_BUSY_TIMEOUT=20000
n=$(mock_count)
bg_chat --user b@example.com six >/dev/null 2>&1
chat=$!
wait_for requested $((n + 1))
lock "$UDB"
rows() { [ "$(sql "$DDB" "SELECT count(*) FROM usage_metrics WHERE user_id = '$b'")" -eq "$1" ]; }
wait_for rows 6
kill -9 "$chat"; wait "$chat" 2>/dev/null
unlock
u6=$(sql "$DDB" "SELECT usage_id FROM usage_metrics WHERE quota_applied = 0")
ok $([ -n "$u6" ]; echo $?) "killed after data.db's commit, waiting for user.db: its row is pending"
is "$(quota)" 99935 "and not charged"
run t3-user check --repair
is_rc 0 "--repair"
is "$(quota)" 99922 "charges it once"

n=$(mock_count)
bg_chat --user b@example.com seven >/dev/null 2>&1
chat=$!
wait_for requested $((n + 1))
lock "$DDB"
spooled() { [ -n "$(ls "$DDB-spool")" ]; }
wait_for spooled
kill -9 "$chat"; wait "$chat" 2>/dev/null
unlock
u7=$(ls "$DDB-spool"); u7=${u7%.json}
is "$(sql "$DDB" "SELECT count(*) FROM usage_metrics WHERE usage_id = '$u7'") $(quota)" "0 99922" \
	"killed while waiting for data.db: the record is in the spool, nothing charged"
run t3-user check --repair
is_rc 0 "--repair"
is_err "t3-user: 1 problem found, 1 row repaired" "stores the record"
is "$(sql "$DDB" "SELECT status_code, quota_applied FROM usage_metrics WHERE usage_id = '$u7'") $(quota)" "success|1 99909" \
	"and charges it once"
is "$(sql "$UDB" "SELECT count(*), sum(tokens) FROM quota_charges")" "7|91" "seven calls, seven charges of 13"
is "$(sql "$DDB" "SELECT sum(tokens_used) FROM usage_metrics WHERE user_id = '$b'")" 91 "as metered"

# ---- a lock that stays: --repair says so and leaves it for later ----
bg_chat --user b@example.com eight >/dev/null 2>&1
chat=$!
wait_for requested $((n + 2))
lock "$UDB"
wait_for rows 8
kill -9 "$chat"; wait "$chat" 2>/dev/null
snapshot
T3_BUSY_TIMEOUT=300 run t3-user check --repair
is_rc 3 "--repair while user.db stays locked"
is_err "t3-user: error: database '$UDB': database is locked (code 5)" "names the locked database"
unchanged "and changes nothing"
unlock
run t3-user check --repair
is_rc 0 "which then works"
is "$(quota)" 99896 "charged once"

# ---- a lock before the call: refused, nothing sent, nothing kept ----
for db in "$UDB" "$DDB"; do
	lock "$db"
	n=$(mock_count)
	snapshot_q=$(quota)
	T3_BUSY_TIMEOUT=300 run with_openai t3-chat -m gpt-4o-mini --user b@example.com "before $db"
	unlock
	is_rc 3 "${db##*/} locked before the call: exit 3"
	like "$ERR" "^t3-chat: error: database '$db': database is locked" "naming the database"
	is "$(cat "$OUT")|$(mock_count)" "|$n" "nothing printed, no request sent"
	is "$(sql "$DDB" "SELECT count(*) FROM chat_messages WHERE message_text = 'before $db'")|$(quota)" "0|$snapshot_q" \
		"nothing stored or charged"
	is "$(sql "$UDB" "SELECT count(*) FROM quota_holds WHERE user_id = '$b' AND pid <> 0 AND tokens > 0 AND created_at > (SELECT max(applied_at) FROM quota_charges)")" 0 \
		"no hold kept"
done

# ---- signals end a lock wait ----
lock "$UDB"
snapshot_n=$(sql "$DDB" "SELECT count(*) FROM usage_metrics")
for sig in TERM INT; do
	bg_chat --user b@example.com "signal $sig" >"$OUT" 2>"$ERR"
	chat=$!
	wait_for has_open "$chat" /user.db
	kill -$sig "$chat"
	wait "$chat"; rc=$?
	is_rc 130 "SIG$sig while waiting for user.db's lock: exit 130"
done
unlock
is "$(sql "$DDB" "SELECT count(*) FROM usage_metrics")" "$snapshot_n" "nothing metered for calls never sent"
is "$(quota)" 99896 "nothing charged"

# ---- 32 calls at once on a quota of 1 token ----
unset T3_BUSY_TIMEOUT
t3-user add tiny@example.com --quota 1 >/dev/null
tiny=$(sql "$UDB" "SELECT user_id FROM user_accounts WHERE email = 'tiny@example.com'")
mock_script '{"gen_events":3,"first_delay_ms":300}'
pids=
for k in $(seq 1 32); do
	with_openai t3-chat -m gpt-4o-mini --user tiny@example.com "burst $k" >/dev/null 2>"$TMP/burst$k.err" &
	pids="$pids $!"
done
okn=0 refused=0
for p in $pids; do
	wait "$p"; case $? in 0) okn=$((okn + 1)) ;; 6) refused=$((refused + 1)) ;; esac
done
is "$okn $refused" "1 31" "32 parallel calls on a quota of 1: one runs, 31 are refused with exit 6"
is "$(mock_count)" 1 "one request sent"
is "$(sql "$DDB" "SELECT status_code, count(*) FROM usage_metrics WHERE user_id = '$tiny' GROUP BY 1 ORDER BY 1")" \
	"$(printf 'quota_exceeded|31\nsuccess|1')" "metered: one success, 31 refusals"
is "$(sql "$UDB" "SELECT token_quota FROM user_accounts WHERE user_id = '$tiny'")" 0 "the overrun is the one call"
is "$(sql "$UDB" "SELECT count(*) FROM quota_holds WHERE user_id = '$tiny'")" 0 "no hold left behind"

# ---- removing a user removes its ledger ----
run t3-user rm -y b@example.com
is_rc 0 "t3-user rm"
is "$(sql "$UDB" "SELECT count(*) FROM quota_charges WHERE user_id = '$b'")" 0 "the user's charges go with it"

done_testing

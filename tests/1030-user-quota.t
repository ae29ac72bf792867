#!/bin/sh
# Quotas and plans.
. "$(dirname "$0")/lib.sh"

t3-user add alice@example.com >/dev/null
t3-user add bob@example.com --plan pro --quota 10 >/dev/null

run t3-user quota alice@example.com
is_out 100000 "quota shows the remaining tokens (free plan allowance)"
run t3-user quota alice@example.com --add 500
is_out 100500 "quota --add"
run t3-user quota alice@example.com --add -600
is_out 99900 "quota --add with a negative change"
run t3-user quota alice@example.com --set 3
is_out 3 "quota --set"
run t3-user quota alice@example.com --refill --json
is_out "$(printf '{"user_id":"%s","email":"alice@example.com","subscription_plan":"free","token_quota":100000,"updated_at":"%s"}' \
	"$(sql "$UDB" "SELECT user_id FROM user_accounts WHERE email='alice@example.com'")" \
	"$(sql "$UDB" "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', updated_at / 1000.0, 'unixepoch') FROM user_accounts WHERE email='alice@example.com'")")" "quota --refill --json, with the time of the change"
run t3-user quota --refill --all
is_rc 0 "quota --refill --all"
is_err "t3-user: refilled 2 users" "reports how many"
is "$(sql "$UDB" "SELECT token_quota FROM user_accounts ORDER BY email")" "100000
5000000" "everyone is back at the plan's allowance"
snapshot
run t3-user quota alice@example.com --add 1 --set 2
is_rc 2 "--add and --set together"
is_err "t3-user: error: choose one of --add, --set and --refill
try 't3-user --help'" "says to choose one"
run t3-user quota --all
is_rc 2 "--all without --refill"
is_err "t3-user: error: --all goes with --refill
try 't3-user --help'" "says so"
unchanged "refused quota changes leave the data unchanged"

# concurrent decrements are not lost: 20 processes add 1 each
t3-user quota alice@example.com --set 0 >/dev/null
i=0
while [ $i -lt 20 ]; do t3-user quota alice@example.com --add 1 >/dev/null & i=$((i + 1)); done
wait
run t3-user quota alice@example.com
is_out 20 "20 concurrent quota changes all land"

run t3-user plan list --tsv
is_out "$(printf 'subscription_plan\ttoken_allowance\tusers\tdescription\nfree\t100000\t1\tfree tier\npro\t5000000\t1\tpaid individual plan\nteam\t20000000\t0\tpaid plan for a team seat')" "plan list"
run t3-user plan set enterprise 90000000 --description 'big accounts'
is_rc 0 "plan set adds a plan"
run t3-user plan set free 200
is "$(sql "$UDB" "SELECT token_allowance, description FROM plans WHERE plan_name='free'")" "200|free tier" "plan set changes an allowance, keeps the description"
run t3-user add carol@example.com --plan enterprise
is "$(sql "$UDB" "SELECT token_quota FROM user_accounts WHERE email='carol@example.com'")" 90000000 "a new plan's allowance applies"
snapshot
run t3-user plan rm pro
is_rc 3 "a plan in use cannot be removed"
is_err "t3-user: error: plan 'pro' is in use by 1 user" "saying so"
run t3-user plan set 'Bad Name' 5
is_rc 2 "plan names are validated"
is_err "t3-user: error: plan name 'Bad Name' must be 1-32 characters of a-z, 0-9, '-' and '_', starting with a letter" "naming the rule"
run t3-user plan set x -5
is_rc 2 "allowance must be non-negative"
is_err "t3-user: error: '-5' is not an option; a negative number is not accepted here
try 't3-user --help'" "a negative allowance is named as such, not as an unknown option"
run t3-user plan set x -50
is_rc 2 "a negative allowance of two digits is refused too"
is_err "t3-user: error: '-50' is not an option; a negative number is not accepted here
try 't3-user --help'" "naming the whole number, not its first digit"
run t3-user plan set x -- -5
is_rc 2 "a negative allowance after '--' is refused"
is_err "t3-user: error: allowance '-5' is not a non-negative integer" "by the allowance check, naming the value"
run t3-user plan set x 12abc
is_rc 2 "a non-numeric allowance is refused"
is_err "t3-user: error: allowance '12abc' is not a non-negative integer" "naming the value"
run t3-user plan rm nosuch
is_rc 1 "removing an unknown plan"
is_err "t3-user: error: plan 'nosuch' not found" "says so"
unchanged "refused plan changes leave the data unchanged"
run t3-user plan rm team
is_rc 0 "an unused plan can be removed"
is "$(sql "$UDB" "SELECT group_concat(plan_name, ' ') FROM (SELECT plan_name FROM plans ORDER BY plan_name)")" "enterprise free pro" \
	"only that plan is gone"

done_testing

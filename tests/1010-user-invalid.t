#!/bin/sh
# Every bad input: a one-line error, the documented exit code, and both
# databases byte-for-byte unchanged.
. "$(dirname "$0")/lib.sh"

t3-user add alice@example.com --plan pro >/dev/null
t3-user add bob@example.com >/dev/null

bad() { # EXIT MESSAGE -- CMD...
	code=$1 msg=$2
	shift 3
	snapshot
	run "$@"
	is_rc "$code" "$* exits $code"
	is_err "t3-user: error: $msg" "$* says why"
	unchanged "$* leaves the databases unchanged"
}

for e in 'x@' '@example.com' 'a b@example.com' 'a@@example.com' 'a@-example.com' \
	 'a@example..com' '.a@example.com' 'a.@example.com' 'a@example.com-' 'plain'; do
	bad 2 "email '$e' is not a valid address" -- t3-user add "$e"
done
bad 3 "email 'ALICE@example.com' is already taken" -- t3-user add ALICE@example.com
bad 2 "timezone 'Mars/Olympus' is not in the tz database" -- t3-user add c@example.com --timezone Mars/Olympus
bad 2 "timezone '../../etc/passwd' is not in the tz database" -- t3-user add c@example.com --timezone ../../etc/passwd
bad 2 "plan 'gold' does not exist (see 't3-user plan list')" -- t3-user add c@example.com --plan gold
bad 2 "quota '-5' is not a non-negative integer" -- t3-user add c@example.com --quota -5
bad 2 "quota '12abc' is not a non-negative integer" -- t3-user add c@example.com --quota 12abc
bad 2 "quota '99999999999999999999' is too large (at most 9223372036854775807)" -- t3-user add c@example.com --quota 99999999999999999999
bad 2 "quota '+5' is not a non-negative integer" -- t3-user add c@example.com --quota +5
bad 2 "quota ' 5' is not a non-negative integer" -- t3-user add c@example.com --quota ' 5'
bad 2 "quota '5 ' is not a non-negative integer" -- t3-user add c@example.com --quota '5 '
bad 2 "quota change '-9223372036854775808' is out of range (at most 9223372036854775807 either way)" -- t3-user quota bob@example.com --add -9223372036854775808
bad 2 "quota change '+5' is not an integer" -- t3-user quota bob@example.com --add +5
t3-user quota bob@example.com --set 9223372036854775807 >/dev/null
bad 2 "quota change '1' would take the quota past 9223372036854775807" -- t3-user quota bob@example.com --add 1
is "$(sql "$UDB" "SELECT typeof(token_quota), token_quota FROM user_accounts WHERE email = 'bob@example.com'")" \
	"integer|9223372036854775807" "the quota at INT64_MAX stays an integer"
t3-user quota bob@example.com --refill >/dev/null
bad 3 "email 'alice@example.com' is already taken" -- t3-user set bob@example.com --email alice@example.com
bad 2 "email 'nope' is not a valid address" -- t3-user set bob@example.com --email nope
bad 2 "timezone 'Nowhere' is not in the tz database" -- t3-user set bob@example.com --timezone Nowhere
bad 2 "plan 'gold' does not exist (see 't3-user plan list')" -- t3-user set bob@example.com --plan gold
bad 1 "user 'carol@example.com' not found" -- t3-user set carol@example.com --plan pro
bad 2 "token quota would fall below zero" -- t3-user quota bob@example.com --add -100001
bad 2 "quota change 'lots' is not an integer" -- t3-user quota bob@example.com --add lots
bad 2 "quota 'x' is not a non-negative integer" -- t3-user quota bob@example.com --set x
bad 2 "--oauth 'google' is not PROVIDER:SUBJECT" -- t3-user passwd bob@example.com --oauth google
bad 2 "option '--plan' does not apply to 'passwd'" -- t3-user passwd bob@example.com --plan pro
bad 2 "no terminal to ask for the password: use --password-stdin" -- t3-user passwd bob@example.com

snapshot
printf 'short\n' | t3-user passwd bob@example.com --password-stdin >"$OUT" 2>"$ERR"; rc=$?
is_rc 2 "a short password is refused"
is_err "t3-user: error: password is too short (at least 8 characters)" "saying why"
unchanged "a refused password changes nothing"

snapshot
run t3-user add c@example.com --timezone
is_rc 2 "an option without its value"
unchanged "and nothing changes"

done_testing

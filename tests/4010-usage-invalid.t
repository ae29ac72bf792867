#!/bin/sh
# t3-usage: bad input is one line on stderr, exit 2 (1 for an unknown
# user), nothing on stdout, and both databases unchanged.
. "$(dirname "$0")/lib.sh"
. "$TESTDIR/usage-data.sh"
usage_data

refused() { # CODE MESSAGE DESCRIPTION -- CMD...: refused as described
	r_code=$1 r_msg=$2 r_desc=$3
	shift 4
	snapshot
	run "$@"
	is_rc "$r_code" "$r_desc: exit $r_code"
	is_err "$r_msg" "$r_desc: says so"
	is "$(wc -c <"$OUT")" 0 "$r_desc: nothing on stdout"
	unchanged "$r_desc: the databases are unchanged"
}

refused 2 "t3-usage: error: unknown time zone 'Mars/Olympus'" "an unknown zone" -- \
	t3-usage report --tz Mars/Olympus
refused 2 "t3-usage: error: --since '2026-03-09' is not before --until '2026-03-08'" \
	"an inverted range" -- t3-usage report --since 2026-03-09 --until 2026-03-08
refused 2 "t3-usage: error: unknown --by key 'colour' (user, model, provider, status, chat, purpose, hour, day, week, month, window)" \
	"an unknown --by key" -- t3-usage report --by user,colour
refused 2 "t3-usage: error: --by key 'day' given twice" "a repeated --by key" -- \
	t3-usage report --by day,user,day
refused 2 "t3-usage: error: --since 'soon' is not a date, a time, today, yesterday, Nd, this-month or last-month" \
	"a --since that is no time" -- t3-usage report --since soon
refused 2 "t3-usage: error: --until '2026-02-30' is not a date, a time, today, yesterday, Nd, this-month or last-month" \
	"February 30" -- t3-usage report --until 2026-02-30
refused 2 "t3-usage: error: --last needs a period in --by (hour, day, week, month or window)" \
	"--last without a period" -- t3-usage report --by user --last 3
refused 2 "t3-usage: error: --last '0' is not a whole number from 1 to 100000" "--last 0" -- \
	t3-usage daily --last 0
refused 2 "t3-usage: error: choose one of --last and --since" "--last with --since" -- \
	t3-usage daily --last 2 --since 2026-01-01
refused 2 "t3-usage: error: --window '4x' is not a length such as 4h, 90m or 1d (at least a minute)" \
	"a bad --window" -- t3-usage report --window 4x
refused 2 "t3-usage: error: --week-start 'someday' is not a day of the week" "a bad --week-start" -- \
	t3-usage weekly --week-start someday
refused 2 "t3-usage: error: choose one of --tz and --utc" "--tz with --utc" -- \
	t3-usage report --tz UTC --utc
refused 2 "t3-usage: error: option '--over' does not apply to 'report'" "an option of another command" -- \
	t3-usage report --over 50
refused 2 "t3-usage: error: option '--by' does not apply to 'daily'" "--by with a shortcut" -- \
	t3-usage daily --by user
refused 2 "t3-usage: error: --ascii and --cost go with --chart" "--ascii without --chart" -- \
	t3-usage report --ascii
refused 2 "t3-usage: error: --chart draws, it has no other output format" "--chart with --json" -- \
	t3-usage report --chart --json
refused 2 "t3-usage: error: --over '12%' is not a percentage from 0 to 1000" "a bad --over" -- \
	t3-usage quota --over 12%
refused 2 "t3-usage: error: export writes NDJSON (--jsonl, the default) or --csv" "export --json" -- \
	t3-usage export --json
refused 2 "t3-usage: error: 'prune' needs --before WHEN
try 't3-usage --help'" "prune without --before" -- t3-usage prune
refused 2 "t3-usage: error: --before 'never' is not a date, a time, today, yesterday, Nd, this-month or last-month" \
	"prune --before that is no time" -- t3-usage prune --before never
refused 1 "t3-usage: error: user 'nobody@example.com' not found" "an unknown user" -- \
	t3-usage report --user nobody@example.com
refused 2 "t3-usage: error: unknown command 'yearly'
try 't3-usage --help'" "an unknown command" -- t3-usage yearly
refused 2 "t3-usage: error: too many arguments for 'report'
try 't3-usage --help'" "a stray argument" -- t3-usage report extra

# an unknown zone stored for a user is a warning, and UTC
sql "$UDB" "UPDATE user_accounts SET timezone = 'Nowhere/Land' WHERE user_id = '$CAROL'"
run t3-usage report --by user,day --user "$CAROL" --csv
is_rc 0 "a user with an unknown stored zone: still a report"
is_err "t3-usage: warning: user '$CAROL' has an unknown time zone 'Nowhere/Land': using UTC" "with a warning"
done_testing

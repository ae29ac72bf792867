#!/bin/sh
# The t3-usage documentation: the page lints clean, every command and
# option of `t3-usage --help` is documented and completed, and the
# EXAMPLES of t3-usage.1, crontab lines included, run as written.
. "$(dirname "$0")/lib.sh"

doc_files t3-usage
man_lint "$MAN1"

run t3-usage --help
is_rc 0 "t3-usage --help"
cmds=$(sed -n 's/^  \([a-z][a-z]*\) .*/\1/p; s/^  \([a-z][a-z]*\)$/\1/p' "$OUT" | tr -s ' |' '\n' | sort -u)
opts=$(grep -o -- '--[a-z][a-z-]*' "$OUT" | sort -u)
is "$(echo $cmds)" "daily export help monthly prune quota report weekly" "commands found in --help"
doc_commands t3-usage "$MAN1" $cmds
doc_options t3-usage "$MAN1" $opts

if have bash; then
	got=$(bash -c '
		. "$1"
		COMP_WORDS=(t3-usage q); COMP_CWORD=1; _t3_usage; echo "${COMPREPLY[*]}"
		COMP_WORDS=(t3-usage report --by user,mo); COMP_CWORD=3; _t3_usage; echo "${COMPREPLY[*]}"
		COMP_WORDS=(t3-usage quota --ov); COMP_CWORD=2; _t3_usage; echo "${COMPREPLY[*]}"
	' sh "$TOP/completions/t3-usage.bash" 2>&1)
	is "$got" "quota
user,model user,month
--over" "bash completion: commands, --by keys after a comma, options by command"
fi
have zsh && shell_n zsh "$TOP/completions/_t3-usage"
if have fish; then
	shell_n fish "$TOP/completions/t3-usage.fish"
	got=$(fish -c "source '$TOP/completions/t3-usage.fish'; complete -C 't3-usage d'" 2>&1 | cut -f1 | tr '\n' ' ')
	is "$got" "daily " "fish completion: commands"
fi

# --- the EXAMPLES run as written, over a little data --------------------
. "$TESTDIR/usage-data.sh"
usage_data
t3-user add dave@example.com --timezone Australia/Lord_Howe >/dev/null
t3-user quota alice@example.com --set 5000 >/dev/null
examples_extract "$MAN1" "$TMP/ex.rc"
examples_found t3-usage.1 12
grep -q 'invoice-' "$TMP/examples.body"
ok $? "the crontab lines are among them"
export T3_NOW=2026-04-01T09:00:00Z
examples_run
examples_report "$TMP/ex.rc" "$TMP/ex.err"
is "$examples_ran" "$nex" "every example ran"
unset T3_NOW

day=$(date +%F) month=$(date +%Y-%m)
is "$(ls "$TMP/work" | grep -c "^usage-.*-$day.csv\$")" 4 "the nightly crontab line wrote a CSV for each of the four users"
is "$(cat "$TMP/work/usage-$BOB-$day.csv")" "day,requests,errors,prompt_tokens,completion_tokens,reasoning_tokens,cached_tokens,tokens_used,cost_usd" \
	"Bob's: the header, for he made no call on March 31 in Kolkata"
like "$TMP/work/invoice-$month.txt" "^$ALICE  alice@example.com +3 +1 +117 " "the invoice table has Alice's March"
like "$TMP/work/invoice-$month.txt" "^TOTAL .* 0\\.251510\$" "and the total of March"
like "$TMP/ex.out" "some users are near their quota" "the quota alert example alerts: Alice has 5,000 of 100,000 left"
is "$(sql "$DDB" 'SELECT count(*) FROM usage_metrics')" 7 "prune --before 2025-01-01 kept this data"
is "$(wc -l <"$TMP/work/usage.ndjson")" 7 "export wrote every row"
done_testing

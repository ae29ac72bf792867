#!/bin/sh
# The t3-user documentation: man pages lint clean, every command of
# `t3-user --help` is documented and completed, and the EXAMPLES of
# t3-user.1 run as written.
. "$(dirname "$0")/lib.sh"

doc_files t3-user
MAN7=$TOP/man/t3.7

# --- the man pages lint clean ------------------------------------------
man_lint "$MAN1" "$MAN7"

# --- every command and option of --help is documented and completed ----
run t3-user --help
is_rc 0 "t3-user --help"
cmds=$(sed -n 's/^  \([a-z][a-z]*\) .*/\1/p; s/^  \([a-z][a-z]*\)$/\1/p' "$OUT" | sort -u)
opts=$(grep -o -- '--[a-z][a-z-]*' "$OUT" | sort -u)
is "$(echo $cmds)" "add check export help import list passwd plan quota rm set show verify" \
	"commands found in --help"
doc_commands t3-user "$MAN1" $cmds
for sub in list set rm; do
	grep -Eq "^\\.Cm plan $sub( |\$)" "$MAN1"
	ok $? "t3-user.1 documents 'plan $sub'"
done
doc_options t3-user "$MAN1" $opts

# --- the completions load and answer -----------------------------------
if have bash; then
	t3-user add done@example.com </dev/null >/dev/null
	got=$(bash -c '
		. "$1"
		COMP_WORDS=(t3-user a); COMP_CWORD=1; _t3_user; echo "${COMPREPLY[*]}"
		COMP_WORDS=(t3-user add x --plan ""); COMP_CWORD=4; _t3_user; echo "${COMPREPLY[*]}"
		COMP_WORDS=(t3-user quota x --re); COMP_CWORD=3; _t3_user; echo "${COMPREPLY[*]}"
		COMP_LINE="t3-user show done@ex"; COMP_POINT=${#COMP_LINE}; _t3_user; echo "${COMPREPLY[*]}"
	' sh "$TOP/completions/t3-user.bash" 2>&1)
	is "$got" "add
free pro team
--refill
example.com" "bash completion: commands, options, plans, emails across '@'"
	t3-user rm --yes done@example.com
fi
have zsh && shell_n zsh "$TOP/completions/_t3-user"
if have fish; then
	shell_n fish "$TOP/completions/t3-user.fish"
	got=$(fish -c "source '$TOP/completions/t3-user.fish'; complete -C 't3-user plan '" 2>&1 | cut -f1 | tr '\n' ' ')
	is "$got" "list rm set " "fish completion: plan commands"
fi

# --- the EXAMPLES of t3-user.1 run as written ---------------------------
# (examples_extract in lib.sh: commands, scripts saved as NAME, crontab
# lines.) ssh is replaced by a function that runs the remote command
# against another T3_HOME, "$T3_HOME.HOST".
examples_extract "$MAN1" "$TMP/ex.rc"
examples_found t3-user.1 10
grep -q 'quota --refill --all' "$TMP/examples.body"
ok $? "the crontab line is among them"

# An orphan usage row, for the check/repair example to find and repair.
t3-user check >/dev/null
sql "$DDB" "INSERT INTO usage_metrics (usage_id, user_id, timestamp, model_name, status_code)
	VALUES ('01a21364-0fc2-72d8-bb36-000000000001', '01a21364-0fc2-72d8-bb36-00000000dead', 1, 'gpt-4o', 'success')"

examples_run
examples_report "$TMP/ex.rc" "$TMP/ex.err"
is "$examples_ran" "$nex" "every example ran"

# What the examples did.
run t3-user list --tsv
is "$(cut -f2,3 "$OUT")" "email	subscription_plan
alice@example.com	pro" "the example.org users were deleted, alice is left"
like "$TMP/ex.err" 'refilled 3 users' "the crontab line refilled every user"
printf 'wrong password\n' | (cd "$TMP/work" && sh check-login alice@example.com) >"$OUT" 2>"$ERR"
rc=$?
is_rc 1 "check-login: a wrong password exits 1"
is_err "login incorrect" "check-login: says so"
(cd "$TMP/work" && sh check-login alice@example.com <alice.pw) >"$OUT" 2>"$ERR"
rc=$?
is_rc 0 "check-login: the right password exits 0"
is_out "welcome, alice@example.com" "check-login: welcomes"
run t3-user check
is_rc 0 "check finds nothing after the repair example"
is "$(sql "$DDB" 'SELECT count(*) FROM usage_metrics')" 0 "the orphan usage row was repaired away"
like "$TMP/ex.err" '1 problem found, 1 row repaired' "the repair reported its work"
is "$(T3_HOME=$T3_HOME.newhost t3-user list -q | wc -l | tr -d ' ')" 3 "newhost got all three users"
is "$(T3_HOME=$T3_HOME.backuphost t3-user list -q --plan pro | wc -l | tr -d ' ')" 1 \
	"backuphost got the pro user"
run t3-user --json show carol@example.org
is_rc 1 "carol is gone"
is_err "t3-user: error: user 'carol@example.org' not found" "carol: not found"
run sh -c 'T3_HOME=$T3_HOME.newhost t3-user show --json carol@example.org'
like "$OUT" '"subscription_plan":"free"' "carol arrived on newhost as she left"

# Export and import round-trip byte for byte, as the page promises.
t3-user export >"$TMP/a.ndjson"
T3_HOME=$TMP/rt t3-user import "$TMP/a.ndjson" 2>/dev/null
T3_HOME=$TMP/rt t3-user export >"$TMP/b.ndjson"
cmp -s "$TMP/a.ndjson" "$TMP/b.ndjson"
ok $? "export | import | export is byte for byte the same"

done_testing

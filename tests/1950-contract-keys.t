#!/bin/sh
# The OUTPUT CONTRACT of t3(7): each record's documented key list, parsed
# from the page, is what the programs write, in that order; shapes (array
# or object) are what the page says; a usage error writes nothing on
# stdout.
. "$(dirname "$0")/lib.sh"
have jq 44 || { done_testing; }
T7=$TESTDIR/../man/t3.7

# keys_doc NAME: the documented list of record NAME, space-separated
keys_doc() {
	sed -n '/^\.Sh OUTPUT CONTRACT/,/^\.Sh [^O]/p' "$T7" |
	awk -v name="$1" '
	found { sub(/^\.Li /, ""); gsub(/ ,/, ""); print; exit }
	$1 == ".It" && $2 == "Sy" && $3 == name { found = 1 }'
}
# keys_of: the members of the first record of $OUT (an array or JSONL)
keys_of() {
	jq -rs 'if (.[0] | type) == "array" then .[0][0] else .[0] end |
		keys_unsorted | join(" ")' "$OUT"
}
# header_of: the TSV header of $OUT
header_of() { head -1 "$OUT" | tr '\t' ' '; }

check_keys() { # NAME DESCRIPTION: $OUT's keys against the page
	doc=$(keys_doc "$1")
	[ -n "$doc" ]; ok $? "t3.7 documents the keys of '$1'"
	is "$(keys_of)" "$doc" "$2"
}
is_array() { # DESCRIPTION
	is "$(jq -r type "$OUT" 2>&1)" array "$1"
}
is_object() { # DESCRIPTION
	is "$(jq -r type "$OUT" 2>&1)" object "$1"
}

t3-user add alice@example.com >/dev/null
t3-user add bob@example.com --plan pro >/dev/null
t3-user check >/dev/null

for cmd in "list" "show alice@example.com" "show alice@example.com bob@example.com"; do
	run t3-user $cmd --json
	is_array "t3-user $cmd --json is an array"
	check_keys user "t3-user $cmd --json: the documented user keys"
done
run t3-user list --tsv
is "$(header_of)" "user_id email subscription_plan token_quota timezone created_at auth" \
	"t3-user list --tsv: the table's columns, under their JSON names"
run t3-user add carol@example.com --json
is_object "t3-user add --json is one object (it makes one result)"
check_keys user "t3-user add --json: the user keys"
run t3-user set carol@example.com --timezone Europe/Paris --json
is_object "t3-user set --json is one object"
check_keys user "t3-user set --json: the user keys"
run t3-user export
check_keys user-export "t3-user export: the documented export keys"
run t3-user quota alice@example.com --add 5 --json
is_object "t3-user quota --json is one object"
check_keys quota "t3-user quota --json: the documented quota keys"
like "$OUT" '"updated_at":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z"' \
	"the quota record carries its ISO-8601 UTC time"
run t3-user plan list --json
is_array "t3-user plan list --json is an array"
check_keys plan "t3-user plan list --json: the documented plan keys"
run t3-user plan list --tsv
is "$(header_of)" "$(keys_doc plan)" "plan list --tsv: the same names"

run t3-user check --json
is_rc 0 "check with nothing wrong exits 0"
is_out "[]" "check --json with nothing wrong is an empty array"
run t3-user check
is_rc 0 "check (table) with nothing wrong exits 0"
is_out_raw "" "and prints nothing"
sqlite3 "$DDB" "INSERT INTO chat_sessions (chat_id, user_id, title, created_at, updated_at) VALUES ('01000000-0000-7000-8000-000000000000', '01000000-0000-7000-8000-0000000000ff', 't', 1, 1)"
run t3-user check --json
is_rc 1 "check with a problem exits 1"
is_array "check --json is an array"
check_keys problem "t3-user check --json: the documented problem keys"

for cmd in "list" "show gpt-4o" "show gpt-4o 4o-mini"; do
	run t3-models $cmd --json
	is_array "t3-models $cmd --json is an array"
	check_keys model "t3-models $cmd --json: the documented model keys"
done
run t3-models list --tsv
is "$(header_of)" "$(keys_doc model)" "t3-models list --tsv: the same names"
run t3-models resolve gpt-4o --json
is_object "t3-models resolve --json is one object"
check_keys model "t3-models resolve --json: the model keys"
run t3-models add acme tiny --api echo --context 100 --json
is_object "t3-models add --json is one object"
check_keys model "t3-models add --json: the model keys"
run t3-models set tiny --context 200 --json
is_object "t3-models set --json is one object"
check_keys model "t3-models set --json: the model keys"
run t3-models export
check_keys model-export "t3-models export: the documented export keys"
run t3-models aliases --json
is_array "t3-models aliases --json is an array"
check_keys alias "t3-models aliases --json: the documented alias keys"
sqlite3 "$DDB" "UPDATE model_capabilities SET max_token_limit = 5 WHERE model_name = 'gpt-4o'"
run t3-models sync --force --dry-run --json
is_array "t3-models sync --json is an array"
check_keys sync "t3-models sync --json: the documented sync keys"

t3-chat --save-role terse -s 'Be brief.' >/dev/null
run t3-chat --roles --json
is_array "t3-chat --roles --json is an array"
check_keys role "t3-chat --roles --json: the documented role keys"
run t3-chat --roles --tsv
is "$(header_of)" "$(keys_doc role)" "t3-chat --roles --tsv: the same names"

# A model record has no name member beside model_name (one name, one thing)
run t3-models show gpt-4o --json
unlike "$OUT" '"name":' "no 'name' beside 'model_name'"

# A usage error writes nothing on standard output.
snapshot
for cmd in "t3-user show --json --plan pro alice@example.com" "t3-user list --json extra" \
	"t3-user plan list --json extra" "t3-models show --json no-such-model" \
	"t3-models show --json gpt-4o no-such-model" "t3-models list --json --sort size"; do
	run $cmd
	is_rc 2 "$cmd: a usage error"
	is_out_raw "" "$cmd: nothing on stdout"
done
unchanged "usage errors change nothing"
# 'show' with no user and a terminal on stdin (a pty) is a usage error
# too: nothing on stdout, not an empty array
if "$PYTHON" -c 'import pty' 2>/dev/null; then
	"$PYTHON" - "$T3_BINDIR/t3-user" "$TMP/pty.stdout" >"$TMP/pty.out" 2>"$ERR" <<'PY'
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.dup2(os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 1)  # stdout: a file
    os.execv(sys.argv[1], [sys.argv[1], "show", "--json"])
out = b""
while True:
    try:
        b = os.read(fd, 4096)
    except OSError:
        break
    if not b:
        break
    out += b
_, st = os.waitpid(pid, 0)
sys.stdout.write("%d %s\n" % (os.WEXITSTATUS(st), out.decode(errors="replace").strip()))
PY
	like "$TMP/pty.out" "^2 t3-user: error: 'show' needs a user" "show --json with a terminal on stdin and no user: exit 2 and the error"
	is "$(cat "$TMP/pty.stdout")" "" "and nothing on stdout (no '[]')"
else
	skip 2 "python3 has no pty module"
fi
done_testing

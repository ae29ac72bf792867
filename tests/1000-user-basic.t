#!/bin/sh
# t3-user: add, list, show, set and the output formats.
. "$(dirname "$0")/lib.sh"

run t3-user --help
is_rc 0 "--help exits 0"
like "$OUT" '^usage: t3-user' "--help prints usage to stdout"
run t3-user --version
is_out "t3-user 0.1.0" "--version"
run t3-user
is_rc 2 "no command is a usage error"
like "$ERR" '^usage: t3-user' "no command prints usage to stderr"
is "$(cat "$OUT")" "" "and nothing to stdout"
is "$(ls -A "$T3_HOME" 2>/dev/null)" "" "usage errors create no database"

run t3-user add alice@example.com --plan pro --timezone America/Denver
is_rc 0 "add alice"
alice=$(cat "$OUT")
like "$OUT" '^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' "add prints a UUIDv7"
is "$(stat -c %a "$UDB")" 600 "user.db is created mode 0600"
is "$(stat -c %a "$T3_HOME")" 700 "the data directory is created mode 0700"
is "$(sql "$UDB" 'PRAGMA journal_mode')" wal "user.db is in WAL mode"
nmig=$(ls "$TESTDIR"/../share/sql/user-*.sql | wc -l)
is "$(sql "$UDB" 'PRAGMA user_version')" "$nmig" "user.db schema version $nmig (one per migration)"
is "$(sql "$UDB" "SELECT email, subscription_plan, token_quota, timezone, hashed_password IS NULL FROM user_accounts")" \
   "alice@example.com|pro|5000000|America/Denver|1" "row stored with the plan's allowance"

run t3-user add bob@example.com --quota 42 --json
is_rc 0 "add with --json"
like "$OUT" '"email":"bob@example.com","auth":"none","subscription_plan":"free","token_quota":42,' "add --json prints the record"
bob=$(sql "$UDB" "SELECT user_id FROM user_accounts WHERE email='bob@example.com'")

run t3-user list -q
is_out "$alice
$bob" "list -q prints ids in creation order"

run t3-user list --plan pro -q
is_out "$alice" "list --plan filters"
run t3-user list --email 'B*' -q
is_out "$bob" "list --email matches a case-insensitive glob"

run t3-user list --tsv
is "$(head -1 "$OUT")" "$(printf 'user_id\temail\tsubscription_plan\ttoken_quota\ttimezone\tcreated_at\tauth')" "tsv header"
is "$(sed -n 2p "$OUT" | cut -f2,3,4,5,7)" "$(printf 'alice@example.com\tpro\t5000000\tAmerica/Denver\tnone')" "tsv row"
run t3-user list --csv
is "$(sed -n 3p "$OUT" | cut -d, -f2-5)" "bob@example.com,free,42,UTC" "csv row"
run t3-user list --json
is "$(head -1 "$OUT")" "[" "json listing is one array"
is "$(tail -1 "$OUT")" "]" "json array closed"
is "$(grep -c '"user_id"' "$OUT")" 2 "two records in the array"
like "$OUT" '"created_at":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z"' "timestamps are ISO-8601 UTC"
run t3-user list --jsonl
is "$(wc -l <"$OUT")" 2 "jsonl: one object per line"
run t3-user list
is "$(head -1 "$OUT" | tr -s ' ')" "USER ID EMAIL PLAN QUOTA TIMEZONE CREATED AUTH" "table header"
run t3-user list --json --tsv
is_rc 2 "two output formats are a usage error"
is_err "t3-user: error: choose one output format" "says so"

# list --json rows are serialised by SQLite, show --json by jansson: the
# two must agree byte for byte.
t3-user passwd bob@example.com --oauth google:42 >/dev/null
t3-user list --json >"$TMP/list"
t3-user show "$alice" "$bob" --json >"$TMP/show"
if cmp -s "$TMP/list" "$TMP/show"; then ok 0 "list --jsonl and show --json agree"; else
	ok 1 "list --jsonl and show --json agree"; diag "$(diff "$TMP/list" "$TMP/show")"; fi
t3-user list --tsv | sed 1d >"$TMP/list"
for u in "$alice" "$bob"; do t3-user show "$u" --tsv | sed 1d; done >"$TMP/show"
cmp -s "$TMP/list" "$TMP/show"; ok $? "list --tsv (parsed SQLite JSON) and show --tsv agree"

run t3-user show ALICE@EXAMPLE.COM --json
is_rc 0 "show by email, any case"
is "$(sed -n 1p "$OUT"; sed -n 3p "$OUT")" "[
]" "show --json of one user is an array (show can name several)"
like "$OUT" "^\\{\"user_id\":\"$alice\"" "holding the user's object"
run t3-user show "$bob" -q
is_out "$bob" "show by id"
printf '%s\n' "$alice" "$bob" | t3-user show -q >"$OUT" 2>"$ERR"
is_out "$alice
$bob" "show reads users from stdin when given none"
run t3-user show nobody@example.com
is_rc 1 "show of an unknown user exits 1"
is_err "t3-user: error: user 'nobody@example.com' not found" "and says so"

run t3-user set bob@example.com --plan team --timezone Europe/Paris --email Bob@Example.org
is_rc 0 "set plan, timezone, email"
is "$(sql "$UDB" "SELECT email, subscription_plan, token_quota, timezone FROM user_accounts WHERE user_id='$bob'")" \
   "Bob@Example.org|team|42|Europe/Paris" "set changed the fields and kept the quota"
run t3-user set bob@example.org --quota 7
is "$(sql "$UDB" "SELECT token_quota FROM user_accounts WHERE user_id='$bob'")" 7 "set --quota"
snapshot
run t3-user set bob@example.org
is_rc 2 "set with nothing to set is a usage error"
is_err "t3-user: error: 'set' needs --plan, --quota, --timezone or --email
try 't3-user --help'" "naming the options"

run t3-user list --plan pro --quota 5
is_rc 2 "an option that does not apply is refused"
is_err "t3-user: error: option '--quota' does not apply to 'list'" "naming the option"
run t3-user frobnicate
is_rc 2 "unknown command"
is_err "t3-user: error: unknown command 'frobnicate'
try 't3-user --help'" "naming the command"
run t3-user list --bogus
is_rc 2 "unknown option"
is_err "t3-user: error: unknown option '--bogus'
try 't3-user --help'" "naming the option"
run t3-user list -zq
is_rc 2 "an unknown letter in a group of short options"
is_err "t3-user: error: unknown option '-z'
try 't3-user --help'" "naming that letter, not the word before"
run t3-user list --quiet=1
is_rc 2 "a value for an option that takes none"
is_err "t3-user: error: option '--quiet' takes no value
try 't3-user --help'" "naming the long option, not its letter"
run t3-user list --quiet=1 -q
is_rc 2 "... also when the next word has that letter: a usage error"
is_err "t3-user: error: option '--quiet' takes no value
try 't3-user --help'" "... also when the next word has that letter"
run t3-user add carol@example.com --plan
is_rc 2 "an option without its value"
is_err "t3-user: error: option '--plan' needs a value
try 't3-user --help'" "naming the option"
unchanged "usage mistakes leave the databases unchanged"

done_testing

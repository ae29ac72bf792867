#!/bin/sh
# export/import: NDJSON that round-trips exactly, and an all-or-nothing import.
. "$(dirname "$0")/lib.sh"

printf 'hunter2hunter2\n' | t3-user add alice@example.com --plan pro --timezone Asia/Tokyo --password-stdin >/dev/null
t3-user add bob@example.com --quota 0 >/dev/null
t3-user passwd bob@example.com --oauth google:1078 >/dev/null
t3-user add carol@example.com >/dev/null

run t3-user export
is_rc 0 "export"
cp "$OUT" "$TMP/export1"
is "$(wc -l <"$TMP/export1")" 3 "one line per user"
like "$TMP/export1" '"hashed_password":"\$argon2id\$' "export keeps password hashes"
like "$TMP/export1" '"hashed_password":null' "and null for no password"

T3_HOME=$TMP/other t3-user import "$TMP/export1" >"$OUT" 2>"$ERR"; rc=$?
is_rc 0 "import into an empty database"
is_err "t3-user: imported 3 users" "reports the count"
T3_HOME=$TMP/other t3-user export >"$TMP/export2"
if cmp -s "$TMP/export1" "$TMP/export2"; then ok 0 "export | import | export is byte-identical"; else
	ok 1 "export | import | export is byte-identical"; diag "$(diff "$TMP/export1" "$TMP/export2")"; fi
printf 'hunter2hunter2\n' | T3_HOME=$TMP/other t3-user verify alice@example.com --password-stdin
ok $? "an imported password still verifies"

run t3-user export --plan pro
is "$(wc -l <"$OUT")" 1 "export --plan filters"
like "$OUT" '"email":"alice@example.com"' "export --plan: alice, the pro user"

badimport() { # DESCRIPTION EXPECTED-ERROR LINES...
	desc=$1 msg=$2
	shift 2
	printf '%s\n' "$@" >"$TMP/in"
	snapshot
	T3_HOME=$T3_HOME t3-user import "$TMP/in" >"$OUT" 2>"$ERR"; rc=$?
	is_rc 2 "import: $desc"
	like "$ERR" "^t3-user: error: $msg" "import: $desc: says which line"
	is "$(wc -l <"$ERR" | tr -d ' ')" 1 "import: $desc: in one line"
	unchanged "import: $desc: nothing imported"
}
good='{"user_id":"01a20000-0000-7000-8000-000000000001","email":"dan@example.com","hashed_password":null,"subscription_plan":"free","token_quota":5,"created_at":"2026-01-01T00:00:00.000Z","timezone":"UTC"}'
badimport "invalid JSON" "line 2: invalid JSON" "$good" '{"user_id":'
badimport "bad email" "line 2: email 'nope' is not a valid address$" "$good" \
	'{"user_id":"01a20000-0000-7000-8000-000000000002","email":"nope","hashed_password":null,"subscription_plan":"free","token_quota":5,"created_at":"2026-01-01T00:00:00.000Z","timezone":"UTC"}'
badimport "negative quota" "line 1: field 'token_quota' must be a non-negative integer" \
	'{"user_id":"01a20000-0000-7000-8000-000000000002","email":"e@example.com","hashed_password":null,"subscription_plan":"free","token_quota":-1,"created_at":"2026-01-01T00:00:00.000Z","timezone":"UTC"}'
badimport "unknown field" "line 1: unknown field 'admin'" \
	'{"user_id":"01a20000-0000-7000-8000-000000000002","admin":true}'
badimport "bad time" "line 1: field 'created_at' must be an ISO-8601 time" \
	'{"user_id":"01a20000-0000-7000-8000-000000000002","email":"e@example.com","hashed_password":null,"subscription_plan":"free","token_quota":1,"created_at":"yesterday","timezone":"UTC"}'
badimport "bad hash" "line 1: hashed_password must be an Argon2 hash" \
	'{"user_id":"01a20000-0000-7000-8000-000000000002","email":"e@example.com","hashed_password":"plaintext","subscription_plan":"free","token_quota":1,"created_at":"2026-01-01T00:00:00Z","timezone":"UTC"}'
badimport "bad id" "line 1: field 'user_id' is not a UUID" \
	'{"user_id":"42","email":"e@example.com"}'
badimport "unknown plan" "line 1: plan 'gold' does not exist$" \
	'{"user_id":"01a20000-0000-7000-8000-000000000002","email":"e@example.com","hashed_password":null,"subscription_plan":"gold","token_quota":1,"created_at":"2026-01-01T00:00:00Z","timezone":"UTC"}'

# a duplicate is a conflict (exit 3), and the good line before it is not kept
printf '%s\n' "$good" "$(head -1 "$TMP/export1")" >"$TMP/in"
snapshot
run t3-user import "$TMP/in"
is_rc 3 "import of an existing user is a conflict"
is_err "t3-user: error: line 2: email 'alice@example.com' is already taken" "one line naming the line and the email"
unchanged "a failed import imports nothing"

printf '%s\n' "$good" | t3-user import >"$OUT" 2>"$ERR"; rc=$?
is_rc 0 "import from stdin"
is "$(sql "$UDB" "SELECT email, token_quota, created_at FROM user_accounts WHERE email='dan@example.com'")" "dan@example.com|5|1767225600000" "imported row as given"

done_testing

#!/bin/sh
# Passwords: Argon2id through libsodium, verify, OAuth identities.
. "$(dirname "$0")/lib.sh"

printf 'correct horse\n' | t3-user add alice@example.com --password-stdin >/dev/null
hash=$(sql "$UDB" "SELECT hashed_password FROM user_accounts")
case $hash in '$argon2id$v=19$m=65536,t=2,p=1$'*) r=0 ;; *) r=1 ;; esac
ok $r "password stored as Argon2id, 64 MiB, t=2, p=1"
run t3-user show alice@example.com --json
unlike "$OUT" 'argon2' "show never prints the hash"
like "$OUT" '"auth":"password"' "show says a password is set"

printf 'correct horse\n' | t3-user verify alice@example.com --password-stdin >"$OUT" 2>"$ERR"; rc=$?
is_rc 0 "verify: the right password exits 0"
is "$(cat "$OUT" "$ERR")" "" "and prints nothing"
printf 'wrong horse\n' | t3-user verify alice@example.com --password-stdin >"$OUT" 2>"$ERR"; rc=$?
is_rc 1 "verify: a wrong password exits 1"
is_err "t3-user: error: password does not match for 'alice@example.com'" "and says so"
printf 'x\n' | t3-user verify nobody@example.com --password-stdin >"$OUT" 2>"$ERR"; rc=$?
is_rc 1 "verify of an unknown user exits 1"
is_err "t3-user: error: user 'nobody@example.com' not found" "and says so"

printf 'battery staple\n' | t3-user passwd alice@example.com --password-stdin >"$OUT" 2>"$ERR"; rc=$?
is_rc 0 "passwd --password-stdin"
printf 'battery staple\n' | t3-user verify alice@example.com --password-stdin; ok $? "new password verifies"
printf 'correct horse\n' | t3-user verify alice@example.com --password-stdin 2>/dev/null
is "$?" 1 "old password no longer verifies"

run t3-user passwd alice@example.com --oauth github:12345
is_rc 0 "passwd --oauth"
is "$(sql "$UDB" "SELECT hashed_password FROM user_accounts")" "oauth:github:12345" "OAuth identity stored"
run t3-user show alice@example.com --tsv
like "$OUT" 'oauth:github' "show names the OAuth provider"
printf 'oauth:github:12345\n' | t3-user verify alice@example.com --password-stdin >"$OUT" 2>"$ERR"; rc=$?
is_rc 1 "an OAuth identity never verifies by password"
is_err "t3-user: error: user 'alice@example.com' has no password (auth: oauth:github)" "and says why, without asking"

run t3-user passwd alice@example.com --clear
is_rc 0 "passwd --clear"
is "$(cat "$OUT" "$ERR")" "" "and prints nothing"
is "$(sql "$UDB" "SELECT hashed_password IS NULL FROM user_accounts")" 1 "passwd --clear removes the password"

# The password never appears in argv: there is no option that takes one.
snapshot
run t3-user add bob@example.com --password secret123
is_rc 2 "there is no --password option"
is_err "t3-user: error: there is no --password option: a password is typed at a prompt that does not echo, or read with --password-stdin
try 't3-user --help'" "refused by name, not taken as short for --password-stdin"
run t3-user add bob@example.com --password=secret123
is_rc 2 "nor --password=VALUE"
is_err "t3-user: error: there is no --password option: a password is typed at a prompt that does not echo, or read with --password-stdin
try 't3-user --help'" "--password=VALUE: the same message"
grep -q secret123 "$ERR"; ok $((!$?)) "the password given is not echoed"
run t3-user passwd bob@example.com --passw=secret123
is_rc 2 "an abbreviation of both is refused"
is_err "t3-user: error: unknown option '--passw'
try 't3-user --help'" "naming the option without its value"
unchanged "and no account is added or changed"

done_testing

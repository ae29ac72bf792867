#!/bin/sh
# t3-user: classes of bad input, each refused with its message and exit
# code, both databases unchanged: NUL bytes where text is expected,
# control and bidi characters in names, messages that would carry
# terminal escapes or a megabyte subject, JSON with a duplicate key.
. "$(dirname "$0")/lib.sh"

alice=$(t3-user add alice@example.com)
t3-user check >/dev/null   # creates data.db

bad() { # EXIT MESSAGE -- CMD... (stdin from $IN)
	code=$1 msg=$2
	shift 3
	snapshot
	"$@" <"$IN" >"$OUT" 2>"$ERR"
	rc=$?
	is_rc "$code" "$DESC exits $code"
	is_err "t3-user: error: $msg" "$DESC says why"
	is_out_raw "" "$DESC writes nothing on stdout"
	unchanged "$DESC leaves the databases unchanged"
}
IN=/dev/null

# --- NUL bytes: refused, never cut short -------------------------------------
printf 'abcdefgh\000ijkl\n' >"$TMP/pw"
IN=$TMP/pw DESC="add --password-stdin with a NUL"
bad 2 "the password on standard input holds a NUL byte" -- t3-user add bob@example.com --password-stdin
DESC="passwd --password-stdin with a NUL"
bad 2 "the password on standard input holds a NUL byte" -- t3-user passwd alice@example.com --password-stdin
printf 'abcdefgh\n' | t3-user passwd alice@example.com --password-stdin
DESC="verify --password-stdin with a NUL"
bad 2 "the password on standard input holds a NUL byte" -- t3-user verify alice@example.com --password-stdin
printf 'abcdefgh\n' >"$TMP/pw8"
run t3-user verify alice@example.com --password-stdin <"$TMP/pw8"
is_rc 0 "the password without the NUL still verifies (nothing was stored cut)"
printf 'alice@example.com\000junk\n' >"$TMP/ids"
IN=$TMP/ids DESC="rm --yes with a NUL in the ids on stdin"
bad 2 "line 1 of standard input holds a NUL byte" -- t3-user rm --yes
is "$(sql "$UDB" "SELECT count(*) FROM user_accounts")" 1 "alice is still there"
printf 'nobody@example.com\nalice@example.com\000\n' >"$TMP/ids"
IN=$TMP/ids DESC="show with a NUL on line 2 of stdin"
bad 2 "line 2 of standard input holds a NUL byte" -- t3-user show --json
IN=/dev/null

# --- names: valid UTF-8 without control or bidi characters --------------------
for s in "$(printf 'x\342\200\256y')" "$(printf 'x\302\233y')" "$(printf 'x\377y')" "$(printf 'x\033y')"; do
	DESC="--oauth with a control, bidi or invalid byte"
	bad 2 "--oauth 'google:$(printf '%s' "$s" | sed 's/\xe2\x80\xae/<U+202E>/; s/\xc2\x9b/M-^[/; s/\x1b/^[/; s/\xff/\xff/')' is not PROVIDER:SUBJECT" -- \
		t3-user passwd alice@example.com --oauth "google:$s"
done
DESC="plan description with an escape"
bad 2 "description 'a^[[2Jb' must be at most 1000 bytes of UTF-8 without control characters" -- \
	t3-user plan set gold 5 --description "$(printf 'a\033[2Jb')"

# --- messages: neutralised, one line, subjects shortened ---------------------
DESC="a user named with terminal escapes"
bad 1 "user 'x^[]0;pwned^G^[[2JM-^[<U+202E>' not found" -- t3-user show "$(printf 'x\033]0;pwned\007\033[2J\302\233\342\200\256')"
big=$(head -c 100000 /dev/zero | tr '\0' a)
run t3-user show "$big"
is_rc 1 "a 100 kB user key: not found"
is "$(wc -l <"$ERR" | tr -d ' ')" 1 "in one line"
[ "$(wc -c <"$ERR")" -lt 300 ]; ok $? "a short one: the subject is cut ($(wc -c <"$ERR") bytes)"
like "$ERR" "^t3-user: error: user 'a{200}\\.\\.\\.' not found\$" "to its first 200 bytes and '...'"
printf '%s\n' "$(head -c 1000000 /dev/zero | tr '\0' b)" >"$TMP/bigline"
run t3-user show <"$TMP/bigline"
is_rc 1 "a 1 MB line on stdin: not found"
[ "$(wc -c <"$ERR")" -lt 300 ]; ok $? "and the message stays short"

# --- a table neutralises what a foreign writer stored ------------------------
sqlite3 "$UDB" "UPDATE plans SET description = 'free' || char(27) || ']0;pwned' || char(7) WHERE plan_name = 'free'"
run t3-user plan list
like "$OUT" '^free +100000 +1 +free\^\[\]0;pwned\^G$' "plan list shows an escape in a description, does not send it"
run t3-user plan list --json
grep -qi 'free\\u001b\]0;pwned\\u0007' "$OUT"; ok $? "JSON escapes it"

# --- import: a duplicate key is refused --------------------------------------
printf '{"user_id":"01000000-0000-7000-8000-000000000001","email":"c@example.com","email":"d@example.com","hashed_password":null,"subscription_plan":"free","token_quota":5,"created_at":"2026-01-01T00:00:00.000Z","timezone":"UTC"}\n' >"$TMP/dup"
DESC="import with a duplicate key"
bad 2 "line 1: invalid JSON: duplicate object key near '\"email\"'" -- t3-user import "$TMP/dup"

done_testing

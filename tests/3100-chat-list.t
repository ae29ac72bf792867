#!/bin/sh
# t3-chat -l / --list: the acting user's chats, newest first, in every
# output format, with the model, date, text and count filters; refusals
# leave the databases as they were; a prompt word is never a command.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/history.sh"

# ---- before anything exists ----
run t3-chat -l
is_rc 0 "-l on a fresh install"
is_out "ID  UPDATED  MSGS  MODEL  TITLE" "an empty table"
run t3-chat --list --json
is_out "[]" "--json: an empty array"
is "$(sql "$UDB" "SELECT count(*) FROM user_accounts")" 0 "listing makes no local account"

history_data
export T3_USER=alice@example.com

run t3-chat -l
is_rc 0 "-l"
is_out "ID                                    UPDATED                   MSGS  MODEL                      TITLE
$C3  2026-03-01T08:01:00.000Z     2  echo                       Shell quoting
$C2  2026-02-01T09:10:00.000Z     3  claude-haiku-4-5-20251001  Lisbon trip
$C1  2026-01-01T10:05:00.000Z     4  gpt-4o-mini                Rust lifetimes" \
	"a table, most recently active first, alice's chats only"
snapshot
run t3-chat --list --json
is_rc 0 "--list --json"
is_out '[
{"chat_id":"'$C3'","title":"Shell quoting","created_at":"2026-03-01T08:00:00.000Z","updated_at":"2026-03-01T08:01:00.000Z","model_default":"echo","message_count":2},
{"chat_id":"'$C2'","title":"Lisbon trip","created_at":"2026-02-01T09:00:00.000Z","updated_at":"2026-02-01T09:10:00.000Z","model_default":"claude-haiku-4-5-20251001","message_count":3},
{"chat_id":"'$C1'","title":"Rust lifetimes","created_at":"2026-01-01T10:00:00.000Z","updated_at":"2026-01-01T10:05:00.000Z","model_default":"gpt-4o-mini","message_count":4}
]' "--json: an array with the seed's key names and ISO-8601 UTC times"
run t3-chat -l --jsonl
is "$(sed -n 2p "$OUT")" '{"chat_id":"'$C2'","title":"Lisbon trip","created_at":"2026-02-01T09:00:00.000Z","updated_at":"2026-02-01T09:10:00.000Z","model_default":"claude-haiku-4-5-20251001","message_count":3}' \
	"--jsonl: one object a line"
is "$(wc -l <"$OUT")" 3 "--jsonl: three lines"
run t3-chat -l -q
is_out "$C3
$C2
$C1" "-q: the ids, one a line"
run t3-chat -l --tsv
is "$(sed -n 1p "$OUT")" "$(printf 'chat_id\tupdated_at\tmessage_count\tmodel_default\ttitle')" "--tsv: a header"
is "$(sed -n 2p "$OUT")" "$(printf '%s\t2026-03-01T08:01:00.000Z\t2\techo\tShell quoting' "$C3")" "--tsv: the row"
run t3-chat -l --csv
is "$(sed -n 4p "$OUT")" "$C1,2026-01-01T10:05:00.000Z,4,gpt-4o-mini,Rust lifetimes" "--csv"
unchanged "listing changes nothing"

# ---- filters ----
run t3-chat -l -q -n 2
is_out "$C3
$C2" "-n 2: the newest two"
run t3-chat -l -q -m gpt-4o-mini
is_out "$C1" "-m: the chat's model"
run t3-chat -l -q -m claude-haiku-4-5-20251001
is_out "$C2" "-m: another"
sqlite3 "$DDB" "UPDATE chat_sessions SET model_default = 'echo' WHERE chat_id = '$C1'"
run t3-chat -l -q -m gpt-4o-mini
is_out "$C1" "-m: a model one of its answers came from"
sqlite3 "$DDB" "UPDATE chat_sessions SET model_default = 'gpt-4o-mini' WHERE chat_id = '$C1'"
run t3-chat -l -q -m nosuch
is "$rc:$(cat "$OUT")" "0:" "-m with no chat of that model: nothing, exit 0"
run t3-chat -l -q --since 2026-02-01
is_out "$C3
$C2" "--since DATE: active on or after it"
run t3-chat -l -q --until 2026-02-01T09:10Z
is_out "$C1" "--until: active before it"
run t3-chat -l -q --since 2026-01-02 --until 2026-03-01
is_out "$C2" "--since and --until: a range"
run t3-chat -l -q --since 36500d
is "$(wc -l <"$OUT")" 3 "--since an age (36500d): all three"
run t3-chat -l -q --since 1d
is "$rc:$(cat "$OUT")" "0:" "--since 1d: none this recent"
run t3-chat -l -q lisbon
is_out "$C2" "TEXT: in the title, any case"
run t3-chat -l -q python
is_out "$C3" "TEXT: a word of a message"
run t3-chat -l -q RUST
is_out "$C3
$C1" "TEXT: title or messages, newest first, not bob's"
run t3-chat -l -q -n 1 rust
is_out "$C3" "TEXT with -n"
run t3-chat -l -q '"'
is "$rc:$(cat "$OUT")" "0:" "TEXT with a quote is no FTS syntax error"

# ---- the acting user ----
run t3-chat -l -q --user bob@example.com
is_out "$C4" "--user bob: bob's chat only"
run env T3_USER=bob@example.com t3-chat -l -q
is_out "$C4" "T3_USER bob"
run env -u T3_USER t3-chat -l
is_rc 0 "the local account, not made yet"
is_out "ID  UPDATED  MSGS  MODEL  TITLE" "has no chats"
is "$(sql "$UDB" "SELECT count(*) FROM user_accounts WHERE email = 'local@localhost'")" 0 "and is not made by listing"
snapshot
run t3-chat -l --user nobody@example.com
is_rc 1 "an unknown user"
is_err "t3-chat: error: user 'nobody@example.com' not found" "is not found"
run t3-chat -l --user ''
is_rc 2 "an empty --user"
is_err "t3-chat: error: the user given to --user is empty" "is a usage error"

# ---- refusals ----
refuse() { # DESCRIPTION EXPECTED-STDERR CMD...
	rf_d=$1 rf_e=$2; shift 2
	run "$@"
	is "$rc" 2 "$rf_d: exit 2"
	is "$(head -1 "$ERR")" "$rf_e" "$rf_d: says why"
	is "$(cat "$OUT")" "" "$rf_d: nothing on stdout"
}
refuse "-n 0" "t3-chat: error: count '0' must be an integer from 1 to 1000000000" t3-chat -l -n 0
refuse "-n x" "t3-chat: error: count 'x' must be an integer from 1 to 1000000000" t3-chat -l -n x
refuse "-n without a value" "t3-chat: error: option '-n' needs a value" t3-chat -l -n
refuse "a bad date" "t3-chat: error: --since 'yesterday' is neither an ISO-8601 date (2026-11-25, 2026-11-25T15:37Z) nor an age (90m, 12h, 30d, 4w)" t3-chat -l --since yesterday
refuse "a bad age" "t3-chat: error: --until '5y' is neither an ISO-8601 date (2026-11-25, 2026-11-25T15:37Z) nor an age (90m, 12h, 30d, 4w)" t3-chat -l --until 5y
refuse "two modes" "t3-chat: error: choose one of --list, --show, --search, --rm, --rename, --export and --import" t3-chat -l --show
refuse "a turn's option" "t3-chat: error: option '--temperature' does not apply to '--list'" t3-chat -l --temperature 1
refuse "a turn's short option" "t3-chat: error: option '-s' does not apply to '--list'" t3-chat -l -s sys
refuse "another mode's option" "t3-chat: error: option '-y' does not apply to '--list'" t3-chat -l -y
refuse "--format" "t3-chat: error: option '--format' does not apply to '--list'" t3-chat --list --format md
refuse "an attachment" "t3-chat: error: option '-a' does not apply to '--list'" t3-chat -l -a /etc/hostname
refuse "a role" "t3-chat: error: option '--role' does not apply to '--list'" t3-chat -l --role pirate
refuse "a provider option" "t3-chat: error: option '-o' does not apply to '--list'" t3-chat -l -o top_p=1
refuse "a role mode" "t3-chat: error: choose one of --list and --roles" t3-chat -l --roles
refuse "two formats" "t3-chat: error: choose one output format" t3-chat -l --json --jsonl
refuse "an unknown option" "t3-chat: error: unknown option '--lisst'" t3-chat -l --lisst
unchanged "refusals change nothing"

# ---- a prompt word is a prompt, the mode may come anywhere ----
run env -u T3_USER t3-chat -m echo list
is "$rc:$(cat "$OUT")" "0:list" "'t3-chat list' is a prompt"
run t3-chat -m echo -- --list
is "$rc:$(cat "$OUT")" "0:--list" "after --, --list is a prompt"
run t3-chat -m echo -s --list hello
is "$rc:$(cat "$OUT")" "0:hello" "the value of -s is not a mode"
is "$(sql "$DDB" "SELECT system_prompt FROM chat_sessions WHERE title = 'hello'")" "--list" "and is the system prompt"
run t3-chat -q -l --user bob@example.com
is_out "$C4" "the mode option after others"
run t3-chat -n -l
is_rc 2 "-n -l: -l is the mode, and -n wants a count"
is "$(head -1 "$ERR")" "t3-chat: error: count '-l' must be an integer from 1 to 1000000000" "says so"

# ---- --help ----
run t3-chat --list --help
is_rc 0 "--list --help"
like "$OUT" '^       t3-chat --rm \[-y\] ID\.\.\. \| - \| --older-than DATE$' "the history usage on stdout"
run t3-chat --help
unlike "$OUT" '^       t3-chat --rm' "t3-chat --help alone: the turn's usage"

done_testing

#!/bin/sh
# t3-chat --export and --import: JSON that carries every message, parent
# link and usage row to another installation, byte for byte the same
# when exported there again; ids kept, new ones where taken; all or
# nothing; Markdown; other users' chats not found.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mock.sh"
. "$(dirname "$0")/history.sh"

history_data
export T3_USER=alice@example.com
snapshot

run t3-chat --export "$C1" 0191 "$C2"
is_rc 0 "--export ID PREFIX ID"
cp "$OUT" "$TMP/a.json"
is "$(jx "$TMP/a.json" '$.format' '$.version' '$.chats[0].chat_id' '$.chats[1].chat_id' '$.chats[2].chat_id')" \
	'["t3-chat-export",1,"'$C1'","'$C3'","'$C2'"]' "one object: format, version, the chats in the order given"
is "$(jsql "$TMP/a.json" "SELECT json_array_length(J, '\$.chats[0].messages') || ' ' || json_array_length(J, '\$.chats[0].usage') || ' ' || json_array_length(J, '\$.chats[2].messages') FROM d")" \
	"4 2 3" "every message and usage row"
is "$(wc -l <"$TMP/a.json")" 1 "on one line"
run t3-chat --show --json "$C1"
is "$(jx "$TMP/a.json" '$.chats[0]')" "$(jx "$OUT" '$')" "a chat is exported as --show --json shows it"
t3-chat -l -q | t3-chat --export - >"$TMP/all.json"
is "$(jx "$TMP/all.json" '$.chats[#-1].chat_id')" "$C1" "--export - reads the ids of -l -q"
unchanged "exporting changes nothing"

# ---- refusals ----
run t3-chat --export
is_rc 2 "--export without ids"
is "$(head -1 "$ERR")" "t3-chat: error: --export needs chat ids, or '-' to read them from standard input" "says so"
run t3-chat --export --format text "$C1"
is_rc 2 "--format text"
is "$(head -1 "$ERR")" "t3-chat: error: format 'text' must be json or md" "is not an export format"
run t3-chat --export --user bob@example.com "$C1"
is_rc 1 "bob exporting alice's chat"
is "$(cat "$OUT"):$(cat "$ERR")" ":t3-chat: error: chat '$C1' not found" "is not found, nothing written"
run t3-chat --export "$C4"
is_rc 1 "alice exporting bob's"

# ---- Markdown ----
run t3-chat --export --format md "$C2"
is_rc 0 "--export --format md"
t3-chat --show --format md "$C2" >"$TMP/show.md"
cmp -s "$OUT" "$TMP/show.md"
ok $? "the same Markdown as --show --format md"
run t3-chat --export --format md "$C2" "$C3"
is "$(grep -c '^---$' "$OUT") $(grep -c '^# ' "$OUT")" "1 2" "two chats, a rule between them"

# ---- into another installation ----
A_HOME=$T3_HOME A_DDB=$DDB
export T3_HOME=$TMP/b
UDB=$T3_HOME/user.db DDB=$T3_HOME/data.db
unset T3_USER
run t3-chat --import "$TMP/a.json"
is_rc 0 "--import FILE into a fresh installation"
is_out "$C1
$C3
$C2" "prints the chat ids"
is "$(sql "$UDB" "SELECT email FROM user_accounts")" "local@localhost" "as the local account, made for it"
is "$(counts)" "3 9 2 2" "3 chats, 9 messages, 2 usage rows linked"
local_id=$(sql "$UDB" "SELECT user_id FROM user_accounts")
is "$(sql "$DDB" "SELECT count(*) FROM chat_sessions WHERE user_id = '$local_id'") $(sql "$DDB" "SELECT count(*) FROM usage_metrics WHERE user_id = '$local_id'")" \
	"3 2" "chats and usage rows belong to the importer"
is "$(sql "$DDB" "SELECT count(*) FROM chat_messages m JOIN chat_messages p ON p.message_id = m.parent_id")" 6 "every parent link kept"
is "$(sql "$DDB" "SELECT count(*) FROM usage_metrics u JOIN chat_messages m USING (message_id)")" 2 "every usage link kept"
run t3-chat --export "$C1" "$C3" "$C2"
cmp -s "$OUT" "$TMP/a.json"
ok $? "exported again: byte for byte the same"
run t3-chat --search lifetimes -q
is_out "$C1" "imported messages are searchable"

# ---- again: every id is taken ----
snapshot
run t3-chat --import - <"$TMP/a.json"
is_rc 0 "--import - (stdin), a second time"
new1=$(sed -n 1p "$OUT")
is "$(wc -l <"$OUT")" 3 "three new chat ids"
like "$ERR" "^t3-chat: chat '$C1' exists already: imported as '$new1'\$" "each renamed one named on stderr"
is "$(counts)" "6 18 4 4" "a second copy of everything"
is "$(sql "$DDB" "SELECT count(*) FROM chat_messages WHERE chat_id = '$new1' AND message_id LIKE '01900000-%'")" 0 "its messages have new ids"
is "$(sql "$DDB" "SELECT count(*) FROM chat_messages m JOIN chat_messages p ON p.message_id = m.parent_id WHERE m.chat_id = '$new1' AND p.chat_id = '$new1'")" 3 \
	"parent links point into the new chat"
is "$(sql "$DDB" "SELECT count(*) FROM usage_metrics u JOIN chat_messages m USING (message_id) WHERE u.chat_id = '$new1' AND m.chat_id = '$new1'")" 2 \
	"usage rows point at the new messages"
is "$(sql "$DDB" "SELECT substr(chat_id, 1, 13) FROM chat_sessions WHERE chat_id = '$new1'")" "$(printf '%012x' "$(sql "$DDB" "SELECT created_at FROM chat_sessions WHERE chat_id = '$C1'")" | sed 's/^\(.\{8\}\)/\1-/')" "a new chat id keeps the chat's creation time"
t3-chat --export "$new1" >"$TMP/new1.json"
is "$(jsql "$TMP/new1.json" "SELECT group_concat(json_extract(value, '\$.message_text'), '|') FROM d, json_each(J, '\$.chats[0].messages')")" \
	"How do lifetimes work in Rust?|A lifetime names how long a borrow lasts.|And in structs?|A struct that holds a reference needs" "the same messages, in order"

# ---- all or nothing ----
snapshot
bad_import() { # DESCRIPTION EXPECTED-STDERR SED-SCRIPT
	sed "$3" "$TMP/a.json" >"$TMP/bad.json"
	run t3-chat --import "$TMP/bad.json"
	is_rc 2 "$1: exit 2"
	is "$(cat "$ERR")" "$2" "$1: says where"
	is "$(cat "$OUT")" "" "$1: no ids printed"
}
bad_import "a bad sender in the third chat" \
	"t3-chat: error: '$TMP/bad.json': chats[2]: messages[1]: CHECK constraint failed: sender_type IN ('user', 'ai')" \
	's/"sender_type":"ai","message_text":"Day one/"sender_type":"bot","message_text":"Day one/'
bad_import "a parent outside the chat" \
	"t3-chat: error: '$TMP/bad.json': chats[2]: messages[0].parent_id: not a message of this chat" \
	's/"parent_id":null,"sender_type":"user","message_text":"Plan/"parent_id":"01900000-0000-7000-8000-0000000000a1","sender_type":"user","message_text":"Plan/'
bad_import "a usage row linked outside the chat" \
	"t3-chat: error: '$TMP/bad.json': chats[0]: usage[0].message_id: not a message of this chat" \
	's/"usage_id":"01900000-0000-7000-8000-0000000000e1","message_id":"01900000-0000-7000-8000-0000000000a2"/"usage_id":"01900000-0000-7000-8000-0000000000e1","message_id":"01900000-0000-7000-8000-0000000000b1"/'
bad_import "a message id twice" \
	"t3-chat: error: '$TMP/bad.json': chats[0]: messages[2].message_id: '01900000-0000-7000-8000-0000000000a1' appears twice" \
	's/0000000000a3/0000000000a1/g'
bad_import "a bad time" \
	"t3-chat: error: '$TMP/bad.json': chats[1]: created_at: not an ISO-8601 time" \
	's/"created_at":"2026-03-01T08:00:00.000Z"/"created_at":"March"/'
bad_import "a bad id" \
	"t3-chat: error: '$TMP/bad.json': chats[0]: chat_id: not a UUID" \
	"s/\"chat_id\":\"$C1\"/\"chat_id\":\"c1\"/"
bad_import "a number for a text" \
	"t3-chat: error: '$TMP/bad.json': chats[0]: messages[0].message_text: not a string" \
	's/"message_text":"How do lifetimes work in Rust?"/"message_text":42/'
bad_import "a missing text" \
	"t3-chat: error: '$TMP/bad.json': chats[0]: messages[0]: NOT NULL constraint failed: chat_messages.message_text" \
	's/"message_text":"How do lifetimes work in Rust?",//'
bad_import "not JSON" \
	"t3-chat: error: '$TMP/bad.json': not JSON (end of file expected near ',', line 1)" \
	's/^/{},/'
bad_import "JSON of something else" \
	"t3-chat: error: '$TMP/bad.json' is not an export of t3-chat" \
	's/t3-chat-export/t3-user/'
bad_import "a newer version" \
	"t3-chat: error: '$TMP/bad.json' is an export of version 2; this t3-chat reads version 1" \
	's/"version":1/"version":2/'
run t3-chat --import "$TMP/none.json"
is_rc 2 "a missing file"
like "$ERR" "^t3-chat: error: '$TMP/none.json': not JSON \(unable to open" "says so"
run t3-chat --import "$TMP/a.json" "$TMP/a.json"
is_rc 2 "two files"
run t3-chat --import --json "$TMP/a.json"
is_rc 2 "--json does not apply to --import"
unchanged "every refused import left the databases as they were"

# a parent after its child in the file is fine
jsql "$TMP/a.json" "SELECT json_set(J, '\$.chats', json_array(json_set(json_extract(J, '\$.chats[0]'), '\$.messages', (SELECT json_group_array(json(value)) FROM (SELECT value FROM json_each(J, '\$.chats[0].messages') ORDER BY key DESC))))) FROM d" >"$TMP/rev.json"
run t3-chat --import "$TMP/rev.json"
is_rc 0 "messages in reverse order: a child before its parent"
is "$(sql "$DDB" "SELECT count(*) FROM chat_messages m JOIN chat_messages p ON p.message_id = m.parent_id WHERE m.chat_id = '$(cat "$OUT")'")" 3 "the links are whole"

# ---- as another user; a bad file makes no local account ----
export T3_HOME=$TMP/c
UDB=$T3_HOME/user.db DDB=$T3_HOME/data.db
t3-chat -l >/dev/null
snapshot
run t3-chat --import "$TMP/bad.json"
is_rc 2 "a file of another version into a fresh installation"
unchanged "makes nothing, not even the local account"
sed 's/"sender_type":"ai","message_text":"Day one/"sender_type":"bot","message_text":"Day one/' "$TMP/a.json" >"$TMP/bad.json"
run t3-chat --import "$TMP/bad.json"
is_rc 2 "a file with a bad message in its last chat"
unchanged "makes nothing either: the local account is made with the chats or not at all"
run t3-chat --import "$TMP/a.json"
is "$rc $(sql "$UDB" "SELECT email FROM user_accounts")" "0 local@localhost" "a good one makes it"
sqlite3 "$DDB" "PRAGMA foreign_keys = ON; DELETE FROM usage_metrics; DELETE FROM chat_sessions"
sqlite3 "$UDB" "DELETE FROM user_accounts"
t3-user add carol@example.com >/dev/null
run t3-chat --import --user carol@example.com "$TMP/a.json"
is_rc 0 "--import --user carol"
carol=$(sql "$UDB" "SELECT user_id FROM user_accounts WHERE email = 'carol@example.com'")
is "$(sql "$DDB" "SELECT count(*) FROM chat_sessions WHERE user_id = '$carol'")" 3 "carol's chats"
run t3-chat --show "$C1"
is_rc 1 "not the local account's"
run t3-chat --import --user dave@example.com "$TMP/a.json"
is_rc 1 "an unknown --user"
is_err "t3-chat: error: user 'dave@example.com' not found" "is not found"

done_testing

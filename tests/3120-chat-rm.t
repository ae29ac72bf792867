#!/bin/sh
# t3-chat --rm and --rename: by id or prefix, several, from stdin, by
# age; all or nothing; asks on a terminal unless -y; usage rows stay;
# the search index follows; other users' chats are not found.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/history.sh"

history_data
export T3_USER=alice@example.com
is "$(counts)" "4 10 2 2" "before: 4 chats, 10 messages, 2 usage rows linked"

# ---- refusals: nothing removed ----
snapshot
run t3-chat --rm "$C1"
is_rc 2 "--rm without a terminal and without -y"
is_err "t3-chat: error: refusing to remove without a terminal to ask: use -y
try 't3-chat --help'" "refuses"
run t3-chat --rm -y
is_rc 2 "--rm with nothing to remove"
is "$(head -1 "$ERR")" "t3-chat: error: --rm needs chat ids, '-' to read them from standard input, or --older-than DATE" "says what it needs"
run t3-chat --rm -y "$C1" --older-than 30d
is_rc 2 "ids and --older-than"
is "$(head -1 "$ERR")" "t3-chat: error: choose chat ids or --older-than" "are exclusive"
run t3-chat --rm -y "$C1" 0199
is_rc 1 "one id of two not found"
is_err "t3-chat: error: chat '0199' not found" "names it"
run t3-chat --rm -y "$C1" 0190
is_rc 2 "an ambiguous prefix among the ids"
run t3-chat --rm -y --user bob@example.com "$C1"
is_rc 1 "bob removing alice's chat"
is_err "t3-chat: error: chat '$C1' not found" "is not found"
run t3-chat --rm -y --older-than never
is_rc 2 "a bad --older-than"
run t3-chat --rm -y --json "$C1"
is_rc 2 "--json does not apply"
: >"$TMP/empty"
run t3-chat --rm -y - <"$TMP/empty"
is_rc 2 "'-' with an empty stdin"
is "$(head -1 "$ERR")" "t3-chat: error: no chat ids on standard input" "says so"
unchanged "every refusal left the databases as they were"

# ---- one, by prefix ----
run t3-chat --rm -y 0191
is_rc 0 "--rm -y PREFIX"
is "$(cat "$OUT")$(cat "$ERR")" "" "silently"
is "$(counts)" "3 8 2 2" "the chat and its 2 messages gone"
is "$(sql "$DDB" "SELECT count(*) FROM chat_messages_fts WHERE chat_messages_fts MATCH 'python'")" 0 "its text is out of the search index"
sqlite3 "$DDB" "INSERT INTO chat_messages_fts (chat_messages_fts) VALUES ('integrity-check')"
ok $? "the index is consistent"

# ---- usage rows stay, unlinked ----
run t3-chat --rm --yes "$C1"
is_rc 0 "--rm --yes ID"
is "$(counts)" "2 4 2 0" "its 4 messages gone, its 2 usage rows kept but unlinked"
is "$(sql "$DDB" "SELECT count(*) FROM usage_metrics WHERE message_id IS NULL AND user_id = '$ALICE'")" 2 "their message links cleared too"

# ---- several from stdin, each once ----
history_more() { # a second set of chats for alice
	for i in 5 6 7; do
		sqlite3 "$DDB" "INSERT INTO chat_sessions (chat_id, user_id, title, created_at, system_prompt, updated_at, model_default) VALUES ('01930000-0000-7000-8000-00000000000$i', '$ALICE', 'old $i', 0, NULL, $i, NULL)"
		sqlite3 "$DDB" "INSERT INTO chat_messages (message_id, chat_id, sender_type, message_text, timestamp) VALUES ('01930000-0000-7000-8000-0000000000f$i', '01930000-0000-7000-8000-00000000000$i', 'user', 'old question $i', $i)"
	done
}
history_more
printf '%s\n' 01930000-0000-7000-8000-000000000005 01930000-0000-7000-8000-000000000006 01930000-0000-7000-8000-000000000005 >"$TMP/ids"
run t3-chat --rm -y - <"$TMP/ids"
is_rc 0 "--rm -y - (ids on stdin, one twice)"
is "$(sql "$DDB" "SELECT group_concat(title, ',') FROM (SELECT title FROM chat_sessions WHERE user_id = '$ALICE' ORDER BY title)")" "Lisbon trip,old 7" "those two removed"

# ---- --older-than ----
run t3-chat --rm -y --older-than 2026-01-01
is_rc 0 "--older-than DATE"
is_err "t3-chat: removed 1 chat" "says how many on stderr"
is "$(sql "$DDB" "SELECT group_concat(title, ',') FROM chat_sessions")" "Lisbon trip,Bob's rust" "the chat last active before it, not bob's older one"
run t3-chat --rm -y --older-than 2000-01-01
is "$rc:$(cat "$ERR")" "0:" "none that old: nothing to do, exit 0"
run t3-chat --rm -y --older-than 1m
is_rc 0 "--older-than an age"
is "$(sql "$DDB" "SELECT group_concat(title, ',') FROM chat_sessions")" "Bob's rust" "removes alice's last chat"

# ---- asking on a terminal ----
if command -v script >/dev/null 2>&1; then
	history_more
	printf 'n\n' | script -qec "t3-chat --rm 01930000-0000-7000-8000-000000000005" /dev/null >"$TMP/tty.out" 2>&1
	grep -q "remove chat 01930000-0000-7000-8000-000000000005 'old 5' with its messages? \[y/N\]" "$TMP/tty.out"
	ok $? "on a terminal it asks, naming the chat"
	grep -q "t3-chat: error: not removed" "$TMP/tty.out"
	ok $? "'n': not removed"
	is "$(sql "$DDB" "SELECT count(*) FROM chat_sessions WHERE title = 'old 5'")" 1 "and the chat stays"
	printf 'y\n' | script -qec "t3-chat --rm 01930000-0000-7000-8000-000000000005 01930000-0000-7000-8000-000000000006" /dev/null >"$TMP/tty.out" 2>&1
	grep -q "remove 2 chats with their messages? \[y/N\]" "$TMP/tty.out"
	ok $? "several: asks once, with the count"
	is "$(sql "$DDB" "SELECT group_concat(title, ',') FROM chat_sessions WHERE title LIKE 'old %'")" "old 7" "'y': removed"
else
	skip 5 "script not installed"
fi

# ---- --rename ----
sqlite3 "$DDB" "DELETE FROM chat_sessions"
history_data 2>/dev/null
snapshot
run t3-chat --rename "$C1"
is_rc 2 "--rename without a title"
is "$(head -1 "$ERR")" "t3-chat: error: '--rename' needs more arguments" "says so"
run t3-chat --rename "$C1" "  "
is_rc 2 "a blank title"
is "$(head -1 "$ERR")" "t3-chat: error: the title is empty" "is refused"
run t3-chat --rename "$C1" "$(printf 'two\nlines')"
is_rc 2 "a title of two lines"
is "$(head -1 "$ERR")" "t3-chat: error: a title is one line" "is refused"
run t3-chat --rename --user bob@example.com "$C1" mine now
is_rc 1 "bob renaming alice's chat"
is_err "t3-chat: error: chat '$C1' not found" "is not found"
run t3-chat --rename 0190 x
is_rc 2 "an ambiguous prefix"
unchanged "refused renames change nothing"
run t3-chat --rename 01900000-0000-7000-8000-000000000001 Lifetimes in Rust
is_rc 0 "--rename ID TITLE..."
is "$(sql "$DDB" "SELECT title FROM chat_sessions WHERE chat_id = '$C1'")" "Lifetimes in Rust" "the words joined"
is "$(sql "$DDB" "SELECT count(*) FROM chat_sessions WHERE title = 'Lifetimes in Rust'")" 1 "that chat only"
is "$(sql "$DDB" "SELECT updated_at FROM chat_sessions WHERE chat_id = '$C1'")" 1767261900000 "a rename is not activity: updated_at kept"

done_testing

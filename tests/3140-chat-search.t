#!/bin/sh
# t3-chat --search: full-text search over the acting user's messages
# (FTS5), best match first, with snippets and chat ids; the index kept in
# step by triggers and built by the migration for existing data.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mock.sh"
. "$(dirname "$0")/history.sh"

history_data
export T3_USER=alice@example.com
snapshot

run t3-chat --search rust
is_rc 0 "--search WORD"
is_out "CHAT                                  WHEN                      FROM  TITLE           SNIPPET
$C1  2026-01-01T10:00:00.000Z  user  Rust lifetimes  How do lifetimes work in **Rust**?
$C3  2026-03-01T08:01:00.000Z  ai    Shell quoting   ...expands patterns in it; unlike **Rust** or Python, sh has no types..." \
	"a table: the short message first, a snippet of the long one, not bob's"
run t3-chat --search --json rust
is_rc 0 "--search --json"
is "$(jsql "$OUT" "SELECT json_array_length(J) FROM d") $(jsql "$OUT" "SELECT group_concat(key, ',') FROM d, json_each(json_extract(J, '\$[0]'))")" \
	"2 chat_id,message_id,title,sender_type,timestamp,snippet,score" "an array; its keys"
is "$(jx "$OUT" '$[0].message_id' '$[1].message_id' '$[1].snippet')" \
	'["01900000-0000-7000-8000-0000000000a1","01910000-0000-7000-8000-0000000000c2","...expands patterns in it; unlike **Rust** or Python, sh has no types..."]' \
	"--json: message ids and snippets"
is "$(jsql "$OUT" "SELECT json_extract(J, '\$[0].score') > json_extract(J, '\$[1].score') AND json_extract(J, '\$[1].score') > 0 FROM d")" 1 \
	"scores: positive, higher first"
run t3-chat --search --jsonl rust
is "$(wc -l <"$OUT") $(head -1 "$OUT" | cut -c1-50)" '2 {"chat_id":"01900000-0000-7000-8000-000000000001",' "--jsonl"
run t3-chat --search -q rust
is_out "$C1
$C3" "-q: chat ids"
run t3-chat --search -q -n 1 rust
is_out "$C1" "-n 1: the best"
run t3-chat --search --tsv rust
is "$(sed -n 1p "$OUT")" "$(printf 'chat_id\ttimestamp\tsender_type\ttitle\tsnippet')" "--tsv header"

# ---- the words ----
run t3-chat --search -q lifetime borrow
t3-chat --search --json lifetime borrow >"$TMP/lb.json"
is "$rc $(cat "$OUT") $(jx "$TMP/lb.json" '$[0].message_id')" \
	"0 $C1 01900000-0000-7000-8000-0000000000a2" "every word must be there: the answer only"
run t3-chat --search --json 'lifet*'
is "$(jsql "$OUT" "SELECT group_concat(json_extract(value, '\$.message_id'), ',') FROM (SELECT value FROM d, json_each(J) ORDER BY json_extract(value, '\$.message_id'))")" \
	"01900000-0000-7000-8000-0000000000a1,01900000-0000-7000-8000-0000000000a2" "WORD*: a prefix"
run t3-chat --search -q belem
is_out "$C2" "diacritics folded: belem finds Belém"
run t3-chat --search -q BELÉM
is_out "$C2" "and case"
run t3-chat --search --json 'day two'
is "$(jx "$OUT" '$[0].snippet')" "**Day** one: Alfama and the castle.
**Day** **two**: Belém.
**Day** three: Sintra." "a snippet marks each word found"
for q in '"' 'rust"' 'NOT rust' 'rust OR' 'NEAR(' '(' '-rust' 'a:b' '*'; do
	run t3-chat --search -q -- "$q"
	is "$rc $(head -1 "$ERR")" "0 " "'$q' is words, not FTS syntax"
done
run t3-chat --search -q 'NOT rust'
is "$(cat "$OUT")" "" "'NOT rust': NOT is a word to find"
run t3-chat --search -q python
is "$rc:$(cat "$OUT")" "0:$C3" "found in an answer"
run t3-chat --search -q nowhere
is "$rc:$(cat "$OUT")" "0:" "no match: nothing, exit 0"
run t3-chat --search
is_rc 2 "--search without words"
is "$(head -1 "$ERR")" "t3-chat: error: --search needs the words to look for" "says so"
run t3-chat --search '  '
is_rc 2 "--search of white space"
is "$(head -1 "$ERR")" "t3-chat: error: nothing to search for" "says so"
run t3-chat --search -m echo rust
is_rc 2 "-m does not apply to --search"

# ---- users ----
run t3-chat --search -q --user bob@example.com rust
is_out "$C4" "bob finds his own only"
run t3-chat --search -q --user bob@example.com lifetimes
is "$rc:$(cat "$OUT")" "0:" "and none of alice's"
run env -u T3_USER t3-chat --search rust -q
is "$rc:$(cat "$OUT")" "0:" "the local account, not made yet, finds nothing"
unchanged "searching changes nothing"

# ---- more matches than are ranked (SEARCH_RANKED, 2,000): the user's
# 2,000 stored last; another user's newer messages do not count ----
# MSGS N CHAT PREFIX: N messages holding 'rust' in CHAT, stored after the rest
msgs() {
	sql "$DDB" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
		INSERT INTO chat_messages (message_id, chat_id, sender_type, message_text, timestamp)
		SELECT printf('$3-0000-7000-8000-%012d', i), '$2', 'user',
		       'rust once among many other words of a long and wordy message number ' || i,
		       $(ms '2026-04-01 00:00') + i FROM n"
}
found() { t3-chat --search --json rust >"$TMP/found.json"; jsql "$TMP/found.json" "SELECT json_array_length(J) || ' ' || (SELECT count(*) FROM json_each(J) WHERE json_extract(value, '\$.message_id') IN ('01900000-0000-7000-8000-0000000000a1', '01910000-0000-7000-8000-0000000000c2')) FROM d"; }
msgs 1998 "$C3" 01a00000
is "$(found)" "2000 2" "2,000 matches: all of them ranked, the two of before among them"
is "$(t3-chat --search -q -n 1 rust)" "$C1" "the short message still first"
msgs 3000 "$C4" 01b00000
is "$(found)" "2000 2" "bob's 3,000 newer matches do not push alice's out"
msgs 1 "$C3" 01c00000
is "$(found)" "2000 1" "2,001 matches: the 2,000 stored last, the oldest left out"


# ---- ranking ----
sqlite3 "$DDB" "INSERT INTO chat_sessions (chat_id, user_id, title, created_at, system_prompt, updated_at, model_default) VALUES ('01940000-0000-7000-8000-000000000008', '$ALICE', 'kernels', 0, NULL, 0, NULL)"
n=0
for t in "the kernel of the matter is elsewhere today, said the reviewer" \
	"kernel kernel panic" \
	"a long note on many things, one of which, in passing and briefly, is the kernel, but mostly it is about gardens, trains, rivers and the weather of the coast" \
	"kernel"; do
	n=$((n + 1))
	sqlite3 "$DDB" "INSERT INTO chat_messages (message_id, chat_id, sender_type, message_text, timestamp) VALUES ('01940000-0000-7000-8000-00000000000$n', '01940000-0000-7000-8000-000000000008', 'user', '$t', $n)"
done
run t3-chat --search --json kernel
is "$(jsql "$OUT" "SELECT group_concat(substr(json_extract(value, '\$.message_id'), 36), '') FROM d, json_each(J)")" 2413 \
	"ranked by bm25: twice in three words, once in one, in a sentence, in a long note"
is "$(jx "$OUT" '$[3].snippet')" "...passing and briefly, is the **kernel**, but mostly it is about gardens..." "a long message's snippet: the words around the match"

# ---- the index follows the messages ----
run t3-chat -m echo 'a fresh question about zebras'
run t3-chat --search --json zebras
is "$(jsql "$OUT" "SELECT json_array_length(J) || ' ' || json_extract(J, '\$[0].sender_type') || ' ' || json_extract(J, '\$[1].sender_type') FROM d")" "2 user ai" \
	"a new turn's question and answer are found at once (a tie: in the index's order, the older first)"
sqlite3 "$DDB" "UPDATE chat_messages SET message_text = 'now about giraffes' WHERE message_text = 'a fresh question about zebras' AND sender_type = 'user'"
t3-chat --search --json zebras >"$TMP/z.json"
is "$(jsql "$TMP/z.json" "SELECT json_array_length(J) FROM d") $(t3-chat --search -q giraffes | wc -l)" "1 1" \
	"an edited message: found by its new text, not its old"
run t3-chat --rm -y "$C2"
run t3-chat --search -q belem
is "$rc:$(cat "$OUT")" "0:" "a removed chat's messages are gone from the index"
sqlite3 "$DDB" "INSERT INTO chat_messages_fts (chat_messages_fts) VALUES ('integrity-check')"
ok $? "the index is consistent with the messages"

# ---- the migration indexes the messages already stored ----
export T3_HOME=$TMP/old
mkdir -p "$T3_HOME"
DDB=$T3_HOME/data.db
sqlite3 "$DDB" <"$TESTDIR/../share/sql/data-0001.sql"
sqlite3 "$DDB" "PRAGMA user_version = 1; INSERT INTO chat_sessions (chat_id, user_id, title, created_at, system_prompt, updated_at, model_default) VALUES ('$C1', '', 'old', 0, NULL, 0, NULL);
	INSERT INTO chat_messages (message_id, chat_id, sender_type, message_text, timestamp) VALUES ('01900000-0000-7000-8000-0000000000a1', '$C1', 'user', 'stored before the index', 0)"
t3-user add alice@example.com >/dev/null
sqlite3 "$DDB" "UPDATE chat_sessions SET user_id = '$(sql "$T3_HOME/user.db" "SELECT user_id FROM user_accounts")'"
run t3-chat --search -q index
is "$rc:$(cat "$OUT")" "0:$C1" "a data.db of version 1: migrated, its messages found"
is "$(sql "$DDB" "SELECT count(*) FROM sqlite_schema WHERE name LIKE 'chat_messages_fts%' AND type = 'trigger'")" 3 "the three triggers made"

done_testing

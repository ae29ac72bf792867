#!/bin/sh
# t3-chat --show: a transcript as text, Markdown or JSON; the latest chat
# without an id; ids by unique prefix; an answer that never came; other
# users' chats not found.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mock.sh"
. "$(dirname "$0")/history.sh"

history_data
export T3_USER=alice@example.com
snapshot

run t3-chat --show "$C1"
is_rc 0 "--show ID"
is_out "Rust lifetimes
chat $C1, created 2026-01-01T10:00:00.000Z, model gpt-4o-mini
system: Be terse.

--- user, 2026-01-01T10:00:00.000Z
How do lifetimes work in Rust?

--- gpt-4o-mini, 2026-01-01T10:01:00.000Z
A lifetime names how long a borrow lasts.

--- user, 2026-01-01T10:04:00.000Z
And in structs?

--- gpt-4o-mini, 2026-01-01T10:05:00.000Z, interrupted
A struct that holds a reference needs" "the transcript, a partial answer flagged"

run t3-chat --show 01910000-0000-7000-8000-00000000000
is "$rc $(head -1 "$OUT")" "0 Shell quoting" "--show with a 35-character prefix"
run t3-chat --show "$C2"
is_out "Lisbon trip
chat $C2, created 2026-02-01T09:00:00.000Z, model claude-haiku-4-5-20251001

--- user, 2026-02-01T09:00:00.000Z
Plan three days in Lisbon.

--- claude-haiku-4-5-20251001, 2026-02-01T09:01:00.000Z
Day one: Alfama and the castle.
Day two: Belém.
Day three: Sintra.

--- user, 2026-02-01T09:10:00.000Z
Make the second day rain-proof.
--- no answer" "a question whose answer never came says so"

run t3-chat --show --format md "$C2"
is_rc 0 "--format md"
is_out "# Lisbon trip

- chat: \`$C2\`
- created: 2026-02-01T09:00:00.000Z
- model: claude-haiku-4-5-20251001

## user · 2026-02-01T09:00:00.000Z

Plan three days in Lisbon.

## claude-haiku-4-5-20251001 · 2026-02-01T09:01:00.000Z

Day one: Alfama and the castle.
Day two: Belém.
Day three: Sintra.

## user · 2026-02-01T09:10:00.000Z

Make the second day rain-proof.

*(no answer)*" "Markdown"
run t3-chat --show --format md 0190000000000000
is_rc 1 "a prefix without its hyphens matches nothing"
run t3-chat --show --format md "$C1"
like "$OUT" '^## gpt-4o-mini · 2026-01-01T10:05:00.000Z · \*interrupted\*$' "Markdown: a partial answer flagged"
is "$(sed -n '/^- system prompt:/,+4p' "$OUT" | tr '\n' '|')" '- system prompt:||```|Be terse.|```|' "Markdown: the system prompt in a block"

run t3-chat --show --json "$C1"
is_rc 0 "--json"
cp "$OUT" "$TMP/c1.json"
is "$(jsql "$TMP/c1.json" "SELECT group_concat(key, ',') FROM d, json_each(J)")" \
	"chat_id,title,created_at,updated_at,model_default,system_prompt,branched_from,messages,usage" "--json: one object, its keys"
is "$(jsql "$TMP/c1.json" "SELECT group_concat(key, ',') FROM d, json_each(json_extract(J, '\$.messages[1]'))")" \
	"message_id,parent_id,sender_type,message_text,timestamp,model_used,tokens_used,prompt_tokens,completion_tokens,reasoning_tokens,cost_usd,first_token_ms,total_ms,finish_reason,status,reasoning_text,answered,sibling_index,sibling_count,on_path" \
	"--json: a message's keys, the seed's names"
is "$(jx "$TMP/c1.json" '$.messages[0].answered' '$.messages[1].answered' '$.messages[2].answered' '$.messages[3].status' '$.messages[3].reasoning_text' '$.messages[1].parent_id')" \
	'[true,null,true,"interrupted","thinking about structs","01900000-0000-7000-8000-0000000000a1"]' \
	"--json: answered, status, reasoning and parent links"
is "$(jx "$TMP/c1.json" '$.usage[0].usage_id' '$.usage[1].message_id' '$.usage[1].cost_usd' '$.created_at')" \
	'["01900000-0000-7000-8000-0000000000e1","01900000-0000-7000-8000-0000000000a4",0.25,"2026-01-01T10:00:00.000Z"]' \
	"--json: the usage rows with their message links"
run t3-chat --show --format json "$C2"
is "$(jx "$OUT" '$.messages[2].answered')" 0 "--format json: the unanswered question"

run t3-chat --show
is_rc 0 "--show alone"
is "$(head -1 "$OUT")" "Shell quoting" "is the latest chat"
run t3-chat --show 0191
is "$rc $(head -1 "$OUT")" "0 Shell quoting" "a 4-character prefix"
run t3-chat --show 0191000
is "$rc $(head -1 "$OUT")" "0 Shell quoting" "a longer prefix"
run t3-chat --show 0190
is_rc 2 "an ambiguous prefix"
is_err "t3-chat: error: chat id prefix '0190' is ambiguous; the candidates are:
t3-chat:   $C1  Rust lifetimes
t3-chat:   $C2  Lisbon trip" "lists the candidates on stderr"
is "$(cat "$OUT")" "" "nothing on stdout"
run t3-chat --show 019
is_rc 2 "a prefix of 3"
is_err "t3-chat: error: chat id prefix '019' is too short (at least 4 characters)" "is too short"
run t3-chat --show 0199
is_rc 1 "an unknown prefix"
is_err "t3-chat: error: chat '0199' not found" "is not found"
run t3-chat --show 'zz-zz'
is_rc 1 "a malformed id"
is_err "t3-chat: error: chat 'zz-zz' not found" "is not found too"
run t3-chat --show "$C1" "$C2"
is_rc 2 "two ids"
is "$(head -1 "$ERR")" "t3-chat: error: too many arguments for '--show'" "--show takes one"
run t3-chat --show --format html "$C1"
is_rc 2 "an unknown format"
is "$(head -1 "$ERR")" "t3-chat: error: format 'html' must be text, md or json" "says which"
run t3-chat --show --json --format md "$C1"
is_rc 2 "--json with --format md"
is "$(head -1 "$ERR")" "t3-chat: error: choose one of --json and --format md" "says so"
run t3-chat --show -n 3
is_rc 2 "-n does not apply"
is "$(head -1 "$ERR")" "t3-chat: error: option '-n' does not apply to '--show'" "says so"

# ---- other users ----
run t3-chat --show --user bob@example.com "$C1"
is_rc 1 "bob with alice's id"
is_err "t3-chat: error: chat '$C1' not found" "is not found"
run t3-chat --show --user bob@example.com 0190
is_rc 1 "bob with alice's ambiguous prefix"
is_err "t3-chat: error: chat '0190' not found" "finds none of hers"
run t3-chat --show --user bob@example.com
is "$rc $(head -1 "$OUT")" "0 Bob's rust" "bob's latest is his own"
run t3-chat --show "$C4"
is_rc 1 "alice with bob's id"
run env -u T3_USER t3-chat --show
is_rc 1 "the local account with no chat"
is_err "t3-chat: error: no chat to show" "has none to show"
unchanged "--show changes nothing"

# ---- control characters: shown on a terminal, exact into a pipe ----
esc=$(printf '\033')
sqlite3 "$DDB" "UPDATE chat_messages SET message_text = 'red ${esc}[31mtext' WHERE message_id = '01910000-0000-7000-8000-0000000000c1'"
sqlite3 "$DDB" "UPDATE chat_sessions SET title = 'evil ${esc}]0;title' WHERE chat_id = '$C3'"
run t3-chat --show "$C3"
is "$(sed -n 4,5p "$OUT")" "--- user, 2026-03-01T08:00:00.000Z
red ${esc}[31mtext" "into a pipe: the bytes exact"
if command -v script >/dev/null 2>&1; then
	script -qec "t3-chat --show $C3" /dev/null >"$TMP/tty.out" 2>&1 </dev/null
	grep -q '^red \^\[\[31mtext' "$TMP/tty.out" && grep -q '^evil \^\[\]0;title' "$TMP/tty.out"
	ok $? "on a terminal: ESC shown as ^["
	script -qec "t3-chat -l" /dev/null >"$TMP/tty.out" 2>&1 </dev/null
	grep -q "evil ^\[\]0;title" "$TMP/tty.out"
	ok $? "the table on a terminal too"
else
	skip 2 "script not installed"
fi

done_testing

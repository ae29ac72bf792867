#!/bin/sh
# t3-chat --branch MSGID [PROMPT]: a new chat holding a copy of the
# history up to that message (new ids, the same texts, times and
# figures, the links following), then PROMPT in it; removing the
# original leaves the branch whole; another user's message is not found.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mock.sh"
. "$(dirname "$0")/history.sh"

history_data
export T3_USER=alice@example.com
A1=01900000-0000-7000-8000-0000000000a1
A2=01900000-0000-7000-8000-0000000000a2
COLS="sender_type, message_text, timestamp, tokens_used, model_used, prompt_tokens, completion_tokens, reasoning_tokens, cost_usd, first_token_ms, total_ms, finish_reason, status, reasoning_text"

# ---- the branch alone ----
nusage=$(q "SELECT count(*) FROM usage_metrics")
before=$(quota)
run t3-chat --branch "$A2"
is_rc 0 "--branch MSGID without a prompt"
B=$(cat "$OUT")
is "$(q "SELECT count(*) FROM chat_sessions WHERE chat_id = '$B' AND user_id = '$ALICE'")" 1 "prints the new chat's id"
is "$(q "SELECT title, system_prompt, model_default, branched_from FROM chat_sessions WHERE chat_id = '$B'")" \
	"Rust lifetimes|Be terse.|gpt-4o-mini|$A2" "the chat's title, system prompt and model, and where it came from"
is "$(q "SELECT $COLS FROM chat_messages WHERE chat_id = '$B' ORDER BY timestamp")" \
	"$(q "SELECT $COLS FROM chat_messages WHERE message_id IN ('$A1', '$A2') ORDER BY timestamp")" \
	"a copy of the thread up to the message: every column"
is "$(q "SELECT count(*) FROM chat_messages WHERE chat_id = '$B' AND message_id IN ('$A1', '$A2')")" 0 "under new ids"
is "$(q "SELECT group_concat(coalesce(p.sender_type, 'root'), ',') FROM chat_messages m LEFT JOIN chat_messages p ON p.message_id = m.parent_id WHERE m.chat_id = '$B' ORDER BY m.timestamp")" \
	"root,user" "the links follow the copies"
is "$(q "SELECT count(*) FROM chat_messages c JOIN chat_messages p ON p.message_id = c.parent_id WHERE c.chat_id = '$B' AND p.chat_id != '$B'")" 0 \
	"no link into the original"
is "$(q "SELECT count(*) FROM usage_metrics") $(quota)" "$nusage $before" "no usage row, nothing charged"
is "$(q "SELECT count(*) FROM chat_messages WHERE chat_id = '$C1'")" 4 "the original keeps its 4 messages"
run t3-chat --show --json "$B"
is "$(jx "$OUT" '$.branched_from' '$.messages[1].on_path' '$.messages[1].sibling_count')" "[\"$A2\",true,1]" "--show --json: branched_from"

# ---- with a prompt: the history sent is the copy's ----
mock_script '{"gen_events":3}'
run with_openai t3-chat --branch "$A2" 'And in enums?'
is_rc 0 "--branch MSGID PROMPT"
is_out "tok0 tok1 tok2 " "the answer"
is "$(mock_req 1 '$.body.model' '$.body.messages')" \
	'["gpt-4o-mini",[{"role":"system","content":"Be terse."},{"role":"user","content":"How do lifetimes work in Rust?"},{"role":"assistant","content":"A lifetime names how long a borrow lasts."},{"role":"user","content":"And in enums?"}]]' \
	"sent: the system prompt, the thread up to the message, the prompt; on the chat's model"
B2=$(q "SELECT chat_id FROM chat_sessions ORDER BY updated_at DESC, chat_id DESC LIMIT 1")
is "$(q "SELECT count(*), sum(sender_type = 'user') FROM chat_messages WHERE chat_id = '$B2'")" "4|2" "the branch: two copies, the question and its answer"
is "$(q "SELECT p.message_text FROM chat_messages m JOIN chat_messages p ON p.message_id = m.parent_id WHERE m.message_text = 'And in enums?'")" \
	"A lifetime names how long a borrow lasts." "the question follows the copied answer"
is "$(q "SELECT chat_id = '$B2', purpose FROM usage_metrics ORDER BY rowid DESC LIMIT 1")" "1|chat" "metered in the branch"
is "$(q "SELECT count(*) FROM chat_messages WHERE chat_id = '$C1'")" 4 "the original unchanged"

# a branch from a question, prefix and -m; a branch of a branch
run t3-chat -m echo --branch 01900000-0000-7000-8000-0000000000b3 --title 'Rainy Lisbon'
is_rc 0 "--branch at an unanswered question, with --title"
B3=$(cat "$OUT")
is "$(q "SELECT title FROM chat_sessions WHERE chat_id = '$B3'") $(q "SELECT count(*) FROM chat_messages WHERE chat_id = '$B3'")" "Rainy Lisbon 3" "--title names the branch"
run t3-chat --retry --chat "$B3" -m echo
is "$rc $(cat "$OUT")" "0 Make the second day rain-proof." "its question answered by --retry"
BB=$(t3-chat --branch "$(q "SELECT message_id FROM chat_messages WHERE chat_id = '$B3' AND sender_type = 'ai' ORDER BY timestamp DESC LIMIT 1")")
is "$(q "SELECT count(*) FROM chat_messages WHERE chat_id = '$BB'")" 4 "a branch of a branch"

# ---- removing the original leaves the branches whole ----
t3-chat --rm -y "$C1"
ok $? "--rm the original"
is "$(q "SELECT count(*) FROM chat_messages WHERE chat_id = '$B'") $(q "SELECT count(*) FROM chat_messages WHERE chat_id = '$B2'")" "2 4" \
	"both branches keep their messages"
is "$(q "SELECT branched_from FROM chat_sessions WHERE chat_id = '$B'")" "$A2" "and say where they came from"
run t3-chat --show "$B"
is "$(sed -n 5,6p "$OUT")" "--- user, 2026-01-01T10:00:00.000Z
How do lifetimes work in Rust?" "--show of the branch"
sed -n 2p "$OUT" >"$TMP/head"
like "$TMP/head" ", branched from $A2\$" "--show: the header names the message it was branched at"
run t3-chat --show --format md "$B"
like "$OUT" "^- branched from: \`$A2\`\$" "--show --format md: the same"
run t3-chat --show "$C3"
is_rc 0 "--show of a chat that is no branch"
unlike "$OUT" "branched from" "says nothing of a branch"
run with_openai t3-chat --chat "$B" 'Go on.'
is "$(mock_len 2 '$.body.messages')" 4 "the branch goes on with its history"

# ---- refusals: message, exit code, nothing changed ----
snapshot
run t3-chat --branch 01900000-0000-7000-8000-0000000000ff
is_rc 1 "an unknown message"
is_err "t3-chat: error: message '01900000-0000-7000-8000-0000000000ff' not found" "is not found"
run t3-chat --branch "$A2"
is_rc 1 "a message of a removed chat"
run t3-chat --branch 01920000-0000-7000-8000-0000000000d1
is_rc 1 "bob's message, as alice"
is_err "t3-chat: error: message '01920000-0000-7000-8000-0000000000d1' not found" "is not found"
run env T3_USER=bob@example.com t3-chat --branch 01900000-0000-7000-8000-0000000000b1
is_rc 1 "alice's message, as bob"
is_err "t3-chat: error: message '01900000-0000-7000-8000-0000000000b1' not found" "is not found"
run env -u T3_USER t3-chat --branch 01900000-0000-7000-8000-0000000000b1
is_rc 1 "as the local account, not made yet"
run t3-chat --branch 01900000-0000-7000-8000-0000000000b
is_rc 2 "an ambiguous prefix"
is "$(head -1 "$ERR")" "t3-chat: error: message id prefix '01900000-0000-7000-8000-0000000000b' is ambiguous; the candidates are:" "says so"
is "$(sed -n 2p "$ERR")" "t3-chat:   01900000-0000-7000-8000-0000000000b1  Plan three days in Lisbon." "naming each with its text"
run t3-chat --branch 019
is_rc 2 "a prefix of 3"
run t3-chat -c --branch 01900000-0000-7000-8000-0000000000b1 'x'
is_rc 2 "--branch with -c"
is_err "t3-chat: error: choose one of --branch and -c" "says so"
run t3-chat --chat "$C2" --branch 01900000-0000-7000-8000-0000000000b1
is_rc 2 "--branch with --chat"
is_err "t3-chat: error: choose one of --branch and --chat" "says so"
run t3-chat --retry --branch 01900000-0000-7000-8000-0000000000b1
is_rc 2 "--branch with --retry"
run t3-chat -n --branch 01900000-0000-7000-8000-0000000000b1 'x'
is_rc 2 "--branch with -n"
is_err "t3-chat: error: choose one of -n and --branch" "says so"
run t3-chat --show --branch 01900000-0000-7000-8000-0000000000b1
is_rc 2 "--branch does not apply to --show"
t3-user set alice@example.com --quota 0 >/dev/null
snapshot
run t3-chat -m echo --branch 01900000-0000-7000-8000-0000000000b1 'over quota'
is_rc 6 "a branch with a prompt refused by the quota"
is "$(q "SELECT count(*) FROM chat_sessions WHERE title = 'Lisbon trip'")" 1 "made no branch"
is "$(q "SELECT status_code FROM usage_metrics ORDER BY rowid DESC LIMIT 1")" "quota_exceeded" "only the quota_exceeded row"

done_testing

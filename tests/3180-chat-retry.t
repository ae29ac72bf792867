#!/bin/sh
# t3-chat --retry: the last answer again, optionally with another model,
# both answers kept as siblings; --show marks them and the one the chat
# goes on from; --from goes on from another; the history sent follows
# the chosen thread only. A question whose answer never came (the
# process was killed) is shown as such and retried. Export and import
# carry siblings and branches byte for byte.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mock.sh"
. "$(dirname "$0")/history.sh"

history_data
export T3_USER=alice@example.com

# ---- a chat, then its answer again ----
mock_script '{"gen_events":3}' '{"gen_events":2}' '{"gen_events":4}' '{"gen_events":1}'
run with_openai t3-chat -m gpt-4o-mini 'Name a colour.'
is_rc 0 "a new chat"
CH=$(q "SELECT chat_id FROM chat_sessions ORDER BY updated_at DESC LIMIT 1")
Q1=$(q "SELECT message_id FROM chat_messages WHERE chat_id = '$CH' AND sender_type = 'user'")
A1=$(q "SELECT message_id FROM chat_messages WHERE chat_id = '$CH' AND sender_type = 'ai'")
before=$(quota)
run with_openai t3-chat --retry
is_rc 0 "--retry: the latest chat by default"
is_out "tok0 tok1 " "the new answer on stdout"
is "$(mock_len 2 '$.body.messages')" 1 "sent: the question alone, not stored twice"
is "$(mock_req 2 '$.body.messages[0].content')" "Name a colour." "the question"
A2=$(q "SELECT message_id FROM chat_messages WHERE chat_id = '$CH' AND sender_type = 'ai' AND message_id != '$A1'")
is "$(q "SELECT sender_type || ':' || message_text || ':' || coalesce(parent_id = '$Q1', 'root') FROM chat_messages WHERE chat_id = '$CH' ORDER BY timestamp, message_id")" \
	"user:Name a colour.:root
ai:tok0 tok1 tok2 :1
ai:tok0 tok1 :1" "both answers kept, siblings under the one question"
is "$(q "SELECT purpose, status_code, message_id = '$A2', chat_id = '$CH', tokens_used FROM usage_metrics ORDER BY rowid DESC LIMIT 1")" \
	"chat|success|1|1|12" "the retry is metered, linked to its answer"
is "$(quota)" "$((before - 12))" "and charged"

run t3-chat --show "$CH"
is "$(grep -- '^--- ' "$OUT" | sed 's/, 20[0-9T:.Z-]*//')" "--- user
--- gpt-4o-mini, answer 1 of 2
--- gpt-4o-mini, answer 2 of 2, continued" "--show: the siblings, the newest continued"
run t3-chat --show --format md "$CH"
like "$OUT" '^## gpt-4o-mini · .* · \*answer 2 of 2, continued\*$' "Markdown marks them too"
run t3-chat --show --json "$CH"
is "$(jsql "$OUT" "SELECT group_concat(json_extract(value, '\$.sibling_index') || '/' || json_extract(value, '\$.sibling_count') || '/' || json_extract(value, '\$.on_path'), ' ') FROM d, json_each(json_extract(J, '\$.messages'))")" \
	"1/1/1 1/2/0 2/2/1" "--json: sibling_index, sibling_count, on_path"

# ---- the next turn follows the newest answer only ----
run with_openai t3-chat -c 'And another?'
is_rc 0 "-c after a retry"
is "$(mock_req 3 '$.body.messages[1].content' '$.body.messages[2].content')" '["tok0 tok1 ","And another?"]' \
	"history: the answer the chat continues from"
is "$(mock_len 3 '$.body.messages')" 3 "and not the other"
Q2=$(q "SELECT message_id FROM chat_messages WHERE chat_id = '$CH' AND message_text = 'And another?'")
is "$(q "SELECT parent_id = '$A2' FROM chat_messages WHERE message_id = '$Q2'")" 1 "the new question follows it"

# ---- --from: go on from the first answer ----
run with_openai t3-chat --chat "$CH" --from "$A1" 'Back to the first.'
is_rc 0 "--chat ID --from MSGID"
is "$(mock_req 4 '$.body.messages[1].content' '$.body.messages[2].content')" '["tok0 tok1 tok2 ","Back to the first."]' \
	"history: the first answer's thread"
is "$(mock_len 4 '$.body.messages')" 3 "nothing of the other thread"
run t3-chat --show "$CH"
is "$(grep -- '^--- ' "$OUT" | sed 's/, 20[0-9T:.Z-]*//')" "--- user
--- gpt-4o-mini, answer 1 of 2, continued
--- gpt-4o-mini, answer 2 of 2
--- user
--- gpt-4o-mini
--- user
--- gpt-4o-mini" "--show: the chat now goes on from the first answer"

# ---- --retry with another model, and --from an older answer ----
run t3-chat --retry -m echo
is "$rc $(cat "$OUT")" "0 Back to the first." "--retry -m echo: the last question again, on echo"
is "$(q "SELECT model_used, parent_id = (SELECT parent_id FROM chat_messages WHERE chat_id = '$CH' AND sender_type = 'ai' AND model_used = 'gpt-4o-mini' ORDER BY timestamp DESC LIMIT 1) FROM chat_messages WHERE chat_id = '$CH' ORDER BY timestamp DESC, message_id DESC LIMIT 1")" \
	"echo|1" "a sibling of that question's first answer"
is "$(q "SELECT model_default FROM chat_sessions WHERE chat_id = '$CH'")" echo "the chat goes on with echo"
run t3-chat --retry --from "$A1"
is "$rc $(cat "$OUT")" "0 Name a colour." "--retry --from MSGID: that answer again"
is "$(q "SELECT count(*) FROM chat_messages WHERE parent_id = '$Q1'")" 3 "the first question has three answers now"
run t3-chat --retry --from "$Q1"
is "$(q "SELECT count(*) FROM chat_messages WHERE parent_id = '$Q1'")" "4" "--from a question: it is answered again"
run t3-chat --show --json "$CH"
is "$(jsql "$OUT" "SELECT count(*) FROM d, json_each(json_extract(J, '\$.messages')) WHERE json_extract(value, '\$.on_path')")" 2 \
	"--json: the thread continued is the question and its newest answer"

# ---- a question whose answer never came: the process was killed ----
T3_ECHO_DELAY_MS=300 t3-chat -m echo 'one two three four five six' >/dev/null 2>&1 &
pid=$!
i=0
while [ "$(q "SELECT count(*) FROM chat_messages WHERE message_text = 'one two three four five six'")" != 1 ] && [ $i -lt 200 ]; do
	sleep 0.05; i=$((i + 1))
done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
K=$(q "SELECT chat_id FROM chat_messages WHERE message_text = 'one two three four five six'")
is "$(q "SELECT count(*) FROM chat_messages WHERE chat_id = '$K'")" 1 "killed: the question stored, no answer"
run t3-chat --show "$K"
is "$(tail -2 "$OUT")" "one two three four five six
--- no answer" "--show says the answer never came"
run t3-chat --show --json "$K"
is "$(jx "$OUT" '$.messages[0].answered')" 0 "--json: answered false"
KQ=$(q "SELECT message_id FROM chat_messages WHERE chat_id = '$K'")
run t3-user check --tsv
is_rc 1 "t3-user check reports it"
like "$OUT" "^unanswered	chat_messages	$KQ	chat $K\$" "as an unanswered question of its chat"
run t3-chat --retry --chat "$K"
is "$rc $(cat "$OUT")" "0 one two three four five six" "--retry answers it"
is "$(q "SELECT count(*), sum(sender_type = 'user'), sum(parent_id IS NOT NULL) FROM chat_messages WHERE chat_id = '$K'")" "2|1|1" \
	"an answer under the stored question, no second question"
run t3-chat --show --json "$K"
is "$(jx "$OUT" '$.messages[0].answered')" 1 "now answered"
# the fixture's unanswered question, on a model of its own
run t3-chat --retry -m echo --chat "$C2"
is "$rc $(cat "$OUT")" "0 Make the second day rain-proof." "the fixture's unanswered question retried"
is "$(q "SELECT parent_id FROM chat_messages WHERE chat_id = '$C2' AND sender_type = 'ai' ORDER BY timestamp DESC LIMIT 1")" \
	"01900000-0000-7000-8000-0000000000b3" "answering it"
run t3-user check --tsv
unlike "$OUT" "$KQ|0000000000b3" "t3-user check: the retried questions are no longer reported"

# ---- refusals: message, exit code, nothing changed ----
sqlite3 "$DDB" "INSERT INTO chat_sessions (chat_id, user_id, title, created_at, updated_at) VALUES ('01990000-0000-7000-8000-000000000009', '$ALICE', 'empty', 1, 1)"
snapshot
run t3-chat --retry --chat 01990000-0000-7000-8000-000000000009 -m echo
is_rc 1 "--retry of a chat with nothing in it"
is_err "t3-chat: error: nothing to retry in chat '01990000-0000-7000-8000-000000000009': no question in it" "says so"
run t3-chat --retry -m echo 'a prompt'
is_rc 2 "--retry with a prompt"
is_err "t3-chat: error: --retry takes no prompt: it answers the last question again" "says so"
run t3-chat --retry -n -m echo
is_rc 2 "--retry with -n"
is_err "t3-chat: error: choose one of -n and --retry" "says so"
run t3-chat --retry --chat "$C4" -m echo
is_rc 1 "--retry of bob's chat"
is_err "t3-chat: error: chat '$C4' not found" "is not found"
run t3-chat --from 01920000-0000-7000-8000-0000000000d1 -m echo 'mine now'
is_rc 1 "--from bob's message"
is_err "t3-chat: error: message '01920000-0000-7000-8000-0000000000d1' not found" "is not found"
run t3-chat --chat "$C3" --from "$A1" -m echo 'wrong chat'
is_rc 1 "--from a message of another chat than --chat"
is_err "t3-chat: error: message '$A1' not found" "is not found in that chat"
run t3-chat --from 0190 -m echo 'ambiguous'
is_rc 2 "--from an ambiguous prefix"
is "$(head -1 "$ERR")" "t3-chat: error: message id prefix '0190' is ambiguous; the candidates are:" "lists the candidates"
run t3-chat --from 019 -m echo 'short'
is_rc 2 "--from a prefix of 3"
is_err "t3-chat: error: message id prefix '019' is too short (at least 4 characters)" "is too short"
run t3-chat --list --retry
is_rc 2 "--retry does not apply to --list"
run env T3_USER=bob@example.com t3-chat --retry --chat "$CH" -m echo
is_rc 1 "bob retrying alice's chat"
env -u T3_USER t3-chat --retry -m echo >"$OUT" 2>"$ERR"
rc=$?
is "$rc $(cat "$ERR")" "1 t3-chat: error: no chat to continue" "the local account with no chat: nothing to retry"
unchanged "the refusals changed nothing"
n=$(q "SELECT count(*) FROM chat_messages WHERE chat_id = '$CH'")
run env T3_USER=bob@example.com t3-chat --retry -m echo
is "$rc $(cat "$OUT")" "0 rust rust rust" "bob's --retry answers his own latest chat"
is "$(q "SELECT count(*), sum(parent_id = '01920000-0000-7000-8000-0000000000d1') FROM chat_messages WHERE chat_id = '$C4' AND sender_type = 'ai'")" "1|1" \
	"in his chat"
is "$(q "SELECT count(*) FROM chat_messages WHERE chat_id = '$CH'")" "$n" "alice's chat untouched by it"

# ---- a tree drawn by hand: the shape --show reads ----
# Two first questions (no parent: siblings of each other), a timestamp
# tie broken by the id, a question answered twice, and a newer answer
# that has a child: the tip is the newest message without one.
T=01930000-0000-7000-8000-0000000000f0
t() { printf '01930000-0000-7000-8000-0000000000f%s' "$1"; }
sqlite3 "$DDB" <<SQL
INSERT INTO chat_sessions (chat_id, user_id, title, created_at, updated_at, model_default) VALUES ('$T', '$ALICE', 'A tree', 1, 9, 'echo');
INSERT INTO chat_messages (message_id, chat_id, sender_type, message_text, timestamp, parent_id) VALUES
('$(t 1)', '$T', 'user', 'q1', 1, NULL), ('$(t 2)', '$T', 'user', 'q2', 2, NULL),
('$(t 4)', '$T', 'ai', 'a2 second', 3, '$(t 2)'), ('$(t 3)', '$T', 'ai', 'a2 first', 3, '$(t 2)'),
('$(t 5)', '$T', 'user', 'q3', 4, '$(t 3)'), ('$(t 6)', '$T', 'ai', 'a3', 5, '$(t 5)'),
('$(t 7)', '$T', 'user', 'q4', 6, '$(t 4)'), ('$(t 8)', '$T', 'ai', 'a4', 7, '$(t 7)'),
('$(t 9)', '$T', 'user', 'q5', 8, '$(t 6)'), ('$(t a)', '$T', 'ai', 'a5', 8, '$(t 9)');
SQL
run t3-chat --show --json "$T"
is_rc 0 "--show --json of the tree"
is "$(jsql "$OUT" "SELECT group_concat(json_extract(value, '\$.message_text') || '/' || json_extract(value, '\$.sibling_index') || '/' || json_extract(value, '\$.sibling_count') || '/' || json_extract(value, '\$.on_path') || '/' || coalesce(json_extract(value, '\$.answered'), '-'), ' ') FROM d, json_each(json_extract(J, '\$.messages'))")" \
	"q1/1/2/0/0 q2/2/2/1/1 a2 first/1/2/1/- a2 second/2/2/0/- q3/1/1/1/1 a3/1/1/1/- q4/1/1/0/1 a4/1/1/0/- q5/1/1/1/1 a5/1/1/1/-" \
	"siblings by parent and time (the tie by id), the thread to the tip, answered questions"
run t3-chat --show "$T"
like "$OUT" '^--- user, .*, question 1 of 2$' "the first questions are siblings in the transcript"
like "$OUT" '^--- user, .*, question 2 of 2, continued$' "the second on the thread"

# ---- export and import: siblings and branches byte for byte ----
B=$(t3-chat --branch "$A2")
is "$(q "SELECT count(*) FROM chat_messages WHERE chat_id = '$B'")" 2 "a branch for the round trip"
t3-chat -l -q | t3-chat --export - >"$TMP/all.json"
ok $? "export every chat of alice's"
mkdir "$TMP/other"
T3_HOME=$TMP/other t3-user add alice@example.com >/dev/null
T3_HOME=$TMP/other t3-chat --import "$TMP/all.json" >"$TMP/ids"
ok $? "import into another installation"
T3_HOME=$TMP/other t3-chat -l -q | T3_HOME=$TMP/other t3-chat --export - >"$TMP/again.json"
cmp -s "$TMP/all.json" "$TMP/again.json"
ok $? "exported there, byte for byte the same"
is "$(jsql "$TMP/again.json" "SELECT count(*) FROM d, json_each(json_extract(J, '\$.chats')) c, json_each(json_extract(c.value, '\$.messages')) m WHERE json_extract(m.value, '\$.sibling_count') > 1")" \
	"$(q "SELECT count(*) FROM chat_messages m WHERE (SELECT count(*) FROM chat_messages s WHERE s.parent_id IS m.parent_id AND s.chat_id = m.chat_id) > 1")" \
	"with every sibling"
is "$(sqlite3 "$TMP/other/data.db" "SELECT branched_from FROM chat_sessions WHERE chat_id = '$B'")" "$A2" "and the branch's origin"

done_testing

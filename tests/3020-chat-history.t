#!/bin/sh
# t3-chat -c / --chat: the history sent in each provider's format, the
# system prompt kept, chats of other users, fitting a small context, the
# chat's own model.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mock.sh"

t3-user add alice@example.com >/dev/null
t3-user add bob@example.com >/dev/null
# every request gets a 2-token answer "tok0 tok1 " in the API's format
mock_script '{"gen_events":2}'

run with_openai t3-chat -m gpt-4o-mini --user alice@example.com -c hi
is_rc 1 "-c with no chat to continue"
is_err "t3-chat: error: no chat to continue" "says so"
is "$(mock_count)" 0 "nothing sent without a chat to continue"
is "$(sql "$DDB" "SELECT count(*) FROM chat_sessions") $(sql "$DDB" "SELECT count(*) FROM chat_messages") $(sql "$DDB" "SELECT count(*) FROM usage_metrics")" \
	"0 0 0" "no chat, message or usage row stored"
snapshot
run t3-chat -m echo -c hi
is_rc 1 "-c before the local account exists"
is_err "t3-chat: error: no chat to continue" "says so too"
unchanged "and does not create the account"

# ---- OpenAI format ----
run with_openai t3-chat -m gpt-4o-mini --user alice@example.com -s "Be terse." "first question"
is_rc 0 "a new chat"
chat1=$(sql "$DDB" "SELECT chat_id FROM chat_sessions")
run with_openai t3-chat -m gpt-4o-mini --user alice@example.com -c "second question"
is_rc 0 "-c continues it"
is "$(mock_req 2 '$.body.messages')" \
	'[{"role":"system","content":"Be terse."},{"role":"user","content":"first question"},{"role":"assistant","content":"tok0 tok1 "},{"role":"user","content":"second question"}]' \
	"openai: the history sent as messages, the stored system prompt first"
run with_openai t3-chat -m gpt-4o-mini --user alice@example.com --chat "$chat1" "third question"
is_rc 0 "--chat ID continues it"
is "$(mock_req 3 '$.body.messages[0]' '$.body.messages[#-1]')" \
	'[{"role":"system","content":"Be terse."},{"role":"user","content":"third question"}]' "--chat: system prompt kept, prompt last"
is "$(mock_len 3 '$.body.messages')" 6 "--chat: system, the four earlier messages and the prompt"
prefix=$(echo "$chat1" | cut -c1-13)
run with_openai t3-chat -m gpt-4o-mini --user alice@example.com --chat "$prefix" "fourth question"
is_rc 0 "--chat takes a unique prefix"
is "$(sql "$DDB" "SELECT count(*), count(DISTINCT chat_id) FROM chat_messages")" "8|1" "four turns in one chat"
is "$(sql "$DDB" "SELECT count(*) FROM chat_messages m WHERE parent_id IS NOT (SELECT message_id FROM chat_messages p WHERE p.chat_id = m.chat_id AND p.timestamp <= m.timestamp AND p.message_id <> m.message_id ORDER BY p.timestamp DESC, p.message_id DESC LIMIT 1)")" 0 \
	"each message's parent is the one before it"
is "$(sql "$DDB" "SELECT title, system_prompt FROM chat_sessions")" "first question|Be terse." "title and system prompt kept"

# a new system prompt on -c replaces the stored one
run with_openai t3-chat -m gpt-4o-mini --user alice@example.com -c -s "Be verbose." "fifth"
is_rc 0 "-c -s"
is "$(mock_req 5 '$.body.messages[0]')" '{"role":"system","content":"Be verbose."}' "-s on -c sends the new system prompt"
is "$(sql "$DDB" "SELECT system_prompt FROM chat_sessions")" "Be verbose." "and stores it"

# ---- Anthropic format, continuing the same chat with another model ----
mock_script '{"gen_events":2,"api":"anthropic"}'
run with_anthropic t3-chat -m claude-haiku-4-5-20251001 --user alice@example.com -c "sixth"
is_rc 0 "anthropic continues an OpenAI chat"
is "$(mock_req 1 '$.body.system')" "Be verbose." "anthropic: the system prompt top level"
is "$(mock_req 1 '$.body.messages[0]' '$.body.messages[1]' '$.body.messages[#-1]')" \
	'[{"role":"user","content":"first question"},{"role":"assistant","content":"tok0 tok1 "},{"role":"user","content":"sixth"}]' \
	"anthropic: user/assistant messages, no system message among them"
is "$(mock_len 1 '$.body.messages')" 11 "anthropic: five turns and the prompt"

# ---- Gemini format ----
mock_script '{"gen_events":2,"api":"gemini"}'
run with_gemini t3-chat -m gemini-2.5-flash --user alice@example.com -c "seventh"
is_rc 0 "gemini continues it"
is "$(mock_req 1 '$.body.systemInstruction' '$.body.contents[0]' '$.body.contents[1]' '$.body.contents[#-1]')" \
	'[{"parts":[{"text":"Be verbose."}]},{"role":"user","parts":[{"text":"first question"}]},{"role":"model","parts":[{"text":"tok0 tok1 "}]},{"role":"user","parts":[{"text":"seventh"}]}]' \
	"gemini: contents with roles user/model, systemInstruction"
is "$(sql "$DDB" "SELECT group_concat(model_used, ',') FROM (SELECT model_used FROM chat_messages WHERE sender_type = 'ai' ORDER BY timestamp)")" \
	"gpt-4o-mini,gpt-4o-mini,gpt-4o-mini,gpt-4o-mini,gpt-4o-mini,claude-haiku-4-5-20251001,gemini-2.5-flash" "each answer records its model"

# ---- -c picks the latest chat; chats belong to their user ----
mock_script '{"gen_events":2}'
run with_openai t3-chat -m gpt-4o-mini --user alice@example.com "another chat"
is_rc 0 "another chat"
chat2=$(sql "$DDB" "SELECT chat_id FROM chat_sessions WHERE chat_id <> '$chat1'")
run with_openai t3-chat -m gpt-4o-mini --user alice@example.com -c "in the other chat"
is_rc 0 "-c in the other chat"
is "$(mock_len 2 '$.body.messages')" 3 "-c continues the most recently active chat"
is "$(sql "$DDB" "SELECT count(*) FROM chat_messages WHERE chat_id = '$chat2'")" 4 "stored in it"
run with_openai t3-chat -m gpt-4o-mini --user alice@example.com --chat "$chat1" "back to the first"
is_rc 0 "--chat back to the first"
run with_openai t3-chat -m gpt-4o-mini --user alice@example.com -c "still the first"
is_rc 0 "-c after --chat"
is "$(sql "$DDB" "SELECT count(*) FROM chat_messages WHERE chat_id = '$chat1'")" 18 "--chat makes that chat the latest for -c"

# two chats of alice's whose ids share the prefix 00000000 (ids made here
# share a prefix only if made within the same 65 s: UUIDv7 starts with
# the time in ms)
alice=$(sql "$UDB" "SELECT user_id FROM user_accounts WHERE email = 'alice@example.com'")
for x in a b; do
	sqlite3 "$DDB" "INSERT INTO chat_sessions (chat_id, user_id, title, created_at, updated_at)
		VALUES ('00000000-0000-7000-8000-00000000000$x', '$alice', 'twin', 0, 0)"
done
n=$(mock_count)
snapshot
run with_openai t3-chat -m gpt-4o-mini --user bob@example.com --chat "$chat1" "peek"
is_rc 1 "another user's chat exits 1"
is_err "t3-chat: error: chat '$chat1' not found" "as not found"
unchanged "nothing stored for the attempt"
is "$(mock_count)" "$n" "and nothing sent"
run with_openai t3-chat -m gpt-4o-mini --user bob@example.com -c "peek"
is_rc 1 "bob has no chat to continue"
is_err "t3-chat: error: no chat to continue" "bob: says so"
run with_openai t3-chat -m gpt-4o-mini --user alice@example.com --chat 01234567-89ab "x"
is_rc 1 "an unknown id is not found"
is_err "t3-chat: error: chat '01234567-89ab' not found" "an unknown id: says so"
run with_openai t3-chat -m gpt-4o-mini --user alice@example.com --chat "zzz" "x"
is_rc 1 "a malformed id is not found"
is_err "t3-chat: error: chat 'zzz' not found" "a malformed id: says so"
run with_openai t3-chat -m gpt-4o-mini --user alice@example.com --chat 00000000 "x"
is_rc 2 "an ambiguous prefix is a usage error"
is_err "t3-chat: error: chat id prefix '00000000' is ambiguous" "and says so"
unchanged "refusals store nothing"
is "$(mock_count)" "$n" "refusals send nothing"
sqlite3 "$DDB" "DELETE FROM chat_sessions WHERE title = 'twin'"

# ---- a small context drops the oldest turns, a prompt too big is refused ----
t3-models add openai tiny --api openai --context 100 --max-output 10 >/dev/null
mock_script '{"gen_events":2}'
long="a question of forty-eight bytes, more or less.."
run with_openai t3-chat -m tiny --user bob@example.com -s "sys" "q1 $long"
is_rc 0 "tiny: q1"
run with_openai t3-chat -m tiny --user bob@example.com -c "q2 $long"
is_rc 0 "tiny: q2"
run with_openai t3-chat -m tiny --user bob@example.com -c "q3 $long"
is "$rc $(cat "$ERR")" "0 " "the history still fits: no note"
is "$(mock_req 3 '$.body.messages')" \
	"[{\"role\":\"system\",\"content\":\"sys\"},{\"role\":\"user\",\"content\":\"q1 $long\"},{\"role\":\"assistant\",\"content\":\"tok0 tok1 \"},{\"role\":\"user\",\"content\":\"q2 $long\"},{\"role\":\"assistant\",\"content\":\"tok0 tok1 \"},{\"role\":\"user\",\"content\":\"q3 $long\"}]" \
	"all of it sent"
run with_openai t3-chat -m tiny --user bob@example.com -c "q4 $long"
is_rc 0 "over the context: still answered"
is_err "t3-chat: left out the 2 oldest messages to fit the context of 'tiny'" "the user is told on stderr"
is "$(mock_req 4 '$.body.messages')" \
	"[{\"role\":\"system\",\"content\":\"sys\"},{\"role\":\"user\",\"content\":\"q2 $long\"},{\"role\":\"assistant\",\"content\":\"tok0 tok1 \"},{\"role\":\"user\",\"content\":\"q3 $long\"},{\"role\":\"assistant\",\"content\":\"tok0 tok1 \"},{\"role\":\"user\",\"content\":\"q4 $long\"}]" \
	"the oldest turn (question and answer) dropped, the system prompt kept"
is "$(sql "$DDB" "SELECT count(*) FROM chat_messages m JOIN chat_sessions s USING (chat_id) WHERE s.system_prompt = 'sys'")" 8 \
	"dropped from the request, not from the chat"

n=$(mock_count)
snapshot
run with_openai t3-chat -m tiny --user bob@example.com -c "$(printf '%0400d' 0)"
is_rc 6 "a prompt alone over the context is refused"
is_err "t3-chat: error: the prompt is about 109 tokens, more than fits in the context of 'tiny' (100 tokens)" "saying why"
is "$(mock_count)" "$n" "nothing sent"
unchanged "nothing stored"
run with_openai t3-chat -m tiny --user bob@example.com -c -s "new sys" "$(printf '%0400d' 0)"
is_rc 6 "refused with -s too"
unchanged "not even the new system prompt"

# ---- a chat goes on with its own model ----
mock_script '{"gen_events":2}' '{"gen_events":2}' '{"gen_events":2,"api":"anthropic"}' '{"gen_events":2,"api":"anthropic"}'
n=$(mock_count)
run with_openai t3-chat -m gpt-4o-mini --user alice@example.com "model one"
is_rc 0 "model one"
c=$(sql "$DDB" "SELECT chat_id FROM chat_sessions WHERE title = 'model one'")
is "$(sql "$DDB" "SELECT model_default FROM chat_sessions WHERE chat_id = '$c'")" gpt-4o-mini "a new chat records its model"
run with_openai env T3_MODEL=claude-haiku-4-5-20251001 t3-chat --user alice@example.com -c "go on"
is_rc 0 "continued without -m"
is "$(mock_req 2 '$.path' '$.body.model')" '["/v1/chat/completions","gpt-4o-mini"]' "with the chat's model, before T3_MODEL"
run with_anthropic t3-chat --user alice@example.com --chat "$c" -m claude-haiku-4-5-20251001 "switch"
is_rc 0 "-m switches the chat to another model"
is "$(sql "$DDB" "SELECT model_default FROM chat_sessions WHERE chat_id = '$c'")" claude-haiku-4-5-20251001 "which the chat records"
run with_anthropic t3-chat --user alice@example.com -c "and on"
is_rc 0 "-c after the switch"
is "$(mock_req 4 '$.path' '$.body.model')" '["/v1/messages","claude-haiku-4-5-20251001"]' "and keeps"
t3-models disable claude-haiku-4-5-20251001 >/dev/null
snapshot
run with_anthropic t3-chat --user alice@example.com -c "again"
is_rc 6 "the chat's model disabled since: exit 6"
is_err "t3-chat: error: the chat's model (choose another with -m): model 'claude-haiku-4-5-20251001' is disabled (see 't3-models enable')" \
	"naming it as the chat's model"
is "$(mock_count)" $((n + 4)) "nothing sent"
unchanged "nothing stored"
t3-models enable claude-haiku-4-5-20251001 >/dev/null

done_testing

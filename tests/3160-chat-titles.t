#!/bin/sh
# t3-chat titles: after the first exchange of a new chat a model writes
# its title (the config's title_model, else the chat's); --title sets it
# by hand; -n, --no-title, 'titles = off' and T3_TITLES=off make none; a
# title call that fails or is refused leaves the prompt's first line and
# the chat's exit code alone; it stores no message, is metered with
# purpose 'title' and charged to the quota.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mock.sh"
unset T3_TITLES

t3-user add alice@example.com --quota 100000 >/dev/null
t3-user add bob@example.com --quota 100000 >/dev/null
export T3_USER=alice@example.com
ALICE=$(sql "$UDB" "SELECT user_id FROM user_accounts WHERE email = 'alice@example.com'")
CFG=$XDG_CONFIG_HOME/t3/config
mkdir -p "$XDG_CONFIG_HOME/t3"
latest() { sql "$DDB" "SELECT $1 FROM chat_sessions ORDER BY updated_at DESC, chat_id DESC LIMIT 1"; }
quota() { sql "$UDB" "SELECT token_quota FROM user_accounts WHERE email = '$1'"; }
title_row() { sql "$DDB" "SELECT $1 FROM usage_metrics WHERE purpose = 'title' ORDER BY rowid DESC LIMIT 1"; }
# the title as an OpenAI server sends it, not streamed: 50 + 4 tokens
title_body() {
	printf '{"body":"{\\"choices\\":[{\\"index\\":0,\\"message\\":{\\"role\\":\\"assistant\\",\\"content\\":\\"%s\\"},\\"finish_reason\\":\\"stop\\"}],\\"usage\\":{\\"prompt_tokens\\":50,\\"completion_tokens\\":4}}","content_type":"application/json"}' "$1"
}

# ---- a model titles the chat: the chat's own ----
mock_script '{"gen_events":3}' "$(title_body '\\\"Title: Rust lifetimes, explained\\\"\\nmore')"
run with_openai t3-chat -m gpt-4o-mini 'How do lifetimes work?
In Rust, I mean.'
is_rc 0 "a new chat"
is_out "tok0 tok1 tok2 " "the answer alone on stdout"
is "$(cat "$ERR")" "" "nothing on stderr"
is "$(mock_count)" 2 "two requests: the answer, then the title"
is "$(mock_req 2 '$.body.model' '$.body.stream' '$.body.messages[1].role' '$.body.messages[1].content' '$.body.max_completion_tokens')" \
	'["gpt-4o-mini",null,"user","How do lifetimes work?\nIn Rust, I mean.",100]' \
	"the title request: the chat's model, not streamed, the prompt, 100 tokens at most"
like "$TMP/req.json" '"role": ?"system", ?"content": ?"Write a title of at most six words' "with the title instruction as the system prompt"
is "$(latest title)" "Rust lifetimes, explained" "the title: the answer's first line, quotes and 'Title:' taken off"
is "$(sql "$DDB" "SELECT count(*) FROM chat_messages")" 2 "the title call stored no message"
is "$(sql "$DDB" "SELECT purpose, status_code, model_name, prompt_tokens, completion_tokens, tokens_used, chat_id = '$(latest chat_id)', message_id IS NULL, user_id = '$ALICE', quota_applied FROM usage_metrics ORDER BY rowid")" \
	"chat|success|gpt-4o-mini|10|3|13|1|0|1|1
title|success|gpt-4o-mini|50|4|54|1|1|1|1" "metered: purpose 'title', the chat's id, no message, charged"
is "$(quota alice@example.com)" "$((100000 - 13 - 54))" "both calls charged to the quota"
is "$(sql "$UDB" "SELECT count(*), sum(tokens) FROM quota_charges")" "2|67" "each once, in the ledger"
is "$(sql "$UDB" "SELECT count(*) FROM quota_holds")" 0 "no hold left"
run t3-usage report --user alice@example.com --by status --json
is "$(jx "$OUT" '$[0].tokens_used')" 67 "t3-usage counts the title call"

# ---- the echo model: its title is the prompt's first line ----
run t3-chat -m echo 'Plan three days in Lisbon.
Second line'
is_rc 0 "echo"
is "$(latest title)" "Plan three days in Lisbon." "echo's title"
is "$(title_row 'model_name || status_code || (chat_id = (SELECT chat_id FROM chat_sessions ORDER BY updated_at DESC LIMIT 1))')" "echosuccess1" "an echo title call, metered"

# ---- title_model in the config ----
printf 'title_model = echo\n' >"$CFG"
mock_script '{"gen_events":3}'
run with_openai t3-chat -m gpt-4o-mini 'Which shell quoting is safe?'
is "$rc $(mock_count)" "0 1" "title_model = echo: one request to the provider, the answer's"
is "$(title_row 'model_name')" echo "the title call went to title_model"
is "$(latest title)" "Which shell quoting is safe?" "and titled the chat"
printf 'title_model = no-such-model\n' >"$CFG"
run t3-chat -m echo 'an unknown title model'
is_rc 0 "an unknown title_model does not fail the chat"
like "$ERR" "^t3-chat: error: no title generated: .*no-such-model" "one line says why"
is "$(latest title)" "an unknown title model" "the prompt's first line stays"
rm -f "$CFG"

# ---- the title call fails: the first line stays, exit 0 ----
mock_script '{"gen_events":3}' '{"status":500,"body":"{\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}","content_type":"application/json"}'
run with_openai t3-chat -m gpt-4o-mini 'A prompt whose title fails
and more'
is_rc 0 "a failed title call: the chat's exit code is 0"
is_out "tok0 tok1 tok2 " "the answer was printed"
is "$(mock_count)" 2 "the title was asked once (no retry)"
like "$ERR" "^t3-chat: warning: no title generated: openai: HTTP 500" "a warning says why"
is "$(wc -l <"$ERR")" 1 "in one line"
is "$(latest title)" "A prompt whose title fails" "the first line of the prompt stays"
is "$(title_row 'status_code || purpose || http_status')" "http_500title500" "the failed title call is metered"

# an empty title answer: the first line stays
mock_script '{"gen_events":3}' "$(title_body '  \\\"\\\" ')"
run with_openai t3-chat -m gpt-4o-mini 'An empty title'
is "$rc $(latest title)" "0 An empty title" "a blank title answer: the first line stays"

# ---- refused by the quota: the first line stays, exit 0 ----
t3-user add q@example.com --quota 5 >/dev/null
mock_script '{"gen_events":3}'
run with_openai t3-chat -m gpt-4o-mini --user q@example.com 'Spend it all'
is_rc 0 "the answer used the quota up; the chat still exits 0"
is_err "t3-chat: error: no title generated: token quota of 'q@example.com' is used up (plan 'free')" "the refused title says so"
is "$(mock_count)" 1 "no title request sent"
is "$(sql "$DDB" "SELECT purpose, status_code, chat_id IS NOT NULL FROM usage_metrics WHERE user_id = (SELECT user_id FROM chat_sessions ORDER BY updated_at DESC LIMIT 1) ORDER BY rowid")" \
	"chat|success|1
title|quota_exceeded|1" "a 'quota_exceeded' title row, linked to the chat"
is "$(latest title)" "Spend it all" "the title stays"
is "$(quota q@example.com)" 0 "the quota is 0, not below"

# ---- a failed answer: no title call ----
mock_script '{"status":400,"body":"{\"error\":{\"message\":\"bad\",\"type\":\"invalid_request_error\"}}","content_type":"application/json"}'
run with_openai t3-chat -m gpt-4o-mini 'A prompt the provider refuses'
is "$rc $(mock_count)" "5 1" "an answer that failed: exit 5 and no title request"

# ---- --title, --no-title, titles = off, T3_TITLES=off, -n, -c ----
n=$(sql "$DDB" "SELECT count(*) FROM usage_metrics WHERE purpose = 'title'")
notitles() { is "$(sql "$DDB" "SELECT count(*) FROM usage_metrics WHERE purpose = 'title'")" "$n" "$1"; }
run t3-chat -m echo --title 'Hand made' 'a prompt'
is "$rc $(latest title)" "0 Hand made" "--title sets the title"
notitles "--title: no title call"
run t3-chat -m echo --no-title 'No title call please'
is "$rc $(latest title)" "0 No title call please" "--no-title: the first line"
notitles "--no-title: no title call"
printf 'titles = off\n' >"$CFG"
run t3-chat -m echo 'titles off in the config'
is "$rc $(latest title)" "0 titles off in the config" "titles = off"
notitles "titles = off: no title call"
printf 'titles = on\n' >"$CFG"
run env T3_TITLES=off t3-chat -m echo 'T3_TITLES off'
is "$rc $(latest title)" "0 T3_TITLES off" "T3_TITLES=off"
notitles "T3_TITLES=off: no title call"
rm -f "$CFG"
c=$(latest chat_id)
run t3-chat -m echo -n 'not stored'
is "$rc $(latest chat_id)" "0 $c" "-n stores no chat"
notitles "-n: no title call"
run t3-chat -m echo -c 'a second turn'
is "$rc $(latest title)" "0 T3_TITLES off" "a continued chat keeps its title"
notitles "-c: no title call"

# ---- refusals: message, exit code, nothing changed ----
snapshot
run t3-chat -m echo -c --title 'New name' 'more'
is_rc 2 "--title with -c"
is_err "t3-chat: error: --title names a new chat (--rename retitles a stored one)" "says so"
run t3-chat -m echo --title '  ' 'hello'
is_rc 2 "a blank --title"
is_err "t3-chat: error: the title is empty" "says so"
run t3-chat -m echo --title 'two
lines' 'hello'
is_rc 2 "a --title of two lines"
run t3-chat -m echo -n --title 'x' 'hello'
is_rc 2 "--title with -n"
is_err "t3-chat: error: choose one of -n and --title" "says so"
printf 'titles = maybe\n' >"$CFG"
run t3-chat -m echo 'hello'
is_rc 3 "titles = maybe in the config"
is_err "t3-chat: error: config 'titles' must be on or off, not 'maybe'" "names the key and value"
rm -f "$CFG"
run t3-chat --list --title x
is_rc 2 "--title does not apply to --list"
unchanged "the refusals changed nothing"

# ---- --json: one object, the title call adds nothing to it ----
run t3-chat -m echo --json 'json title'
is "$rc $(jsql "$OUT" "SELECT count(*) FROM d, json_each(J)") $(jx "$OUT" '$.text')" "0 20 json title" "--json: the answer's object alone"
is "$(latest title)" "json title" "and the chat titled"

# ---- bob's title calls are his ----
run t3-chat -m echo --user bob@example.com 'bob asks'
is "$(title_row 'user_id = (SELECT user_id FROM chat_sessions ORDER BY updated_at DESC LIMIT 1)')" 1 "bob's title row is bob's"
is "$(sql "$DDB" "SELECT count(DISTINCT u.user_id) FROM usage_metrics u JOIN chat_sessions s USING (chat_id) WHERE u.user_id != s.user_id")" 0 \
	"every usage row is its chat owner's"

done_testing

#!/bin/sh
# t3-chat roles: --save-role NAME -s TEXT saves a system prompt for the
# acting user, --role NAME uses it, --roles lists, --rm-role removes;
# each user sees only their own; bad input changes nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mock.sh"

roles_db() { sql "$DDB" "SELECT role_name, system_prompt FROM chat_roles ORDER BY user_id, role_name"; }
local_id() { sql "$UDB" "SELECT user_id FROM user_accounts WHERE email = 'local@localhost'"; }

# ---- saving: the local account is made on first use ----
run t3-chat --save-role pirate -s 'Talk like a pirate.'
is_rc 0 "--save-role exits 0"
is_out_raw "" "and prints nothing"
is "$(sql "$DDB" "SELECT user_id = '$(local_id)', role_name, system_prompt, created_at = updated_at FROM chat_roles")" \
	"1|pirate|Talk like a pirate.|1" "the role is stored for the local account"
run t3-chat --save-role terse -s 'Answer in one line.
No preamble.'
is_rc 0 "a second role, two lines"

# ---- listing ----
run t3-chat --roles --json
is_rc 0 "--roles --json"
is "$(jx "$OUT" '$[0].role_name' '$[1].role_name' '$[1].system_prompt')" \
	'["pirate","terse","Answer in one line.\nNo preamble."]' "an array by name, the prompts exact"
like "$OUT" '^\{"role_name":"pirate","system_prompt":"Talk like a pirate.","created_at":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z","updated_at":"[^"]+Z"\},?$' \
	"the keys in order, ISO-8601 UTC times"
run t3-chat --roles -q
is_out "pirate
terse" "-q: the names"
run t3-chat --roles
like "$OUT" '^ROLE +UPDATED +PROMPT$' "a table with a header"
like "$OUT" '^terse +[0-9T:.Z-]+ +Answer in one line\.\.\.\.$' "the table shows the first line of a prompt, cut"
run t3-chat --roles --tsv
is "$(head -1 "$OUT")" "$(printf 'role_name\tsystem_prompt\tcreated_at\tupdated_at')" "--tsv header"

# ---- replacing keeps created_at ----
before=$(sql "$DDB" "SELECT created_at FROM chat_roles WHERE role_name = 'pirate'")
sleep 0.01 2>/dev/null || sleep 1
run t3-chat --save-role pirate -s 'Arr. Talk like a pirate.'
is_rc 0 "saving under a taken name replaces"
is "$(sql "$DDB" "SELECT count(*), system_prompt, created_at = $before, updated_at > created_at FROM chat_roles WHERE role_name = 'pirate'")" \
	"1|Arr. Talk like a pirate.|1|1" "one row, the new prompt, created_at kept, updated_at moved"

# ---- using a role: the system prompt, stored with the chat ----
mock_script '{"gen_events":1,"api":"openai"}' '{"gen_events":1,"api":"openai"}'
run with_openai t3-chat -m gpt-4o-mini --role pirate 'hello'
is_rc 0 "--role: exit 0"
is "$(mock_req 1 '$.body.messages[0]')" '{"role":"system","content":"Arr. Talk like a pirate."}' \
	"the role's prompt is sent as the system message"
is "$(sql "$DDB" "SELECT system_prompt FROM chat_sessions")" "Arr. Talk like a pirate." "and stored with the chat"
run with_openai t3-chat -c --role terse 'again'
is_rc 0 "--role on a continued chat"
is "$(mock_req 2 '$.body.messages[0].content')" "Answer in one line.
No preamble." "the continued chat gets the new role's prompt"
is "$(sql "$DDB" "SELECT system_prompt FROM chat_sessions")" "Answer in one line.
No preamble." "which becomes the chat's"

# ---- refusals: message, exit code, nothing changed, nothing sent ----
mock_script '{"gen_events":1,"api":"openai"}'
refuse() { # CODE MESSAGE DESCRIPTION CMD...
	rf_code=$1 rf_msg=$2 rf_d=$3; shift 3
	snapshot
	run "$@"
	is_rc "$rf_code" "$rf_d: exit $rf_code"
	is_err "$rf_msg" "$rf_d: the message"
	is_out_raw "" "$rf_d: nothing on stdout"
	unchanged "$rf_d: nothing changed"
}
refuse 1 "t3-chat: error: role 'nope' not found" "an unknown role" \
	with_openai t3-chat -m gpt-4o-mini --role nope hi
is "$(mock_count)" 0 "an unknown role: nothing sent"
refuse 2 "t3-chat: error: choose one of --role and -s
try 't3-chat --help'" "--role with -s" with_openai t3-chat -m gpt-4o-mini --role pirate -s x hi
refuse 2 "t3-chat: error: role name 'a b' must be 1-64 bytes of UTF-8 without spaces or control characters, not starting with '-'" \
	"a name with a space" t3-chat --save-role 'a b' -s x
refuse 2 "t3-chat: error: role name '-x' must be 1-64 bytes of UTF-8 without spaces or control characters, not starting with '-'" \
	"a name starting with '-'" t3-chat --save-role=-x -s x
refuse 2 "t3-chat: error: role name '$(printf 'a\033b' | sed 's/\x1b/^[/')' must be 1-64 bytes of UTF-8 without spaces or control characters, not starting with '-'" \
	"a name with ESC" t3-chat --save-role "$(printf 'a\033b')" -s x
long=$(printf '%065d' 0)
refuse 2 "t3-chat: error: role name '$long' must be 1-64 bytes of UTF-8 without spaces or control characters, not starting with '-'" \
	"a name of 65 bytes" t3-chat --save-role "$long" -s x
refuse 2 "t3-chat: error: role name 'a b' must be 1-64 bytes of UTF-8 without spaces or control characters, not starting with '-'" \
	"--role with a bad name" with_openai t3-chat -m gpt-4o-mini --role 'a b' hi
refuse 2 "t3-chat: error: the system prompt of role 'x' is empty" "an empty prompt" t3-chat --save-role x -s ' '
refuse 2 "t3-chat: error: --save-role needs the prompt: -s TEXT
try 't3-chat --help'" "--save-role without -s" t3-chat --save-role x
refuse 2 "t3-chat: error: too many arguments for '--save-role'
try 't3-chat --help'" "--save-role with a prompt word" t3-chat --save-role x -s y z
refuse 2 "t3-chat: error: choose one of --save-role, --roles and --rm-role
try 't3-chat --help'" "two role modes" t3-chat --roles --rm-role pirate
refuse 2 "t3-chat: error: option '-m' does not apply to '--roles'
try 't3-chat --help'" "a turn's option" t3-chat --roles -m echo
refuse 2 "t3-chat: error: option '--retry' does not apply to '--roles'
try 't3-chat --help'" "a history option" t3-chat --roles --retry
refuse 2 "t3-chat: error: option '-a' does not apply to '--roles'
try 't3-chat --help'" "an attachment" t3-chat --roles -a /etc/hostname
refuse 2 "t3-chat: error: choose one of --save-role and --list
try 't3-chat --help'" "a role mode and a history mode" t3-chat --save-role x -s y --list
refuse 2 "t3-chat: error: output options do not apply to '--rm-role'
try 't3-chat --help'" "--json on --rm-role" t3-chat --rm-role pirate --json
refuse 1 "t3-chat: error: role 'nope' not found" "--rm-role of an unknown role" t3-chat --rm-role nope
refuse 1 "t3-chat: error: user 'nobody@example.com' not found" "--save-role for an unknown user" \
	t3-chat --user nobody@example.com --save-role x -s y

# ---- roles are the acting user's own ----
t3-user add bob@example.com >/dev/null
run t3-chat --user bob@example.com --roles --json
is_out "[]" "bob has no roles"
refuse 1 "t3-chat: error: role 'pirate' not found" "bob cannot use the local user's role" \
	with_openai t3-chat --user bob@example.com -m gpt-4o-mini --role pirate hi
refuse 1 "t3-chat: error: role 'pirate' not found" "nor remove it" t3-chat --user bob@example.com --rm-role pirate
run t3-chat --user bob@example.com --save-role pirate -s 'Bob the pirate.'
is_rc 0 "bob saves a role of the same name"
is "$(T3_USER=bob@example.com t3-chat --roles -q)" "pirate" "T3_USER picks the acting user too"
is "$(sql "$DDB" "SELECT count(*) FROM chat_roles WHERE role_name = 'pirate'")" 2 "two rows named pirate, one each"
is "$(sql "$DDB" "SELECT system_prompt FROM chat_roles WHERE role_name = 'pirate' AND user_id = '$(local_id)'")" \
	"Arr. Talk like a pirate." "the local user's is untouched"
mock_script '{"gen_events":1,"api":"openai"}'
run with_openai t3-chat --user bob@example.com -m gpt-4o-mini --role pirate hi
is "$(mock_req 1 '$.body.messages[0].content')" "Bob the pirate." "bob's --role sends bob's prompt"

# ---- removing ----
run t3-chat --rm-role pirate
is_rc 0 "--rm-role exits 0"
is "$(roles_db)" "terse|Answer in one line.
No preamble.
pirate|Bob the pirate." "the local pirate is gone, bob's and terse stay"
run t3-user rm -y bob@example.com
is "$(sql "$DDB" "SELECT count(*) FROM chat_roles WHERE role_name = 'pirate'")" 0 "t3-user rm removes the user's roles"

# ---- a fresh install: --role or --roles make no account ----
export T3_HOME=$TMP/fresh
UDB=$T3_HOME/user.db DDB=$T3_HOME/data.db
run t3-chat --roles --json
is_out "[]" "no roles before the first save"
run t3-chat -m echo --role pirate hi
is_rc 1 "--role before any save: not found"
is "$(sql "$UDB" "SELECT count(*) FROM user_accounts")" 0 "and no account was made"

done_testing

#!/bin/sh
# t3-chat's interactive session on a real terminal (tests/pty.py): turns
# of one chat, slash commands, completion, history across sessions,
# Ctrl-C while an answer streams and at the prompt, Ctrl-D, a failed turn
# followed by a good one, """ blocks, bracketed paste, control characters.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mock.sh"

if ! "$PYTHON" -c 'import pty' 2>/dev/null; then
	skip 1 "python3 has no pty module"
	done_testing
fi

# the terminal and readline as a user's would be, minus their settings
export TERM=xterm XDG_STATE_HOME="$TMP/state" INPUTRC="$TMP/inputrc"
: >"$INPUTRC"
unset VISUAL EDITOR
HIST=$XDG_STATE_HOME/t3/history
LOG=$TMP/pty.log

# repl ARGS...: t3-chat ARGS on a pseudo-terminal, driven by the pty.py
# script on stdin; pty.py's report in $OUT ("ok"/"FAIL" a step, then
# "exit N"), the terminal's whole output in $LOG; rc 0 when every step
# matched and t3-chat exited
pty_run() { # CMD...: the same for any program
	"$PYTHON" "$TESTDIR/pty.py" --log "$LOG" -- "$@" >"$OUT" 2>"$ERR"
	rc=$?
	[ "$rc" -eq 0 ] || diag "$(cat "$OUT")" "terminal output:" "$(tail -c 1500 "$LOG" | cat -v)"
}
repl() { pty_run t3-chat "$@"; }
exit_of() { sed -n 's/^exit //p' "$OUT"; }
# the terminal's output as lines: without CRs and bracketed paste's switches
screen() { sed 's/\x1b\[?2004[hl]//g; s/\r//g' "$LOG" >"$TMP/screen"; }
chats() { sql "$DDB" "SELECT count(*) FROM chat_sessions"; }
msgs_of() { # CHAT_ID: sender:text:status, oldest first
	sql "$DDB" "SELECT sender_type || ':' || message_text || ':' || status FROM chat_messages
		WHERE chat_id = '$1' ORDER BY timestamp, rowid"
}
chat_titled() { sql "$DDB" "SELECT chat_id FROM chat_sessions WHERE title = '$1'"; }

# ---- refusals before anything is made ----
run "$PYTHON" "$TESTDIR/pty.py" --log "$LOG" -- t3-chat -m echo --json </dev/null
like "$OUT" '^exit 2$' "--json with no prompt on a terminal: exit 2"
like "$LOG" "t3-chat: error: --json and --jsonl need a prompt: the interactive session writes text" \
	"and says why"
run "$PYTHON" "$TESTDIR/pty.py" --log "$LOG" -- t3-chat -m echo -n </dev/null
like "$OUT" '^exit 2$' "-n with no prompt on a terminal: exit 2"
like "$LOG" "t3-chat: error: -n needs a prompt: the interactive session is a stored chat" "and says why"
is "$(ls "$T3_HOME" 2>/dev/null)" "" "no database was made"
is "$(ls "$XDG_STATE_HOME" 2>/dev/null)" "" "nor a history file"
run "$PYTHON" "$TESTDIR/pty.py" --log "$LOG" -- t3-chat -m echo -a "$TESTDIR/lib.sh" </dev/null
like "$OUT" '^exit 2$' "-a with no prompt on a terminal: exit 2"
like "$LOG" "t3-chat: error: -a goes with a prompt: the interactive session takes none" "and says why (/attach is the session's)"
# no terminal, no prompt: as before, a usage error
run tmo t3-chat -m echo
is_rc 2 "standard input not a terminal and no prompt: still a usage error"

# ---- a session: two turns of one chat, Ctrl-D ends it with 0 ----
repl -m echo <<'EOF'
expect echo> 
send hello repl\r
expect hello repl\r\n
expect hello repl\r\n
expect echo> 
send second turn\r
expect second turn\r\n
expect second turn\r\n
expect echo> 
send \x04
wait
EOF
is "$rc $(exit_of)" "0 0" "two turns, then Ctrl-D on an empty line: exit 0"
id1=$(chat_titled 'hello repl')
is "$(chats)" 1 "one chat"
is "$(msgs_of "$id1")" "user:hello repl:complete
ai:hello repl:complete
user:second turn:complete
ai:second turn:complete" "both turns stored in it, in order"
is "$(sql "$DDB" "SELECT count(*) FROM usage_metrics WHERE chat_id = '$id1' AND status_code = 'success'")" 2 \
	"and metered"
is "$(stat -c %a "$HIST")" 600 "the history file is made with mode 0600"
is "$(stat -c %a "$XDG_STATE_HOME/t3")" 700 "in a directory of mode 0700"
is "$(grep -v '^#' "$HIST")" "hello repl
second turn" "it holds the lines sent"

# ---- history across sessions: Up recalls the last session's line ----
repl -m echo <<'EOF'
expect echo> 
send \x1b[A
expect second turn
send \r
expect second turn\r\n
expect echo> 
send \x04
wait
EOF
is "$rc $(exit_of)" "0 0" "a second session: Up, Enter, Ctrl-D"
is "$(chats)" 2 "a new session is a new chat"
id2=$(sql "$DDB" "SELECT chat_id FROM chat_sessions WHERE chat_id != '$id1'")
is "$(msgs_of "$id2")" "user:second turn:complete
ai:second turn:complete" "the recalled line was sent in it"

# ---- -c resumes the latest chat, its last turns shown briefly ----
repl -m echo -c <<'EOF'
expect you: second turn
expect echo> 
send and more\r
expect and more\r\n
expect and more\r\n
expect echo> 
send \x04
wait
EOF
is "$rc $(exit_of)" "0 0" "-c: a session on the latest chat"
like "$LOG" "chat $id2 'second turn', 2 messages" "it names the chat resumed"
is "$(msgs_of "$id2" | tail -2)" "user:and more:complete
ai:and more:complete" "the turn went on in that chat"
run "$PYTHON" "$TESTDIR/pty.py" --log "$LOG" -- t3-chat -m echo --chat 0000ffff </dev/null
like "$OUT" '^exit 1$' "--chat of no chat: exit 1"
like "$LOG" "t3-chat: error: chat '0000ffff' not found" "and says so"

# ---- slash commands: /help, an unknown one, '//', /new, /chats, /open,
# /title, /usage, tab completion of a command and of a chat id ----
repl -m echo <<EOF
expect echo> 
send /help\r
expect /model [NAME]
expect /exit
expect echo> 
send /help title\r
expect /title TEXT
expect echo> 
send /frobnicate now\r
expect t3-chat: error: unknown command '/frobnicate' (try /help; '//' sends a '/')\r\n
expect echo> 
send //etc is a directory\r
expect //etc is a directory\r\n
expect /etc is a directory\r\n
expect echo> 
send /title Etc talk\r
expect title set
expect echo> 
send /usage\r
expect this chat: 1 request, 
expect quota left: 
expect echo> 
send /chats\r
expect   $id1  
expect echo> 
send /new\r
expect a new chat starts with the next message
expect echo> 
send /op\t$(echo "$id1" | cut -c1-26)\t\r
expect chat $id1 'hello repl', 4 messages
expect you: second turn
expect echo> 
send third\r
expect third\r\n
expect echo> 
send /exit\r
wait
EOF
is "$rc $(exit_of)" "0 0" "commands, then /exit: exit 0"
screen
help_lines=$(sed -n '/^echo> \/help$/,/^echo> \/help title/p' "$TMP/screen" | grep -c '^  /')
is "$help_lines" 14 "/help lists the fourteen commands"
for c in help model system new chats open title usage copy edit exit; do
	grep -q "^  /$c " "$TMP/screen"
	ok $? "/help describes /$c"
done
is "$(sed -n '/^echo> \/help title$/,/^echo> /p' "$TMP/screen" | grep -c '^  /')" 1 "/help title: that command alone"
ide=$(chat_titled 'Etc talk')
is "$(msgs_of "$ide")" "user:/etc is a directory:complete
ai:/etc is a directory:complete" "'//' sent the line with one '/'; /title named the chat; an unknown command sent nothing"
is "$(sql "$DDB" "SELECT count(*) FROM chat_messages WHERE message_text LIKE '%frobnicate%'")" 0 \
	"the unknown command was not sent"
like "$LOG" "this chat: 1 request, [0-9]+ prompt \\+ [0-9]+ completion tokens, \\\$0\\.000000" "/usage: this chat's tokens and cost"
like "$LOG" "quota left: [0-9]+ tokens \\(local@localhost, plan 'local'\\)" "/usage: the quota left"
like "$TMP/screen" "^\\* $ide  [0-9-]+ [0-9:]+     2  Etc talk\$" "/chats lists the chats, the current one marked"
is "$(msgs_of "$id1" | tail -2)" "user:third:complete
ai:third:complete" "/op<Tab> ID-prefix<Tab>: /open completed, the id completed, that chat continued"
is "$(chats)" 3 "/new and /open made no chat of their own"

# ---- /system and /model mid-chat, completion of a model name; the
# request bodies at the mock ----
mock_script '{"gen_events": 2}'
repl_openai() { OPENAI_BASE_URL=$MOCK_URL/v1 OPENAI_API_KEY=$KEY repl "$@"; }
repl_openai -m gpt-4o <<'EOF'
expect gpt-4o> 
send first\r
expect tok0 tok1 \r\n
expect gpt-4o> 
send /mo\tgpt-4o-mi\t\r
expect model: gpt-4o-mini (openai)
expect gpt-4o-mini> 
send /system Answer in French.\r
expect system prompt set
expect gpt-4o-mini> 
send second\r
expect tok0 tok1 \r\n
expect gpt-4o-mini> 
send /model no-such-model\r
expect t3-chat: error: 
expect gpt-4o-mini> 
send /new\r
expect gpt-4o-mini> 
send third\r
expect tok0 tok1 \r\n
expect gpt-4o-mini> 
send \x04
wait
EOF
is "$rc $(exit_of)" "0 0" "a session on the mock: /model, /system"
is "$(mock_count)" 3 "three requests"
is "$(mock_req 1 '$.body.model')" gpt-4o "the first turn with -m's model"
is "$(mock_req 2 '$.body.model')" gpt-4o-mini "the second with the model /model switched to (completed from gpt-4o-mi)"
is "$(mock_req 2 '$.body.messages[0].role') $(mock_req 2 '$.body.messages[0].content')" \
	"system Answer in French." "/system: the system prompt sent"
is "$(mock_len 2 '$.body.messages')" 4 "the second request carries the first turn: one chat"
is "$(mock_req 3 '$.body.model') $(mock_len 3 '$.body.messages') $(mock_req 3 '$.body.messages[0].role')" \
	"gpt-4o-mini 1 user" "after /new: the model /model chose, a chat of its own, no system prompt"
idm=$(chat_titled first)
is "$(sql "$DDB" "SELECT model_default || '|' || system_prompt FROM chat_sessions WHERE chat_id = '$idm'")" \
	"gpt-4o-mini|Answer in French." "the chat goes on with the new model and system prompt"
is "$(sql "$DDB" "SELECT group_concat(model_used, ',') FROM (SELECT model_used FROM chat_messages WHERE chat_id = '$idm' AND sender_type = 'ai' ORDER BY timestamp)")" \
	"gpt-4o,gpt-4o-mini" "each answer from its model"

# /system --clear: the chat goes on without one (sent and stored)
mock_script '{"gen_events": 2}'
repl_openai --chat "$idm" <<'EOF'
expect gpt-4o-mini> 
send /system\r
expect system: Answer in French.
expect gpt-4o-mini> 
send /system --clear\r
expect system prompt cleared for this chat
expect gpt-4o-mini> 
send /system\r
expect system: none
expect gpt-4o-mini> 
send fourth\r
expect tok0 tok1 \r\n
expect gpt-4o-mini> 
send \x04
wait
EOF
is "$rc $(exit_of)" "0 0" "a session with /system --clear"
is "$(mock_req 1 '$.body.messages[0].role') $(mock_len 1 '$.body.messages')" "user 5" \
	"after /system --clear: no system message, the chat's four messages and the new one"
is "$(sql "$DDB" "SELECT quote(system_prompt) FROM chat_sessions WHERE chat_id = '$idm'")" "''" \
	"the chat is stored without its system prompt"

# ---- Ctrl-C while an answer streams: back at the prompt, the partial
# answer stored as interrupted; the next turn goes on ----
mock_script '{"gen_events": 100, "per_event": true, "delay_ms": 200}' '{"gen_events": 2}'
repl_openai -m gpt-4o-mini <<'EOF'
expect gpt-4o-mini> 
send slow one\r
expect tok1 
send \x03
expect t3-chat: error: interrupted
expect gpt-4o-mini> 
send fast one\r
expect tok0 tok1 \r\n
expect gpt-4o-mini> 
send \x04
wait
EOF
is "$rc $(exit_of)" "0 0" "Ctrl-C mid-stream, then another turn, then Ctrl-D"
unlike "$LOG" "tok99" "the stream was cut"
idc=$(chat_titled 'slow one')
is "$(sql "$DDB" "SELECT status FROM chat_messages WHERE chat_id = '$idc' AND sender_type = 'ai' ORDER BY timestamp")" \
	"interrupted
complete" "the partial answer stored as interrupted, the next one complete"
sql "$DDB" "SELECT message_text FROM chat_messages WHERE chat_id = '$idc' AND status = 'interrupted'" >"$TMP/partial"
like "$TMP/partial" '^tok0 tok1 ' "what had come of it kept"
is "$(sql "$DDB" "SELECT group_concat(status_code, ',') FROM (SELECT status_code FROM usage_metrics WHERE chat_id = '$idc' ORDER BY timestamp)")" \
	"interrupted,success" "both metered"

# ---- Ctrl-C at the prompt clears the line; a """ block is one message;
# a bracketed paste is one message ----
repl -m echo <<'EOF'
expect echo> 
send abc
expect abc
send \x03
expect ^C
expect echo> 
send def\r
expect def\r\n
expect echo> 
send gh
expect gh
send \x1a
expect echo> gh
send ij\r
expect ghij\r\n
expect echo> 
send """\r
expect ... 
send first line\r
expect ... 
send second line\r
expect ... 
send """\r
expect first line\r\nsecond line\r\n
expect echo> 
send \x1b[200~pasted one\npasted two\x1b[201~\r
expect pasted one\r\npasted two\r\n
expect echo> 
send \x04
wait
EOF
is "$rc $(exit_of)" "0 0" "Ctrl-C at the prompt, Ctrl-Z (back with the line as it was), a block, a paste"
idp=$(chat_titled def)
is "$(sql "$DDB" "SELECT message_text FROM chat_messages WHERE chat_id = '$idp' AND sender_type = 'user' ORDER BY timestamp")" \
	"def
ghij
first line
second line
pasted one
pasted two" "the cleared line was not sent; the block and the paste each went as one message"
is "$(sql "$DDB" "SELECT count(*) FROM chat_messages WHERE chat_id = '$idp'")" 8 "four turns in all"

# ---- in a UTF-8 locale what is typed shows as typed ----
if locale -a 2>/dev/null | grep -Eqi '^c\.utf-?8$'; then
	LC_ALL=C.UTF-8 repl -m echo <<'EOF'
expect echo> 
send caf\xc3\xa9 cr\xc3\xa8me\r
expect echo> 
send \x04
wait
EOF
	is "$rc $(exit_of)" "0 0" "a session in C.UTF-8"
	grep -qF "$(printf 'echo> caf\303\251 cr\303\250me\r\n')" "$LOG"
	ok $? "the line shown as its characters, not octal escapes"
	is "$(last_ai 'hex(message_text)')" "$(printf 'caf\303\251 cr\303\250me' | od -An -tx1 | tr -d ' \n' | tr a-f A-F)" \
		"and sent as typed"
else
	skip 3 "no C.UTF-8 locale"
fi

# ---- Ctrl-Z under a shell's job control: stopped with the terminal as
# it was, back at the prompt with the line on fg ----
if have bash 2; then
	pty_run bash --norc --noprofile -i <<EOF
send PS1='SH''> '\r
expect SH> 
send t3-chat -m echo\r
expect echo> 
send xy
expect xy
send \x1a
expect Stopped
expect SH> 
send stty -a | grep -q ' icanon' && echo CANON-"ON"\r
expect CANON-ON\r\n
send fg\r
expect echo> xy
send z\r
expect xyz\r\n
expect echo> 
send \x04
expect SH> 
send exit\r
wait
EOF
	is "$rc $(exit_of)" "0 0" "Ctrl-Z stopped the session, the terminal canonical again, fg went on with the line"
	is "$(last_ai message_text)" xyz "the line sent after fg"
fi

# ---- a failed turn prints its error and the session goes on ----
mock_script "{\"status\":401,\"file\":\"$FIXTURES/openai/error-401-invalid_api_key-chat-2024.json\"}" \
	'{"gen_events": 2}'
repl_openai -m gpt-4o-mini <<'EOF'
expect gpt-4o-mini> 
send will fail\r
expect t3-chat: error: openai: HTTP 401 invalid_api_key: 
expect gpt-4o-mini> 
send will pass\r
expect tok0 tok1 \r\n
expect gpt-4o-mini> 
send \x04
wait
EOF
is "$rc $(exit_of)" "0 0" "a 401, then a good turn, then Ctrl-D: exit 0"
idf=$(chat_titled 'will fail')
is "$(msgs_of "$idf")" "user:will fail:complete
user:will pass:complete
ai:tok0 tok1 :complete" "both questions in one chat, the answer to the second"
is "$(sql "$DDB" "SELECT group_concat(status_code, ',') FROM (SELECT status_code FROM usage_metrics WHERE chat_id = '$idf' ORDER BY timestamp)")" \
	"http_401,success" "the failure and the success metered"

# ---- control characters in an answer are shown, not run, on the
# terminal; stored exact; /copy sends the answer by OSC 52 only when asked ----
printf '%s\n\n' 'data: {"choices":[{"index":0,"delta":{"content":"a\u001b]0;pwned\u0007b\u001b[2J"},"finish_reason":null}]}' \
	'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}' 'data: [DONE]' >"$TMP/esc.sse"
mock_script "{\"file\":\"$TMP/esc.sse\"}"
repl_openai -m gpt-4o-mini <<'EOF'
expect gpt-4o-mini> 
send show it\r
expect a^[]0;pwned^Gb^[[2J\r\n
expect gpt-4o-mini> 
mark
send /copy\r
expect copied the last answer (16 bytes) to the clipboard
expect gpt-4o-mini> 
send \x04
wait
EOF
is "$rc $(exit_of)" "0 0" "an answer with escape sequences"
esc=$(printf '\033]0;pwned')
! grep -qF "$esc" "$LOG"
ok $? "no escape sequence of the answer reached the terminal as such"
is "$(last_ai 'hex(message_text)')" "$(printf 'a\033]0;pwned\007b\033[2J' | od -An -tx1 | tr -d ' \n' | tr a-f A-F)" \
	"stored exact"
b64=$(printf 'a\033]0;pwned\007b\033[2J' | base64 -w0)
osc=$(printf '\033]52;c;%s\007' "$b64")
grep -qF "$osc" "$LOG"
ok $? "/copy: the answer, base64, in an OSC 52 sequence to the terminal"
is "$(grep -c ']52;' "$LOG")" 1 "and only that once"

# ---- /edit: the editor's text is the message ----
cat >"$TMP/ed.sh" <<'EOF'
#!/bin/sh
[ -f "$1" ] && [ "$(stat -c %a "$1")" = 600 ] || exit 9
echo "$1" >"$TMPDIR/ed.path"
printf 'from the editor\nline two\n\n' >"$1"
EOF
chmod +x "$TMP/ed.sh"
EDITOR=$TMP/ed.sh TMPDIR=$TMP repl -m echo <<'EOF'
expect echo> 
send /edit\r
expect from the editor\r\nline two\r\n
expect echo> 
send \x04
wait
EOF
is "$rc $(exit_of)" "0 0" "/edit"
is "$(sql "$DDB" "SELECT message_text FROM chat_messages WHERE message_text LIKE 'from the editor%' AND sender_type = 'user'")" \
	"from the editor
line two" "the editor's text sent as one message (a private file, trailing newlines dropped)"
edited=$(cat "$TMP/ed.path")
case $edited in "$TMP"/t3-chat-*.md) ok 0 "the file was made in TMPDIR" ;; *) ok 1 "the file was made in TMPDIR: '$edited'" ;; esac
[ ! -e "$edited" ]
ok $? "and is gone"

# ---- SIGTERM at the prompt ends the session with 130, the history kept ----
repl -m echo <<'EOF'
expect echo> 
send before the end\r
expect echo> 
signal TERM
wait
EOF
is "$rc $(exit_of)" "0 130" "SIGTERM: exit 130"
is "$(grep -v '^#' "$HIST" | tail -1)" "before the end" "the line before it is in the history"

# ---- /retry, /branch and /attach ----
printf '\211PNG\r\n\032\n\000\000\000\rIHDR\000\000\000\001\000\000\000\001\010\002\000\000\000' >"$TMP/img.png"
repl -m echo <<EOF
expect echo> 
send first question\r
expect first question\r\n
expect echo> 
send /retry\r
expect first question\r\n
expect echo> 
send /branch\r
expect_re a new chat [0-9a-f-]{36}, branched from [0-9a-f-]{36}; it goes on here
expect echo> 
send after the branch\r
expect after the branch\r\n
expect echo> 
send /attach $TMP/nothing-here.png\r
expect t3-chat: error: cannot read '$TMP/nothing-here.png'
expect echo> 
send /attach $TMP/img.png\r
expect $TMP/img.png goes with the next message
expect echo> 
send /attach\r
expect $TMP/img.png\r\n
expect echo> 
send look at it\r
expect [attached img.png: image/png, 
expect echo> 
send /attach\r
expect no file waits for the next message
expect echo> 
send \x04
wait
EOF
is "$rc $(exit_of)" "0 0" "/retry, /branch, /attach: the session ends with 0"
orig=$(sql "$DDB" "SELECT chat_id FROM chat_sessions WHERE title = 'first question' AND branched_from IS NULL")
is "$(sql "$DDB" "SELECT count(*), count(DISTINCT parent_id) FROM chat_messages WHERE chat_id = '$orig' AND sender_type = 'ai'")" "2|1" \
	"/retry: a second answer, a sibling of the first"
br=$(sql "$DDB" "SELECT s.chat_id FROM chat_sessions s JOIN chat_messages m ON m.message_id = s.branched_from WHERE m.chat_id = '$orig'")
is "$(msgs_of "$br" | tr '\n' '/')" \
	"user:first question:complete/ai:first question:complete/user:after the branch:complete/ai:after the branch:complete/user:look at it:complete/ai:[attached img.png: image/png, $(stat -c %s "$TMP/img.png") bytes]/look at it:complete/" \
	"/branch: a new chat with the thread, where the session went on"
is "$(sql "$DDB" "SELECT count(*) FROM chat_messages WHERE chat_id = '$orig'")" 3 "the original is as it was"
is "$(sql "$DDB" "SELECT m.message_text FROM chat_message_attachments l JOIN chat_messages m ON m.message_id = l.message_id")" \
	"look at it" "/attach: the file stored with the message it went with, and no other"

done_testing

#!/bin/sh
# t3-chat and bad input at its edges: keys, key-command output and base
# URLs that would inject a header, URLs that are not HTTP, passwords in
# URLs under -v, and config files that are directories, have long lines
# or NUL bytes. Each is refused with one line, exit 3, nothing sent and
# both databases as they were.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mock.sh"

CONF=$XDG_CONFIG_HOME/t3/config
mkdir -p "$XDG_CONFIG_HOME/t3"
# the databases exist first, so that "unchanged" means something
run timeout -k 2 "$T3_TIMEOUT" t3-chat -m echo setup
is_rc 0 "setup: a first chat"
mock_script '{"gen_events":3}'

# refused RC MESSAGE DESCRIPTION CMD...: CMD exits RC with MESSAGE on
# stderr, nothing on stdout, no request sent, the key nowhere, and both
# databases unchanged
refused() {
	rf_rc=$1 rf_msg=$2 rf_desc=$3; shift 3
	snapshot
	rf_before=$(mock_count)
	run "$@"
	is_rc "$rf_rc" "$rf_desc: exit $rf_rc"
	is_err "$rf_msg" "$rf_desc: the message"
	is "$(wc -c <"$OUT" | tr -d ' ')" 0 "$rf_desc: nothing on stdout"
	is "$(mock_count)" "$rf_before" "$rf_desc: nothing sent"
	unchanged "$rf_desc: both databases unchanged"
}

# ---- keys with control characters: never sent, never shown ----
CRLF_KEY=$(printf 'sk-test-0123456789\r\nX-Injected: yes')
refused 3 "t3-chat: error: the API key for 'openai' (OPENAI_API_KEY) contains a control character" \
	"a key with CR LF" \
	env OPENAI_BASE_URL="$MOCK_URL/v1" OPENAI_API_KEY="$CRLF_KEY" timeout -k 2 "$T3_TIMEOUT" t3-chat -m gpt-4o-mini hi
unlike "$ERR" "sk-test|Injected" "a key with CR LF: not shown"
refused 3 "t3-chat: error: the API key for 'openai' (OPENAI_API_KEY) contains a control character" \
	"a key with an escape" \
	env OPENAI_BASE_URL="$MOCK_URL/v1" OPENAI_API_KEY="$(printf 'sk-\033]0;x\007')" timeout -k 2 "$T3_TIMEOUT" t3-chat -m gpt-4o-mini hi
refused 3 "t3-chat: error: the API key for 'gemini' (GOOGLE_API_KEY) contains a control character" \
	"GOOGLE_API_KEY with a LF" \
	env GEMINI_BASE_URL="$MOCK_URL/v1beta" GOOGLE_API_KEY="$(printf 'g-key\nX: y')" timeout -k 2 "$T3_TIMEOUT" t3-chat -m gemini-2.5-flash hi
refused 3 "t3-chat: error: the API key for 'openai' (OPENAI_API_KEY) is blank" \
	"a key of spaces" \
	env OPENAI_BASE_URL="$MOCK_URL/v1" OPENAI_API_KEY="   " timeout -k 2 "$T3_TIMEOUT" t3-chat -m gpt-4o-mini hi

# ---- key commands ----
printf 'openai.key_command = printf "sk-cmd-0123456789\\rX-Injected: yes"\n' >"$CONF"
refused 3 "t3-chat: error: the API key for 'openai' (openai.key_command) contains a control character" \
	"a key command printing a CR" \
	env OPENAI_BASE_URL="$MOCK_URL/v1" timeout -k 2 "$T3_TIMEOUT" t3-chat -m gpt-4o-mini hi
unlike "$ERR" "sk-cmd|Injected" "a key command printing a CR: not shown"
printf 'openai.key_command = printf "   \\n"\n' >"$CONF"
refused 3 "t3-chat: error: the API key for 'openai' (openai.key_command) is blank" \
	"a key command printing only spaces" \
	env OPENAI_BASE_URL="$MOCK_URL/v1" timeout -k 2 "$T3_TIMEOUT" t3-chat -m gpt-4o-mini hi
printf 'openai.key_command = printf "sk-cmd\\0tail"\n' >"$CONF"
refused 3 "t3-chat: error: the API key for 'openai' (openai.key_command) contains a control character" \
	"a key command printing a NUL" \
	env OPENAI_BASE_URL="$MOCK_URL/v1" timeout -k 2 "$T3_TIMEOUT" t3-chat -m gpt-4o-mini hi
rm -f "$CONF"

# ---- base URLs ----
refused 3 "t3-chat: error: the base URL of provider 'openai' (OPENAI_BASE_URL) contains a control character" \
	"a base URL with a LF" \
	env OPENAI_BASE_URL="$(printf '%s/v1\nX-Injected: yes' "$MOCK_URL")" OPENAI_API_KEY="$KEY" \
	timeout -k 2 "$T3_TIMEOUT" t3-chat -m gpt-4o-mini hi
refused 3 "t3-chat: error: the base URL 'ftp://127.0.0.1/v1' of provider 'openai' (OPENAI_BASE_URL) is not http:// or https://" \
	"an ftp:// base URL is a configuration error" \
	env OPENAI_BASE_URL=ftp://127.0.0.1/v1 OPENAI_API_KEY="$KEY" timeout -k 2 "$T3_TIMEOUT" t3-chat -m gpt-4o-mini hi
printf 'openai.base_url = file:///etc/passwd\n' >"$CONF"
refused 3 "t3-chat: error: the base URL 'file:///etc/passwd' of provider 'openai' (openai.base_url) is not http:// or https://" \
	"a file:// base URL in the config" \
	env OPENAI_API_KEY="$KEY" timeout -k 2 "$T3_TIMEOUT" t3-chat -m gpt-4o-mini hi
printf 'openai.base_url = ftp://alice:hunter2-secret@127.0.0.1/v1\n' >"$CONF"
refused 3 "t3-chat: error: the base URL 'ftp://alice:(redacted)@127.0.0.1/v1' of provider 'openai' (openai.base_url) is not http:// or https://" \
	"a password in a refused URL is not shown" \
	env OPENAI_API_KEY="$KEY" timeout -k 2 "$T3_TIMEOUT" t3-chat -m gpt-4o-mini hi
rm -f "$CONF"

# ---- -v shows no password inside a URL ----
PW_URL=$(echo "$MOCK_URL" | sed 's|://|://alice:hunter2-secret@|')
run env OPENAI_BASE_URL="$PW_URL/v1" OPENAI_API_KEY="$KEY" timeout -k 2 "$T3_TIMEOUT" t3-chat -m gpt-4o-mini -v hi
is_rc 0 "-v with a password in the base URL"
like "$ERR" "^t3-chat: POST http://alice:\(redacted\)@127\.0\.0\.1:[0-9]+/v1/chat/completions$" \
	"-v: the URL with its password redacted"
unlike "$ERR" "hunter2" "-v: the password is not shown"

# ---- the config file ----
mkdir "$XDG_CONFIG_HOME/t3/config"
refused 3 "t3-chat: error: config '$CONF' is a directory" "a directory as the config file" \
	timeout -k 2 "$T3_TIMEOUT" t3-chat -m echo hi
rmdir "$CONF"

printf 'model = ec\0ho\n' >"$CONF"
refused 3 "t3-chat: error: config '$CONF' line 1: contains a NUL byte" "a config value with a NUL" \
	timeout -k 2 "$T3_TIMEOUT" t3-chat hi

# a line of 5,000 bytes is one line, whatever its length
{
	printf '# '; head -c 5000 /dev/zero | tr '\0' x; printf '\n'
	printf 'openai.key_command = printf %%s %s; : ' "$KEY"; head -c 5000 /dev/zero | tr '\0' y
	printf '\nmodel = gpt-4o-mini\n'
} >"$CONF"
run env OPENAI_BASE_URL="$MOCK_URL/v1" timeout -k 2 "$T3_TIMEOUT" t3-chat hi
is_rc 0 "config lines over 4,095 bytes are read whole"
is "$(mock_req "$(mock_count)" '$.headers.authorization')" "Bearer $KEY" \
	"the long key command ran as written"

# ---- on a terminal the answer's control characters are shown, not run;
# into a pipe its bytes are exact ----
rm -f "$CONF"
ESC_PROMPT=$(printf 'a\033]0;pwned\007b\033[2J')
on_tty() { # CMD...: run CMD on a pseudo-terminal, its output to $OUT
	"$PYTHON" -c 'import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
out = b""
while True:
    try:
        d = os.read(fd, 4096)
    except OSError:
        break
    if not d:
        break
    out += d
_, st = os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
sys.exit(os.waitstatus_to_exitcode(st))' "$@" >"$OUT" 2>"$ERR"
	rc=$?
}
on_tty timeout -k 2 "$T3_TIMEOUT" t3-chat -m echo "$ESC_PROMPT"
is_rc 0 "echo on a terminal"
printf 'a^[]0;pwned^Gb^[[2J\r\n' >"$TMP/expected"
cmp -s "$TMP/expected" "$OUT"; ok $? "on a terminal: ESC and BEL shown as ^[ and ^G, the line ended"
run tmo t3-chat -m echo "$ESC_PROMPT"
printf '%s\n' "$ESC_PROMPT" >"$TMP/expected"
cmp -s "$TMP/expected" "$OUT"; ok $? "into a pipe: the bytes exact"
is "$(sql "$DDB" "SELECT hex(message_text) FROM chat_messages WHERE sender_type = 'ai' ORDER BY timestamp DESC LIMIT 1")" \
	"$(printf '%s' "$ESC_PROMPT" | od -An -tx1 | tr -d ' \n' | tr a-f A-F)" "stored exact"

done_testing

#!/bin/sh
# t3-chat: the offline echo model, the prompt, options, users, -n.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mock.sh"

run tmo t3-chat --help
is_rc 0 "--help exits 0"
like "$OUT" '^usage: t3-chat' "--help prints usage to stdout"
like "$OUT" 'arguments: the instruction' "--help documents the prompt order"

# ---- mistakes: exit 2 before anything is stored ----
run tmo t3-chat -m echo
is_rc 2 "no prompt is a usage error"
is_err "t3-chat: error: no prompt: give it as arguments or on standard input
try 't3-chat --help'" "and says how to give one"
printf ' \n\t\n' >"$TMP/blank"
run tmo t3-chat -m echo <"$TMP/blank"
is_rc 2 "a blank stdin and no arguments is no prompt"
is_err "t3-chat: error: no prompt: give it as arguments or on standard input
try 't3-chat --help'" "a blank stdin: the same message"
run tmo t3-chat -m echo ''
is_rc 2 "an empty argument is no prompt"
is_err "t3-chat: error: no prompt: give it as arguments or on standard input
try 't3-chat --help'" "an empty argument: the same message"
is "$(ls "$T3_HOME" 2>/dev/null)" "" "usage errors create no database"

run tmo t3-chat hello
is_rc 2 "no model configured is a usage error"
is_err "t3-chat: error: no model chosen: use -m MODEL, set T3_MODEL, or put 'model = NAME' in $XDG_CONFIG_HOME/t3/config (try -m echo offline, or set OPENAI_API_KEY and use -m gpt-4o-mini)" \
	"with the hint naming the config file, T3_MODEL and the echo model"
is "$(sql "$DDB" 'SELECT count(*) FROM usage_metrics') $(sql "$DDB" 'SELECT count(*) FROM chat_messages')" "0 0" \
	"nothing metered or stored without a model"

snapshot
run tmo t3-chat -m nosuchmodel hello
is_rc 2 "an unknown model exits 2"
is_err "t3-chat: error: unknown model 'nosuchmodel' (see 't3-models list --all')" "with the models' error"
run tmo t3-chat -m echo --reasoning-effort bogus hi
is_rc 2 "--reasoning-effort bogus is a usage error"
is_err "t3-chat: error: reasoning effort 'bogus' must be low, medium or high" "naming the value"
run tmo t3-chat -m echo --reasoning-effort high hi
is_rc 6 "reasoning effort on a non-reasoning model is refused by policy"
is_err "t3-chat: error: model 'echo' does not support reasoning effort" "naming the model"
run tmo t3-chat -m echo --temperature 2.5 hi
is_rc 2 "temperature out of range"
is_err "t3-chat: error: temperature '2.5' must be a number from 0 to 2" "naming the value and the range"
run tmo t3-chat -m echo --max-tokens 0 hi
is_rc 2 "max tokens below 1"
is_err "t3-chat: error: max tokens '0' must be an integer from 1 to 100000000" "naming the value and the range"
run tmo t3-chat -m echo --retries 11 hi
is_rc 2 "retries above 10"
is_err "t3-chat: error: retries '11' must be an integer from 0 to 10" "naming the value and the range"
run tmo t3-chat -m echo -c --chat 01234567 hi
is_rc 2 "-c and --chat together"
is_err "t3-chat: error: choose one of -c and --chat
try 't3-chat --help'" "says to choose one"
run tmo t3-chat -m echo --csv hi
is_rc 2 "--csv does not apply"
is_err "t3-chat: error: t3-chat writes text, --json or --jsonl
try 't3-chat --help'" "naming the formats it writes"
run tmo t3-chat -m echo --bogus hi
is_rc 2 "an unknown option"
is_err "t3-chat: error: unknown option '--bogus'
try 't3-chat --help'" "names the option"
run tmo t3-chat -m echo -y hi
is_rc 2 "a history mode's short option on a turn"
is_err "t3-chat: error: option '-y' does not apply to a chat turn
try 't3-chat --help'" "says it belongs elsewhere, not that it is unknown"
run tmo t3-chat -m echo --since 1d hi
is_rc 2 "a history filter on a turn"
is_err "t3-chat: error: option '--since' does not apply to a chat turn
try 't3-chat --help'" "names the option"
run tmo t3-chat -m '' hi
is_rc 2 "an empty model name"
is_err "t3-chat: error: the model name is empty" "says so"
run tmo t3-chat -m echo --user '' hi
is_rc 2 "an empty --user"
is_err "t3-chat: error: the user given to --user is empty" "says so, rather than acting as the default user"
run tmo t3-chat -m
is_rc 2 "-m without a value"
is_err "t3-chat: error: option '-m' needs a value
try 't3-chat --help'" "naming the option"
is "$(sql "$DDB" 'SELECT count(*) FROM usage_metrics') $(sql "$DDB" 'SELECT count(*) FROM chat_messages')" "0 0" \
	"refusals before a request store nothing"
unchanged "refusals before a request leave both databases byte for byte as they were (no default account either)"

# ---- the echo model: offline, deterministic, free, estimated ----
run tmo t3-chat -m echo "hello  world"
is_rc 0 "echo model"
printf 'hello  world\n' >"$TMP/expected"
cmp -s "$TMP/expected" "$OUT"; ok $? "echoes the prompt byte for byte, ending the line (also on a pipe)"
is "$(cat "$ERR")" "" "nothing on stderr"
first=$(cat "$OUT")
run tmo t3-chat -m echo "hello  world"
is "$(cat "$OUT")" "$first" "deterministic"
is "$(sql "$UDB" "SELECT email, subscription_plan, timezone FROM user_accounts")" "local@localhost|local|UTC" \
	"a default local account is created on first use"
is "$(sql "$UDB" "SELECT count(*) FROM plans WHERE plan_name = 'local'")" 1 "with its own plan"
is "$(sql "$DDB" "SELECT status_code, provider_name, prompt_tokens, completion_tokens, tokens_estimated, cost_usd, http_status, attempt FROM usage_metrics ORDER BY timestamp LIMIT 1")" \
	"success|echo|3|3|1|0.0||1" "usage row: estimated tokens, zero cost"
is "$(sql "$DDB" "SELECT sender_type, message_text, model_used, tokens_used, cost_usd, finish_reason, status FROM chat_messages ORDER BY timestamp, sender_type DESC LIMIT 2")" \
	"user|hello  world|||||complete
ai|hello  world|echo|6|0.0|stop|complete" "the user message and the answer are stored"
is "$(sql "$DDB" "SELECT count(*) FROM chat_sessions")" 2 "each one-shot run is a new chat"
is "$(sql "$DDB" "SELECT DISTINCT title FROM chat_sessions")" "hello  world" "titled by the prompt's first line"

run tmo t3-chat -m echo --json "hello  world"
is_rc 0 "--json"
is "$(jx "$OUT" '$.text' '$.model_name' '$.provider_name' '$.status' '$.finish_reason' '$.prompt_tokens' '$.completion_tokens' '$.tokens_estimated' '$.cost_usd' '$.attempts' '$.error')" \
	'["hello  world","echo","echo","success","stop",3,3,true,0.0,1,null]' "--json: text, tokens flagged estimated, zero cost"
is "$(jsql "$OUT" "SELECT group_concat(key, ' ') FROM d, json_each(d.J)")" \
	"chat_id message_id user_message_id model_name provider_name timestamp text reasoning status finish_reason prompt_tokens completion_tokens reasoning_tokens cached_tokens tokens_estimated cost_usd first_token_ms total_ms attempts error" \
	"--json: the documented fields, in order"
like "$OUT" '"timestamp":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z"' "--json: an ISO-8601 UTC timestamp"
mid=$(jx "$OUT" '$.message_id')
is "$(sql "$DDB" "SELECT sender_type FROM chat_messages WHERE message_id = '$mid'")" ai "--json message_id is the stored answer"

run tmo t3-chat -m echo -u "a b"
is_rc 0 "-u"
like "$ERR" '^t3-chat: echo: 1 prompt \+ 1 completion tokens \(estimated\), \$0\.000000, first token [0-9]+ ms, total [0-9]+ ms$' \
	"-u: tokens flagged estimated, zero cost, latencies"
is "$(wc -l <"$ERR" | tr -d ' ')" 1 "-u: one line"

# ---- the prompt: arguments, a blank line, stdin ----
printf 'material\nline 2\n\n\n' >"$TMP/in"
run tmo t3-chat -m echo review this <"$TMP/in"
is_rc 0 "arguments and stdin"
printf 'review this\n\nmaterial\nline 2\n' >"$TMP/expected"
cmp -s "$TMP/expected" "$OUT"; ok $? "arguments, a blank line, then stdin (trailing newlines dropped, one ends the answer)"
is "$(sql "$DDB" "SELECT message_text FROM chat_messages WHERE sender_type = 'user' ORDER BY timestamp DESC LIMIT 1")" \
	"$(cat "$TMP/expected")" "stored as sent"
run tmo t3-chat -m echo <"$TMP/in"
printf 'material\nline 2\n' >"$TMP/expected"
cmp -s "$TMP/expected" "$OUT"; ok $? "stdin alone is the prompt"
printf 'a\000b' >"$TMP/nul"
snapshot
run tmo t3-chat -m echo <"$TMP/nul"
is_rc 2 "a NUL byte in the prompt is refused"
is_err "t3-chat: error: the prompt contains a NUL byte" "and says so"
is "$(cat "$OUT")" "" "a NUL byte: nothing on stdout"
unchanged "a NUL byte: nothing stored or metered"
head -c $((64 * 1024 * 1024)) /dev/zero | tr '\000' a >"$TMP/64m"
# one byte over the 64 MiB bound, from a pipe (no size to stat)
{ cat "$TMP/64m"; printf a; } | (run tmo t3-chat -m echo; echo "$rc" >"$TMP/rc")
rc=$(cat "$TMP/rc")
is_rc 2 "stdin over 64 MiB is refused"
is_err "t3-chat: error: standard input is larger than 64 MiB" "and says so"
unchanged "stdin over 64 MiB: nothing stored or metered"
run tmo t3-chat -m echo -n <"$TMP/64m"
# taken whole: the estimate is 4 bytes a token (+4 for the message), and
# then refused by echo's context, not by the stdin bound
is "$rc $(cat "$ERR")" "6 t3-chat: error: the prompt is about 16777220 tokens, more than fits in the context of 'echo' (1000000 tokens)" \
	"stdin of exactly 64 MiB is read whole"
unchanged "stdin of exactly 64 MiB, too big for the context: nothing stored or metered"
rm -f "$TMP/64m"

# ---- the model from T3_MODEL and the config file ----
run env T3_MODEL=echo timeout 20 t3-chat from-env
is_rc 0 "T3_MODEL"
is "$(cat "$OUT")" "from-env" "T3_MODEL chooses the model"
mkdir -p "$XDG_CONFIG_HOME/t3"
echo 'model = echo' >"$XDG_CONFIG_HOME/t3/config"
run tmo t3-chat from-config
is "$rc $(cat "$OUT")" "0 from-config" "'model = ...' in the config file"
run env T3_MODEL= timeout 20 t3-chat empty-env
is "$rc $(cat "$OUT")" "0 empty-env" "an empty T3_MODEL counts as unset (the config applies)"
printf 'model = echo\nretries = many\n' >"$XDG_CONFIG_HOME/t3/config"
snapshot
run tmo t3-chat bad-config
is_rc 3 "an invalid config value is a configuration error"
is_err "t3-chat: error: config 'retries' 'many' must be an integer from 0 to 10" "naming the key"
unchanged "and nothing is stored"
rm "$XDG_CONFIG_HOME/t3/config"

# ---- users ----
t3-user add alice@example.com --quota 1000 >/dev/null
snapshot
run tmo t3-chat -m echo --user nobody@example.com hi
is_rc 1 "--user unknown exits 1"
is_err "t3-chat: error: user 'nobody@example.com' not found" "and says so"
unchanged "an unknown user stores nothing"
run env T3_USER=nobody@example.com timeout 20 t3-chat -m echo hi
is_rc 1 "T3_USER unknown exits 1"
is_err "t3-chat: error: user 'nobody@example.com' not found" "T3_USER unknown: says so"
unchanged "T3_USER unknown: nothing stored"
run tmo t3-chat -m echo --user ALICE@example.com "as alice"
is_rc 0 "--user by email, any case"
alice=$(sql "$UDB" "SELECT user_id FROM user_accounts WHERE email = 'alice@example.com'")
is "$(sql "$DDB" "SELECT count(*) FROM chat_sessions WHERE user_id = '$alice'")" 1 "the chat belongs to alice"
is "$(sql "$DDB" "SELECT count(*) FROM usage_metrics WHERE user_id = '$alice'")" 1 "so does the usage row"
is "$(sql "$UDB" "SELECT token_quota FROM user_accounts WHERE user_id = '$alice'")" 996 "alice's quota went down by the (estimated) tokens"
is "$(sql "$UDB" "SELECT count(*) FROM user_accounts WHERE email = 'local@localhost'")" 1 "the local account is created once"

# ---- -n: nothing stored, still metered ----
msgs=$(sql "$DDB" 'SELECT count(*) FROM chat_messages')
chats=$(sql "$DDB" 'SELECT count(*) FROM chat_sessions')
run tmo t3-chat -m echo -n --user alice@example.com "not logged"
is_rc 0 "-n"
is "$(cat "$OUT")" "not logged" "-n still answers"
is "$(sql "$DDB" 'SELECT count(*) FROM chat_messages') $(sql "$DDB" 'SELECT count(*) FROM chat_sessions')" "$msgs $chats" \
	"-n stores no chat and no message"
is "$(sql "$DDB" "SELECT status_code, chat_id IS NULL, message_id IS NULL, prompt_tokens + completion_tokens FROM usage_metrics WHERE user_id = '$alice' ORDER BY timestamp DESC LIMIT 1")" \
	"success|1|1|6" "-n still writes a usage row"
is "$(sql "$UDB" "SELECT token_quota FROM user_accounts WHERE user_id = '$alice'")" 990 "-n still counts against the quota"

# ---- SIGINT on the echo model (T3_ECHO_DELAY_MS slows it down) ----
: >"$TMP/sig.out"
T3_ECHO_DELAY_MS=200 t3-chat -m echo one two three four five six seven eight nine ten \
	>"$TMP/sig.out" 2>"$TMP/sig.err" &
pid=$!
i=0
while [ ! -s "$TMP/sig.out" ] && [ $i -lt 200 ]; do sleep 0.02; i=$((i + 1)); done
kill -INT $pid
i=0
while kill -0 $pid 2>/dev/null && [ $i -lt 100 ]; do sleep 0.02; i=$((i + 1)); done
kill -0 $pid 2>/dev/null; ok $((! $?)) "echo: SIGINT stops it within 2 s"
kill -9 $pid 2>/dev/null
wait $pid; rc=$?
is "$rc" 130 "echo: SIGINT exits 130"
is "$(cat "$TMP/sig.err")" "t3-chat: error: interrupted" "echo: says interrupted"
is "$(sql "$DDB" "SELECT status FROM chat_messages WHERE sender_type = 'ai' ORDER BY timestamp DESC LIMIT 1")" interrupted \
	"echo: the partial answer is stored flagged interrupted"
is "$(sql "$DDB" "SELECT status_code FROM usage_metrics ORDER BY timestamp DESC LIMIT 1")" interrupted \
	"echo: the usage row says interrupted"

# ---- an answer that cannot be stored is not a success ----
sqlite3 "$DDB" "CREATE TRIGGER t3test_fail BEFORE INSERT ON chat_messages WHEN NEW.sender_type = 'ai'
	BEGIN SELECT RAISE(ABORT, 'disk says no'); END;"
n_usage=$(sql "$DDB" "SELECT count(*) FROM usage_metrics")
run tmo t3-chat -m echo store me
is_rc 3 "a failed write of the answer exits 3"
is "$(cat "$OUT")" "store me" "the answer was still shown"
like "$ERR" "^t3-chat: error: database '.*data.db': write: disk says no" "naming the database and the reason"
is "$(sql "$DDB" "SELECT count(*) FROM usage_metrics")" "$n_usage" "the answer's transaction (message and usage row) rolled back whole"
sqlite3 "$DDB" "DROP TRIGGER t3test_fail"

# ---- standard output that cannot be written ----
if [ -w /dev/full ]; then
	t3-chat -m echo one two three >/dev/full 2>"$ERR"; rc=$?
	is "$rc" 3 "stdout on a full disk: exit 3"
	is_err "t3-chat: error: write error on standard output: No space left on device" \
		"one line naming the cause (not a later errno)"
	is "$(sql "$DDB" "SELECT status || '|' || message_text FROM chat_messages WHERE sender_type = 'ai' ORDER BY timestamp DESC LIMIT 1")" \
		"interrupted|one " "the stream stopped at the first failed write, the part stored as interrupted"
	t3-chat -m echo --json one two >/dev/full 2>"$ERR"; rc=$?
	is "$rc $(cat "$ERR")" "3 t3-chat: error: write error on standard output: No space left on device" \
		"--json to a full disk: exit 3, said once"
else
	skip 4 "no writable /dev/full"
fi

# ---- the write-ahead log is kept between runs, and bounded ----
# Each program leaves the WAL for the next (db_close); past 64 frames the
# closing one checkpoints and truncates it. No sqlite3(1) call in this
# loop: its own close would checkpoint.
n=$(sql "$DDB" "SELECT count(*) FROM chat_messages")
max=0 kept=0 i=0
while [ $i -lt 30 ]; do
	t3-chat -m echo "run $i" >/dev/null 2>&1 || break
	[ -f "$DDB-wal" ] && kept=$((kept + 1))
	s=$(stat -c %s "$DDB-wal" 2>/dev/null || echo 0)
	[ "$s" -gt "$max" ] && max=$s
	i=$((i + 1))
done
is "$i" 30 "30 chats in a row"
is "$kept" 30 "the WAL is left in place after each"
is "$(stat -c %a "$DDB-wal") $(stat -c %a "$DDB-shm")" "600 600" "-wal and -shm are mode 0600"
# 64 frames, plus what one run adds, plus the header: at most ~100 frames
[ "$max" -le $((32 + 100 * (4096 + 24))) ]; ok $? "the WAL stays bounded (largest $max bytes)"
is "$(sql "$DDB" "SELECT count(*) FROM chat_messages")" $((n + 60)) "every message of the 30 runs is there"


# ---- the answer ends its line (also into a pipe); --json is unaffected ----
is "$(tmo t3-chat -m echo one two | wc -l | tr -d ' ')" 1 "the answer is one line for wc -l"
is "$(printf 'a\nb\n' | tmo t3-chat -m echo | while read -r l; do printf '[%s]' "$l"; done)" "[a][b]" \
	"while read sees the last line"
run tmo t3-chat -m echo "$(printf 'ends\n\nx')"
printf 'ends\n\nx\n' >"$TMP/expected"
cmp -s "$TMP/expected" "$OUT"; ok $? "one newline added"
run tmo t3-chat -m echo "ends
"
printf 'ends\n' >"$TMP/expected"
cmp -s "$TMP/expected" "$OUT"; ok $? "an answer that ends its line gets none"
run tmo t3-chat -m echo --json "one two"
is "$(jx "$OUT" '$.text')" "one two" "--json: the text as it came, no newline added"

done_testing

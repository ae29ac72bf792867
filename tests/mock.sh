# tests/mock.sh: sourced after lib.sh by the t3-chat tests. Starts the
# loopback mock provider (tests/mockprov.py) and reads its request log.
#
#   mock_start SCRIPT_JSONL   start a fresh mock (stopping any previous one)
#                             answering from SCRIPT_JSONL; sets MOCK_PID,
#                             MOCK_URL (http://127.0.0.1:PORT), MOCK_LOG
#   mock_script LINE...       write LINE... (JSON objects) to a script file
#                             in $TMP and mock_start it
#   mock_stop                 stop it (lib.sh's cleanup also does)
#   mock_count                requests received so far
#   mock_req N EXPR           a Python expression over request N's record
#                             r (n, method, path, query, headers, body),
#                             printed: JSON for containers, else str()
#   tmo CMD...                CMD under a timeout ($T3_TIMEOUT s)
#   with_openai, with_anthropic, with_gemini, with_openrouter CMD...
#                             run CMD (an external command) under the
#                             timeout with that provider's base URL set to
#                             the mock and its key set to $KEY
#
# Standard input is /dev/null from here on, so t3-chat never waits for a
# prompt on whatever stdin the harness gave the test.
#   closed_port               a TCP port on 127.0.0.1 nobody listens on

KEY=sk-test-SECRET-0123456789abcdef
mock_n=0
exec </dev/null

mock_stop() {
	if [ -n "${MOCK_PID:-}" ]; then
		kill "$MOCK_PID" 2>/dev/null
		# bounded: the mock exits on SIGTERM within its poll interval
		i=0
		while kill -0 "$MOCK_PID" 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1; i=$((i + 1))
		done
		kill -9 "$MOCK_PID" 2>/dev/null
		wait "$MOCK_PID" 2>/dev/null
		MOCK_PID=
	fi
}

mock_start() { # SCRIPT_JSONL
	mock_stop
	mock_n=$((mock_n + 1))
	MOCK_LOG=$TMP/mock$mock_n.log
	mock_portfile=$TMP/mock$mock_n.port
	: >"$MOCK_LOG"
	"$PYTHON" "$TESTDIR/mockprov.py" --port-file "$mock_portfile" --log "$MOCK_LOG" \
		--script "$1" --idle-timeout 60 2>"$TMP/mock$mock_n.err" &
	MOCK_PID=$!
	i=0
	while [ ! -s "$mock_portfile" ] && [ $i -lt 100 ]; do
		kill -0 "$MOCK_PID" 2>/dev/null || break
		sleep 0.05; i=$((i + 1))
	done
	if [ ! -s "$mock_portfile" ]; then
		echo "Bail out! the mock provider did not start: $(cat "$TMP/mock$mock_n.err")"
		exit 255
	fi
	MOCK_URL=http://127.0.0.1:$(cat "$mock_portfile")
}

mock_script() { # LINE...
	mock_sf=$TMP/script$((mock_n + 1)).jsonl
	printf '%s\n' "$@" >"$mock_sf"
	mock_start "$mock_sf"
}

mock_count() { wc -l <"$MOCK_LOG" | tr -d ' '; }

mock_req() { # N EXPR
	"$PYTHON" - "$MOCK_LOG" "$1" "$2" <<'EOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
r = recs[int(sys.argv[2]) - 1] if int(sys.argv[2]) <= len(recs) else None
v = eval(sys.argv[3], {"r": r, "json": json})
if isinstance(v, (dict, list, bool)) or v is None:
    print(json.dumps(v, separators=(",", ":"), sort_keys=True))
else:
    print(v)
EOF
}

# Every command is bounded: no test may hang.
T3_TIMEOUT=${T3_TIMEOUT:-20}
tmo() { timeout -k 2 "$T3_TIMEOUT" "$@"; }
with_openai() { env OPENAI_BASE_URL="$MOCK_URL/v1" OPENAI_API_KEY="$KEY" timeout -k 2 "$T3_TIMEOUT" "$@"; }
with_anthropic() { env ANTHROPIC_BASE_URL="$MOCK_URL/v1" ANTHROPIC_API_KEY="$KEY" timeout -k 2 "$T3_TIMEOUT" "$@"; }
with_gemini() { env GEMINI_BASE_URL="$MOCK_URL/v1beta" GEMINI_API_KEY="$KEY" timeout -k 2 "$T3_TIMEOUT" "$@"; }
with_openrouter() { env OPENROUTER_BASE_URL="$MOCK_URL/v1" OPENROUTER_API_KEY="$KEY" timeout -k 2 "$T3_TIMEOUT" "$@"; }

closed_port() {
	"$PYTHON" -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

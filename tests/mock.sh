# tests/mock.sh: sourced after lib.sh by the t3-chat tests. Starts the
# loopback mock provider (tests/mockprov.py) and reads its request log.
#
#   mock_start SCRIPT_JSONL   start a fresh mock (stopping any previous one)
#                             answering from SCRIPT_JSONL; sets MOCK_PID,
#                             MOCK_URL (http://127.0.0.1:PORT), MOCK_LOG;
#                             with MOCK_TLS="CERT KEY" set, it serves HTTPS
#                             and MOCK_URL is https://127.0.0.1:PORT
#   mock_script LINE...       write LINE... (JSON objects) to a script file
#                             in $TMP and mock_start it
#   mock_stop                 stop it (lib.sh's cleanup also does)
#   mock_count                requests received so far
#   mock_req N PATH...        json_extract over request N's record (n,
#                             method, path, query, headers, body), e.g.
#                             mock_req 1 '$.body.messages'
#   mock_len N PATH           the length of the array at PATH in request N
#   mock_keys N PATH          the keys of the object at PATH in request N,
#                             comma-separated, in order: tells a member
#                             that is absent from one sent as null, which
#                             mock_req cannot (both come out empty)
#   jx FILE PATH..., jsql FILE SQL, jsonl_types FILE, jsonl_text FILE TYPE
#                             questions about JSON output, answered by
#                             SQLite (no Python start-up each time)
#   tmo CMD...                CMD under a timeout ($T3_TIMEOUT s)
#   with_openai, with_anthropic, with_gemini, with_openrouter CMD...
#                             run CMD (an external command) under the
#                             timeout with that provider's base URL set to
#                             the mock and its key set to $KEY
#   with_provider NAME PATH CMD...
#                             the same for any provider: NAME_BASE_URL is
#                             $MOCK_URL/PATH, NAME_API_KEY $KEY
#   closed_port               a TCP port on 127.0.0.1 nobody listens on
#   blackhole_start           a port on 127.0.0.1 whose connects hang (no
#                             SYN is answered); sets BH_PORT, BH_PID
#
# Standard input is /dev/null from here on, so t3-chat never waits for a
# prompt on whatever stdin the harness gave the test.

KEY=sk-test-SECRET-0123456789abcdef
mock_n=0
exec </dev/null

mock_stop() {
	# no need to wait: the mock exits on SIGTERM within its poll interval
	[ -n "${MOCK_PID:-}" ] && kill "$MOCK_PID" 2>/dev/null
	MOCK_PID=
}

# mock_wait_port PID PORTFILE ERRFILE WHAT: wait (5 s at most) for the
# port PID writes to PORTFILE; bail out, naming WHAT, if it never does
mock_wait_port() {
	i=0
	while [ ! -s "$2" ] && [ $i -lt 100 ]; do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.05; i=$((i + 1))
	done
	if [ ! -s "$2" ]; then
		echo "Bail out! $4 did not start: $(cat "$3")"
		exit 255
	fi
}

mock_start() { # SCRIPT_JSONL
	mock_stop
	mock_n=$((mock_n + 1))
	MOCK_LOG=$TMP/mock$mock_n.log
	mock_portfile=$TMP/mock$mock_n.port
	: >"$MOCK_LOG"
	# shellcheck disable=SC2086 # MOCK_TLS is two words on purpose
	"$PYTHON" "$TESTDIR/mockprov.py" --port-file "$mock_portfile" --log "$MOCK_LOG" \
		--script "$1" --idle-timeout 60 ${MOCK_TLS:+--tls $MOCK_TLS} 2>"$TMP/mock$mock_n.err" &
	MOCK_PID=$!
	mock_wait_port "$MOCK_PID" "$mock_portfile" "$TMP/mock$mock_n.err" "the mock provider"
	MOCK_URL=http${MOCK_TLS:+s}://127.0.0.1:$(cat "$mock_portfile")
}

mock_script() { # LINE...
	mock_sf=$TMP/script$((mock_n + 1)).jsonl
	printf '%s\n' "$@" >"$mock_sf"
	mock_start "$mock_sf"
}

mock_count() { wc -l <"$MOCK_LOG" | tr -d ' '; }

# JSON without a Python start-up per question: SQLite's JSON functions.
jsql() { # FILE SQL: run SQL, which reads d(J), J being the file's JSON text
	sqlite3 -batch -noheader :memory: "WITH d(J) AS (SELECT CAST(readfile('$1') AS TEXT)) $2"
}
jx() { # FILE PATH...: json_extract(the file's JSON, PATH...); several
	# paths give a JSON array, one gives the SQL value (objects as JSON)
	jx_f=$1; shift; jx_p=
	for jx_a; do jx_p="$jx_p, '$jx_a'"; done
	jsql "$jx_f" "SELECT json_extract(J$jx_p) FROM d"
}
jsonl_array() { # FILE: the JSON lines of FILE as one array in FILE.json
	sed '1s/^/[/; $!s/$/,/; $s/$/]/' "$1" >"$1.json"
}
jsonl_types() { # FILE: the "type" of each line, space-separated
	jsonl_array "$1"
	jsql "$1.json" "SELECT group_concat(json_extract(value, '\$.type'), ' ') FROM d, json_each(d.J)"
}
jsonl_text() { # FILE TYPE: the "text" of the lines of TYPE, joined
	jsonl_array "$1"
	jsql "$1.json" "SELECT group_concat(json_extract(value, '\$.text'), '') FROM d, json_each(d.J) WHERE json_extract(value, '\$.type') = '$2'"
}
mock_rec() { sed -n "${1}p" "$MOCK_LOG" >"$TMP/req.json"; } # N: request N's record in req.json
mock_req() { # N PATH...: jx over request N's record in the log
	mock_rec "$1"; shift
	jx "$TMP/req.json" "$@"
}
mock_len() { # N PATH: the length of the array at PATH in request N
	mock_rec "$1"
	jsql "$TMP/req.json" "SELECT json_array_length(J, '$2') FROM d"
}
mock_keys() { # N PATH: the keys of the object at PATH in request N
	mock_rec "$1"
	jsql "$TMP/req.json" "SELECT group_concat(key, ',') FROM d, json_each(d.J, '$2')"
}

# requested N: the mock has had N requests or more
requested() { [ "$(mock_count)" -ge "$1" ]; }

# Every command is bounded: no test may hang.
T3_TIMEOUT=${T3_TIMEOUT:-20}
tmo() { timeout -k 2 "$T3_TIMEOUT" "$@"; }
with_provider() { # NAME PATH CMD...: CMD under the timeout with NAME_BASE_URL
	# the mock's URL and PATH, NAME_API_KEY $KEY (NAME as in OPENAI_API_KEY)
	wp_name=$1 wp_path=$2; shift 2
	env "${wp_name}_BASE_URL=$MOCK_URL$wp_path" "${wp_name}_API_KEY=$KEY" timeout -k 2 "$T3_TIMEOUT" "$@"
}
with_openai() { with_provider OPENAI /v1 "$@"; }
with_anthropic() { with_provider ANTHROPIC /v1 "$@"; }
with_gemini() { with_provider GEMINI /v1beta "$@"; }
with_openrouter() { with_provider OPENROUTER /v1 "$@"; }

blackhole_start() {
	bh_pf=$TMP/blackhole.port
	rm -f "$bh_pf"
	"$PYTHON" "$TESTDIR/mockprov.py" --blackhole --port-file "$bh_pf" --idle-timeout 60 \
		>/dev/null 2>"$TMP/blackhole.err" &
	BH_PID=$!
	mock_wait_port "$BH_PID" "$bh_pf" "$TMP/blackhole.err" "the blackhole listener"
	BH_PORT=$(cat "$bh_pf")
}

closed_port() {
	"$PYTHON" -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

#!/bin/bash
# t3-chat streaming a 2,000-event answer from the loopback mock provider,
# beside curl -sN fetching the same stream, run alternately; the SSE
# parser's throughput; peak RSS.
#
# The stream is served two ways. Event by event, each event written on
# its own as providers send them: this measures whether t3-chat keeps up
# with a fast stream. In one burst, the whole 2,000-event body at once:
# this leaves only the per-event cost of decoding, which curl, copying
# bytes, does not have. The mock builds the stream once and answers at
# once (tests/mockprov.py generate), so the totals are the clients' own.
# Each way twice: as a user runs t3-chat (the chat and both messages
# stored), and with -n (only the usage row).
. "$(dirname "$0")/lib.sh"
O=${2:-build}
here=$(cd "$(dirname "$0")" && pwd)
R=${RUNS:-31}
mocks=
trap 'kill $mocks 2>/dev/null; rm -rf "$BTMP"' EXIT

# start_mock NAME SCRIPT_LINE: a mock answering every request so; sets url
start_mock() {
	echo "$2" >"$BTMP/$1.script"
	python3 "$here/../tests/mockprov.py" --port-file "$BTMP/$1.port" --log /dev/null \
		--script "$BTMP/$1.script" --idle-timeout 120 &
	mocks="$mocks $!"
	for _ in $(seq 50); do [ -s "$BTMP/$1.port" ] && break; sleep 0.1; done
	url=http://127.0.0.1:$(cat "$BTMP/$1.port")/v1
}

# measure LABEL TARGET [T3-CHAT-OPTION...]: t3-chat and curl against
# $url, alternately (targets: event by event 1.15x; a burst no worse than
# the 2.4x of 2026-11-25, jansson's decoding being most of it)
measure() {
	label=$1 target=$2; shift 2
	export OPENAI_BASE_URL=$url OPENAI_API_KEY=bench-key
	t3-chat -m gpt-4o-mini "$@" warm-up >/dev/null
	python3 "$here/firstbyte.py" "$R" "$BIN/t3-chat" -m gpt-4o-mini "$@" bench \
		-- curl -sN -X POST -H 'Content-Type: application/json' -d '{}' "$url/chat/completions" >"$BTMP/fb"
	{ read -r t_first t_total; read -r c_first c_total; } <"$BTMP/fb"
	report "t3-chat total, $label" "$t_total" "curl -sN total" "$c_total" "$target"
	awk -v a="$t_first" -v b="$c_first" -v l="$label" 'BEGIN { printf "%-34s %9.3f ms   %-28s %9.3f ms   diff  %+.2f ms (target <= 2 ms)\n", "t3-chat first token, " l, a, "curl first byte", b, a - b }'
}

start_mock events '{"gen_events": 2000, "api": "openai", "per_event": true}'
measure "by event" "<= 1.15"
measure "by event, -n" "<= 1.15" -n
start_mock burst '{"gen_events": 2000, "api": "openai"}'
measure "burst" "<= 2.4"
measure "burst, -n" "<= 2.4" -n
t_rss=$("$O/peakrss" "$BIN/t3-chat" -m gpt-4o-mini -n bench)
c_rss=$("$O/peakrss" curl -sN -X POST -H 'Content-Type: application/json' -d '{}' "$url/chat/completions")
echo "peak RSS: t3-chat ${t_rss} KiB, curl ${c_rss} KiB (one run each)"

# CPU per event in the burst: user + system time of one client run over
# the 2,000 events (GNU time's, else bash's times of a child)
cpu_us() { # CMD...: CPU microseconds of one run
	/usr/bin/env TIMEFORMAT='%3U %3S' bash -c 'time "$@" >/dev/null 2>&1' _ "$@" 2>&1 |
		awk '{ printf "%.0f\n", ($1 + $2) * 1e6 }'
}
t_cpu=$(cpu_us "$BIN/t3-chat" -m gpt-4o-mini -n bench)
c_cpu=$(cpu_us curl -sN -X POST -H 'Content-Type: application/json' -d '{}' "$url/chat/completions")
awk -v t="$t_cpu" -v c="$c_cpu" 'BEGIN { printf "CPU per event, burst: t3-chat %.2f us, curl %.2f us (one run each)\n", t / 2000, c / 2000 }'

# the peer: the official OpenAI Node SDK, from the npm registry into a
# cache folder, streaming the same burst (target: t3-chat >= 10x faster in
# wall time and CPU, 5x smaller peak RSS)
SDK=${OPENAI_SDK:-openai@4}
CACHE=$here/.cache
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	echo "OpenAI Node SDK: skipped (node and npm not installed)"
elif [ ! -d "$CACHE/node_modules/openai" ] &&
	! { mkdir -p "$CACHE" && npm install --prefix "$CACHE" --no-audit --no-fund "$SDK" >/dev/null 2>&1; }; then
	echo "OpenAI Node SDK: skipped (npm install $SDK failed: offline?)"
else
	cp "$here/openai-sdk.mjs" "$CACHE/openai-sdk.mjs"
	s_ms=$(RUNS=${SDK_RUNS:-11} median_ms node "$CACHE/openai-sdk.mjs")
	t_ms=$(RUNS=${SDK_RUNS:-11} median_ms "$BIN/t3-chat" -m gpt-4o-mini -n bench)
	report "t3-chat -n, burst" "$t_ms" "OpenAI Node SDK" "$s_ms" "<= 0.1"
	s_cpu=$(cpu_us node "$CACHE/openai-sdk.mjs")
	s_rss=$("$O/peakrss" node "$CACHE/openai-sdk.mjs")
	awk -v t="$t_cpu" -v s="$s_cpu" -v tr="$t_rss" -v sr="$s_rss" 'BEGIN {
		printf "CPU: t3-chat %.1f ms, OpenAI Node SDK %.1f ms (ratio %.3f, target <= 0.1)\n", t / 1000, s / 1000, t / s
		printf "peak RSS: t3-chat %d KiB, OpenAI Node SDK %d KiB (ratio %.3f, target <= 0.2)\n", tr, sr, tr / sr }'
fi

python3 "$here/../tests/mockprov.py" --dump-gen openai 20000 >"$BTMP/gen.sse"
"$O/sse-throughput" "$BTMP/gen.sse" 1 | sed 's/^/SSE parser (random chunks 1..4096): /'
"$O/sse-throughput" "$here/../tests/fixtures/anthropic/messages-stream-text.sse" 1 | sed 's/^/SSE parser, anthropic fixture: /'

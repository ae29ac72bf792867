#!/bin/bash
# t3-chat streaming a 2,000-event answer from the loopback mock provider,
# beside curl -sN fetching the same stream, in one run; the SSE parser's
# throughput; peak RSS.
. "$(dirname "$0")/lib.sh"
O=${2:-build}
here=$(cd "$(dirname "$0")" && pwd)
echo '{"gen_events": 2000, "api": "openai"}' >"$BTMP/script"
python3 "$here/../tests/mockprov.py" --port-file "$BTMP/port" --log /dev/null --script "$BTMP/script" --idle-timeout 120 &
mock=$!
trap 'kill $mock 2>/dev/null; rm -rf "$BTMP"' EXIT
for i in $(seq 50); do [ -s "$BTMP/port" ] && break; sleep 0.1; done
url=http://127.0.0.1:$(cat "$BTMP/port")/v1
export OPENAI_BASE_URL=$url OPENAI_API_KEY=bench-key
t3-chat -m gpt-4o-mini -n warm-up >/dev/null

R=${RUNS:-31}
python3 "$here/firstbyte.py" "$R" "$BIN/t3-chat" -m gpt-4o-mini -n bench \
	-- curl -sN -X POST -H 'Content-Type: application/json' -d '{}' "$url/chat/completions" >"$BTMP/fb"
{ read -r t_first t_total; read -r c_first c_total; } <"$BTMP/fb"
t_rss=$("$O/peakrss" "$BIN/t3-chat" -m gpt-4o-mini -n bench)
c_rss=$("$O/peakrss" curl -sN -X POST -H 'Content-Type: application/json' -d '{}' "$url/chat/completions")
report "t3-chat total (2000 events)" "$t_total" "curl -sN total" "$c_total" "<= 1.3"
awk -v a="$t_first" -v b="$c_first" 'BEGIN { printf "%-34s %9.3f ms   %-28s %9.3f ms   diff  %+.2f ms (target <= 2 ms)\n", "t3-chat first token on stdout", a, "curl first byte", b, a - b }'
echo "peak RSS: t3-chat ${t_rss} KiB, curl ${c_rss} KiB (one run each)"

python3 "$here/../tests/mockprov.py" --dump-gen openai 20000 >"$BTMP/gen.sse"
"$O/sse-throughput" "$BTMP/gen.sse" 1 | sed 's/^/SSE parser (random chunks 1..4096): /'
"$O/sse-throughput" "$here/../tests/fixtures/anthropic/messages-stream-text.sse" 1 | sed 's/^/SSE parser, anthropic fixture: /'

#!/bin/bash
# bench/lib.sh: sourced by the benchmarks. Medians of wall times, measured
# in this process tree, printed beside a baseline and as a ratio. Nothing
# here asserts: benchmarks measure, tests assert.
BIN=${1:-bin}
BIN=$(cd "$BIN" && pwd)
PATH=$BIN:$PATH
BTMP=$(mktemp -d "${TMPDIR:-/tmp}/t3bench.XXXXXX")
trap 'rm -rf "$BTMP"' EXIT
export T3_HOME=$BTMP/home
# A new chat's title is a second request after the answer (against the mock,
# another whole generated stream); the baselines make one request, so the
# benchmarks measure the chat alone.
export T3_TITLES=off
RUNS=${RUNS:-31}

# median_ms CMD...: run CMD RUNS times (output discarded), print the median
# wall time in milliseconds with 3 decimals. hyperfine -N (no shell) when it
# is installed; otherwise a loop that also counts a fork of date(1).
median_ms() {
	if command -v hyperfine >/dev/null 2>&1; then
		hyperfine -N -w 3 -r "$RUNS" --export-json "$BTMP/h.json" "$(printf '%q ' "$@")" >/dev/null 2>&1
		python3 -c 'import json,sys; print("%.3f" % (json.load(open(sys.argv[1]))["results"][0]["median"] * 1000))' "$BTMP/h.json"
		return
	fi
	i=0
	: >"$BTMP/times"
	while [ $i -lt "$RUNS" ]; do
		s=$(date +%s%N)
		"$@" >/dev/null 2>&1
		e=$(date +%s%N)
		echo $((e - s)) >>"$BTMP/times"
		i=$((i + 1))
	done
	sort -n "$BTMP/times" | awk '{ a[NR] = $1 } END { printf "%.3f\n", a[int((NR + 1) / 2)] / 1e6 }'
}

# report NAME T3_MS BASELINE_NAME BASELINE_MS [TARGET]
report() {
	awk -v n="$1" -v t="$2" -v bn="$3" -v b="$4" -v target="${5:-}" 'BEGIN {
		printf "%-34s %9.3f ms   %-28s %9.3f ms   ratio %5.2f%s\n", n, t, bn, b, t / b,
		       target != "" ? "   (target " target ")" : ""
	}'
}

#!/bin/sh
# Each tool links only what it uses: libcurl (~4 ms of start-up) only in
# t3-chat. Every tool answers --help on stdout and --version.
. "$(dirname "$0")/lib.sh"

for t in t3-user t3-models; do
	if ldd "$T3_BINDIR/$t" | grep -q libcurl; then ok 1 "$t does not load libcurl"; else ok 0 "$t does not load libcurl"; fi
done
ldd "$T3_BINDIR/t3-chat" | grep -q libcurl
ok $? "t3-chat loads libcurl"
for t in t3-user t3-models t3-chat; do
	run "$t" --help
	is_rc 0 "$t --help exits 0"
	like "$OUT" "^usage: $t" "$t --help prints usage on stdout"
	run "$t" --version
	is_out "$t 0.1.0" "$t --version"
done
done_testing

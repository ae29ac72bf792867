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
# -h, 'help [COMMAND]' and 'COMMAND --help' in the tools with subcommands
for t in t3-user t3-models; do
	run "$t" -h
	is_rc 0 "$t -h exits 0"
	like "$OUT" "^usage: $t" "$t -h prints usage on stdout"
	run "$t" help
	is_rc 0 "$t help exits 0"
	like "$OUT" "^usage: $t" "$t help prints usage on stdout"
	run "$t" help nope
	is_rc 2 "$t help of an unknown command: exit 2"
	is_out_raw "" "and nothing on stdout"
	run "$t" list --help
	is_rc 0 "$t list --help exits 0"
	like "$OUT" "^usage: $t list " "$t list --help prints the synopsis of list"
	unlike "$OUT" "^  show" "and not the other commands"
	run "$t" help list
	is_rc 0 "$t help list exits 0"
	cp "$OUT" "$TMP/help-list"
	run "$t" list -h
	cmp -s "$OUT" "$TMP/help-list"; ok $? "$t list -h says what '$t help list' says"
done
run t3-user help plan
is_out "usage: t3-user plan list
       t3-user plan set NAME ALLOWANCE [--description TEXT]
       t3-user plan rm NAME
see t3-user(1) for the options and fields" "help plan: each form of the command"
run t3-user add --help
is_out "usage: t3-user add EMAIL [--plan PLAN] [--quota N] [--timezone TZ]
                         [--password-stdin | --oauth PROVIDER:SUBJECT]
see t3-user(1) for the options and fields" "add --help: a synopsis that goes on aligned under the command"
done_testing

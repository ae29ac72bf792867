# tests/lib.sh: sourced by every shell test. TAP output, a private T3_HOME,
# and helpers that run a command and compare its output and the databases.
set -u
TESTDIR=$(cd "$(dirname "$0")" && pwd)
: "${T3_BINDIR:=$TESTDIR/../bin}"
PATH=$T3_BINDIR:$PATH
FIXTURES=${T3_FIXTURES:-$TESTDIR/fixtures}
PYTHON=${PYTHON:-python3}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/t3test.XXXXXX")
trap 't3_cleanup' EXIT
t3_cleanup() {
	# the mock and the blackhole listener of mock.sh, if a test left them
	[ -n "${MOCK_PID:-}" ] && kill "$MOCK_PID" 2>/dev/null
	[ -n "${BH_PID:-}" ] && kill "$BH_PID" 2>/dev/null
	rm -rf "$TMP"
}

# No variable from the developer's environment may change behaviour.
for v in $(env | sed -n 's/^\(T3_[A-Z_]*\)=.*/\1/p; s/^\([A-Z]*_API_KEY\)=.*/\1/p; s/^\([A-Z]*_BASE_URL\)=.*/\1/p'); do
	case $v in T3_BINDIR|T3_FIXTURES) ;; *) unset "$v" ;; esac
done
unset XDG_DATA_HOME NO_COLOR TZDIR
# No title call after a new chat's first answer (a second request, more
# usage and quota) unless a test asks for one: 3160-chat-titles.t does.
export T3_TITLES=off
export T3_HOME="$TMP/home" HOME="$TMP/h" XDG_CONFIG_HOME="$TMP/config" LC_ALL=C TZ=UTC
mkdir -p "$HOME"
UDB=$T3_HOME/user.db
DDB=$T3_HOME/data.db

t_n=0
t_failed=0

ok() { # STATUS DESCRIPTION
	t_n=$((t_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $t_n - $2"
	else
		echo "not ok $t_n - $2"
		t_failed=$((t_failed + 1))
	fi
}

diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

skip() { # COUNT REASON: COUNT tests that cannot run here, as TAP skips
	i=0
	while [ "$i" -lt "$1" ]; do
		t_n=$((t_n + 1)); i=$((i + 1))
		echo "ok $t_n # skip $2"
	done
}

# run CMD...: stdout to $OUT, stderr to $ERR, exit code in $rc. Standard
# input is /dev/null unless the caller redirects it.
OUT=$TMP/out
ERR=$TMP/err
run() {
	"$@" >"$OUT" 2>"$ERR"
	rc=$?
}

is_rc() { # EXPECTED DESCRIPTION
	if [ "$rc" -eq "$1" ]; then ok 0 "$2"; else
		ok 1 "$2"; diag "exit code $rc, expected $1" "stderr:" "$(cat "$ERR")"
	fi
}

is() { # GOT EXPECTED DESCRIPTION
	if [ "$1" = "$2" ]; then ok 0 "$3"; else
		ok 1 "$3"; diag "got:      '$1'" "expected: '$2'"
	fi
}

is_out() { # EXPECTED DESCRIPTION: stdout equals EXPECTED (a trailing newline implied)
	printf '%s\n' "$1" >"$TMP/expected"
	if cmp -s "$TMP/expected" "$OUT"; then ok 0 "$2"; else
		ok 1 "$2"; diag "$(diff "$TMP/expected" "$OUT")"
	fi
}

is_out_raw() { # TEXT DESCRIPTION: stdout is exactly TEXT (no newline added:
	# for an answer streamed as it came, which ends where the model stopped)
	printf '%s' "$1" >"$TMP/expected"
	if cmp -s "$TMP/expected" "$OUT"; then ok 0 "$2"; else
		ok 1 "$2"; diag "$(diff "$TMP/expected" "$OUT")"
	fi
}

is_err() { # EXPECTED DESCRIPTION: stderr equals EXPECTED exactly
	printf '%s\n' "$1" >"$TMP/expected"
	if cmp -s "$TMP/expected" "$ERR"; then ok 0 "$2"; else
		ok 1 "$2"; diag "$(diff "$TMP/expected" "$ERR")"
	fi
}

like() { # FILE EXTENDED-REGEX DESCRIPTION
	if grep -Eq -- "$2" "$1"; then ok 0 "$3"; else
		ok 1 "$3"; diag "no match for /$2/ in:" "$(head -c 2000 "$1")"
	fi
}

unlike() { # FILE EXTENDED-REGEX DESCRIPTION
	if grep -Eq -- "$2" "$1"; then
		ok 1 "$3"; diag "unexpected match for /$2/"
	else ok 0 "$3"; fi
}

# SQL against a database, one value per line, columns joined by '|'.
sql() { sqlite3 -batch -noheader "$1" "$2"; }
last_ai() { # COLUMNS: of the latest answer in data.db
	sql "$DDB" "SELECT $1 FROM chat_messages WHERE sender_type = 'ai' ORDER BY timestamp DESC, message_id DESC LIMIT 1"
}

# wait_for TEST...: poll (at most 15 s) until the shell test is true
wait_for() {
	i=0
	while ! "$@" && [ $i -lt 300 ]; do sleep 0.05; i=$((i + 1)); done
	"$@"
}
# lock DB: hold its write lock from another process until unlock (and
# not past the test's end); returns once the lock is held
lock() { # DB
	rm -f "$TMP/locked" "$TMP/unlock"
	sqlite3 "$1" >/dev/null <<EOF &
BEGIN IMMEDIATE;
.shell touch $TMP/locked
.shell while [ -d $TMP ] && [ ! -f $TMP/unlock ]; do sleep 0.05; done
COMMIT;
EOF
	LOCK_PID=$!
	wait_for test -f "$TMP/locked"
}
unlock() { touch "$TMP/unlock"; wait "$LOCK_PID"; }

# snapshot / unchanged: compare both databases' full dumps around a command
# that must leave them as they were.
snapshot() {
	for f in "$UDB" "$DDB"; do
		if [ -f "$f" ]; then sqlite3 "$f" .dump; else echo "no $f"; fi
	done >"$TMP/snap"
}
unchanged() { # DESCRIPTION
	for f in "$UDB" "$DDB"; do
		if [ -f "$f" ]; then sqlite3 "$f" .dump; else echo "no $f"; fi
	done >"$TMP/snap2"
	if cmp -s "$TMP/snap" "$TMP/snap2"; then ok 0 "$1"; else
		ok 1 "$1"; diag "$(diff "$TMP/snap" "$TMP/snap2" | head -20)"
	fi
}

# ---- documentation checks shared by the *-docs.t tests ----

# man_lint PAGE...: mandoc -Tlint is clean. "referenced manual not found"
# and "outdated mandoc.db" depend on what is installed, not on the page.
man_lint() {
	for page in "$@"; do
		if ! command -v mandoc >/dev/null 2>&1; then
			skip 1 "mandoc not installed: $(basename "$page")"
			continue
		fi
		mandoc -Tlint "$page" 2>&1 |
			grep -v -e 'referenced manual not found' -e 'outdated mandoc.db' >"$TMP/lint"
		if [ -s "$TMP/lint" ]; then
			ok 1 "mandoc -Tlint $(basename "$page")"; diag "$(cat "$TMP/lint")"
		else
			ok 0 "mandoc -Tlint $(basename "$page")"
		fi
	done
}

# doc_commands TOOL MAN1 COMMAND...: each subcommand is an .Cm entry of the
# page and a word of every completion file in $COMPLETIONS.
doc_commands() {
	dc_tool=$1 dc_man=$2
	shift 2
	for c in "$@"; do
		grep -Eq "^\\.(It )?Cm $c( |\$)" "$dc_man"
		ok $? "$dc_tool.1 documents '$c'"
		for f in $COMPLETIONS; do
			grep -Eq "(^|[^a-z-])$c([^a-z-]|\$)" "$f"
			ok $? "$(basename "$f") completes '$c'"
		done
	done
}

# doc_options TOOL MAN1 --OPTION...: each long option is in the page (Fl)
# and in every completion file in $COMPLETIONS (fish spells it -l NAME).
doc_options() {
	dc_tool=$1 dc_man=$2
	shift 2
	for o in "$@"; do
		name=${o#--}
		grep -q -- "Fl -$name" "$dc_man"
		ok $? "$dc_tool.1 documents '$o'"
		for f in $COMPLETIONS; do
			case $f in
			*.fish) grep -q -- "-l $name" "$f" ;;
			*) grep -q -- "$o" "$f" ;;
			esac
			ok $? "$(basename "$f") completes '$o'"
		done
	done
}


# doc_files TOOL: TOP, MAN1 (the tool's page) and COMPLETIONS (its bash,
# fish and zsh completion files)
doc_files() {
	TOP=$TESTDIR/..
	MAN1=$TOP/man/$1.1
	COMPLETIONS="$TOP/completions/$1.bash $TOP/completions/$1.fish $TOP/completions/_$1"
}

# have PROGRAM [N]: PROGRAM is installed; if not, N (default 1) skips
have() {
	command -v "$1" >/dev/null 2>&1 && return 0
	skip "${2:-1}" "$1 not installed"
	return 1
}

# shell_n SHELL FILE: SHELL -n FILE (the file parses)
shell_n() {
	"$1" -n "$2"
	ok $? "$1 -n $(basename "$2")"
}

# ---- the EXAMPLES of a page, run as written ----

# examples_text MAN: the EXAMPLES section of MAN with mdoc's escapes undone
examples_text() {
	sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$1" |
	sed 's/\\e/\\/g; s/\\(aq/'"'"'/g; s/\\&//g; s/\\-/-/g'
}

# examples_extract MAN RCFILE: the commands of MAN's EXAMPLES as a script
# in $TMP/examples.body, each followed by a line that appends "$? N" to
# RCFILE; the first line of each, N-th, in $TMP/examples.list (without
# backslashes: it names a test, and echo would read them). Literal
# blocks hold commands after "$ " (continued after a trailing '\' or '|'),
# shell scripts (first line "#!/bin/sh", second "# NAME ...": saved as
# NAME) and crontab lines (the command part is run). Anything else is
# output and is not run.
examples_extract() {
	examples_text "$1" |
	awk -v rcfile="$2" -v q="'" '
	function flush() {
		if (cmd == "") return
		n++; print cmd; printf "echo \"$? %d\" >>\"%s\"\n", n, rcfile
		split(cmd, lines, "\n"); gsub(/\\/, "", lines[1]); print lines[1] > "/dev/stderr"; cmd = ""
	}
	/^\.Bd -literal/ { inblock = 1; first = 1; script = ""; next }
	/^\.Ed/ { flush(); if (script != "") print "EOF_T3_SCRIPT"; inblock = 0; script = ""; next }
	!inblock { next }
	first && /^#!\/bin\/sh/ { first = 0; script = "pending"; next }
	script == "pending" { split($0, w, /[ :]+/); script = w[2]; print "cat >" script " <<" q "EOF_T3_SCRIPT" q; print "#!/bin/sh"; print; next }
	script != "" { print; next }
	{ first = 0 }
	cont { cmd = cmd "\n" $0; cont = ($0 ~ /[\\|][ \t]*$/); if (!cont) flush(); next }
	/^\$ / { flush(); cmd = substr($0, 3); cont = ($0 ~ /[\\|][ \t]*$/); if (!cont) flush(); next }
	/^[0-9*][0-9*,\/-]* [0-9*][0-9*,\/-]* [0-9*][0-9*,\/-]* [0-9*][0-9*,\/-]* [0-9*][0-9*,\/-]* / {
		flush(); c = $0; for (i = 0; i < 5; i++) sub(/^[^ ]+ +/, "", c); cmd = c; flush(); next }
	' >"$TMP/examples.body" 2>"$TMP/examples.list"
}

# examples_found PAGE MIN: at least MIN commands in $TMP/examples.body;
# their number in $nex
examples_found() {
	nex=$(grep -c '^echo "\$? ' "$TMP/examples.body")
	[ "$nex" -ge "$2" ]
	ok $? "found the examples of $1 ($nex commands)"
}

# examples_run: run $TMP/examples.body in $TMP/work, ssh standing in as a
# function that runs the remote command against T3_HOME.HOST; its output
# in $TMP/ex.out and $TMP/ex.err
examples_run() {
	{
		echo 'ssh() ( host=$1; shift; T3_HOME=$T3_HOME.$host; export T3_HOME; sh -c "$*" )'
		cat "$TMP/examples.body"
	} >"$TMP/examples.sh"
	mkdir "$TMP/work"
	(cd "$TMP/work" && sh "$TMP/examples.sh" </dev/null >"$TMP/ex.out" 2>"$TMP/ex.err")
}

# examples_report RCFILE ERR: one test per "CODE N" line of RCFILE, named
# by line N of $TMP/examples.list; $examples_ran is how many. A failure
# shows ERR: the examples' stderr, or a directory holding N.err for each.
examples_report() {
	examples_ran=0
	while read -r code num; do
		examples_ran=$((examples_ran + 1))
		ok "$code" "example: $(sed -n "${num}p" "$TMP/examples.list")"
		if [ "$code" -ne 0 ]; then
			if [ -d "$2" ]; then diag "stderr:" "$(cat "$2/$num.err")"
			else diag "stderr of the examples:" "$(cat "$2")"; fi
		fi
	done <"$1"
}

done_testing() {
	echo "1..$t_n"
	[ "$t_failed" -eq 0 ]
	exit $?
}

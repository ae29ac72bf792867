#!/bin/sh
# make install: modes set by install -m, no data file that no program
# reads, and uninstall removes every file install wrote. The programs
# under test are installed as they are (make -o all: nothing rebuilt).
. "$(dirname "$0")/lib.sh"
TOP=$TESTDIR/..
have make 6 || done_testing

D=$TMP/dest
make -s -C "$TOP" -o all install DESTDIR="$D" PREFIX=/usr BIN="$T3_BINDIR" >"$OUT" 2>"$ERR"
ok $? "make install DESTDIR=... PREFIX=/usr"
(cd "$D" && find . -type f | sort) >"$TMP/files"
is "$(grep -c '^./usr/bin/t3-' "$TMP/files")" "$(ls "$TOP"/cmd/t3-*.c | wc -l | tr -d ' ')" "every program installed"
is "$(cd "$D" && find . -type f -path './usr/bin/*' ! -perm 755 | wc -l | tr -d ' ')" 0 "programs mode 755"
is "$(cd "$D" && find . -type f ! -path './usr/bin/*' ! -perm 644 | wc -l | tr -d ' ')" 0 "everything else mode 644"
unlike "$TMP/files" '/share/t3/|models\.tsv' "no data file: the catalog is compiled in"
make -s -C "$TOP" -o all uninstall DESTDIR="$D" PREFIX=/usr BIN="$T3_BINDIR" >"$OUT" 2>"$ERR"
ok $? "make uninstall"
is "$(cd "$D" && find . -type f | wc -l | tr -d ' ')" 0 "uninstall removes every file install made"
done_testing

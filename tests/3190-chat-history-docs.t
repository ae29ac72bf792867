#!/bin/sh
# The history modes' documentation: every option of 't3-chat --list
# --help' is in the CHAT HISTORY section of t3-chat.1 and in the three
# completion files; the completions offer the modes and the acting user's
# recent chat ids with their titles, without creating a database; the
# section's examples run against the echo model; the README mentions it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/history.sh"

doc_files t3-chat
sed -n '/^\.Sh CHAT HISTORY/,/^\.Sh /p' "$MAN1" >"$TMP/section"
[ -s "$TMP/section" ]
ok $? "t3-chat.1 has a CHAT HISTORY section"
man_lint "$MAN1"

run t3-chat --list --help
is_rc 0 "--list --help"
longs=$(grep -o -- '--[a-z][a-z-]*' "$OUT" | sort -u | grep -v -e '^--help$')
[ "$(echo "$longs" | wc -l)" -ge 17 ]
ok $? "long options found in the history usage ($(echo $longs | wc -w))"
doc_options t3-chat "$MAN1" $longs
for o in $longs; do
	grep -q -- "Fl -${o#--}" "$TMP/section"
	ok $? "CHAT HISTORY documents '$o'"
done
for s in l q y; do
	grep -Eq -- "Fl $s( |\$)" "$TMP/section"
	ok $? "CHAT HISTORY documents '-$s'"
done

# ---- completions ----
bash_complete() { # WORDS...: what bash offers for the last word, one a line
	bash -c '
		. "$1"; shift
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_t3_chat; [ ${#COMPREPLY[@]} -gt 0 ] && printf "%s\n" "${COMPREPLY[@]}" | sort
	' sh "$TOP/completions/t3-chat.bash" "$@" 2>&1
}
fish_complete() { # LINE
	fish -c "source '$TOP/completions/t3-chat.fish'; complete -C '$1'" 2>&1 | sort
}
if have bash 3; then
	is "$(bash_complete t3-chat --show '')" "" "bash: no ids without a database"
	is "$(bash_complete t3-chat --sea)" "--search" "bash: the modes"
	is "$(bash_complete t3-chat --show --for)" "--format" "bash: a mode's options"
fi
if have fish; then
	shell_n fish "$TOP/completions/t3-chat.fish"
	is "$(fish_complete 't3-chat --show ')" "" "fish: no ids without a database"
fi
have zsh && shell_n zsh "$TOP/completions/_t3-chat"
is "$(ls -A "$T3_HOME" 2>/dev/null)" "" "completing created no database"

history_data
export T3_USER=alice@example.com
if have bash 5; then
	is "$(bash_complete t3-chat --show 0190)" "$C1  Rust lifetimes
$C2  Lisbon trip" "bash: ids with titles while several match"
	is "$(bash_complete t3-chat --rm 0191)" "$C3" "bash: the id alone when one matches"
	is "$(bash_complete t3-chat --user bob@example.com --export '')" "$C4" "bash: the --user on the line"
	is "$(bash_complete t3-chat --show --format '')" "json
md
text" "bash: the formats"
	is "$(bash_complete t3-chat --list '')" "" "bash: no ids for --list"
fi
if have fish 2; then
	is "$(fish_complete 't3-chat --export 0190')" "$(printf '%s\tRust lifetimes\n%s\tLisbon trip' "$C1" "$C2")" "fish: ids with titles"
	is "$(fish_complete 't3-chat --format ' | cut -f1)" "$(printf 'json\nmd\ntext')" "fish: the formats"
fi

# ---- the section's examples run against echo, in a fresh home ----
export T3_HOME=$TMP/ex
unset T3_USER
sed -n '/^\.Bd -literal/,/^\.Ed/p' "$TMP/section" | sed -n 's/^\$ //p' | sed 's/\\e/\\/g; s/\\-/-/g' >"$TMP/ex.sh"
is "$(wc -l <"$TMP/ex.sh")" 10 "found the section's 10 examples"
mkdir "$TMP/work"
n=0
while IFS= read -r line; do
	n=$((n + 1))
	(cd "$TMP/work" && eval "$line") >"$TMP/ex.$n.out" 2>"$TMP/ex.$n.err" </dev/null
	ok $? "example: $line"
done <"$TMP/ex.sh"
is "$(cut -c1-4 "$TMP/ex.3.out" | head -1)" "ID  " "-l wrote a table"
is "$(grep -c '\*\*lifetimes\*\*' "$TMP/ex.5.out")" 2 "--search found the question and its echo"
is "$(head -1 "$TMP/ex.6.out")" "# Plan three days in Lisbon." "--show --format md of the newest"
is "$(sql "$T3_HOME/data.db" "SELECT count(*) FROM chat_sessions WHERE title = 'Lisbon in the rain'")" 1 "--rename"
is "$(sql "$HOME/elsewhere/data.db" "SELECT count(*) FROM chat_messages")" 4 "imported elsewhere: both chats, 4 messages"

grep -q -- '--search' "$TOP/README.md" && grep -q -- '--import' "$TOP/README.md"
ok $? "the README mentions the history modes"

done_testing

#!/bin/sh
# Every history mode, run as bob with alice's chat ids (whole and as a
# prefix): not found, nothing written to stdout, the databases as they
# were; and what bob lists, searches and exports holds nothing of hers.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/history.sh"

history_data
export T3_USER=bob@example.com
snapshot
for id in "$C1" 01900000-0000 0191; do
	for mode in "--show" "--export" "--export --format md" "--rm -y" "--rename"; do
		# shellcheck disable=SC2086 # the mode is words
		if [ "$mode" = --rename ]; then run t3-chat $mode "$id" taken; else run t3-chat $mode "$id"; fi
		is "$rc" 1 "bob: $mode $id: exit 1"
		is "$(cat "$ERR")" "t3-chat: error: chat '$id' not found" "bob: $mode $id: not found"
		is "$(cat "$OUT")" "" "bob: $mode $id: nothing on stdout"
	done
	printf '%s\n' "$id" >"$TMP/ids"
	run t3-chat --rm -y - <"$TMP/ids"
	is "$rc:$(cat "$ERR")" "1:t3-chat: error: chat '$id' not found" "bob: --rm -y - with $id on stdin"
done
run t3-chat --rm -y --older-than 1m
is "$rc:$(cat "$ERR")" "0:t3-chat: removed 1 chat" "bob: --rm --older-than removes his own only"
is "$(sql "$DDB" "SELECT count(*) FROM chat_sessions WHERE user_id = '$ALICE'")" 3 "alice's three chats are there"
snapshot
run t3-chat -l -q
is "$rc:$(cat "$OUT")" "0:" "bob lists nothing of alice's"
run t3-chat -l -q rust
is "$rc:$(cat "$OUT")" "0:" "nor finds her chats by text"
run t3-chat --search -q lifetimes
is "$rc:$(cat "$OUT")" "0:" "nor her messages by search"
run t3-chat --show
is "$rc:$(cat "$ERR")" "1:t3-chat: error: no chat to show" "bob has no latest chat"
unchanged "none of it changed anything"

# alice's export imported by bob is his copy, with new ids: hers stay hers
T3_USER=alice@example.com t3-chat --export "$C1" >"$TMP/a.json"
run t3-chat --import "$TMP/a.json"
is_rc 0 "bob imports alice's export"
mine=$(cat "$OUT")
is "$(sql "$DDB" "SELECT user_id FROM chat_sessions WHERE chat_id = '$C1'")" "$ALICE" "her chat is still hers"
is "$(sql "$DDB" "SELECT user_id FROM chat_sessions WHERE chat_id = '$mine'")" "$BOB" "the copy is bob's"
is "$(sql "$DDB" "SELECT count(DISTINCT user_id) FROM usage_metrics WHERE chat_id = '$mine'")" 1 "with usage rows of his"
run t3-chat --show "$C1"
is_rc 1 "and her id still is not found for him"

done_testing

#!/bin/sh
# rm deletes the user and everything of theirs in data.db; check and
# --repair find and fix what a crash or a foreign writer left behind.
. "$(dirname "$0")/lib.sh"

alice=$(t3-user add alice@example.com)
bob=$(t3-user add bob@example.com)
t3-user check >/dev/null   # creates data.db
now=1764000000000
for u in "$alice" "$bob"; do
	c=$(sql "$DDB" "SELECT lower(hex(randomblob(4)))")
	chat="$c-0000-7000-8000-000000000000"
	sqlite3 "$DDB" "INSERT INTO chat_sessions (chat_id, user_id, title, created_at, updated_at) VALUES ('$chat', '$u', 't', $now, $now);
		INSERT INTO chat_messages (message_id, chat_id, sender_type, message_text, timestamp) VALUES ('$c-0001-7000-8000-000000000000', '$chat', 'user', 'hi', $now);
		INSERT INTO usage_metrics (usage_id, user_id, timestamp, model_name, tokens_used, status_code, chat_id) VALUES ('$c-0002-7000-8000-000000000000', '$u', $now, 'echo', 3, 'success', '$chat');"
done

snapshot
run t3-user rm alice@example.com
is_rc 2 "rm without a terminal and without --yes is refused"
is_err "t3-user: error: refusing to delete without a terminal to ask: use --yes
try 't3-user --help'" "and says to use --yes"
unchanged "and deletes nothing"

run t3-user rm alice@example.com --yes
is_rc 0 "rm --yes"
is "$(sql "$UDB" "SELECT count(*) FROM user_accounts WHERE user_id='$alice'")" 0 "the account is gone"
is "$(sql "$DDB" "SELECT count(*) FROM chat_sessions WHERE user_id='$alice'")" 0 "their chats are gone"
is "$(sql "$DDB" "SELECT count(*) FROM usage_metrics WHERE user_id='$alice'")" 0 "their usage is gone"
is "$(sql "$DDB" "SELECT count(*) FROM chat_messages")" 1 "only bob's message is left"
is "$(sql "$DDB" "SELECT count(*) FROM usage_metrics WHERE user_id='$bob'")" 1 "bob's usage is untouched"

snapshot
run t3-user rm alice@example.com --yes
is_rc 1 "rm of an unknown user exits 1"
is_err "t3-user: error: user 'alice@example.com' not found" "and says so"
unchanged "and deletes nothing"

run t3-user check
is_rc 0 "check finds nothing wrong"
is_out_raw "" "check with nothing wrong prints nothing"

# Orphans, as a crash half-way through a foreign writer could leave them.
sqlite3 "$DDB" "INSERT INTO chat_sessions (chat_id, user_id, title, created_at, updated_at) VALUES ('99999999-0000-7000-8000-000000000000', 'ffffffff-ffff-7fff-bfff-ffffffffffff', 'lost', $now, $now);
	INSERT INTO usage_metrics (usage_id, user_id, timestamp, model_name, status_code) VALUES ('99999999-0002-7000-8000-000000000000', 'ffffffff-ffff-7fff-bfff-ffffffffffff', $now, 'echo', 'success');
	PRAGMA foreign_keys=OFF;
	INSERT INTO chat_messages (message_id, chat_id, sender_type, message_text, timestamp) VALUES ('99999999-0001-7000-8000-000000000000', '88888888-0000-7000-8000-000000000000', 'ai', 'x', $now);"
sqlite3 "$UDB" "UPDATE user_accounts SET timezone='Not/AZone' WHERE user_id='$bob'"
snapshot
run t3-user check --tsv
is_rc 1 "check exits 1 when it finds problems"
is_out "$(printf 'problem\ttable\tid\tdetail
orphan-chat\tchat_sessions\t99999999-0000-7000-8000-000000000000\tuser ffffffff-ffff-7fff-bfff-ffffffffffff
orphan-message\tchat_messages\t99999999-0001-7000-8000-000000000000\tchat 88888888-0000-7000-8000-000000000000
orphan-usage\tusage_metrics\t99999999-0002-7000-8000-000000000000\tuser ffffffff-ffff-7fff-bfff-ffffffffffff
bad-timezone\tuser_accounts\t%s\ttimezone Not/AZone' "$bob")" "check lists every orphan and inconsistency"
unchanged "check alone changes nothing"
run t3-user check --repair -q
is_rc 1 "check --repair exits 1 while a problem it cannot repair remains"
is_err "t3-user: 4 problems found, 3 rows repaired" "repair reports its work"
run t3-user check --tsv
is "$(cut -f1 "$OUT" | tr '\n' ' ')" "problem bad-timezone " "only the timezone (an admin decision) remains"
is "$(sql "$DDB" "SELECT count(*) FROM chat_sessions") $(sql "$DDB" "SELECT count(*) FROM usage_metrics")" "1 1" "bob's data survived the repair"

printf '%s\n' "$bob" | t3-user rm --yes >"$OUT" 2>"$ERR"; rc=$?
is_rc 0 "rm reads users from stdin"
is "$(sql "$UDB" "SELECT count(*) FROM user_accounts")" 0 "all users are gone"

done_testing

#!/bin/bash
# t3-chat's history over generated data: --search over 1M messages (FTS5)
# beside a LIKE scan of the same table in the same run; --list --json of
# 10,000 chats beside sqlite3 -json; --show of a 5,000-message chat beside
# sqlite3 reading its rows; and the size the search index adds.
# HISTORY_MESSAGES=N changes the million (the data takes a while to make).
. "$(dirname "$0")/lib.sh"
N=${HISTORY_MESSAGES:-1000000}
CHATS=10000
t3-user add bench@example.com >/dev/null
export T3_USER=bench@example.com
t3-chat -l >/dev/null   # data.db with its schema
DDB=$T3_HOME/data.db
uid=$(sqlite3 "$T3_HOME/user.db" "SELECT user_id FROM user_accounts")
s=$(date +%s)
# 10,000 chats; N messages spread over them, a dozen words each from a
# vocabulary of 64, 'zebra' in one message of 997
sqlite3 "$DDB" >/dev/null <<SQL
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $CHATS - 1)
INSERT INTO chat_sessions (chat_id, user_id, title, created_at, updated_at, model_default)
SELECT printf('01a2%04x-0000-7000-8000-%012x', i, i), '$uid', 'chat number ' || i,
       1764000000000 + i * 1000, 1764000000000 + i * 1000 + 999, 'gpt-4o-mini' FROM n;
CREATE TEMP TABLE w AS SELECT json('["the","a","of","to","and","in","is","it","that","for","on","with","as","be","at","by","this","from","or","an","but","not","what","all","were","when","we","there","can","use","each","which","do","how","if","will","up","other","about","out","many","then","them","these","so","some","would","make","like","into","time","has","look","two","more","write","go","see","number","no","way","could","people","my"]') AS j;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $N - 1)
INSERT INTO chat_messages (message_id, chat_id, sender_type, message_text, timestamp, model_used)
SELECT printf('01a3%04x-%04x-7000-8000-%012x', i / 65536, i % 65536, i),
       printf('01a2%04x-0000-7000-8000-%012x', i % $CHATS, i % $CHATS),
       CASE i % 2 WHEN 0 THEN 'user' ELSE 'ai' END,
       (SELECT group_concat(json_extract(w.j, '\$[' || ((i * 7919 + k * 104729) % 64) || ']'), ' ')
          FROM (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3
                UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7
                UNION ALL SELECT 8 UNION ALL SELECT 9 UNION ALL SELECT 10 UNION ALL SELECT 11), w)
         || CASE WHEN i % 997 = 0 THEN ' zebra' ELSE '' END,
       1764000000000 + (i % $CHATS) * 1000 + i / $CHATS,
       CASE i % 2 WHEN 1 THEN 'gpt-4o-mini' END
FROM n;
-- one chat of 5,000 messages, each answering the one before
INSERT INTO chat_sessions (chat_id, user_id, title, created_at, updated_at, model_default)
VALUES ('01a4ffff-0000-7000-8000-000000000000', '$uid', 'a long chat', 1700000000000, 1700000000000, 'echo');
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 4999)
INSERT INTO chat_messages (message_id, chat_id, sender_type, message_text, timestamp, parent_id, model_used)
SELECT printf('01a4%04x-0000-7000-8000-%012x', i, i), '01a4ffff-0000-7000-8000-000000000000',
       CASE i % 2 WHEN 0 THEN 'user' ELSE 'ai' END,
       printf('message %d of the long chat, with a sentence or two of text to show, as answers have', i),
       1700000000000 + i, CASE WHEN i THEN printf('01a4%04x-0000-7000-8000-%012x', i - 1, i - 1) END,
       CASE i % 2 WHEN 1 THEN 'echo' END FROM n;
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
ANALYZE;
SQL
echo "(generated $N messages in $CHATS chats and a 5,000-message chat in $(( $(date +%s) - s )) s)"

RUNS=${RUNS:-11}
t=$(median_ms t3-chat --search -n 20 --json zebra)
b=$(median_ms sqlite3 "$DDB" "SELECT m.chat_id, m.message_id FROM chat_messages m JOIN chat_sessions s USING (chat_id) WHERE s.user_id = '$uid' AND m.message_text LIKE '%zebra%' LIMIT 20")
report "t3-chat --search zebra (${N} msgs)" "$t" "sqlite3 LIKE '%zebra%' LIMIT 20" "$b" "< 20 ms"
# 'the' and 'when' are together in ~170,000 messages: the user's 2,000
# stored last are ranked (lib/chat-history.c, SEARCH_RANKED)
t=$(median_ms t3-chat --search -n 20 --json the when)
b=$(median_ms sqlite3 "$DDB" "SELECT m.chat_id, m.message_id FROM chat_messages m JOIN chat_sessions s USING (chat_id) WHERE s.user_id = '$uid' AND m.message_text LIKE '%the%' AND m.message_text LIKE '%when%' LIMIT 20")
report "t3-chat --search the when (common)" "$t" "sqlite3 LIKE both LIMIT 20" "$b"
b_common=$b
b=$(median_ms sqlite3 "$DDB" "SELECT count(*) FROM chat_messages m JOIN chat_sessions s USING (chat_id) WHERE s.user_id = '$uid' AND m.message_text LIKE '%zebra%'")
report "  (zebra: LIKE over every message)" "$(median_ms t3-chat --search -n 20 --json zebra)" "sqlite3 LIKE '%zebra%' all" "$b"
# The index above is as one transaction of 1M inserts leaves it, in
# several segments, each read by every search. The same two searches once
# FTS5 has merged them ('optimize', a one-off write):
sqlite3 "$DDB" "INSERT INTO chat_messages_fts (chat_messages_fts) VALUES ('optimize')"
report "  (zebra, index merged)" "$(median_ms t3-chat --search -n 20 --json zebra)" "sqlite3 LIKE '%zebra%' all" "$b"
report "  (the when, index merged)" "$(median_ms t3-chat --search -n 20 --json the when)" "sqlite3 LIKE both LIMIT 20" "$b_common"
t=$(median_ms t3-chat -l --json)
b=$(median_ms sqlite3 -json "$DDB" "SELECT chat_id, title, created_at, updated_at, model_default, (SELECT count(*) FROM chat_messages m WHERE m.chat_id = s.chat_id) AS message_count FROM chat_sessions s WHERE user_id = '$uid' ORDER BY updated_at DESC")
report "t3-chat -l --json (10k chats)" "$t" "sqlite3 -json" "$b"
t=$(median_ms t3-chat --show 01a4ffff)
b=$(median_ms sqlite3 "$DDB" "SELECT * FROM chat_messages WHERE chat_id = '01a4ffff-0000-7000-8000-000000000000' ORDER BY timestamp, message_id")
report "t3-chat --show (5,000 messages)" "$t" "sqlite3 SELECT its rows" "$b" "< 50 ms"
t=$(median_ms t3-chat --show --json 01a4ffff)
report "t3-chat --show --json (5,000)" "$t" "sqlite3 SELECT its rows" "$b" "< 50 ms"
# --export of 1,000 chats (100,000 messages), by whole id from stdin,
# beside sqlite3 -json of their messages' rows
t3-chat -l -q -n 1000 >"$BTMP/ids"
t=$(median_ms sh -c 't3-chat --export - <"$1"' sh "$BTMP/ids")
b=$(median_ms sqlite3 -json "$DDB" "SELECT m.* FROM chat_messages m JOIN chat_sessions s USING (chat_id) WHERE s.user_id = '$uid' AND s.chat_id IN (SELECT chat_id FROM chat_sessions WHERE user_id = '$uid' ORDER BY updated_at DESC LIMIT 1000)")
report "t3-chat --export (1,000 chats)" "$t" "sqlite3 -json their messages" "$b"
# a message id resolved (--branch, --from): its range of ids first
mid=$(sqlite3 "$DDB" "SELECT message_id FROM chat_messages WHERE rowid = 500000")
t=$(median_ms t3-chat --branch "$mid" --title x)
report "t3-chat --branch MSGID (1M msgs)" "$t" "t3-chat -l -n 1" "$(median_ms t3-chat -l -n 1)"
sqlite3 "$DDB" "DELETE FROM chat_sessions WHERE title = 'x'"   # the branches it made
sqlite3 "$DDB" "SELECT printf('search index: %.1f MB of %.1f MB (chat_messages: %.1f MB)',
	(SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'chat_messages_fts%') / 1e6,
	(SELECT page_count * page_size FROM pragma_page_count, pragma_page_size) / 1e6,
	(SELECT sum(pgsize) FROM dbstat WHERE name = 'chat_messages') / 1e6)" 2>/dev/null ||
	echo "search index size: dbstat not available in this sqlite3"
# The same index with 99 of each 100 chats another user's: a user with 1%
# of the chats (and the long chat) walks the index against their own
# message rowids (lib/chat-history.c, pick_walk), beside LIKE over theirs.
sqlite3 "$DDB" "UPDATE chat_sessions SET user_id = 'someone-else' WHERE title LIKE 'chat number %' AND CAST(substr(title, 13) AS INTEGER) % 100 != 0"
t=$(median_ms t3-chat --search -n 20 --json the when)
b=$(median_ms sqlite3 "$DDB" "SELECT m.chat_id, m.message_id FROM chat_messages m JOIN chat_sessions s USING (chat_id) WHERE s.user_id = '$uid' AND m.message_text LIKE '%the%' AND m.message_text LIKE '%when%' LIMIT 20")
report "t3-chat --search the when (1% user)" "$t" "sqlite3 LIKE both LIMIT 20" "$b"

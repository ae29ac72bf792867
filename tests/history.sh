# tests/history.sh: sourced after lib.sh by the t3-chat history tests
# (31NN-chat-*.t). history_data makes two users, alice and bob, and
# stores chats with fixed ids and times straight into data.db:
#
#   alice  01900000-...-0001  "Rust lifetimes"  gpt-4o-mini, 4 messages, the
#                             last answer interrupted, 2 usage rows
#          01900000-...-0002  "Lisbon trip"     2 turns, the second unanswered
#          01910000-...-0003  "Shell quoting"   echo, one long answer
#   bob    01920000-...-0004  "Bob's rust"      1 message
#
# and sets ALICE, BOB (user ids), C1..C4 (chat ids).
C1=01900000-0000-7000-8000-000000000001
C2=01900000-0000-7000-8000-000000000002
C3=01910000-0000-7000-8000-000000000003
C4=01920000-0000-7000-8000-000000000004
ms() { echo "(unixepoch('$1') * 1000)"; }
history_data() {
	t3-user add alice@example.com >/dev/null
	t3-user add bob@example.com >/dev/null
	t3-chat -l >/dev/null   # data.db with its schema
	ALICE=$(sql "$UDB" "SELECT user_id FROM user_accounts WHERE email = 'alice@example.com'")
	BOB=$(sql "$UDB" "SELECT user_id FROM user_accounts WHERE email = 'bob@example.com'")
	sqlite3 "$DDB" <<SQL
PRAGMA foreign_keys = ON;
INSERT INTO chat_sessions (chat_id, user_id, title, created_at, system_prompt, updated_at, model_default) VALUES ('$C1', '$ALICE', 'Rust lifetimes', $(ms '2026-01-01 10:00'), 'Be terse.', $(ms '2026-01-01 10:05'), 'gpt-4o-mini');
INSERT INTO chat_sessions (chat_id, user_id, title, created_at, system_prompt, updated_at, model_default) VALUES ('$C2', '$ALICE', 'Lisbon trip', $(ms '2026-02-01 09:00'), NULL, $(ms '2026-02-01 09:10'), 'claude-haiku-4-5-20251001');
INSERT INTO chat_sessions (chat_id, user_id, title, created_at, system_prompt, updated_at, model_default) VALUES ('$C3', '$ALICE', 'Shell quoting', $(ms '2026-03-01 08:00'), NULL, $(ms '2026-03-01 08:01'), 'echo');
INSERT INTO chat_sessions (chat_id, user_id, title, created_at, system_prompt, updated_at, model_default) VALUES ('$C4', '$BOB', 'Bob''s rust', $(ms '2026-01-15 12:00'), NULL, $(ms '2026-01-15 12:00'), 'gpt-4o-mini');
INSERT INTO chat_messages (message_id, chat_id, sender_type, message_text, timestamp, parent_id) VALUES
	('01900000-0000-7000-8000-0000000000a1', '$C1', 'user', 'How do lifetimes work in Rust?', $(ms '2026-01-01 10:00'), NULL);
INSERT INTO chat_messages (message_id, chat_id, sender_type, message_text, timestamp, tokens_used, model_used, parent_id, prompt_tokens, completion_tokens, reasoning_tokens, cost_usd, first_token_ms, total_ms, finish_reason, status) VALUES
	('01900000-0000-7000-8000-0000000000a2', '$C1', 'ai', 'A lifetime names how long a borrow lasts.', $(ms '2026-01-01 10:01'), 30, 'gpt-4o-mini', '01900000-0000-7000-8000-0000000000a1', 20, 10, 0, 0.000123, 310, 420, 'stop', 'complete');
INSERT INTO chat_messages (message_id, chat_id, sender_type, message_text, timestamp, parent_id) VALUES
	('01900000-0000-7000-8000-0000000000a3', '$C1', 'user', 'And in structs?', $(ms '2026-01-01 10:04'), '01900000-0000-7000-8000-0000000000a2');
INSERT INTO chat_messages (message_id, chat_id, sender_type, message_text, timestamp, tokens_used, model_used, parent_id, prompt_tokens, completion_tokens, reasoning_tokens, cost_usd, first_token_ms, total_ms, finish_reason, status, reasoning_text) VALUES
	('01900000-0000-7000-8000-0000000000a4', '$C1', 'ai', 'A struct that holds a reference needs', $(ms '2026-01-01 10:05'), 50, 'gpt-4o-mini', '01900000-0000-7000-8000-0000000000a3', 40, 10, 5, 0.25, 290, NULL, NULL, 'interrupted', 'thinking about structs');
INSERT INTO chat_messages (message_id, chat_id, sender_type, message_text, timestamp, parent_id) VALUES
	('01900000-0000-7000-8000-0000000000b1', '$C2', 'user', 'Plan three days in Lisbon.', $(ms '2026-02-01 09:00'), NULL);
INSERT INTO chat_messages (message_id, chat_id, sender_type, message_text, timestamp, model_used, parent_id, status) VALUES
	('01900000-0000-7000-8000-0000000000b2', '$C2', 'ai', 'Day one: Alfama and the castle.
Day two: Belém.
Day three: Sintra.', $(ms '2026-02-01 09:01'), 'claude-haiku-4-5-20251001', '01900000-0000-7000-8000-0000000000b1', 'complete');
INSERT INTO chat_messages (message_id, chat_id, sender_type, message_text, timestamp, parent_id) VALUES
	('01900000-0000-7000-8000-0000000000b3', '$C2', 'user', 'Make the second day rain-proof.', $(ms '2026-02-01 09:10'), '01900000-0000-7000-8000-0000000000b2');
INSERT INTO chat_messages (message_id, chat_id, sender_type, message_text, timestamp, parent_id) VALUES
	('01910000-0000-7000-8000-0000000000c1', '$C3', 'user', 'How do I quote a variable in sh?', $(ms '2026-03-01 08:00'), NULL);
INSERT INTO chat_messages (message_id, chat_id, sender_type, message_text, timestamp, model_used, parent_id) VALUES
	('01910000-0000-7000-8000-0000000000c2', '$C3', 'ai', 'Put it in double quotes, as in "\$var", so that the shell neither splits it into words nor expands patterns in it; unlike Rust or Python, sh has no types, only strings, and an unquoted variable is the most common bug in shell scripts of every size.', $(ms '2026-03-01 08:01'), 'echo', '01910000-0000-7000-8000-0000000000c1');
INSERT INTO chat_messages (message_id, chat_id, sender_type, message_text, timestamp, parent_id) VALUES
	('01920000-0000-7000-8000-0000000000d1', '$C4', 'user', 'rust rust rust', $(ms '2026-01-15 12:00'), NULL);
INSERT INTO usage_metrics (usage_id, user_id, timestamp, model_name, tokens_used, status_code, provider_name, prompt_tokens, completion_tokens, cost_usd, chat_id, message_id, first_token_ms, total_ms, http_status) VALUES
	('01900000-0000-7000-8000-0000000000e1', '$ALICE', $(ms '2026-01-01 10:01'), 'gpt-4o-mini', 30, 'success', 'openai', 20, 10, 0.000123, '$C1', '01900000-0000-7000-8000-0000000000a2', 310, 420, 200),
	('01900000-0000-7000-8000-0000000000e2', '$ALICE', $(ms '2026-01-01 10:05'), 'gpt-4o-mini', 50, 'interrupted', 'openai', 40, 10, 0.25, '$C1', '01900000-0000-7000-8000-0000000000a4', 290, NULL, 200);
SQL
}
# counts: chats, messages, usage rows, usage rows linked to a chat
counts() {
	sql "$DDB" "SELECT (SELECT count(*) FROM chat_sessions) || ' ' || (SELECT count(*) FROM chat_messages) || ' ' || (SELECT count(*) FROM usage_metrics) || ' ' || (SELECT count(*) FROM usage_metrics WHERE chat_id IS NOT NULL)"
}
# q SQL: one query of data.db; quota: alice's token_quota
q() { sql "$DDB" "$1"; }
quota() { sql "$UDB" "SELECT token_quota FROM user_accounts WHERE email = 'alice@example.com'"; }

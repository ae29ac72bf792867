#!/bin/bash
# t3-user over 10,000 users: list --json beside sqlite3 -json on the same
# file, and show.
. "$(dirname "$0")/lib.sh"
t3-user plan list >/dev/null   # create user.db
sqlite3 "$T3_HOME/user.db" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
INSERT INTO user_accounts (user_id, email, hashed_password, subscription_plan, token_quota, created_at, timezone, updated_at)
SELECT printf('01a2%04x-0000-7000-8000-%012x', i, i), 'user' || i || '@example.com', NULL,
       CASE i % 3 WHEN 0 THEN 'pro' ELSE 'free' END, 100000 + i, 1764000000000 + i * 1000, 'UTC', 1764000000000 + i * 1000
FROM n;"
t=$(median_ms t3-user list --json)
b=$(median_ms sqlite3 -json "$T3_HOME/user.db" "SELECT user_id, email, subscription_plan, token_quota, created_at, timezone, updated_at FROM user_accounts ORDER BY created_at")
report "t3-user list --json (10k users)" "$t" "sqlite3 -json" "$b" "<= 1.5"
t=$(median_ms t3-user show user5000@example.com)
b=$(median_ms sqlite3 "$T3_HOME/user.db" "SELECT * FROM user_accounts WHERE email = 'user5000@example.com'")
report "t3-user show" "$t" "sqlite3 SELECT one row" "$b" "< 3 ms"

# tests/usage-data.sh: sourced by the t3-usage tests after lib.sh: three
# users in three zones and usage rows around Denver's DST change.
t3-user add alice@example.com --timezone America/Denver >/dev/null
t3-user add bob@example.com --timezone Asia/Kolkata --plan pro >/dev/null
t3-user add carol@example.com >/dev/null
t3-usage export >/dev/null   # creates data.db
ALICE=$(sql "$UDB" "SELECT user_id FROM user_accounts WHERE email = 'alice@example.com'")
BOB=$(sql "$UDB" "SELECT user_id FROM user_accounts WHERE email = 'bob@example.com'")
CAROL=$(sql "$UDB" "SELECT user_id FROM user_accounts WHERE email = 'carol@example.com'")
GONE=00000000-0000-7000-8000-00000000dead
# row N: id, user, ISO time, model, provider, status, prompt, completion, reasoning, cached, cost
usage_row() {
	sql "$DDB" "INSERT INTO usage_metrics (usage_id, user_id, timestamp, model_name, provider_name,
		status_code, prompt_tokens, completion_tokens, reasoning_tokens, cached_tokens,
		tokens_used, cost_usd)
		VALUES (printf('00000000-0000-7000-8000-%012d', $1), '$2',
		CAST(round((julianday('$3') - 2440587.5) * 86400000) AS INTEGER), '$4', '$5', '$6',
		$7, $8, $9, ${10}, $7 + $8, ${11})"
}
usage_data() {
	usage_row 1 "$ALICE" 2026-03-08T06:30:00 gpt-4o openai success 10 20 0 0 0.00001
	usage_row 2 "$ALICE" 2026-03-08T08:30:00 gpt-4o openai success 100 50 5 40 0.0015
	usage_row 3 "$ALICE" 2026-03-08T10:00:00 claude anthropic http_500 7 0 0 0 0
	usage_row 4 "$BOB" 2026-03-07T19:00:00 claude anthropic success 1000 200 0 0 0.25
	usage_row 5 "$BOB" 2026-03-31T20:00:00 gpt-4o openai rate_limited 0 0 0 0 0
	usage_row 6 "$GONE" 2026-03-08T12:00:00 gemini google success 1 1 0 0 0.0000004
	usage_row 7 "$CAROL" 2026-04-02T23:59:59 gpt-4o openai success 3 4 0 0 0.0000005
}

-- data.db, schema version 3 (t3-usage). One covering index for the
-- reports: t3-usage reads a user's rows in time order with every column
-- it sums or groups by, from the index alone, never the table. It starts
-- with (user_id, timestamp), so it also serves every query that
-- usage_metrics_user_time served, which it replaces (one index fewer to
-- write on each insert). chat_id is left out: `--by chat` is rare and
-- reads the table.
CREATE INDEX usage_metrics_report ON usage_metrics (user_id, timestamp, model_name,
	provider_name, status_code, prompt_tokens, completion_tokens, reasoning_tokens,
	cached_tokens, tokens_used, cost_usd);
DROP INDEX usage_metrics_user_time;

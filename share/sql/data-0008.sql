-- data.db: a daily rollup of usage_metrics for t3-usage. usage_days
-- holds, for each user and local day, the sums a report shows, so that a
-- report by user and day reads one row a day instead of every call.
--
-- A user's days are kept in one zone: the one usage_user_zones names.
-- A user without a row there has no days kept (the triggers skip them)
-- until libt3 builds them: at the user's next chat, on `t3-user set
-- --timezone`, or by `t3-user check --repair`. The offsets the triggers
-- use are stored in usage_zone_offsets, found from the tz database by
-- libt3, so that the triggers (plain SQL, firing for every writer: the
-- chat, an import, a prune, the sqlite3 shell) bucket a row as the
-- report would. t3-usage reads a user's days only when that zone is the
-- one the report buckets the user in and the stored offsets agree with
-- the tz database over the span of the data; otherwise it reads the
-- user's rows, as it did before. A row whose requests fell to 0 (its
-- calls were deleted) is left for the next rebuild and never shown.
CREATE TABLE usage_zone_offsets (
	zone     TEXT NOT NULL,
	start_ms INTEGER NOT NULL,	-- UTC ms from which offset_s holds
	offset_s INTEGER NOT NULL,	-- seconds east of UTC
	PRIMARY KEY (zone, start_ms)
) WITHOUT ROWID;
CREATE TABLE usage_user_zones (
	user_id TEXT PRIMARY KEY NOT NULL,
	zone    TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE usage_days (
	user_id           TEXT NOT NULL,
	day               INTEGER NOT NULL,	-- local days since 1970-01-01
	requests          INTEGER NOT NULL,
	errors            INTEGER NOT NULL,
	prompt_tokens     INTEGER NOT NULL,
	completion_tokens INTEGER NOT NULL,
	reasoning_tokens  INTEGER NOT NULL,
	cached_tokens     INTEGER NOT NULL,
	tokens_used       INTEGER NOT NULL,
	cost_nusd         INTEGER NOT NULL,	-- 1e-9 USD: each row's cost_usd rounded
	PRIMARY KEY (user_id, day)
) WITHOUT ROWID;
-- One row added (n = 1) or taken away (n = -1): the day is found here
-- only, for the three triggers below and for libt3's rebuild.
CREATE VIEW usage_days_delta (user_id, timestamp, n, status_code, prompt_tokens,
	completion_tokens, reasoning_tokens, cached_tokens, tokens_used, cost_usd) AS
	SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL WHERE 0;
CREATE TRIGGER usage_days_add INSTEAD OF INSERT ON usage_days_delta
WHEN EXISTS (SELECT 1 FROM usage_user_zones WHERE user_id = new.user_id)
BEGIN
	INSERT INTO usage_days (user_id, day, requests, errors, prompt_tokens, completion_tokens,
		reasoning_tokens, cached_tokens, tokens_used, cost_nusd)
	SELECT new.user_id, (l - (l < 0) * 86399) / 86400, new.n,
		new.n * (new.status_code <> 'success'),
		new.n * CAST(new.prompt_tokens AS INTEGER),
		new.n * CAST(new.completion_tokens AS INTEGER),
		new.n * CAST(new.reasoning_tokens AS INTEGER),
		new.n * CAST(new.cached_tokens AS INTEGER),
		new.n * CAST(new.tokens_used AS INTEGER),
		new.n * CASE WHEN abs(new.cost_usd * 1e9) <= 9e18
			THEN CAST(round(new.cost_usd * 1e9) AS INTEGER) ELSE 0 END
	FROM (SELECT (ts - (ts < 0) * 999) / 1000 + coalesce((SELECT o.offset_s
			FROM usage_user_zones z JOIN usage_zone_offsets o ON o.zone = z.zone
			WHERE z.user_id = new.user_id AND o.start_ms <= ts
			ORDER BY o.start_ms DESC LIMIT 1), 0) AS l
		FROM (SELECT CAST(new.timestamp AS INTEGER) AS ts))
	WHERE 1
	ON CONFLICT (user_id, day) DO UPDATE SET
		requests = requests + excluded.requests,
		errors = errors + excluded.errors,
		prompt_tokens = prompt_tokens + excluded.prompt_tokens,
		completion_tokens = completion_tokens + excluded.completion_tokens,
		reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
		cached_tokens = cached_tokens + excluded.cached_tokens,
		tokens_used = tokens_used + excluded.tokens_used,
		cost_nusd = cost_nusd + excluded.cost_nusd;
END;
CREATE TRIGGER usage_days_insert AFTER INSERT ON usage_metrics BEGIN
	INSERT INTO usage_days_delta VALUES (new.user_id, new.timestamp, 1, new.status_code,
		new.prompt_tokens, new.completion_tokens, new.reasoning_tokens, new.cached_tokens,
		new.tokens_used, new.cost_usd);
END;
CREATE TRIGGER usage_days_delete AFTER DELETE ON usage_metrics BEGIN
	INSERT INTO usage_days_delta VALUES (old.user_id, old.timestamp, -1, old.status_code,
		old.prompt_tokens, old.completion_tokens, old.reasoning_tokens, old.cached_tokens,
		old.tokens_used, old.cost_usd);
END;
CREATE TRIGGER usage_days_update AFTER UPDATE OF user_id, timestamp, status_code,
	prompt_tokens, completion_tokens, reasoning_tokens, cached_tokens, tokens_used, cost_usd
	ON usage_metrics
BEGIN
	INSERT INTO usage_days_delta VALUES (old.user_id, old.timestamp, -1, old.status_code,
		old.prompt_tokens, old.completion_tokens, old.reasoning_tokens, old.cached_tokens,
		old.tokens_used, old.cost_usd);
	INSERT INTO usage_days_delta VALUES (new.user_id, new.timestamp, 1, new.status_code,
		new.prompt_tokens, new.completion_tokens, new.reasoning_tokens, new.cached_tokens,
		new.tokens_used, new.cost_usd);
END;

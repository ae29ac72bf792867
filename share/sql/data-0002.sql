-- data.db, schema version 2: usage rows whose quota charge is not yet
-- applied in user.db (see t3.7, BILLING). A row is written with
-- quota_applied 0 when it charges tokens, and set to 1 once user.db's
-- quota_charges holds its usage_id.
ALTER TABLE usage_metrics ADD COLUMN quota_applied INTEGER NOT NULL DEFAULT 1
	CHECK (quota_applied IN (0, 1));
CREATE INDEX usage_metrics_pending ON usage_metrics (user_id) WHERE quota_applied = 0;

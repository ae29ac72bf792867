-- user.db, schema version 2: the quota ledger (see t3.7, BILLING).
-- quota_holds: quota held by calls in flight, taken before a request is
-- sent and dropped when it ends; a hold whose process is gone, or older
-- than an hour, no longer counts.
CREATE TABLE quota_holds (
	hold_id    TEXT PRIMARY KEY NOT NULL CHECK (length(hold_id) = 36),
	user_id    TEXT NOT NULL REFERENCES user_accounts (user_id) ON DELETE CASCADE,
	tokens     INTEGER NOT NULL CHECK (tokens >= 0),
	created_at INTEGER NOT NULL,
	pid        INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX quota_holds_user ON quota_holds (user_id);
-- quota_charges: one row per usage_metrics row charged to token_quota,
-- written in the same transaction as the charge, so that a charge is
-- applied once however often it is retried.
CREATE TABLE quota_charges (
	usage_id   TEXT PRIMARY KEY NOT NULL CHECK (length(usage_id) = 36),
	user_id    TEXT NOT NULL,
	tokens     INTEGER NOT NULL CHECK (tokens >= 0),
	applied_at INTEGER NOT NULL
) WITHOUT ROWID;

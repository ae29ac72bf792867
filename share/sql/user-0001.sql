-- user.db, schema version 1. Seed table user_accounts, names as in the
-- seed document; t3's additions are documented in t3.7.
-- Identifiers: UUIDv7 as canonical lower-case TEXT. Timestamps: INTEGER
-- unix milliseconds UTC.
CREATE TABLE plans (
	plan_name       TEXT PRIMARY KEY NOT NULL CHECK (plan_name GLOB '[a-z]*' AND plan_name NOT GLOB '*[^a-z0-9_-]*' AND length(plan_name) <= 32),
	token_allowance INTEGER NOT NULL CHECK (token_allowance >= 0),
	description     TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
INSERT INTO plans VALUES
	('free', 100000, 'free tier'),
	('pro', 5000000, 'paid individual plan'),
	('team', 20000000, 'paid plan for a team seat');

CREATE TABLE user_accounts (
	user_id           TEXT PRIMARY KEY NOT NULL CHECK (length(user_id) = 36),
	email             TEXT NOT NULL COLLATE NOCASE UNIQUE,
	hashed_password   TEXT,
	subscription_plan TEXT NOT NULL REFERENCES plans (plan_name) ON UPDATE CASCADE,
	token_quota       INTEGER NOT NULL CHECK (token_quota >= 0),
	created_at        INTEGER NOT NULL,
	timezone          TEXT NOT NULL DEFAULT 'UTC',
	updated_at        INTEGER NOT NULL
);
CREATE INDEX user_accounts_plan ON user_accounts (subscription_plan);
CREATE INDEX user_accounts_created_at ON user_accounts (created_at, user_id);

-- data.db, schema version 1. Seed tables chat_sessions, chat_messages,
-- usage_metrics, model_capabilities with the seed's names; t3's added
-- columns and tables are documented in t3.7. user_id values name rows of
-- user.db's user_accounts; SQLite cannot enforce that across files, so
-- libt3 checks it and `t3-user check` audits it.
CREATE TABLE chat_sessions (
	chat_id       TEXT PRIMARY KEY NOT NULL CHECK (length(chat_id) = 36),
	user_id       TEXT NOT NULL,
	title         TEXT NOT NULL DEFAULT '',
	created_at    INTEGER NOT NULL,
	system_prompt TEXT,
	updated_at    INTEGER NOT NULL,
	model_default TEXT
);
CREATE INDEX chat_sessions_user ON chat_sessions (user_id, updated_at);
CREATE INDEX chat_sessions_created_at ON chat_sessions (created_at);

CREATE TABLE chat_messages (
	message_id        TEXT PRIMARY KEY NOT NULL CHECK (length(message_id) = 36),
	chat_id           TEXT NOT NULL REFERENCES chat_sessions (chat_id) ON DELETE CASCADE,
	sender_type       TEXT NOT NULL CHECK (sender_type IN ('user', 'ai')),
	message_text      TEXT NOT NULL,
	timestamp         INTEGER NOT NULL,
	tokens_used       INTEGER,
	model_used        TEXT,
	parent_id         TEXT REFERENCES chat_messages (message_id) ON DELETE CASCADE,
	prompt_tokens     INTEGER,
	completion_tokens INTEGER,
	reasoning_tokens  INTEGER,
	cost_usd          REAL,
	first_token_ms    INTEGER,
	total_ms          INTEGER,
	finish_reason     TEXT,
	status            TEXT NOT NULL DEFAULT 'complete'
		CHECK (status IN ('complete', 'interrupted', 'incomplete', 'error')),
	reasoning_text    TEXT
);
CREATE INDEX chat_messages_chat ON chat_messages (chat_id, timestamp);
CREATE INDEX chat_messages_parent ON chat_messages (parent_id);
CREATE INDEX chat_messages_timestamp ON chat_messages (timestamp);

CREATE TABLE usage_metrics (
	usage_id          TEXT PRIMARY KEY NOT NULL CHECK (length(usage_id) = 36),
	user_id           TEXT NOT NULL,
	timestamp         INTEGER NOT NULL,
	model_name        TEXT NOT NULL,
	tokens_used       INTEGER NOT NULL DEFAULT 0 CHECK (tokens_used >= 0),
	status_code       TEXT NOT NULL,
	provider_name     TEXT,
	prompt_tokens     INTEGER NOT NULL DEFAULT 0,
	completion_tokens INTEGER NOT NULL DEFAULT 0,
	reasoning_tokens  INTEGER NOT NULL DEFAULT 0,
	cached_tokens     INTEGER NOT NULL DEFAULT 0,
	tokens_estimated  INTEGER NOT NULL DEFAULT 0 CHECK (tokens_estimated IN (0, 1)),
	cost_usd          REAL NOT NULL DEFAULT 0,
	chat_id           TEXT REFERENCES chat_sessions (chat_id) ON DELETE SET NULL,
	message_id        TEXT REFERENCES chat_messages (message_id) ON DELETE SET NULL,
	first_token_ms    INTEGER,
	total_ms          INTEGER,
	http_status       INTEGER,
	attempt           INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX usage_metrics_user_time ON usage_metrics (user_id, timestamp);
CREATE INDEX usage_metrics_timestamp ON usage_metrics (timestamp);
CREATE INDEX usage_metrics_model_time ON usage_metrics (model_name, timestamp);
CREATE INDEX usage_metrics_chat ON usage_metrics (chat_id);
CREATE INDEX usage_metrics_message ON usage_metrics (message_id);

CREATE TABLE model_capabilities (
	model_id              TEXT PRIMARY KEY NOT NULL CHECK (length(model_id) = 36),
	provider_name         TEXT NOT NULL,
	model_name            TEXT NOT NULL,
	supports_images       INTEGER NOT NULL DEFAULT 0 CHECK (supports_images IN (0, 1)),
	supports_pdfs         INTEGER NOT NULL DEFAULT 0 CHECK (supports_pdfs IN (0, 1)),
	multimodal_input      INTEGER NOT NULL DEFAULT 0 CHECK (multimodal_input IN (0, 1)),
	reasoning_enabled     INTEGER NOT NULL DEFAULT 0 CHECK (reasoning_enabled IN (0, 1)),
	max_token_limit       INTEGER NOT NULL CHECK (max_token_limit > 0),
	usd_per_1k_tokens     REAL NOT NULL DEFAULT 0 CHECK (usd_per_1k_tokens >= 0),
	is_active             INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
	api                   TEXT NOT NULL CHECK (api IN ('openai', 'anthropic', 'gemini', 'echo')),
	max_output_tokens     INTEGER CHECK (max_output_tokens > 0),
	input_usd_per_1k      REAL NOT NULL DEFAULT 0 CHECK (input_usd_per_1k >= 0),
	output_usd_per_1k     REAL NOT NULL DEFAULT 0 CHECK (output_usd_per_1k >= 0),
	reasoning_usd_per_1k  REAL CHECK (reasoning_usd_per_1k >= 0),
	cached_usd_per_1k     REAL CHECK (cached_usd_per_1k >= 0),
	supports_tools        INTEGER NOT NULL DEFAULT 0 CHECK (supports_tools IN (0, 1)),
	deprecation_date      TEXT,
	replacement           TEXT,
	origin                TEXT NOT NULL DEFAULT 'user' CHECK (origin IN ('catalog', 'user')),
	user_modified         INTEGER NOT NULL DEFAULT 0 CHECK (user_modified IN (0, 1)),
	catalog_version       TEXT,
	UNIQUE (provider_name, model_name)
);
CREATE INDEX model_capabilities_name ON model_capabilities (model_name);

CREATE TABLE model_aliases (
	alias    TEXT PRIMARY KEY NOT NULL,
	model_id TEXT NOT NULL REFERENCES model_capabilities (model_id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX model_aliases_model ON model_aliases (model_id);

CREATE TABLE t3_meta (
	key   TEXT PRIMARY KEY NOT NULL,
	value TEXT
) WITHOUT ROWID;

-- data.db: titles, branches and retries (t3-chat --title, --branch,
-- --retry). usage_metrics.purpose tells the call that wrote a chat's
-- title from the calls that answered it, whatever their outcome (the
-- status_code stays the outcome). chat_sessions.branched_from names the
-- message a branch was made from: the branch holds copies of the
-- messages up to it, so that removing the original leaves the branch
-- whole; it is a plain id, not a key, and may outlive that message.
ALTER TABLE usage_metrics ADD COLUMN purpose TEXT NOT NULL DEFAULT 'chat'
	CHECK (purpose IN ('chat', 'title'));
ALTER TABLE chat_sessions ADD COLUMN branched_from TEXT;

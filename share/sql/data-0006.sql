-- data.db: attachments (t3-chat -a). Each file's bytes are stored once,
-- keyed by their SHA-256; a message links to its files in order. A
-- link goes with its message (a chat's cascade included); the trigger
-- then deletes the file once no message links to it any more, in the
-- same transaction, so removing chats leaves no orphan blobs.
CREATE TABLE chat_attachments (
	hash       TEXT PRIMARY KEY NOT NULL CHECK (length(hash) = 64),
	mime_type  TEXT NOT NULL CHECK (mime_type IN ('image/png', 'image/jpeg', 'image/webp',
		'image/gif', 'application/pdf')),
	size       INTEGER NOT NULL CHECK (size > 0),
	data       BLOB NOT NULL CHECK (length(data) = size),
	created_at INTEGER NOT NULL
);
CREATE TABLE chat_message_attachments (
	message_id TEXT NOT NULL REFERENCES chat_messages (message_id) ON DELETE CASCADE,
	position   INTEGER NOT NULL CHECK (position >= 0),
	hash       TEXT NOT NULL REFERENCES chat_attachments (hash),
	name       TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (message_id, position)
) WITHOUT ROWID;
CREATE INDEX chat_message_attachments_hash ON chat_message_attachments (hash);
CREATE TRIGGER chat_attachments_unused AFTER DELETE ON chat_message_attachments
WHEN NOT EXISTS (SELECT 1 FROM chat_message_attachments WHERE hash = old.hash)
BEGIN
	DELETE FROM chat_attachments WHERE hash = old.hash;
END;

-- data.db: full-text search over chat messages (t3-chat --search).
-- An FTS5 table with external content: the text stays in chat_messages
-- only, the index refers to its rowid, and triggers keep the index in
-- step with every insert, delete (a chat's cascade included) and edit.
-- The last statement builds the index for the messages already stored.
CREATE VIRTUAL TABLE chat_messages_fts USING fts5 (
	message_text,
	content = 'chat_messages',
	tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER chat_messages_fts_insert AFTER INSERT ON chat_messages BEGIN
	INSERT INTO chat_messages_fts (rowid, message_text) VALUES (new.rowid, new.message_text);
END;
CREATE TRIGGER chat_messages_fts_delete AFTER DELETE ON chat_messages BEGIN
	INSERT INTO chat_messages_fts (chat_messages_fts, rowid, message_text)
		VALUES ('delete', old.rowid, old.message_text);
END;
CREATE TRIGGER chat_messages_fts_update AFTER UPDATE OF message_text ON chat_messages BEGIN
	INSERT INTO chat_messages_fts (chat_messages_fts, rowid, message_text)
		VALUES ('delete', old.rowid, old.message_text);
	INSERT INTO chat_messages_fts (rowid, message_text) VALUES (new.rowid, new.message_text);
END;
INSERT INTO chat_messages_fts (chat_messages_fts) VALUES ('rebuild');

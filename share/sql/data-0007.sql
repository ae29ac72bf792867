-- data.db: saved system prompts ("roles") per user, for t3-chat --role
-- NAME (and --save-role, --roles, --rm-role). A role belongs to one
-- user: another user's role of the same name is another row. user_id
-- names a row of user.db's user_accounts (checked by libt3, as for
-- chat_sessions); t3-user rm deletes a user's roles with the rest.
CREATE TABLE chat_roles (
	user_id       TEXT NOT NULL,
	role_name     TEXT NOT NULL CHECK (length(role_name) BETWEEN 1 AND 64),
	system_prompt TEXT NOT NULL,
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL,
	PRIMARY KEY (user_id, role_name)
) WITHOUT ROWID;

-- Canned replies: texts agents insert into a conversation by shortcut, with placeholders
-- ({contact}, {first_name}, {agent}) filled in for the thread at hand.
CREATE TABLE canned_replies (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    shortcut   TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (account_id, shortcut)
);

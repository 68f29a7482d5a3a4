-- Files sent with messages. A file is uploaded to a thread first (by its customer, or by an
-- agent), then the message that sends it names it; one never sent is removed after a day.
-- The bytes live in the database, so every hub node of an account serves them.
CREATE TABLE attachments (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    thread_id    INTEGER NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    message_id   INTEGER REFERENCES messages(id) ON DELETE CASCADE,
    -- 'contact', or 'agent:<id>': only the uploader may send it.
    uploader     TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    -- Sniffed from the bytes, never taken from the sender.
    content_type TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    data         BLOB    NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX attachments_message ON attachments(message_id);
CREATE INDEX attachments_unsent ON attachments(created_at) WHERE message_id IS NULL;

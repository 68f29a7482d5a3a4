-- Call flows (TOML source, checked when saved), the prompts they play (WAV files), which
-- flow each number runs, the messages callers leave, and the Context a call collected.
CREATE TABLE flows (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    source     TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (account_id, name)
);
CREATE TABLE prompts (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    wav        BLOB    NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (account_id, name)
);
ALTER TABLE inbound_numbers ADD COLUMN flow_id INTEGER REFERENCES flows(id) ON DELETE SET NULL;
CREATE TABLE voicemails (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    call_id     INTEGER REFERENCES calls(id) ON DELETE SET NULL,
    from_number TEXT,
    dialled     TEXT,
    path        TEXT    NOT NULL,
    duration_ms INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX voicemails_account ON voicemails(account_id, created_at);
ALTER TABLE calls ADD COLUMN context TEXT; -- JSON: [[key, value], …]

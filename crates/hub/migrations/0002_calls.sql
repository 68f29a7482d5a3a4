-- A record of every call: who, when it was answered and ended, and how it ended.
CREATE TABLE calls (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    direction   TEXT    NOT NULL,
    from_agent  INTEGER REFERENCES agents(id) ON DELETE SET NULL,
    to_agent    INTEGER REFERENCES agents(id) ON DELETE SET NULL,
    started_at  INTEGER NOT NULL,
    answered_at INTEGER,
    ended_at    INTEGER,
    outcome     TEXT
);
CREATE INDEX calls_account ON calls(account_id, started_at);

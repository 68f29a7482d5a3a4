-- Keys outside systems (a CRM, an IVR in front of the hub) use to reach one account's API,
-- e.g. to attach context to a live call. Only the key's hash is kept.
CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    token_hash   BLOB    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    UNIQUE (account_id, name)
);

-- Live chat widgets: what a website embeds (by `public_id`) to let its visitors chat with the
-- account. `secret` signs the website's user ids (HMAC-SHA256); it is shown once, when the
-- widget is made, and never leaves the hub again.
CREATE TABLE widgets (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    public_id  TEXT    NOT NULL UNIQUE,
    name       TEXT    NOT NULL,
    -- Website origins allowed to embed it, one per line (`https://shop.example`).
    origins    TEXT    NOT NULL,
    group_id   INTEGER REFERENCES ring_groups(id) ON DELETE SET NULL,
    color      TEXT    NOT NULL,
    greeting   TEXT    NOT NULL DEFAULT '',
    secret     TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (account_id, name)
);

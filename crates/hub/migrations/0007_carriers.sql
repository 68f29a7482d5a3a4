-- Each account's SIP carrier: where its outbound calls go and, for a carrier that wants
-- one, the registration that lets its calls in. The password is the carrier's digest
-- secret, kept as given: the hub must present it, so it cannot be hashed.
CREATE TABLE carriers (
    account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    proxy      TEXT    NOT NULL, -- host[:port]
    transport  TEXT    NOT NULL DEFAULT 'udp', -- udp | tcp
    username   TEXT,
    password   TEXT,
    register   INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
);
-- Calls to the phone network: the number called and the caller ID shown.
ALTER TABLE calls ADD COLUMN to_number TEXT;
ALTER TABLE calls ADD COLUMN caller_id TEXT;

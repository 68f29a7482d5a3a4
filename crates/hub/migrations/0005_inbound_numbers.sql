-- The numbers customers call (DIDs): each belongs to one account and sends its calls to a
-- ring group (the call flows of issue 4 will sit in between).
CREATE TABLE inbound_numbers (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    number        TEXT    NOT NULL UNIQUE, -- E.164
    ring_group_id INTEGER REFERENCES ring_groups(id) ON DELETE SET NULL,
    label         TEXT    NOT NULL DEFAULT ''
);

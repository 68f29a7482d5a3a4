-- Identity (F-43): whether the account has it, and the numbers it has blocked.
ALTER TABLE accounts ADD COLUMN identity INTEGER NOT NULL DEFAULT 0;
CREATE TABLE blocked_numbers (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    number     TEXT    NOT NULL, -- E.164
    reason     TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, number)
);

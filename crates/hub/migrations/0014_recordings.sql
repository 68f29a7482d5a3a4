-- Call recordings (X-2): whether the account records calls with the phone network and lets
-- agents pause them, and each recording kept (Opus in Ogg, in the data folder).
ALTER TABLE accounts ADD COLUMN record_calls INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN recording_pause INTEGER NOT NULL DEFAULT 0;
CREATE TABLE call_recordings (
    call_id    INTEGER PRIMARY KEY REFERENCES calls(id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    path       TEXT    NOT NULL, -- relative to the data folder
    started_at INTEGER NOT NULL,
    ended_at   INTEGER,
    seconds    INTEGER
);

-- Every blind transfer of a call: who handed it on, to whom, when.
CREATE TABLE call_transfers (
    id              INTEGER PRIMARY KEY,
    call_id         INTEGER NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    from_agent      INTEGER REFERENCES agents(id) ON DELETE SET NULL,
    to_agent        INTEGER REFERENCES agents(id) ON DELETE SET NULL,
    transferred_at  INTEGER NOT NULL
);
CREATE INDEX call_transfers_call ON call_transfers(call_id);

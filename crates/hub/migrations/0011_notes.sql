-- What each agent wrote about a call, and the disposition they picked (F-41, F-44).
-- `revision` is the agent's own edit counter: a save with a lower one is older and ignored.
CREATE TABLE call_notes (
    call_id        INTEGER NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    agent_id       INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    notes          TEXT    NOT NULL DEFAULT '',
    disposition_id INTEGER REFERENCES dispositions(id),
    revision       INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    PRIMARY KEY (call_id, agent_id)
);
-- A disposition taken off the list stays on the calls that used it.
ALTER TABLE dispositions ADD COLUMN removed_at INTEGER;
-- The history of an agent and of a number.
CREATE INDEX calls_from_agent ON calls(account_id, from_agent, started_at);
CREATE INDEX calls_to_agent ON calls(account_id, to_agent, started_at);
CREATE INDEX calls_from_number ON calls(account_id, from_number, started_at);
CREATE INDEX calls_to_number ON calls(account_id, to_number, started_at);

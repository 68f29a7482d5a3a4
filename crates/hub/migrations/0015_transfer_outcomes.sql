-- A blind transfer that did not go through (declined, busy, no answer, unreachable, failed):
-- how it went. The call came back to the agent who made it. NULL: the call went on there.
ALTER TABLE call_transfers ADD COLUMN outcome TEXT;

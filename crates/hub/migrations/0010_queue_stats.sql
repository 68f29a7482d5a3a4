-- Per interaction from a queue: when it joined, its place then (1: next), and how long the
-- caller waited until an agent answered.
ALTER TABLE calls ADD COLUMN queued_at INTEGER;
ALTER TABLE calls ADD COLUMN queue_position INTEGER;
ALTER TABLE calls ADD COLUMN waited_ms INTEGER;

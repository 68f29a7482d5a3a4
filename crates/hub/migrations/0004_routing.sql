-- How each ring group distributes its callers (see crates/hub/src/routing.rs).
ALTER TABLE ring_groups ADD COLUMN offer_timeout_secs INTEGER NOT NULL DEFAULT 20;
-- NULL: callers wait until someone answers.
ALTER TABLE ring_groups ADD COLUMN overflow_after_secs INTEGER;
-- Where an overflowing caller goes: another group of the account, or voicemail.
ALTER TABLE ring_groups ADD COLUMN overflow_group_id INTEGER REFERENCES ring_groups(id) ON DELETE SET NULL;
ALTER TABLE ring_groups ADD COLUMN overflow_voicemail INTEGER NOT NULL DEFAULT 0;
-- An agent who lets a directed offer ring out is set Away.
ALTER TABLE ring_groups ADD COLUMN away_on_missed INTEGER NOT NULL DEFAULT 1;

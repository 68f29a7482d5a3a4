-- How many days an account keeps call recordings (0: until deleted by hand).
ALTER TABLE accounts ADD COLUMN recording_retention_days INTEGER NOT NULL DEFAULT 0;

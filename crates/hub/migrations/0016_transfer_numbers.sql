-- A transfer to an outside number: the number (E.164); to_agent stays NULL.
ALTER TABLE call_transfers ADD COLUMN to_number TEXT;

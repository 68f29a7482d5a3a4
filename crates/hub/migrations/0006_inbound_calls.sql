-- Calls from the phone network: who called (E.164, when the caller sent a number) and
-- which of the account's numbers they dialled.
ALTER TABLE calls ADD COLUMN from_number TEXT;
ALTER TABLE calls ADD COLUMN dialled TEXT;

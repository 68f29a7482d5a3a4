-- Voice biometrics (F-43): one voiceprint per contact, kept with the caller's consent.
CREATE TABLE voiceprints (
    contact_id     INTEGER PRIMARY KEY REFERENCES contacts(id) ON DELETE CASCADE,
    account_id     INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    embedding      TEXT    NOT NULL, -- JSON array of floats (switchboard_voice::speaker)
    speech_seconds REAL    NOT NULL,
    call_id        INTEGER REFERENCES calls(id) ON DELETE SET NULL,
    consent_by     INTEGER REFERENCES agents(id) ON DELETE SET NULL,
    consent_at     INTEGER NOT NULL
);

-- The people who chat through a website's widget. A visitor is known to the hub by a random
-- token its browser keeps (only its hash is stored); a website may vouch for its signed-in
-- user, whose id (`user_id`) then ties the visitor to that user's contact on every device.
CREATE TABLE widget_visitors (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    widget_id    INTEGER NOT NULL REFERENCES widgets(id) ON DELETE CASCADE,
    token_hash   BLOB    NOT NULL UNIQUE,
    contact_id   INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    user_id      TEXT,
    -- What the pre-chat form said (not verified: it never links to another contact).
    name         TEXT    NOT NULL DEFAULT '',
    email        TEXT    NOT NULL DEFAULT '',
    -- The visitor read the agents' messages up to this message id.
    read_upto    INTEGER NOT NULL DEFAULT 0,
    blocked_at   INTEGER,
    blocked_by   INTEGER REFERENCES agents(id) ON DELETE SET NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);
CREATE INDEX widget_visitors_contact ON widget_visitors(contact_id);

-- Whether a widget asks visitors their name and email before they chat.
ALTER TABLE widgets ADD COLUMN pre_chat INTEGER NOT NULL DEFAULT 0;

-- What a visitor thought of an ended chat.
ALTER TABLE episodes ADD COLUMN rating INTEGER CHECK (rating BETWEEN 1 AND 5);
ALTER TABLE episodes ADD COLUMN rating_comment TEXT;

-- Conversations (F-50, F-51): one thread per contact, episodes of work inside it, messages.
-- Every "exactly one" below is a UNIQUE constraint, so concurrent first messages cannot make
-- two contacts, two threads or two open episodes.

-- How a contact is reached or recognised: a number (E.164), an email address (lower case),
-- a website visitor (the widget's random id), a website user vouched for by the account.
CREATE TABLE contact_identities (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL CHECK (kind IN ('phone', 'email', 'chat_visitor', 'chat_user')),
    value      TEXT    NOT NULL,
    verified   INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    UNIQUE (account_id, kind, value)
);
CREATE INDEX contact_identities_contact ON contact_identities(contact_id);

-- The contacts' numbers and addresses already known become identities; where two contacts
-- share one, the older contact keeps it.
INSERT OR IGNORE INTO contact_identities (account_id, contact_id, kind, value, created_at)
    SELECT account_id, contact_id, 'phone', number, 0 FROM contact_phones ORDER BY contact_id;
INSERT OR IGNORE INTO contact_identities (account_id, contact_id, kind, value, created_at)
    SELECT c.account_id, e.contact_id, 'email', lower(e.email), 0
    FROM contact_emails e JOIN contacts c ON c.id = e.contact_id ORDER BY e.contact_id;

-- A contact merged into another is kept (calls and links may name it) but points at the
-- survivor.
ALTER TABLE contacts ADD COLUMN merged_into INTEGER REFERENCES contacts(id);

CREATE TABLE threads (
    id               INTEGER PRIMARY KEY,
    account_id       INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    contact_id       INTEGER NOT NULL UNIQUE REFERENCES contacts(id) ON DELETE CASCADE,
    -- Grows with every change of the thread (its snapshots carry it).
    version          INTEGER NOT NULL DEFAULT 1,
    -- The agents read the customer's messages up to this message id.
    read_upto        INTEGER NOT NULL DEFAULT 0,
    last_activity_at INTEGER NOT NULL
);
CREATE INDEX threads_account ON threads(account_id, last_activity_at);

CREATE TABLE episodes (
    id                INTEGER PRIMARY KEY,
    account_id        INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    thread_id         INTEGER NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    channel           TEXT    NOT NULL,
    state             TEXT    NOT NULL CHECK (state IN ('open', 'resolved')),
    assignee_id       INTEGER REFERENCES agents(id) ON DELETE SET NULL,
    group_id          INTEGER REFERENCES ring_groups(id) ON DELETE SET NULL,
    disposition_id    INTEGER REFERENCES dispositions(id),
    opened_at         INTEGER NOT NULL,
    first_response_at INTEGER,
    resolved_at       INTEGER,
    resolved_by       INTEGER REFERENCES agents(id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX episodes_one_open ON episodes(thread_id) WHERE state = 'open';
CREATE INDEX episodes_queue ON episodes(account_id, state, group_id, assignee_id);

CREATE TABLE messages (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    thread_id    INTEGER NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    episode_id   INTEGER REFERENCES episodes(id) ON DELETE SET NULL,
    channel      TEXT    NOT NULL CHECK (channel IN ('chat', 'sms', 'email', 'note')),
    author_kind  TEXT    NOT NULL CHECK (author_kind IN ('contact', 'agent', 'system')),
    author_agent INTEGER REFERENCES agents(id) ON DELETE SET NULL,
    author_name  TEXT    NOT NULL DEFAULT '',
    body         TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    failure      TEXT,
    -- Made by the sending client once per message: a retry finds the message it made.
    client_key   TEXT,
    -- The channel's own id (a provider's message id): a webhook delivered twice finds it.
    provider     TEXT,
    provider_id  TEXT,
    -- An automatic answer or a receipt: it never opens an episode.
    automatic    INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE UNIQUE INDEX messages_client_key ON messages(account_id, client_key)
    WHERE client_key IS NOT NULL;
CREATE UNIQUE INDEX messages_provider ON messages(account_id, provider, provider_id)
    WHERE provider_id IS NOT NULL;
CREATE INDEX messages_thread ON messages(thread_id, id);

-- Accounts, agents, sessions, presence, the event log, and the directory data agents see.
-- Times are Unix milliseconds (INTEGER) so the same schema reads the same on PostgreSQL.

CREATE TABLE accounts (
    id                           INTEGER PRIMARY KEY,
    name                         TEXT    NOT NULL,
    default_country              TEXT    NOT NULL DEFAULT 'US',
    auto_on_call                 INTEGER NOT NULL DEFAULT 1,
    after_call_work              INTEGER NOT NULL DEFAULT 1,
    after_call_work_timeout_secs INTEGER NOT NULL DEFAULT 60,
    created_at                   INTEGER NOT NULL
);

CREATE TABLE statuses (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    key        TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    label      TEXT    NOT NULL DEFAULT '',
    color      TEXT    NOT NULL,
    callable   INTEGER NOT NULL,
    selectable INTEGER NOT NULL,
    position   INTEGER NOT NULL,
    UNIQUE (account_id, key)
);

CREATE TABLE agents (
    id                   INTEGER PRIMARY KEY,
    account_id           INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    email                TEXT    NOT NULL UNIQUE,
    name                 TEXT    NOT NULL,
    role                 TEXT    NOT NULL,
    password_hash        TEXT    NOT NULL,
    can_choose_caller_id INTEGER NOT NULL DEFAULT 0,
    status_key           TEXT    NOT NULL DEFAULT 'offline',
    status_since         INTEGER NOT NULL,
    -- The status to return to when a call and its after-call work are over.
    status_resume        TEXT,
    created_at           INTEGER NOT NULL
);
CREATE INDEX agents_account ON agents(account_id);

CREATE TABLE sessions (
    id         INTEGER PRIMARY KEY,
    token_hash BLOB    NOT NULL UNIQUE,
    agent_id   INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX sessions_agent ON sessions(agent_id);

-- One log per account; agent_id NULL means every agent of the account receives the event.
CREATE TABLE events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    agent_id   INTEGER,
    payload    TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX events_account_seq ON events(account_id, seq);

-- The highest seq pruned from each account's log; a client asking from below it must resync.
CREATE TABLE event_retention (
    account_id   INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    pruned_until INTEGER NOT NULL
);

CREATE TABLE ring_groups (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    strategy   TEXT    NOT NULL DEFAULT 'longest_idle',
    UNIQUE (account_id, name)
);

CREATE TABLE ring_group_members (
    ring_group_id INTEGER NOT NULL REFERENCES ring_groups(id) ON DELETE CASCADE,
    agent_id      INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    PRIMARY KEY (ring_group_id, agent_id)
);

CREATE TABLE caller_ids (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    number     TEXT    NOT NULL,
    label      TEXT    NOT NULL DEFAULT '',
    UNIQUE (account_id, number)
);

CREATE TABLE dispositions (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    label      TEXT    NOT NULL,
    position   INTEGER NOT NULL
);

CREATE TABLE integrations (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    key          TEXT    NOT NULL,
    label        TEXT    NOT NULL,
    -- `{id}` is replaced by the contact's id in that system.
    url_template TEXT    NOT NULL,
    is_default   INTEGER NOT NULL DEFAULT 0,
    UNIQUE (account_id, key)
);

CREATE TABLE contacts (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    company    TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
CREATE INDEX contacts_account ON contacts(account_id);

CREATE TABLE contact_phones (
    contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL,
    number     TEXT    NOT NULL,
    label      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX contact_phones_lookup ON contact_phones(account_id, number);

CREATE TABLE contact_emails (
    contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    email      TEXT    NOT NULL
);
CREATE INDEX contact_emails_contact ON contact_emails(contact_id);

CREATE TABLE contact_links (
    contact_id     INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    integration_id INTEGER NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
    external_id    TEXT    NOT NULL,
    PRIMARY KEY (contact_id, integration_id)
);

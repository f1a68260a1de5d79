-- Organisation, people, sessions and the help-desk tickets with their ordered log.
-- Times are milliseconds since the Unix epoch, taken from the application's clock.

CREATE TABLE units (
    id        INTEGER PRIMARY KEY,
    code      TEXT    NOT NULL UNIQUE,
    name      TEXT    NOT NULL,
    level     TEXT    NOT NULL,
    parent_id INTEGER REFERENCES units (id),
    -- '/1/7/40/': the ids from the root down, so a subtree is a prefix
    path      TEXT    NOT NULL
);
CREATE INDEX units_parent ON units (parent_id);

CREATE TABLE expert_groups (
    id          INTEGER PRIMARY KEY,
    code        TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    unit_id     INTEGER NOT NULL REFERENCES units (id),
    -- space-separated specialties: employment social_insurance labour sscard it_fault policy approval
    specialties TEXT    NOT NULL
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE,
    display_name  TEXT    NOT NULL,
    role          TEXT    NOT NULL,
    unit_id       INTEGER NOT NULL REFERENCES units (id),
    group_id      INTEGER REFERENCES expert_groups (id),
    password_hash TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX users_unit ON users (unit_id);

CREATE TABLE sessions (
    token_hash TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE tickets (
    id          INTEGER PRIMARY KEY,
    unit_id     INTEGER NOT NULL REFERENCES units (id),
    unit_path   TEXT    NOT NULL,
    creator_id  INTEGER NOT NULL REFERENCES users (id),
    assignee_id INTEGER REFERENCES users (id),
    item_code   TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    specialty   TEXT    NOT NULL,
    difficulty  TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    state       TEXT    NOT NULL,
    last_seq    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX tickets_state ON tickets (state, created_at);
CREATE INDEX tickets_unit_path ON tickets (unit_path);
CREATE INDEX tickets_creator ON tickets (creator_id);

-- Every change of a ticket, chat messages included, numbered 1, 2, 3 … per ticket.
CREATE TABLE ticket_events (
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id),
    seq        INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    actor_id   INTEGER NOT NULL REFERENCES users (id),
    body       TEXT    NOT NULL,
    client_id  TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (ticket_id, seq)
);
CREATE UNIQUE INDEX ticket_events_client ON ticket_events (ticket_id, actor_id, client_id);

-- Background work on the movable clock, claimed by one runner at a time; and the row the
-- health check writes to learn whether the database takes writes.

CREATE TABLE jobs (
    id          INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL,
    key         TEXT    NOT NULL,
    payload     TEXT    NOT NULL DEFAULT '',
    due_at      INTEGER NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    -- set while a runner holds the job; a runner that died lets it go when the lease ends
    claimed_by  TEXT,
    lease_until INTEGER,
    last_error  TEXT,
    UNIQUE (kind, key)
);
CREATE INDEX jobs_due ON jobs (due_at);

CREATE TABLE health_probe (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL
);

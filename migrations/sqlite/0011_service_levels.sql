-- Service levels (小事不隔夜、大事不隔天、难事不隔周): the promise recorded on a ticket when it
-- is raised, the clocks that run on it, the flags set when it is not handled, late, dragging or
-- stuck (不办、迟办、拖办、卡壳), every escalation step, and the clerks' ratings (好差评).

-- The policy that applied when the ticket was raised, as JSON.
ALTER TABLE tickets ADD COLUMN sla TEXT NOT NULL DEFAULT '';
-- First response due (claim), and resolution due; the latter moves on while the ticket waits
-- for the clerk.
ALTER TABLE tickets ADD COLUMN respond_by INTEGER;
ALTER TABLE tickets ADD COLUMN due_at INTEGER;
-- While waiting: on whom ('clerk' pauses the resolution clock, 'backoffice' does not), since when.
ALTER TABLE tickets ADD COLUMN waiting_on TEXT;
ALTER TABLE tickets ADD COLUMN waiting_since INTEGER;
-- The handler's last action, and how often the ticket was reopened and transferred.
ALTER TABLE tickets ADD COLUMN acted_at INTEGER;
ALTER TABLE tickets ADD COLUMN reopens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN transfers INTEGER NOT NULL DEFAULT 0;
-- The flags standing now, each with when it was set: 'late@1800000000000 stuck@…'.
ALTER TABLE tickets ADD COLUMN flags TEXT NOT NULL DEFAULT '';
-- When the flags may next change without anyone acting; NULL when they cannot.
ALTER TABLE tickets ADD COLUMN check_at INTEGER;
-- The clerk's rating: good, neutral or bad.
ALTER TABLE tickets ADD COLUMN rating TEXT;

CREATE INDEX tickets_check ON tickets (check_at) WHERE check_at IS NOT NULL;
CREATE INDEX tickets_flagged ON tickets (unit_path) WHERE flags <> '';

-- Tickets raised before service levels: a day (a week if hard) from when they were raised,
-- looked at by the next sweep.
UPDATE tickets SET
    respond_by = created_at + 600000,
    due_at = created_at + CASE difficulty WHEN 'hard' THEN 604800000 ELSE 86400000 END,
    acted_at = updated_at,
    check_at = CASE WHEN state IN ('new', 'claimed', 'waiting') THEN created_at END;

-- Entries the system writes (a flag set, an escalation step) have no author.
CREATE TABLE ticket_events_new (
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id),
    seq        INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    actor_id   INTEGER REFERENCES users (id),
    body       TEXT    NOT NULL,
    client_id  TEXT,
    created_at INTEGER NOT NULL,
    file_hash  TEXT    REFERENCES files (hash),
    PRIMARY KEY (ticket_id, seq)
);
INSERT INTO ticket_events_new (ticket_id, seq, kind, actor_id, body, client_id, created_at, file_hash)
    SELECT ticket_id, seq, kind, actor_id, body, client_id, created_at, file_hash FROM ticket_events;
DROP TABLE ticket_events;
ALTER TABLE ticket_events_new RENAME TO ticket_events;
CREATE UNIQUE INDEX ticket_events_client ON ticket_events (ticket_id, actor_id, client_id);
CREATE INDEX ticket_events_file ON ticket_events (file_hash);

-- Each escalation step of a flag, once: the key is the flag as set at `since`.
CREATE TABLE escalations (
    ticket_id INTEGER NOT NULL REFERENCES tickets (id),
    flag      TEXT    NOT NULL,
    since     INTEGER NOT NULL,
    step      INTEGER NOT NULL,
    unit_id   INTEGER REFERENCES units (id),
    -- the people told, space-separated ids
    notified  TEXT    NOT NULL,
    fired_at  INTEGER NOT NULL,
    PRIMARY KEY (ticket_id, flag, since, step)
);

-- 好评/中评/差评, one per ticket, with the expert it rates.
CREATE TABLE ratings (
    ticket_id  INTEGER PRIMARY KEY REFERENCES tickets (id),
    rater_id   INTEGER NOT NULL REFERENCES users (id),
    score      TEXT    NOT NULL,
    comment    TEXT    NOT NULL,
    expert_id  INTEGER REFERENCES users (id),
    -- the ticket's unit path, for satisfaction by area
    unit_path  TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX ratings_expert ON ratings (expert_id);
CREATE INDEX ratings_unit_path ON ratings (unit_path);

-- A bad rating opens a review for the supervisors over the ticket's unit.
CREATE TABLE reviews (
    id         INTEGER PRIMARY KEY,
    ticket_id  INTEGER NOT NULL UNIQUE REFERENCES tickets (id),
    unit_path  TEXT    NOT NULL,
    opened_at  INTEGER NOT NULL,
    closed_at  INTEGER,
    closed_by  INTEGER REFERENCES users (id),
    outcome    TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX reviews_open ON reviews (unit_path) WHERE closed_at IS NULL;

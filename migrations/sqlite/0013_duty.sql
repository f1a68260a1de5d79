-- The four-level security-officer mechanism (定人定责). Who answers for a unit: a primary and a
-- deputy officer and what they are responsible for. A row is never changed but closed
-- (`ended_at`) when someone else takes over, so the table is the history of who was responsible
-- for what, when; the open rows are the matrix now.
CREATE TABLE duty_roles (
    id        INTEGER PRIMARY KEY,
    unit_id   INTEGER NOT NULL REFERENCES units (id),
    position  TEXT    NOT NULL CHECK (position IN ('primary', 'deputy')),
    person_id INTEGER NOT NULL REFERENCES users (id),
    duties    TEXT    NOT NULL DEFAULT '',
    began_at  INTEGER NOT NULL,
    ended_at  INTEGER
);
CREATE UNIQUE INDEX duty_roles_now ON duty_roles (unit_id, position) WHERE ended_at IS NULL;
CREATE INDEX duty_roles_person ON duty_roles (person_id) WHERE ended_at IS NULL;

-- People taking turns at a unit: the first from `starts_on` (a local date, YYYY-MM-DD), the
-- next `period_days` later, round the list (`people`: user ids, space-separated); each turn
-- covers `shifts` (local times, e.g. "08:00-20:00 20:00-08:00"; empty for whole days).
CREATE TABLE duty_rotations (
    id          INTEGER PRIMARY KEY,
    unit_id     INTEGER NOT NULL REFERENCES units (id),
    starts_on   TEXT    NOT NULL,
    period_days INTEGER NOT NULL CHECK (period_days > 0),
    people      TEXT    NOT NULL,
    shifts      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX duty_rotations_unit ON duty_rotations (unit_id);

-- Someone covering a unit for a while: leave taken over, a swap.
CREATE TABLE duty_overrides (
    id        INTEGER PRIMARY KEY,
    unit_id   INTEGER NOT NULL REFERENCES units (id),
    person_id INTEGER NOT NULL REFERENCES users (id),
    starts_at INTEGER NOT NULL,
    ends_at   INTEGER NOT NULL CHECK (ends_at > starts_at),
    reason    TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX duty_overrides_unit ON duty_overrides (unit_id, ends_at);

-- A unit's own daily checklist, one item a line; units without one use the configured list.
CREATE TABLE duty_checklists (
    unit_id INTEGER PRIMARY KEY REFERENCES units (id),
    items   TEXT    NOT NULL
);

-- Daily checks (日常巡检) done: one per unit and local day, with each item's result (JSON),
-- who and when, and whether it came after the day's deadline.
CREATE TABLE duty_checks (
    unit_id INTEGER NOT NULL REFERENCES units (id),
    day     TEXT    NOT NULL,
    results TEXT    NOT NULL,
    note    TEXT    NOT NULL DEFAULT '',
    done_by INTEGER NOT NULL REFERENCES users (id),
    done_at INTEGER NOT NULL,
    late    INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX duty_checks_day ON duty_checks (unit_id, day);
CREATE INDEX duty_checks_by_day ON duty_checks (day);

-- A missed check's escalation: step 1 told the officer on duty one level up, each later step
-- the next level; the key makes each step happen once, also across restarts and nodes.
CREATE TABLE duty_check_escalations (
    unit_id        INTEGER NOT NULL REFERENCES units (id),
    day            TEXT    NOT NULL,
    step           INTEGER NOT NULL,
    told_unit_id   INTEGER NOT NULL REFERENCES units (id),
    told_person_id INTEGER REFERENCES users (id),
    at             INTEGER NOT NULL,
    PRIMARY KEY (unit_id, day, step)
);

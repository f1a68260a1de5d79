-- Service levels (小事不隔夜、大事不隔天、难事不隔周): the promise recorded on a ticket when it
-- is raised, the clocks that run on it, the flags set when it is not handled, late, dragging or
-- stuck (不办、迟办、拖办、卡壳), every escalation step, and the clerks' ratings (好差评).

ALTER TABLE tickets ADD COLUMN sla TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN respond_by BIGINT;
ALTER TABLE tickets ADD COLUMN due_at BIGINT;
ALTER TABLE tickets ADD COLUMN waiting_on TEXT;
ALTER TABLE tickets ADD COLUMN waiting_since BIGINT;
ALTER TABLE tickets ADD COLUMN acted_at BIGINT;
ALTER TABLE tickets ADD COLUMN reopens BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN transfers BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN flags TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN check_at BIGINT;
ALTER TABLE tickets ADD COLUMN rating TEXT;

CREATE INDEX tickets_check ON tickets (check_at) WHERE check_at IS NOT NULL;
CREATE INDEX tickets_flagged ON tickets (unit_path text_pattern_ops) WHERE flags <> '';

UPDATE tickets SET
    respond_by = created_at + 600000,
    due_at = created_at + CASE difficulty WHEN 'hard' THEN 604800000 ELSE 86400000 END,
    acted_at = updated_at,
    check_at = CASE WHEN state IN ('new', 'claimed', 'waiting') THEN created_at END;

-- Entries the system writes (a flag set, an escalation step) have no author.
ALTER TABLE ticket_events ALTER COLUMN actor_id DROP NOT NULL;

CREATE TABLE escalations (
    ticket_id BIGINT NOT NULL REFERENCES tickets (id),
    flag      TEXT   NOT NULL,
    since     BIGINT NOT NULL,
    step      BIGINT NOT NULL,
    unit_id   BIGINT REFERENCES units (id),
    notified  TEXT   NOT NULL,
    fired_at  BIGINT NOT NULL,
    PRIMARY KEY (ticket_id, flag, since, step)
);

CREATE TABLE ratings (
    ticket_id  BIGINT PRIMARY KEY REFERENCES tickets (id),
    rater_id   BIGINT NOT NULL REFERENCES users (id),
    score      TEXT   NOT NULL,
    comment    TEXT   NOT NULL,
    expert_id  BIGINT REFERENCES users (id),
    unit_path  TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX ratings_expert ON ratings (expert_id);
CREATE INDEX ratings_unit_path ON ratings (unit_path text_pattern_ops);

CREATE TABLE reviews (
    id         BIGSERIAL PRIMARY KEY,
    ticket_id  BIGINT NOT NULL UNIQUE REFERENCES tickets (id),
    unit_path  TEXT   NOT NULL,
    opened_at  BIGINT NOT NULL,
    closed_at  BIGINT,
    closed_by  BIGINT REFERENCES users (id),
    outcome    TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX reviews_open ON reviews (unit_path text_pattern_ops) WHERE closed_at IS NULL;

-- Incidents (故障): from a monitored system gone down, or from Alertmanager. At most one open
-- incident per (source, key): `monitor:<id>`, `cert:<id>`, or an alert's fingerprint. It
-- starts at its unit's officer on duty and climbs a level (`reached_unit_id`) each time a
-- step's timeout passes unacknowledged.
CREATE TABLE incidents (
    id              BIGSERIAL PRIMARY KEY,
    source          TEXT    NOT NULL CHECK (source IN ('monitor', 'alertmanager')),
    key             TEXT    NOT NULL,
    unit_id         BIGINT  NOT NULL REFERENCES units (id),
    title           TEXT    NOT NULL,
    detail          TEXT    NOT NULL DEFAULT '',
    severity        TEXT    NOT NULL CHECK (severity IN ('critical', 'warning')),
    opened_at       BIGINT  NOT NULL,
    step            BIGINT  NOT NULL DEFAULT 0,
    reached_unit_id BIGINT  NOT NULL REFERENCES units (id),
    acknowledged_at BIGINT,
    acknowledged_by BIGINT  REFERENCES users (id),
    resolved_at     BIGINT,
    -- NULL when it resolved itself (the system recovered, the alert resolved)
    resolved_by     BIGINT  REFERENCES users (id)
);
CREATE UNIQUE INDEX incidents_open ON incidents (source, key) WHERE resolved_at IS NULL;
CREATE INDEX incidents_unit ON incidents (unit_id, resolved_at);
CREATE INDEX incidents_opened ON incidents (opened_at);

-- Each step of an incident's climb, written before anyone is told, so it is taken once.
CREATE TABLE incident_steps (
    incident_id BIGINT  NOT NULL REFERENCES incidents (id),
    step        BIGINT  NOT NULL,
    unit_id     BIGINT  NOT NULL REFERENCES units (id),
    person_id   BIGINT  REFERENCES users (id),
    at          BIGINT  NOT NULL,
    PRIMARY KEY (incident_id, step)
);

-- What happened to an incident, in order: opened, told, escalated, acknowledged, resolved,
-- webhook deliveries.
CREATE TABLE incident_timeline (
    id          BIGSERIAL PRIMARY KEY,
    incident_id BIGINT  NOT NULL REFERENCES incidents (id),
    at          BIGINT  NOT NULL,
    kind        TEXT    NOT NULL,
    person_id   BIGINT  REFERENCES users (id),
    unit_id     BIGINT  REFERENCES units (id),
    detail      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX incident_timeline_incident ON incident_timeline (incident_id, id);

-- A unit's outbound webhooks: a WeCom (企业微信) or DingTalk group robot, or plain JSON.
CREATE TABLE webhooks (
    id         BIGSERIAL PRIMARY KEY,
    unit_id    BIGINT  NOT NULL REFERENCES units (id),
    kind       TEXT    NOT NULL CHECK (kind IN ('wecom', 'dingtalk', 'json')),
    url        TEXT    NOT NULL,
    enabled    BIGINT  NOT NULL DEFAULT 1,
    created_at BIGINT  NOT NULL
);
CREATE INDEX webhooks_unit ON webhooks (unit_id);

-- Each message to a webhook, tried with backoff until delivered or given up.
CREATE TABLE webhook_deliveries (
    id           BIGSERIAL PRIMARY KEY,
    webhook_id   BIGINT  NOT NULL REFERENCES webhooks (id),
    incident_id  BIGINT  NOT NULL REFERENCES incidents (id),
    body         TEXT    NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts     BIGINT  NOT NULL DEFAULT 0,
    last_error   TEXT    NOT NULL DEFAULT '',
    created_at   BIGINT  NOT NULL,
    delivered_at BIGINT
);
CREATE INDEX webhook_deliveries_incident ON webhook_deliveries (incident_id);

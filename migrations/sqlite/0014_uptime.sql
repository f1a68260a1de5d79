-- Round-the-clock monitoring. A monitored system (监控对象) is owned by a unit and checked every
-- `interval_ms`: an HTTP(S) answer (status, keyword, latency, certificate), a TCP connect, or
-- a DNS resolution. Its state after the failure and recovery thresholds is kept beside it;
-- `alerted` says whether alerting has been told it is down.
CREATE TABLE monitors (
    id              INTEGER PRIMARY KEY,
    key             TEXT    NOT NULL UNIQUE,
    name            TEXT    NOT NULL,
    unit_id         INTEGER NOT NULL REFERENCES units (id),
    kind            TEXT    NOT NULL CHECK (kind IN ('http', 'tcp', 'dns')),
    target          TEXT    NOT NULL,
    expect_status   TEXT    NOT NULL DEFAULT '200-399',
    keyword         TEXT    NOT NULL DEFAULT '',
    keyword_absent  INTEGER NOT NULL DEFAULT 0,
    max_latency_ms  INTEGER NOT NULL DEFAULT 0,
    cert_warn_days  INTEGER NOT NULL DEFAULT 14,
    expect_address  TEXT    NOT NULL DEFAULT '',
    interval_ms     INTEGER NOT NULL CHECK (interval_ms >= 10000),
    timeout_ms      INTEGER NOT NULL CHECK (timeout_ms > 0),
    failures        INTEGER NOT NULL DEFAULT 3 CHECK (failures > 0),
    recoveries      INTEGER NOT NULL DEFAULT 2 CHECK (recoveries > 0),
    paused          INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'up', 'down')),
    -- results in a row that speak against `status`: failures while up, successes while down
    streak          INTEGER NOT NULL DEFAULT 0,
    since           INTEGER,
    alerted         INTEGER NOT NULL DEFAULT 0,
    cert_alerted    INTEGER NOT NULL DEFAULT 0,
    last_at         INTEGER,
    last_ok         INTEGER,
    last_latency_ms INTEGER,
    last_detail     TEXT    NOT NULL DEFAULT '',
    cert_expires_at INTEGER
);
CREATE INDEX monitors_unit ON monitors (unit_id);

-- Times a monitor's alerts are held back (维护窗口): once (`starts_at`..`ends_at`), or every week
-- on `weekdays` (1 = Monday … 7, space-separated) during `shift` (local "HH:MM-HH:MM").
-- Checks go on and are recorded; availability leaves them out.
CREATE TABLE maintenance_windows (
    id         INTEGER PRIMARY KEY,
    monitor_id INTEGER NOT NULL REFERENCES monitors (id),
    title      TEXT    NOT NULL,
    starts_at  INTEGER,
    ends_at    INTEGER,
    weekdays   TEXT    NOT NULL DEFAULT '',
    shift      TEXT    NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES users (id),
    created_at INTEGER NOT NULL
);
CREATE INDEX maintenance_monitor ON maintenance_windows (monitor_id);

-- Every check, kept `[uptime] raw_retention_hours`.
CREATE TABLE probe_results (
    monitor_id  INTEGER NOT NULL REFERENCES monitors (id),
    at          INTEGER NOT NULL,
    ok          INTEGER NOT NULL,
    latency_ms  INTEGER NOT NULL,
    maintenance INTEGER NOT NULL DEFAULT 0,
    detail      TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (monitor_id, at)
);

-- Checks rolled up by minute, hour and day (UTC): `checks` and `ups` count those outside
-- maintenance, which availability is made of; latency counts them all.
CREATE TABLE probe_rollups (
    monitor_id  INTEGER NOT NULL REFERENCES monitors (id),
    span        TEXT    NOT NULL CHECK (span IN ('minute', 'hour', 'day')),
    start       INTEGER NOT NULL,
    checks      INTEGER NOT NULL,
    ups         INTEGER NOT NULL,
    maintenance INTEGER NOT NULL,
    latency_sum INTEGER NOT NULL,
    latency_max INTEGER NOT NULL,
    PRIMARY KEY (monitor_id, span, start)
);

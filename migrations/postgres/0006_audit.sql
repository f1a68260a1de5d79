-- The audit trail: append-only, each row chained to the one before by a hash over both. The
-- head row says where the chain ends, so that concurrent writers take turns.
CREATE TABLE audit (
    id        BIGINT PRIMARY KEY,
    at        BIGINT  NOT NULL,
    kind      TEXT    NOT NULL,
    actor_id  BIGINT,
    actor     TEXT    NOT NULL,
    -- whose subtree may read the row: the unit path of the person the act concerns
    unit_path TEXT    NOT NULL,
    subject   TEXT    NOT NULL,
    detail    TEXT    NOT NULL,
    address   TEXT    NOT NULL,
    agent     TEXT    NOT NULL,
    prev      TEXT    NOT NULL,
    hash      TEXT    NOT NULL
);
CREATE INDEX audit_at ON audit (at);
CREATE INDEX audit_unit ON audit (unit_path);

CREATE TABLE audit_head (
    id      BIGINT PRIMARY KEY,
    last_id BIGINT  NOT NULL,
    hash    TEXT    NOT NULL
);
INSERT INTO audit_head (id, last_id, hash) VALUES (1, 0, '');

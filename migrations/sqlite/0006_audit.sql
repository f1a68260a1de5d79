-- The audit trail: append-only, each row chained to the one before by a hash over both. The
-- head row says where the chain ends, so that concurrent writers take turns.
CREATE TABLE audit (
    id        INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    kind      TEXT    NOT NULL,
    actor_id  INTEGER,
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
    id      INTEGER PRIMARY KEY,
    last_id INTEGER NOT NULL,
    hash    TEXT    NOT NULL
);
INSERT INTO audit_head (id, last_id, hash) VALUES (1, 0, '');

-- Canned replies: answers an expert group gives often, inserted with "/" and a shortcut.
CREATE TABLE replies (
    id         BIGSERIAL PRIMARY KEY,
    group_id   BIGINT NOT NULL REFERENCES expert_groups (id),
    shortcut   TEXT   NOT NULL,
    title      TEXT   NOT NULL,
    body       TEXT   NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    UNIQUE (group_id, shortcut)
);

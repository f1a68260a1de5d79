-- Canned replies: answers an expert group gives often, inserted with "/" and a shortcut.
CREATE TABLE replies (
    id         INTEGER PRIMARY KEY,
    group_id   INTEGER NOT NULL REFERENCES expert_groups (id),
    shortcut   TEXT    NOT NULL,
    title      TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    UNIQUE (group_id, shortcut)
);

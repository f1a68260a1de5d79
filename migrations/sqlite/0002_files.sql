-- Screenshots and documents, stored once per content hash, referenced from chat messages.
CREATE TABLE files (
    hash       TEXT    PRIMARY KEY,
    mime       TEXT    NOT NULL,
    size       INTEGER NOT NULL,
    data       BLOB    NOT NULL,
    created_at INTEGER NOT NULL
);

-- Who uploaded what: a person may attach only files they uploaded themselves.
CREATE TABLE uploads (
    hash        TEXT    NOT NULL REFERENCES files (hash),
    uploader_id INTEGER NOT NULL REFERENCES users (id),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (hash, uploader_id)
);

ALTER TABLE ticket_events ADD COLUMN file_hash TEXT REFERENCES files (hash);
CREATE INDEX ticket_events_file ON ticket_events (file_hash);

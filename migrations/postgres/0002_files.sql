-- Screenshots and documents, stored once per content hash, referenced from chat messages.
CREATE TABLE files (
    hash       TEXT    PRIMARY KEY,
    mime       TEXT    NOT NULL,
    size       BIGINT  NOT NULL,
    data       BYTEA    NOT NULL,
    created_at BIGINT  NOT NULL
);

-- Who uploaded what: a person may attach only files they uploaded themselves.
CREATE TABLE uploads (
    hash        TEXT    NOT NULL REFERENCES files (hash),
    uploader_id BIGINT  NOT NULL REFERENCES users (id),
    created_at  BIGINT  NOT NULL,
    PRIMARY KEY (hash, uploader_id)
);

ALTER TABLE ticket_events ADD COLUMN file_hash TEXT REFERENCES files (hash);
CREATE INDEX ticket_events_file ON ticket_events (file_hash);

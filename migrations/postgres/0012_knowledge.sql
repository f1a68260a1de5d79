-- The knowledge base: answers experts wrote down, most from a resolved ticket, readable by
-- everyone signed in. Search runs on a table of terms (overlapping CJK bigrams and whole ASCII
-- words, see src/helpdesk/knowledge/terms.rs): no extension, the same on both backends.
CREATE TABLE knowledge (
    id         BIGSERIAL PRIMARY KEY,
    question   TEXT    NOT NULL,
    answer     TEXT    NOT NULL,
    -- A catalogue code, or none for an answer about no one item.
    item_code  TEXT,
    ticket_id  BIGINT  REFERENCES tickets (id),
    author_id  BIGINT  NOT NULL REFERENCES users (id),
    -- Opened once per session; requests given up after reading it, once per session.
    opened     BIGINT  NOT NULL DEFAULT 0,
    solved     BIGINT  NOT NULL DEFAULT 0,
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL
);
CREATE INDEX knowledge_ticket ON knowledge (ticket_id);

-- Each article's terms, by the field they stand in ('question' or 'answer').
CREATE TABLE knowledge_terms (
    term       TEXT    NOT NULL,
    article_id BIGINT  NOT NULL REFERENCES knowledge (id),
    field      TEXT    NOT NULL,
    PRIMARY KEY (term, article_id, field)
);
CREATE INDEX knowledge_terms_article ON knowledge_terms (article_id);

-- The terms of resolved tickets' titles, for suggesting them to a clerk typing a new request.
CREATE TABLE ticket_terms (
    term      TEXT    NOT NULL,
    ticket_id BIGINT  NOT NULL REFERENCES tickets (id),
    PRIMARY KEY (term, ticket_id)
);
CREATE INDEX ticket_terms_ticket ON ticket_terms (ticket_id);

-- What one session has counted already (an article opened, a request given up), so that
-- repeated calls count once; rows older than the longest session are trimmed.
CREATE TABLE knowledge_marks (
    session    TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    subject_id BIGINT  NOT NULL,
    at         BIGINT  NOT NULL,
    PRIMARY KEY (session, kind, subject_id)
);
CREATE INDEX knowledge_marks_at ON knowledge_marks (at);

-- The open tickets alone, in id order: the work queues read these out of millions of
-- resolved ones without scanning them.
CREATE INDEX tickets_open ON tickets (id) WHERE state IN ('new', 'claimed', 'waiting');
-- Tickets by handler, for "mine" and the handler search.
CREATE INDEX tickets_assignee ON tickets (assignee_id);
-- Subtree prefixes (unit_path LIKE '/640000/640400/%') whatever the database's collation.
CREATE INDEX tickets_unit_path_prefix ON tickets (unit_path text_pattern_ops);

-- The open tickets alone, in id order: the work queues read these out of millions of
-- resolved ones without scanning them.
CREATE INDEX tickets_open ON tickets (id) WHERE state IN ('new', 'claimed', 'waiting');
-- Tickets by handler, for "mine" and the handler search.
CREATE INDEX tickets_assignee ON tickets (assignee_id);

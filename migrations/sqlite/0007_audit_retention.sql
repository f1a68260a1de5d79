-- Where the trail was cut by retention: the last removed row and its hash, from which the
-- remaining chain is checked.
ALTER TABLE audit_head ADD COLUMN trimmed_to INTEGER NOT NULL DEFAULT 0;
ALTER TABLE audit_head ADD COLUMN trimmed_hash TEXT NOT NULL DEFAULT '';

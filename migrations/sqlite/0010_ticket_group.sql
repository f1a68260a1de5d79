-- A ticket transferred to an expert group waits in that group's queue only, whatever its
-- specialty: the group took it on.
ALTER TABLE tickets ADD COLUMN group_id INTEGER REFERENCES expert_groups (id);

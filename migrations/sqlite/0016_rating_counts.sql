-- The board's satisfaction counts, kept as ratings come in: per unit (the ticket's), expert and
-- score, so that a region's board adds up a few thousand rows, not every rating ever given.
CREATE TABLE rating_counts (
    unit_path TEXT    NOT NULL,
    -- 0 when the rating names no expert
    expert_id INTEGER NOT NULL,
    score     TEXT    NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (unit_path, expert_id, score)
);
INSERT INTO rating_counts (unit_path, expert_id, score, n)
    SELECT unit_path, COALESCE(expert_id, 0), score, COUNT(*) FROM ratings
    GROUP BY unit_path, COALESCE(expert_id, 0), score;
-- Nothing reads ratings by unit any more.
DROP INDEX ratings_unit_path;

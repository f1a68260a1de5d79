-- The board's satisfaction counts, by unit and by expert, read from the index alone: a region's
-- hundreds of thousands of ratings are counted without reading a row of the table.
DROP INDEX ratings_unit_path;
CREATE INDEX ratings_unit_score ON ratings (unit_path text_pattern_ops, score, expert_id);

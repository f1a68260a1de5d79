-- A disabled person cannot sign in, and their sessions end.
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;

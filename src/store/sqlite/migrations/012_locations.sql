-- Locations (issue 16): the places hosts are pinged from. `local` (id 1) is the ping service of `semaphore
-- run` / `semaphore probe` with the database at hand; an agent location holds the hex SHA-256 of its agent
-- token (the token itself is shown once, when the location is made, and never stored), NULL for a
-- database-connected one. The rest is what the location reports each round (monitor/heartbeat.h):
-- last_seen_at (NULL: never), its version, rounds on time and late (per-worker deltas added up), the rows
-- waiting in its spool and its round interval (0: never reported). Results are not keyed by location yet.
CREATE TABLE locations (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 32 AND name NOT GLOB '*[^a-z0-9-]*'),
  label TEXT NOT NULL DEFAULT '' CHECK (length(label) <= 100),
  token_hash TEXT UNIQUE,
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER,
  version TEXT NOT NULL DEFAULT '',
  rounds_on_time INTEGER NOT NULL DEFAULT 0,
  rounds_late INTEGER NOT NULL DEFAULT 0,
  spool_backlog INTEGER NOT NULL DEFAULT 0,
  interval_ms INTEGER NOT NULL DEFAULT 0
);
INSERT INTO locations (id, name, label, created_at)
  VALUES (1, 'local', '', CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));

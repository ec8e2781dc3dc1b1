-- Semaphore's first schema (DESIGN.md §3), SQLite dialect. Times are UTC epoch milliseconds.
-- Statements are separated by a semicolon at the end of a line.
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  is_admin INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
  created_at INTEGER NOT NULL
);

CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_by_user ON sessions(user_id);

CREATE TABLE signin_failures (
  key TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX signin_failures_by_key ON signin_failures(key, at);

CREATE TABLE hosts (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  hostname TEXT NOT NULL,
  provider TEXT NOT NULL CHECK (provider IN ('AWS', 'GCP', 'Azure', 'Other')),
  service TEXT NOT NULL DEFAULT '',
  label TEXT NOT NULL DEFAULT '',
  enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  created_at INTEGER NOT NULL,
  UNIQUE (user_id, hostname)
);

CREATE TABLE ping_results (
  host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
  ts INTEGER NOT NULL,
  sent INTEGER NOT NULL,
  received INTEGER NOT NULL,
  min_ms REAL,
  avg_ms REAL,
  max_ms REAL,
  median_ms REAL,
  stddev_ms REAL,
  error TEXT,
  PRIMARY KEY (host_id, ts)
) WITHOUT ROWID;

CREATE TABLE ping_rollups (
  host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
  period_s INTEGER NOT NULL,
  bucket_start INTEGER NOT NULL,
  rounds INTEGER NOT NULL,
  sent INTEGER NOT NULL,
  received INTEGER NOT NULL,
  min_ms REAL,
  max_ms REAL,
  avg_ms REAL,
  median_ms REAL,
  PRIMARY KEY (host_id, period_s, bucket_start)
) WITHOUT ROWID;

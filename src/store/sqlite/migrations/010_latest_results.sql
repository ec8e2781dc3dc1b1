-- Each host's latest round, kept by the database (issue 17: /report at 10,000 hosts on a cache miss). The
-- report judges every host of the user on every miss (the summary counts and the state filter need all
-- of them); reading each host's newest row out of ping_results is one index seek per host into a table of
-- millions of rows, mostly pages not in memory (141 ms at 10,000 hosts). latest_results holds, for each
-- (host, method), a copy of the newest row of ping_results: a few hundred kilobytes that stay in the cache,
-- read in one pass.
-- A trigger keeps it, not the application, so every writer (the result writer, a replay from the spool, a
-- bulk load through sqlite3) keeps it right: the row replaces the copy only if it is newer, so an old round
-- replayed late never hides a newer one. Retention (prune_results) removes a copy whose row it deleted.
CREATE TABLE latest_results (
  host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
  method INTEGER NOT NULL CHECK (method IN (0, 1)),
  ts INTEGER NOT NULL,
  sent INTEGER NOT NULL,
  received INTEGER NOT NULL,
  min_ms REAL,
  avg_ms REAL,
  max_ms REAL,
  median_ms REAL,
  stddev_ms REAL,
  error TEXT,
  refused INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (host_id, method)
) WITHOUT ROWID;

-- The newest row of each (host, method) already stored: per host and method, a seek for MAX(ts) from the
-- host's newest row backwards on the (host_id, ts, method) key.
INSERT INTO latest_results (host_id, method, ts, sent, received, min_ms, avg_ms, max_ms, median_ms, stddev_ms,
  error, refused)
  SELECT r.host_id, r.method, r.ts, r.sent, r.received, r.min_ms, r.avg_ms, r.max_ms, r.median_ms,
    r.stddev_ms, r.error, r.refused
  FROM hosts h CROSS JOIN (SELECT 0 AS method UNION ALL SELECT 1) m
  JOIN ping_results r ON r.host_id = h.id AND r.method = m.method
    AND r.ts = (SELECT MAX(ts) FROM ping_results WHERE host_id = h.id AND method = m.method);

CREATE TRIGGER ping_results_keep_latest AFTER INSERT ON ping_results
BEGIN
  INSERT INTO latest_results (host_id, method, ts, sent, received, min_ms, avg_ms, max_ms, median_ms,
    stddev_ms, error, refused)
  VALUES (NEW.host_id, NEW.method, NEW.ts, NEW.sent, NEW.received, NEW.min_ms, NEW.avg_ms, NEW.max_ms,
    NEW.median_ms, NEW.stddev_ms, NEW.error, NEW.refused)
  ON CONFLICT (host_id, method) DO UPDATE SET ts = excluded.ts, sent = excluded.sent,
    received = excluded.received, min_ms = excluded.min_ms, avg_ms = excluded.avg_ms,
    max_ms = excluded.max_ms, median_ms = excluded.median_ms, stddev_ms = excluded.stddev_ms,
    error = excluded.error, refused = excluded.refused
  WHERE excluded.ts > latest_results.ts;
END;

-- The report's order (provider, hostname) straight from an index, so that reading a user's 10,000 hosts with
-- their latest rounds sorts nothing (SQLite sorted the whole joined rows in a temporary b-tree: a third of
-- the statement's time).
CREATE INDEX hosts_user_provider_hostname ON hosts (user_id, provider, hostname);

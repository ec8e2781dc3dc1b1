-- The report at 10,000 hosts on a cache miss (issue 17). The report judges every host of the user on every
-- miss (the summary counts and the state filter need all of them), and at this size the ping service writes
-- every few seconds, so nearly every request is a miss. Reading each host's newest row out of ping_results
-- was an index seek per host into a table of millions of rows, mostly pages not in memory (141 ms at
-- 10,000 hosts). Two tables let the report read what changed and only that:
--  - latest_results: for each (host, method), a copy of the newest row of ping_results, clustered by user,
--    so that a user's latest rounds are one range of a few hundred kilobytes that stays in the cache;
--  - host_list_versions: a number per user that changes whenever one of their hosts is added, changed or
--    deleted, so that the report reads the host list again only then.
-- Triggers keep both, not the application, so every writer (the result writer, a replay from the spool, a
-- bulk load through sqlite3, `semaphore host` and the web) keeps them right.
CREATE TABLE latest_results (
  user_id INTEGER NOT NULL,
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
  PRIMARY KEY (user_id, host_id, method)
) WITHOUT ROWID;
-- For the foreign key: deleting a host finds its copies without a scan.
CREATE INDEX latest_results_host ON latest_results (host_id);

-- The newest row of each (host, method) already stored: per host and method, a seek for MAX(ts) from the
-- host's newest row backwards on the (host_id, ts, method) key.
INSERT INTO latest_results (user_id, host_id, method, ts, sent, received, min_ms, avg_ms, max_ms, median_ms,
  stddev_ms, error, refused)
  SELECT h.user_id, r.host_id, r.method, r.ts, r.sent, r.received, r.min_ms, r.avg_ms, r.max_ms,
    r.median_ms, r.stddev_ms, r.error, r.refused
  FROM hosts h CROSS JOIN (SELECT 0 AS method UNION ALL SELECT 1) m
  JOIN ping_results r ON r.host_id = h.id AND r.method = m.method
    AND r.ts = (SELECT MAX(ts) FROM ping_results WHERE host_id = h.id AND method = m.method);

-- A row replaces the copy only if it is newer, so an old round replayed late never hides a newer one.
-- Retention (prune_results) removes a copy whose row it deleted.
CREATE TRIGGER ping_results_keep_latest AFTER INSERT ON ping_results
BEGIN
  INSERT INTO latest_results (user_id, host_id, method, ts, sent, received, min_ms, avg_ms, max_ms,
    median_ms, stddev_ms, error, refused)
  SELECT h.user_id, NEW.host_id, NEW.method, NEW.ts, NEW.sent, NEW.received, NEW.min_ms, NEW.avg_ms,
    NEW.max_ms, NEW.median_ms, NEW.stddev_ms, NEW.error, NEW.refused
  FROM hosts h WHERE h.id = NEW.host_id
  ON CONFLICT (user_id, host_id, method) DO UPDATE SET ts = excluded.ts, sent = excluded.sent,
    received = excluded.received, min_ms = excluded.min_ms, avg_ms = excluded.avg_ms,
    max_ms = excluded.max_ms, median_ms = excluded.median_ms, stddev_ms = excluded.stddev_ms,
    error = excluded.error, refused = excluded.refused
  WHERE excluded.ts > latest_results.ts;
END;

-- No foreign key to users: deleting a user deletes their hosts, whose triggers then write here after the
-- user's row is gone. A deleted user's number stays behind (a few bytes).
CREATE TABLE host_list_versions (
  user_id INTEGER PRIMARY KEY,
  version INTEGER NOT NULL
);
INSERT INTO host_list_versions (user_id, version) SELECT id, 1 FROM users;

CREATE TRIGGER hosts_added_version AFTER INSERT ON hosts
BEGIN
  INSERT INTO host_list_versions (user_id, version) VALUES (NEW.user_id, 1)
  ON CONFLICT (user_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER hosts_changed_version AFTER UPDATE ON hosts
BEGIN
  INSERT INTO host_list_versions (user_id, version) VALUES (NEW.user_id, 1)
  ON CONFLICT (user_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER hosts_deleted_version AFTER DELETE ON hosts
BEGIN
  INSERT INTO host_list_versions (user_id, version) VALUES (OLD.user_id, 1)
  ON CONFLICT (user_id) DO UPDATE SET version = version + 1;
END;

-- The report's order (provider, hostname) straight from an index: the host list is read in that order.
CREATE INDEX hosts_user_provider_hostname ON hosts (user_id, provider, hostname);

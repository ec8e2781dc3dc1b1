-- Results keyed by (host, location) (issue 16, phase 1), SQLite dialect. Every row written so far is the
-- `local` location's (id 1, migration 012), and stays so:
--  - ping_results keeps its columns and key (host_id, ts, method): the location goes into `method`, packed
--    as (location - 1) * 2 + kind (src/store/result_location.h; why: bench/pg_store/README.md), so location
--    1 keeps 0 and 1 and no row changes. Only the CHECK widens, which SQLite can change only by making the
--    table anew (as 006 did): new table, every row copied, old one dropped, renamed.
--  - latest_results, ping_rollups and alert_state get a `location_id` column (existing rows 1) with a foreign
--    key to locations, in their keys, so two locations' rows of one host and round both stay.
--  - host_leases and probe_workers (PostgreSQL's leases; empty on SQLite) get theirs too: leases are per
--    location. Their rows go with a removed location; the result tables' do not (removal is refused while a
--    location has results: latest_results' key refers to it).
-- The trigger names ping_results: it goes first and comes back keyed by location.
DROP TRIGGER ping_results_keep_latest;

CREATE TABLE ping_results_013 (
  host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
  ts INTEGER NOT NULL,
  method INTEGER NOT NULL DEFAULT 0 CHECK (method BETWEEN 0 AND 32767),
  sent INTEGER NOT NULL,
  received INTEGER NOT NULL,
  min_ms REAL,
  avg_ms REAL,
  max_ms REAL,
  median_ms REAL,
  stddev_ms REAL,
  refused INTEGER NOT NULL DEFAULT 0 CHECK (refused >= 0),
  PRIMARY KEY (host_id, ts, method)
) WITHOUT ROWID;
INSERT INTO ping_results_013 (host_id, ts, method, sent, received, min_ms, avg_ms, max_ms, median_ms,
  stddev_ms, refused)
  SELECT host_id, ts, method, sent, received, min_ms, avg_ms, max_ms, median_ms, stddev_ms, refused
  FROM ping_results;
DROP TABLE ping_results;
ALTER TABLE ping_results_013 RENAME TO ping_results;

CREATE TABLE latest_results_013 (
  user_id INTEGER NOT NULL,
  host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
  location_id INTEGER NOT NULL DEFAULT 1 REFERENCES locations(id),
  method INTEGER NOT NULL CHECK (method IN (0, 1)),
  ts INTEGER NOT NULL,
  sent INTEGER NOT NULL,
  received INTEGER NOT NULL,
  min_ms REAL,
  avg_ms REAL,
  max_ms REAL,
  median_ms REAL,
  stddev_ms REAL,
  refused INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id, host_id, location_id, method)
) WITHOUT ROWID;
INSERT INTO latest_results_013 (user_id, host_id, location_id, method, ts, sent, received, min_ms, avg_ms,
  max_ms, median_ms, stddev_ms, refused)
  SELECT user_id, host_id, 1, method, ts, sent, received, min_ms, avg_ms, max_ms, median_ms, stddev_ms,
    refused
  FROM latest_results;
DROP TABLE latest_results;
ALTER TABLE latest_results_013 RENAME TO latest_results;
-- For the foreign keys: deleting a host, or a location, finds its copies without a scan.
CREATE INDEX latest_results_host ON latest_results (host_id);
CREATE INDEX latest_results_location ON latest_results (location_id);

CREATE TABLE ping_rollups_013 (
  host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
  period_s INTEGER NOT NULL,
  bucket_start INTEGER NOT NULL,
  location_id INTEGER NOT NULL DEFAULT 1 REFERENCES locations(id),
  method INTEGER NOT NULL DEFAULT 0 CHECK (method IN (0, 1)),
  rounds INTEGER NOT NULL,
  sent INTEGER NOT NULL,
  received INTEGER NOT NULL,
  min_ms REAL,
  max_ms REAL,
  avg_ms REAL,
  median_ms REAL,
  PRIMARY KEY (host_id, period_s, bucket_start, location_id, method)
) WITHOUT ROWID;
INSERT INTO ping_rollups_013 (host_id, period_s, bucket_start, location_id, method, rounds, sent, received,
  min_ms, max_ms, avg_ms, median_ms)
  SELECT host_id, period_s, bucket_start, 1, method, rounds, sent, received, min_ms, max_ms, avg_ms,
    median_ms
  FROM ping_rollups;
DROP TABLE ping_rollups;
ALTER TABLE ping_rollups_013 RENAME TO ping_rollups;
CREATE INDEX ping_rollups_location ON ping_rollups (location_id);

CREATE TABLE alert_state_013 (
  host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
  location_id INTEGER NOT NULL DEFAULT 1 REFERENCES locations(id),
  measured TEXT NOT NULL,
  shown TEXT NOT NULL,
  lost_streak INTEGER NOT NULL,
  poor_streak INTEGER NOT NULL,
  good_streak INTEGER NOT NULL,
  recent_changes TEXT NOT NULL DEFAULT '',
  last_change_at INTEGER NOT NULL,
  last_round_at INTEGER NOT NULL,
  window_start_state TEXT,
  PRIMARY KEY (host_id, location_id)
);
INSERT INTO alert_state_013 (host_id, location_id, measured, shown, lost_streak, poor_streak, good_streak,
  recent_changes, last_change_at, last_round_at, window_start_state)
  SELECT host_id, 1, measured, shown, lost_streak, poor_streak, good_streak, recent_changes, last_change_at,
    last_round_at, window_start_state
  FROM alert_state;
DROP TABLE alert_state;
ALTER TABLE alert_state_013 RENAME TO alert_state;
CREATE INDEX alert_state_location ON alert_state (location_id);

CREATE TABLE probe_workers_013 (
  worker_id TEXT PRIMARY KEY,
  location_id INTEGER NOT NULL DEFAULT 1 REFERENCES locations(id) ON DELETE CASCADE,
  last_seen INTEGER NOT NULL
);
INSERT INTO probe_workers_013 (worker_id, location_id, last_seen)
  SELECT worker_id, 1, last_seen FROM probe_workers;
DROP TABLE probe_workers;
ALTER TABLE probe_workers_013 RENAME TO probe_workers;

CREATE TABLE host_leases_013 (
  host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
  location_id INTEGER NOT NULL DEFAULT 1 REFERENCES locations(id) ON DELETE CASCADE,
  worker_id TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (host_id, location_id)
);
INSERT INTO host_leases_013 (host_id, location_id, worker_id, expires_at)
  SELECT host_id, 1, worker_id, expires_at FROM host_leases;
DROP TABLE host_leases;
ALTER TABLE host_leases_013 RENAME TO host_leases;
CREATE INDEX host_leases_by_worker ON host_leases(worker_id, host_id);

-- As in 011, keyed by location: the row's location and kind unpacked from its method; a row replaces the
-- copy only if it is newer, so an old round replayed late never hides a newer one. A row of a location that
-- does not exist fails here, on latest_results' foreign key.
CREATE TRIGGER ping_results_keep_latest AFTER INSERT ON ping_results
BEGIN
  INSERT INTO latest_results (user_id, host_id, location_id, method, ts, sent, received, min_ms, avg_ms,
    max_ms, median_ms, stddev_ms, refused)
  SELECT h.user_id, NEW.host_id, NEW.method / 2 + 1, NEW.method % 2, NEW.ts, NEW.sent, NEW.received,
    NEW.min_ms, NEW.avg_ms, NEW.max_ms, NEW.median_ms, NEW.stddev_ms, NEW.refused
  FROM hosts h WHERE h.id = NEW.host_id
  ON CONFLICT (user_id, host_id, location_id, method) DO UPDATE SET ts = excluded.ts, sent = excluded.sent,
    received = excluded.received, min_ms = excluded.min_ms, avg_ms = excluded.avg_ms,
    max_ms = excluded.max_ms, median_ms = excluded.median_ms, stddev_ms = excluded.stddev_ms,
    refused = excluded.refused
  WHERE excluded.ts > latest_results.ts;
END;

-- Results keyed by (host, location) (issue 16, phase 1), PostgreSQL dialect. Every row written so far is the
-- `local` location's (id 1, migration 012), and stays so:
--  - ping_results keeps its columns, its key (host_id, method, ts) and its day partitions: the location goes
--    into `method`, packed as (location - 1) * 2 + kind (src/store/result_location.h), so location 1 keeps
--    0 and 1 and not a row is rewritten. A SMALLINT column of its own would cost 8 bytes a row (the tuple
--    padded from 64 to 72: 104.8 B/row against 96.9, bench/pg_store/README.md); in `method` it costs none.
--    Only the CHECK widens (the scan that validates it reads each partition once, writes nothing).
--  - latest_results, ping_rollups and alert_state get a `location_id` column (existing rows 1: a default
--    that is a constant, so no rewrite) with a foreign key to locations, in their keys, so two locations'
--    rows of one host and round both stay.
--  - host_leases and probe_workers get theirs too: leases are per location. Their rows go with a removed
--    location; the result tables' do not (removal is refused while a location has results: latest_results'
--    key refers to it).

-- The partitions were made with LIKE ... INCLUDING CONSTRAINTS, so each holds its own copy of the CHECK
-- (attached, not inherited only): each is dropped, then the new one is added on the parent, which adds it to
-- every partition (and semaphore_ensure_partitions copies it into the partitions made from now on).
ALTER TABLE ping_results DROP CONSTRAINT ping_results_method_check;
DO $$
DECLARE
  part RECORD;
BEGIN
  FOR part IN
    SELECT c.relname AS relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = to_regclass('ping_results')
  LOOP
    EXECUTE format('ALTER TABLE %I DROP CONSTRAINT IF EXISTS ping_results_method_check', part.relname);
  END LOOP;
END
$$;
ALTER TABLE ping_results ADD CONSTRAINT ping_results_method_check CHECK (method >= 0);

ALTER TABLE latest_results ADD COLUMN location_id INTEGER NOT NULL DEFAULT 1 REFERENCES locations(id);
ALTER TABLE latest_results DROP CONSTRAINT latest_results_pkey,
  ADD PRIMARY KEY (user_id, host_id, location_id, method);
-- For the foreign key: removing a location finds its copies without a scan.
CREATE INDEX latest_results_location ON latest_results (location_id);

-- Rollups are 50 rows per host and day, not 1,440: a column of their own, with its foreign key.
ALTER TABLE ping_rollups ADD COLUMN location_id SMALLINT NOT NULL DEFAULT 1 REFERENCES locations(id);
ALTER TABLE ping_rollups DROP CONSTRAINT ping_rollups_pkey,
  ADD PRIMARY KEY (host_id, period_s, bucket_start, location_id, method);

ALTER TABLE alert_state ADD COLUMN location_id INTEGER NOT NULL DEFAULT 1 REFERENCES locations(id);
ALTER TABLE alert_state DROP CONSTRAINT alert_state_pkey, ADD PRIMARY KEY (host_id, location_id);

ALTER TABLE probe_workers ADD COLUMN location_id INTEGER NOT NULL DEFAULT 1
  REFERENCES locations(id) ON DELETE CASCADE;
ALTER TABLE host_leases ADD COLUMN location_id INTEGER NOT NULL DEFAULT 1
  REFERENCES locations(id) ON DELETE CASCADE;
ALTER TABLE host_leases DROP CONSTRAINT host_leases_pkey, ADD PRIMARY KEY (host_id, location_id);

-- As in 011, keyed by location: one upsert per statement over its new rows, the row's location and kind
-- unpacked from its method, in (host_id, method) order so that two workers' batches lock the same keys in
-- the same order; a row replaces the copy only if it is newer, so an old round replayed late never hides a
-- newer one. A row of a location that does not exist fails here, on latest_results' foreign key.
CREATE OR REPLACE FUNCTION semaphore_keep_latest_results() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO latest_results AS l (user_id, ts, host_id, location_id, method, sent, received, refused,
    min_ms, avg_ms, max_ms, median_ms, stddev_ms)
    SELECT DISTINCT ON (n.host_id, n.method) h.user_id, n.ts, n.host_id, n.method / 2 + 1, n.method % 2,
      n.sent, n.received, n.refused, n.min_ms, n.avg_ms, n.max_ms, n.median_ms, n.stddev_ms
    FROM new_rows n JOIN hosts h ON h.id = n.host_id ORDER BY n.host_id, n.method, n.ts DESC
  ON CONFLICT (user_id, host_id, location_id, method) DO UPDATE SET ts = EXCLUDED.ts, sent = EXCLUDED.sent,
    received = EXCLUDED.received, refused = EXCLUDED.refused, min_ms = EXCLUDED.min_ms,
    avg_ms = EXCLUDED.avg_ms, max_ms = EXCLUDED.max_ms, median_ms = EXCLUDED.median_ms,
    stddev_ms = EXCLUDED.stddev_ms
  WHERE EXCLUDED.ts > l.ts;
  RETURN NULL;
END
$$;

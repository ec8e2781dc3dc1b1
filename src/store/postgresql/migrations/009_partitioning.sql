-- A million hosts on PostgreSQL (issue 17), PostgreSQL dialect. Number 009: 008 is users.max_hosts.
-- ping_results and ping_rollups become partitioned by time (declarative range partitioning on the epoch-ms
-- column), so that retention drops whole partitions instead of deleting rows, and their rows get narrower.
--  - ping_results: a partition per UTC day (ping_results_YYYYMMDD). At 1,000,000 hosts a minute that is 1.44
--    billion rows a day, about 140 GB; at 10,000 hosts 14 million. A day keeps each partition's indexes a
--    size that vacuum and a drop handle in one go, makes retention exact to a day, and the 30 days of the
--    default retention about 32 partitions, few enough that planning stays cheap.
--  - ping_rollups: a partition per UTC month (ping_rollups_YYYYMM): 50 rows per host per day (24 hourly and
--    1 daily, per method), kept two years, so 25 partitions.
-- Maintenance creates the partitions ahead (semaphore_ensure_partitions) and a writer creates any a batch
-- needs before it inserts (a late replay, a skewed clock), so an insert never lacks a partition; there is no
-- DEFAULT partition, which would keep the planner from reading the partitions in time order (a host's newest
-- round is then the newest partition's, not one probe per partition).
-- Narrower rows: host_id INTEGER (hosts.id stays BIGINT; two billion hosts is far off), counts SMALLINT in
-- raw rows, RTTs REAL (float4: 7 significant digits, a tenth of a microsecond below 1 s; the engine measures
-- microseconds), the fixed-width columns ordered so that nothing is padded. The only index is the primary
-- key, which every read and the writer's ON CONFLICT (host_id, ts, method) use; its columns go (host_id,
-- method, ts): 16 bytes of key without padding (in the old order 18, padded to 24), and a host's newest row of
-- a kind is the end of one index range.

-- Creates the partitions of `parent` (range-partitioned on epoch ms) for every UTC `unit` ('day' or
-- 'month') from the one holding from_ms to the one holding to_ms that does not exist yet; returns how many it
-- made. Creators take turns on an advisory lock, so two workers never race to create the same partition.
-- A partition is made as a table of its own and then attached: CREATE TABLE ... PARTITION OF would take the
-- parent's ACCESS EXCLUSIVE lock (every reader and writer waits), ATTACH PARTITION only SHARE UPDATE
-- EXCLUSIVE, which lets them through; attaching copies the parent's indexes and foreign keys onto it.
CREATE FUNCTION semaphore_ensure_partitions(parent TEXT, unit TEXT, from_ms BIGINT, to_ms BIGINT)
RETURNS INTEGER LANGUAGE plpgsql AS $$
DECLARE
  t TIMESTAMP := date_trunc(unit, to_timestamp(from_ms / 1000.0) AT TIME ZONE 'UTC');
  last TIMESTAMP := to_timestamp(to_ms / 1000.0) AT TIME ZONE 'UTC';
  next TIMESTAMP;
  name TEXT;
  created INTEGER := 0;
BEGIN
  IF unit NOT IN ('day', 'month') THEN
    RAISE EXCEPTION 'unknown partition unit %', unit;
  END IF;
  PERFORM pg_advisory_xact_lock(7468502);
  WHILE t <= last LOOP
    next := t + CAST('1 ' || unit AS INTERVAL);
    name := parent || '_' || to_char(t, CASE unit WHEN 'day' THEN 'YYYYMMDD' ELSE 'YYYYMM' END);
    IF to_regclass(name) IS NULL THEN
      EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', name, parent);
      EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%s) TO (%s)', parent, name,
                     CAST(extract(epoch FROM t) * 1000 AS BIGINT), CAST(extract(epoch FROM next) * 1000 AS BIGINT));
      created := created + 1;
    END IF;
    t := next;
  END LOOP;
  RETURN created;
END
$$;

-- Drops every partition of `parent` whose range ends at or before before_ms (all its rows are older). A drop
-- takes the parent's ACCESS EXCLUSIVE lock for a moment (the caller sets a lock_timeout);
-- returns the rows they held, as the statistics count them (pg_class.reltuples), or counted when a partition
-- was never analyzed (a small one): counting a day of a million hosts would read 140 GB.
CREATE FUNCTION semaphore_drop_partitions(parent TEXT, before_ms BIGINT)
RETURNS BIGINT LANGUAGE plpgsql AS $$
DECLARE
  part RECORD;
  n BIGINT;
  dropped BIGINT := 0;
BEGIN
  PERFORM pg_advisory_xact_lock(7468502);
  FOR part IN
    SELECT c.oid AS oid, c.reltuples AS reltuples,
           CAST(substring(pg_get_expr(c.relpartbound, c.oid) FROM 'TO \(''(-?[0-9]+)''\)') AS BIGINT) AS upper
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = to_regclass(parent)
  LOOP
    IF part.upper IS NOT NULL AND part.upper <= before_ms THEN
      IF part.reltuples >= 0 THEN
        n := CAST(part.reltuples AS BIGINT);
      ELSE
        EXECUTE format('SELECT COUNT(*) FROM %s', CAST(part.oid AS regclass)) INTO n;
      END IF;
      dropped := dropped + n;
      EXECUTE format('DROP TABLE %s', CAST(part.oid AS regclass));
    END IF;
  END LOOP;
  RETURN dropped;
END
$$;

-- The old tables step aside (with their primary keys' names, which the new ones take).
ALTER TABLE ping_results RENAME TO ping_results_unpartitioned;
ALTER INDEX ping_results_pkey RENAME TO ping_results_unpartitioned_pkey;
ALTER TABLE ping_rollups RENAME TO ping_rollups_unpartitioned;
ALTER INDEX ping_rollups_pkey RENAME TO ping_rollups_unpartitioned_pkey;

CREATE TABLE ping_results (
  ts BIGINT NOT NULL,
  host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
  method SMALLINT NOT NULL DEFAULT 0 CHECK (method IN (0, 1)),
  sent SMALLINT NOT NULL,
  received SMALLINT NOT NULL,
  refused SMALLINT NOT NULL DEFAULT 0 CHECK (refused >= 0),
  min_ms REAL,
  avg_ms REAL,
  max_ms REAL,
  median_ms REAL,
  stddev_ms REAL,
  error TEXT,
  PRIMARY KEY (host_id, method, ts)
) PARTITION BY RANGE (ts);

CREATE TABLE ping_rollups (
  bucket_start BIGINT NOT NULL,
  host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
  period_s INTEGER NOT NULL,
  rounds INTEGER NOT NULL,
  sent INTEGER NOT NULL,
  received INTEGER NOT NULL,
  method SMALLINT NOT NULL DEFAULT 0 CHECK (method IN (0, 1)),
  min_ms REAL,
  max_ms REAL,
  avg_ms REAL,
  median_ms REAL,
  PRIMARY KEY (host_id, period_s, bucket_start, method)
) PARTITION BY RANGE (bucket_start);

-- A partition for each day (month) that has rows, then every row moved across.
SELECT semaphore_ensure_partitions('ping_results', 'day', d, d)
FROM (SELECT DISTINCT ts - ((ts % 86400000) + 86400000) % 86400000 AS d FROM ping_results_unpartitioned) AS days;
SELECT semaphore_ensure_partitions('ping_rollups', 'month', b, b)
FROM (SELECT DISTINCT bucket_start - ((bucket_start % 86400000) + 86400000) % 86400000 AS b
      FROM ping_rollups_unpartitioned) AS days;
INSERT INTO ping_results (ts, host_id, method, sent, received, refused, min_ms, avg_ms, max_ms, median_ms,
                          stddev_ms, error)
SELECT ts, host_id, method, sent, received, refused, min_ms, avg_ms, max_ms, median_ms, stddev_ms, error
FROM ping_results_unpartitioned;
INSERT INTO ping_rollups (bucket_start, host_id, period_s, rounds, sent, received, method, min_ms, max_ms,
                          avg_ms, median_ms)
SELECT bucket_start, host_id, period_s, rounds, sent, received, method, min_ms, max_ms, avg_ms, median_ms
FROM ping_rollups_unpartitioned;
DROP TABLE ping_results_unpartitioned;
DROP TABLE ping_rollups_unpartitioned;

-- Today's partitions and the next few; maintenance keeps creating them ahead.
SELECT semaphore_ensure_partitions('ping_results', 'day', CAST(extract(epoch FROM now()) * 1000 AS BIGINT),
                                   CAST(extract(epoch FROM now() + INTERVAL '3 days') * 1000 AS BIGINT));
SELECT semaphore_ensure_partitions('ping_rollups', 'month', CAST(extract(epoch FROM now()) * 1000 AS BIGINT),
                                   CAST(extract(epoch FROM now() + INTERVAL '31 days') * 1000 AS BIGINT));

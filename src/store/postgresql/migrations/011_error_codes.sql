-- The result row's error as a code (issue 17), PostgreSQL dialect. ping_results and latest_results lose
-- their free-text `error` column: a round with no reply says why in one of five words, now kept as a code in
-- the high bits of `refused` (src/store/result_error.h):
--   refused = code * 4096 + RST answers, code 0 none, 1 'unresolvable', 2 'refused', 3 'unreachable',
--   4 'timeout', 5 'send failed', 7 any other word (read back as 'error').
-- A good round's row then has no NULL, so no null bitmap, and its 23-byte header pads to 24 instead of 32:
-- 8 bytes less a row (bench/pg_store). The store maps the code back to the word on every read.
-- ALTER TABLE ... DROP COLUMN would only mark the column dropped: every row keeps its slot (a NULL, so the
-- bitmap and its padding) even after a rewrite. So ping_results is made anew, as 009 did: the old table and
-- its day partitions step aside (renamed), the new one gets the same day partitions, every row is copied
-- across with its word turned into a code, the primary key and the foreign key are built over the loaded
-- rows (one sorted build per partition instead of a row-by-row insert into each key), and the old table
-- goes. The partitions' keys are built packed (fillfactor 90); maintenance rebuilds each closed day's key
-- full as before.

-- The old table, its key and its partitions (with their keys) step aside under an _010 suffix.
ALTER TABLE ping_results RENAME TO ping_results_010;
ALTER INDEX ping_results_pkey RENAME TO ping_results_010_pkey;
DO $$
DECLARE
  part RECORD;
  idx RECORD;
BEGIN
  FOR part IN
    SELECT c.oid AS oid, c.relname AS relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = to_regclass('ping_results_010')
  LOOP
    FOR idx IN
      SELECT ic.relname AS relname FROM pg_index x JOIN pg_class ic ON ic.oid = x.indexrelid
      WHERE x.indrelid = part.oid
    LOOP
      EXECUTE format('ALTER INDEX %I RENAME TO %I', idx.relname, idx.relname || '_010');
    END LOOP;
    EXECUTE format('ALTER TABLE %I RENAME TO %I', part.relname, part.relname || '_010');
  END LOOP;
END
$$;

CREATE TABLE ping_results (
  ts BIGINT NOT NULL,
  host_id INTEGER NOT NULL,
  method SMALLINT NOT NULL DEFAULT 0 CHECK (method IN (0, 1)),
  sent SMALLINT NOT NULL,
  received SMALLINT NOT NULL,
  refused SMALLINT NOT NULL DEFAULT 0 CHECK (refused >= 0),
  min_ms REAL,
  avg_ms REAL,
  max_ms REAL,
  median_ms REAL,
  stddev_ms REAL
) PARTITION BY RANGE (ts);

-- The same days as before (those with rows and those made ahead).
SELECT semaphore_ensure_partitions('ping_results', 'day', b.lower, b.lower)
FROM (SELECT CAST(substring(pg_get_expr(c.relpartbound, c.oid) FROM 'FROM \(''(-?[0-9]+)''\)') AS BIGINT) AS lower
      FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = to_regclass('ping_results_010')) AS b
WHERE b.lower IS NOT NULL;

INSERT INTO ping_results (ts, host_id, method, sent, received, refused, min_ms, avg_ms, max_ms, median_ms,
                          stddev_ms)
SELECT ts, host_id, method, sent, received,
       CASE WHEN refused > 4095 THEN 4095 ELSE refused END + CASE WHEN error IS NULL OR error = '' THEN 0
         ELSE 4096 * CASE error WHEN 'unresolvable' THEN 1 WHEN 'refused' THEN 2 WHEN 'unreachable' THEN 3
           WHEN 'timeout' THEN 4 WHEN 'send failed' THEN 5 ELSE 7 END END,
       min_ms, avg_ms, max_ms, median_ms, stddev_ms
FROM ping_results_010;

ALTER TABLE ping_results ADD PRIMARY KEY (host_id, method, ts);
ALTER TABLE ping_results ADD FOREIGN KEY (host_id) REFERENCES hosts(id) ON DELETE CASCADE;
DROP TABLE ping_results_010;

UPDATE latest_results SET refused = CASE WHEN refused > 4095 THEN 4095 ELSE refused END + 4096 * CASE error
    WHEN 'unresolvable' THEN 1 WHEN 'refused' THEN 2 WHEN 'unreachable' THEN 3 WHEN 'timeout' THEN 4
    WHEN 'send failed' THEN 5 ELSE 7 END
  WHERE error IS NOT NULL AND error <> '';
-- One row per host and method, rewritten by every round: the dropped column's slot costs nothing that
-- matters here.
ALTER TABLE latest_results DROP COLUMN error;

-- As in 010, without the column: one upsert per statement over its new rows, in (host_id, method) order so
-- that two workers' batches lock the same keys in the same order; a row replaces the copy only if it is
-- newer, so an old round replayed late never hides a newer one.
CREATE OR REPLACE FUNCTION semaphore_keep_latest_results() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO latest_results AS l (user_id, ts, host_id, method, sent, received, refused, min_ms, avg_ms,
    max_ms, median_ms, stddev_ms)
    SELECT DISTINCT ON (n.host_id, n.method) h.user_id, n.ts, n.host_id, n.method, n.sent, n.received,
      n.refused, n.min_ms, n.avg_ms, n.max_ms, n.median_ms, n.stddev_ms
    FROM new_rows n JOIN hosts h ON h.id = n.host_id ORDER BY n.host_id, n.method, n.ts DESC
  ON CONFLICT (user_id, host_id, method) DO UPDATE SET ts = EXCLUDED.ts, sent = EXCLUDED.sent,
    received = EXCLUDED.received, refused = EXCLUDED.refused, min_ms = EXCLUDED.min_ms,
    avg_ms = EXCLUDED.avg_ms, max_ms = EXCLUDED.max_ms, median_ms = EXCLUDED.median_ms,
    stddev_ms = EXCLUDED.stddev_ms
  WHERE EXCLUDED.ts > l.ts;
  RETURN NULL;
END
$$;

CREATE TRIGGER ping_results_keep_latest AFTER INSERT ON ping_results REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION semaphore_keep_latest_results();

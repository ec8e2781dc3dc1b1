-- Which transaction last wrote each latest_results row (issue 17), PostgreSQL dialect. The data version a
-- reader keeps what it read under is a snapshot (txid_current_snapshot(), postgresql_dialect.cpp); a row
-- whose writer that snapshot does not see was written after it (or was still in progress), so a /report miss
-- reads only those rows — `NOT pg_visible_in_snapshot(written_by, version)` — and merges them into what it
-- kept (HostStore::latest_rounds_written_since), instead of every latest row of the user. The column has no
-- index: the trigger's rewrite of a row stays a heap-only update (migration 017). NULL: not written since
-- this migration, so older than any version read after it.
ALTER TABLE latest_results ADD COLUMN written_by xid8;

-- As in 013, with the writer recorded.
CREATE OR REPLACE FUNCTION semaphore_keep_latest_results() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO latest_results AS l (user_id, ts, host_id, location_id, method, sent, received, refused,
    min_ms, avg_ms, max_ms, median_ms, stddev_ms, written_by)
    SELECT DISTINCT ON (n.host_id, n.method) h.user_id, n.ts, n.host_id, n.method / 2 + 1, n.method % 2,
      n.sent, n.received, n.refused, n.min_ms, n.avg_ms, n.max_ms, n.median_ms, n.stddev_ms,
      pg_current_xact_id()
    FROM new_rows n JOIN hosts h ON h.id = n.host_id ORDER BY n.host_id, n.method, n.ts DESC
  ON CONFLICT (user_id, host_id, location_id, method) DO UPDATE SET ts = EXCLUDED.ts, sent = EXCLUDED.sent,
    received = EXCLUDED.received, refused = EXCLUDED.refused, min_ms = EXCLUDED.min_ms,
    avg_ms = EXCLUDED.avg_ms, max_ms = EXCLUDED.max_ms, median_ms = EXCLUDED.median_ms,
    stddev_ms = EXCLUDED.stddev_ms, written_by = EXCLUDED.written_by
  WHERE EXCLUDED.ts > l.ts;
  RETURN NULL;
END
$$;

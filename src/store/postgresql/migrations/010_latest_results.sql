-- Each host's latest round, kept by the database (issue 17: /report at 10,000 hosts on a cache miss). The
-- report judges every host of the user on every miss (the summary counts and the state filter need all
-- of them); reading each host's newest row out of ping_results is one index probe per host, each with a
-- heap fetch, into a table of millions of rows (456 ms at 10,000 hosts). latest_results holds, for each
-- (host, method), a copy of the newest row of ping_results: small enough to stay in shared buffers, read in
-- one pass.
-- A trigger keeps it, not the application, so every writer (the result writer, a replay, a bulk COPY) keeps
-- it right. It is a statement-level trigger over the statement's new rows (a transition table, which on a
-- partitioned table sees the rows of every partition): one upsert per batch, not one per row, in
-- (host_id, method) order so that two workers' batches lock the same keys in the same order. A row replaces
-- the copy only if it is newer, so an old round replayed late never hides a newer one. Every round updates
-- every copy: pages kept half empty (fillfactor 50) let each update stay on its page (a HOT update: no
-- index entry, and the old version pruned without a vacuum), since no indexed column changes. Retention
-- (prune_results) removes a copy whose row it dropped.
CREATE TABLE latest_results (
  ts BIGINT NOT NULL,
  host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
  method SMALLINT NOT NULL CHECK (method IN (0, 1)),
  sent SMALLINT NOT NULL,
  received SMALLINT NOT NULL,
  refused SMALLINT NOT NULL DEFAULT 0,
  min_ms REAL,
  avg_ms REAL,
  max_ms REAL,
  median_ms REAL,
  stddev_ms REAL,
  error TEXT,
  PRIMARY KEY (host_id, method)
) WITH (fillfactor = 50);

INSERT INTO latest_results (ts, host_id, method, sent, received, refused, min_ms, avg_ms, max_ms, median_ms,
  stddev_ms, error)
  SELECT r.ts, r.host_id, r.method, r.sent, r.received, r.refused, r.min_ms, r.avg_ms, r.max_ms, r.median_ms,
    r.stddev_ms, r.error
  FROM hosts h CROSS JOIN (VALUES (0), (1)) AS m(method),
  LATERAL (SELECT * FROM ping_results p WHERE p.host_id = h.id AND p.method = m.method
           ORDER BY p.ts DESC LIMIT 1) r;

CREATE FUNCTION semaphore_keep_latest_results() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO latest_results AS l (ts, host_id, method, sent, received, refused, min_ms, avg_ms, max_ms,
    median_ms, stddev_ms, error)
    SELECT DISTINCT ON (n.host_id, n.method) n.ts, n.host_id, n.method, n.sent, n.received, n.refused,
      n.min_ms, n.avg_ms, n.max_ms, n.median_ms, n.stddev_ms, n.error
    FROM new_rows n ORDER BY n.host_id, n.method, n.ts DESC
  ON CONFLICT (host_id, method) DO UPDATE SET ts = EXCLUDED.ts, sent = EXCLUDED.sent,
    received = EXCLUDED.received, refused = EXCLUDED.refused, min_ms = EXCLUDED.min_ms,
    avg_ms = EXCLUDED.avg_ms, max_ms = EXCLUDED.max_ms, median_ms = EXCLUDED.median_ms,
    stddev_ms = EXCLUDED.stddev_ms, error = EXCLUDED.error
  WHERE EXCLUDED.ts > l.ts;
  RETURN NULL;
END
$$;

CREATE TRIGGER ping_results_keep_latest AFTER INSERT ON ping_results REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION semaphore_keep_latest_results();

-- The report's order (provider, hostname) straight from an index, so that reading a user's 10,000 hosts with
-- their latest rounds sorts nothing (SQLite sorted the whole joined rows in a temporary b-tree: a third of
-- the statement's time).
CREATE INDEX hosts_user_provider_hostname ON hosts (user_id, provider, hostname);

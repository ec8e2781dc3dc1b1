-- The report at 10,000 hosts on a cache miss (issue 17). The report judges every host of the user on every
-- miss (the summary counts and the state filter need all of them), and at this size the ping service writes
-- every few seconds, so nearly every request is a miss. Reading each host's newest row out of ping_results
-- was an index probe per host, each with a heap fetch, into a table of millions of rows (456 ms at 10,000
-- hosts). Two tables let the report read what changed and only that:
--  - latest_results: for each (host, method), a copy of the newest row of ping_results, keyed by user
--    first, so that a user's latest rounds are one index range in a table small enough for shared buffers;
--  - host_list_versions: a number per user that changes whenever one of their hosts is added, changed or
--    deleted, so that the report reads the host list again only then.
-- Triggers keep both, not the application, so every writer (the result writer, a replay, a bulk COPY,
-- `semaphore host` and the web) keeps them right.
CREATE TABLE latest_results (
  user_id BIGINT NOT NULL,
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
  PRIMARY KEY (user_id, host_id, method)
) WITH (fillfactor = 50);
-- For the foreign key: deleting a host finds its copies without a scan.
CREATE INDEX latest_results_host ON latest_results (host_id);

INSERT INTO latest_results (user_id, ts, host_id, method, sent, received, refused, min_ms, avg_ms, max_ms,
  median_ms, stddev_ms, error)
  SELECT h.user_id, r.ts, r.host_id, r.method, r.sent, r.received, r.refused, r.min_ms, r.avg_ms, r.max_ms,
    r.median_ms, r.stddev_ms, r.error
  FROM hosts h CROSS JOIN (VALUES (0), (1)) AS m(method),
  LATERAL (SELECT * FROM ping_results p WHERE p.host_id = h.id AND p.method = m.method
           ORDER BY p.ts DESC LIMIT 1) r;

-- A statement-level trigger over the statement's new rows (a transition table, which on a partitioned
-- table sees the rows of every partition): one upsert per batch, not one per row, in (host_id, method)
-- order so that two workers' batches lock the same keys in the same order. A row replaces the copy only if
-- it is newer, so an old round replayed late never hides a newer one. Every round updates every copy:
-- pages kept half empty (fillfactor 50) let each update stay on its page (a HOT update: no index entry, and
-- the old version pruned without a vacuum), since no indexed column changes. Retention (prune_results)
-- removes a copy whose row it dropped.
CREATE FUNCTION semaphore_keep_latest_results() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO latest_results AS l (user_id, ts, host_id, method, sent, received, refused, min_ms, avg_ms,
    max_ms, median_ms, stddev_ms, error)
    SELECT DISTINCT ON (n.host_id, n.method) h.user_id, n.ts, n.host_id, n.method, n.sent, n.received,
      n.refused, n.min_ms, n.avg_ms, n.max_ms, n.median_ms, n.stddev_ms, n.error
    FROM new_rows n JOIN hosts h ON h.id = n.host_id ORDER BY n.host_id, n.method, n.ts DESC
  ON CONFLICT (user_id, host_id, method) DO UPDATE SET ts = EXCLUDED.ts, sent = EXCLUDED.sent,
    received = EXCLUDED.received, refused = EXCLUDED.refused, min_ms = EXCLUDED.min_ms,
    avg_ms = EXCLUDED.avg_ms, max_ms = EXCLUDED.max_ms, median_ms = EXCLUDED.median_ms,
    stddev_ms = EXCLUDED.stddev_ms, error = EXCLUDED.error
  WHERE EXCLUDED.ts > l.ts;
  RETURN NULL;
END
$$;

CREATE TRIGGER ping_results_keep_latest AFTER INSERT ON ping_results REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION semaphore_keep_latest_results();

-- No foreign key to users: deleting a user deletes their hosts, whose trigger then writes here after the
-- user's row is gone. A deleted user's number stays behind (a few bytes).
CREATE TABLE host_list_versions (
  user_id BIGINT PRIMARY KEY,
  version BIGINT NOT NULL
);
INSERT INTO host_list_versions (user_id, version) SELECT id, 1 FROM users;

CREATE FUNCTION semaphore_bump_host_list_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO host_list_versions AS v (user_id, version)
    VALUES (CASE WHEN TG_OP = 'DELETE' THEN OLD.user_id ELSE NEW.user_id END, 1)
  ON CONFLICT (user_id) DO UPDATE SET version = v.version + 1;
  RETURN NULL;
END
$$;

CREATE TRIGGER hosts_bump_version AFTER INSERT OR UPDATE OR DELETE ON hosts
  FOR EACH ROW EXECUTE FUNCTION semaphore_bump_host_list_version();

-- The report's order (provider, hostname) straight from an index: the host list is read in that order.
CREATE INDEX hosts_user_provider_hostname ON hosts (user_id, provider, hostname);

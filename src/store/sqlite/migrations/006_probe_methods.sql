-- Probe methods (issue 15), SQLite dialect. A host is probed by ICMP echo (the default), by TCP connect to
-- `tcp_port`, or both each round; a result row records the one method it measured (core/probe_method.h
-- ProbeKind: 0 icmp, 1 tcp), so a `both` host has two rows per round and the key grows by `method`.
-- `refused` counts the TCP answers that were a RST (the host up, the port closed), among `received`.
-- Existing hosts become icmp hosts and existing rows icmp rows, without loss.
ALTER TABLE hosts ADD COLUMN probe_method TEXT NOT NULL DEFAULT 'icmp'
  CHECK (probe_method IN ('icmp', 'tcp', 'both'));
ALTER TABLE hosts ADD COLUMN tcp_port INTEGER NOT NULL DEFAULT 443 CHECK (tcp_port BETWEEN 1 AND 65535);

-- SQLite cannot change a primary key: the WITHOUT ROWID tables are rebuilt (new table, copy, drop,
-- rename). Nothing references them and they have no other index.
CREATE TABLE ping_results_006 (
  host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
  ts INTEGER NOT NULL,
  method INTEGER NOT NULL DEFAULT 0 CHECK (method IN (0, 1)),
  sent INTEGER NOT NULL,
  received INTEGER NOT NULL,
  min_ms REAL,
  avg_ms REAL,
  max_ms REAL,
  median_ms REAL,
  stddev_ms REAL,
  error TEXT,
  refused INTEGER NOT NULL DEFAULT 0 CHECK (refused >= 0),
  PRIMARY KEY (host_id, ts, method)
) WITHOUT ROWID;
INSERT INTO ping_results_006 (host_id, ts, method, sent, received, min_ms, avg_ms, max_ms, median_ms,
  stddev_ms, error, refused)
  SELECT host_id, ts, 0, sent, received, min_ms, avg_ms, max_ms, median_ms, stddev_ms, error, 0
  FROM ping_results;
DROP TABLE ping_results;
ALTER TABLE ping_results_006 RENAME TO ping_results;

CREATE TABLE ping_rollups_006 (
  host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
  period_s INTEGER NOT NULL,
  bucket_start INTEGER NOT NULL,
  method INTEGER NOT NULL DEFAULT 0 CHECK (method IN (0, 1)),
  rounds INTEGER NOT NULL,
  sent INTEGER NOT NULL,
  received INTEGER NOT NULL,
  min_ms REAL,
  max_ms REAL,
  avg_ms REAL,
  median_ms REAL,
  PRIMARY KEY (host_id, period_s, bucket_start, method)
) WITHOUT ROWID;
INSERT INTO ping_rollups_006 (host_id, period_s, bucket_start, method, rounds, sent, received, min_ms,
  max_ms, avg_ms, median_ms)
  SELECT host_id, period_s, bucket_start, 0, rounds, sent, received, min_ms, max_ms, avg_ms, median_ms
  FROM ping_rollups;
DROP TABLE ping_rollups;
ALTER TABLE ping_rollups_006 RENAME TO ping_rollups;

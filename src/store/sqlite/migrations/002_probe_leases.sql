-- The ping service's leases (issue 4). SQLite runs a single probe worker (guarded by a file lock), so these
-- tables stay empty there; they exist so that both back ends have the same schema at every version.
CREATE TABLE probe_workers (
  worker_id TEXT PRIMARY KEY,
  last_seen INTEGER NOT NULL
);

CREATE TABLE host_leases (
  host_id INTEGER PRIMARY KEY REFERENCES hosts(id) ON DELETE CASCADE,
  worker_id TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX host_leases_by_worker ON host_leases(worker_id, host_id);

-- The ping service's leases (issue 4): several `semaphore probe` workers share the hosts. A worker renews its
-- heartbeat and its leases every round; a lease whose expires_at has passed may be claimed by another worker.
CREATE TABLE probe_workers (
  worker_id TEXT PRIMARY KEY,
  last_seen BIGINT NOT NULL
);

CREATE TABLE host_leases (
  host_id BIGINT PRIMARY KEY REFERENCES hosts(id) ON DELETE CASCADE,
  worker_id TEXT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX host_leases_by_worker ON host_leases(worker_id, host_id);

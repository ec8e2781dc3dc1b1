-- Probe methods (issue 15), PostgreSQL dialect. A host is probed by ICMP echo (the default), by TCP connect
-- to `tcp_port`, or both each round; a result row records the one method it measured (core/probe_method.h
-- ProbeKind: 0 icmp, 1 tcp), so a `both` host has two rows per round and the key grows by `method`.
-- `refused` counts the TCP answers that were a RST (the host up, the port closed), among `received`.
-- Existing hosts become icmp hosts and existing rows icmp rows, without loss.
ALTER TABLE hosts ADD COLUMN probe_method TEXT NOT NULL DEFAULT 'icmp'
  CHECK (probe_method IN ('icmp', 'tcp', 'both'));
ALTER TABLE hosts ADD COLUMN tcp_port INTEGER NOT NULL DEFAULT 443 CHECK (tcp_port BETWEEN 1 AND 65535);

ALTER TABLE ping_results ADD COLUMN method SMALLINT NOT NULL DEFAULT 0 CHECK (method IN (0, 1));
ALTER TABLE ping_results ADD COLUMN refused SMALLINT NOT NULL DEFAULT 0 CHECK (refused >= 0);
ALTER TABLE ping_results DROP CONSTRAINT ping_results_pkey, ADD PRIMARY KEY (host_id, ts, method);

ALTER TABLE ping_rollups ADD COLUMN method SMALLINT NOT NULL DEFAULT 0 CHECK (method IN (0, 1));
ALTER TABLE ping_rollups DROP CONSTRAINT ping_rollups_pkey,
  ADD PRIMARY KEY (host_id, period_s, bucket_start, method);

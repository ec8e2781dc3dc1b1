-- Paths (issue 15), SQLite dialect: each host's measured network path and, on alert events, the path
-- measured when the host changed state. Number 007: 006 is the probe methods' migration.
-- One row per trace. trigger: 'scheduled' (the slow schedule, --path-interval) or 'state_change' (at once when
-- the host changed state). hops: the hop list as compact JSON (paths/path.h encode_hops). good: the host
-- answered without loss (paths::is_good_path), so the next verdicts compare with it. changed: the hop
-- sequence differs from the host's previous path (previous_id; paths/path_change.h). verdict: the words of
-- paths::judge_path for state-change traces ('' otherwise), verdict_kind and verdict_hop its data.
CREATE TABLE host_paths (
  id INTEGER PRIMARY KEY,
  host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
  measured_at INTEGER NOT NULL,
  trigger TEXT NOT NULL CHECK (trigger IN ('scheduled', 'state_change')),
  reached INTEGER NOT NULL CHECK (reached IN (0, 1)),
  good INTEGER NOT NULL CHECK (good IN (0, 1)),
  hops TEXT NOT NULL,
  changed INTEGER NOT NULL DEFAULT 0 CHECK (changed IN (0, 1)),
  previous_id INTEGER REFERENCES host_paths(id) ON DELETE SET NULL,
  verdict TEXT NOT NULL DEFAULT '',
  verdict_kind TEXT NOT NULL DEFAULT '',
  verdict_hop INTEGER
);
-- A host's paths newest first (the latest, the last good one, the history pages).
CREATE INDEX host_paths_by_host ON host_paths(host_id, id);
-- Retention (prune_paths) by age.
CREATE INDEX host_paths_by_time ON host_paths(measured_at);
-- previous_id's foreign key: pruning a path clears the references to it.
CREATE INDEX host_paths_by_previous ON host_paths(previous_id) WHERE previous_id IS NOT NULL;

-- The path measured for an event (NULL until it is stored; cleared when retention deletes the path).
ALTER TABLE alert_events ADD COLUMN path_id INTEGER REFERENCES host_paths(id) ON DELETE SET NULL;
CREATE INDEX alert_events_by_path ON alert_events(path_id) WHERE path_id IS NOT NULL;

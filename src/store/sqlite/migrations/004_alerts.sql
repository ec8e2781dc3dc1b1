-- Alerts (issue 14), SQLite dialect: the rules, each host's state between rounds, the events the state
-- machine records, and maintenance windows. Number 004: 003 is the API tokens' migration.
-- A user's default rules; no row = the built-in defaults (alerts/alert_rules.h). median_ms and
-- baseline_factor NULL = that rule is off.
CREATE TABLE alert_rules (
  user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  down_after INTEGER NOT NULL,
  up_after INTEGER NOT NULL,
  degraded_after INTEGER NOT NULL,
  loss_percent REAL NOT NULL,
  median_ms REAL,
  baseline_factor REAL,
  flap_changes INTEGER NOT NULL,
  flap_window_s INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- A host's overrides of its user's rules: NULL keeps the user's value; median_ms or baseline_factor 0 turns
-- that rule off for the host.
CREATE TABLE host_alert_rules (
  host_id INTEGER PRIMARY KEY REFERENCES hosts(id) ON DELETE CASCADE,
  down_after INTEGER,
  up_after INTEGER,
  degraded_after INTEGER,
  loss_percent REAL,
  median_ms REAL,
  baseline_factor REAL,
  flap_changes INTEGER,
  flap_window_s INTEGER,
  updated_at INTEGER NOT NULL
);

-- What the state machine keeps per host between rounds (alerts/state_machine.h HostAlertState), written in
-- the transaction that stores the round. recent_changes: epoch ms, comma-separated, oldest first.
CREATE TABLE alert_state (
  host_id INTEGER PRIMARY KEY REFERENCES hosts(id) ON DELETE CASCADE,
  measured TEXT NOT NULL,
  shown TEXT NOT NULL,
  lost_streak INTEGER NOT NULL,
  poor_streak INTEGER NOT NULL,
  good_streak INTEGER NOT NULL,
  recent_changes TEXT NOT NULL DEFAULT '',
  last_change_at INTEGER NOT NULL,
  last_round_at INTEGER NOT NULL,
  window_start_state TEXT
);

-- Every state change, with the figures of the round that caused it. quiet: 'no' (to be sent), or why not
-- ('first_round', 'flapping', 'maintenance').
CREATE TABLE alert_events (
  id INTEGER PRIMARY KEY,
  host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  at INTEGER NOT NULL,
  from_state TEXT NOT NULL,
  to_state TEXT NOT NULL,
  trigger TEXT NOT NULL,
  reason TEXT NOT NULL,
  quiet TEXT NOT NULL,
  sent INTEGER NOT NULL,
  received INTEGER NOT NULL,
  min_ms REAL,
  median_ms REAL,
  max_ms REAL
);
-- A host's events by time.
CREATE INDEX alert_events_by_host ON alert_events(host_id, at);
-- A user's latest events, newest first, paged by id: user_id is the host's owner (hosts never change owner),
-- copied so that the page is one index range instead of a sort of every event of every host of the user.
CREATE INDEX alert_events_by_user ON alert_events(user_id, id);

-- Maintenance windows: host_id NULL = all the user's hosts. kind 'once': [starts_at, ends_at) in epoch ms.
-- kind 'weekly': days (bit 0 = Monday ... bit 6 = Sunday), [start_minute, end_minute) of the day in
-- time_zone (an IANA name); end_minute <= start_minute runs past midnight into the next day.
CREATE TABLE maintenance_windows (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  host_id INTEGER REFERENCES hosts(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('once', 'weekly')),
  starts_at INTEGER,
  ends_at INTEGER,
  days INTEGER,
  start_minute INTEGER,
  end_minute INTEGER,
  time_zone TEXT,
  note TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);
CREATE INDEX maintenance_windows_by_user ON maintenance_windows(user_id, host_id);

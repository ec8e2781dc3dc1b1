-- Quorum alerts over locations (issue 16), SQLite dialect. Each location keeps judging its own rounds in
-- alert_state (its vote); a host's one state across its locations, the one shown and notified, is kept here
-- (alerts/quorum.h). Seeded from `local`'s state, which is what the pages showed until now, so an upgrade
-- raises no event: a host shown down stays down without a second notification.
CREATE TABLE alert_quorum (
  host_id INTEGER PRIMARY KEY REFERENCES hosts(id) ON DELETE CASCADE,
  shown TEXT NOT NULL,
  last_change_at INTEGER NOT NULL,
  window_start_state TEXT
);
INSERT INTO alert_quorum (host_id, shown, last_change_at, window_start_state)
  SELECT host_id, shown, last_change_at, window_start_state FROM alert_state WHERE location_id = 1;

-- The rule Q: how many of the reporting locations must agree (NULL: a majority); a host's 0 goes back to the
-- majority.
ALTER TABLE alert_rules ADD COLUMN quorum INTEGER;
ALTER TABLE host_alert_rules ADD COLUMN quorum INTEGER;

-- The locations that saw an event's new state, comma-separated names ('' for events recorded before).
ALTER TABLE alert_events ADD COLUMN locations TEXT NOT NULL DEFAULT '';

-- A location going offline (silent for 3 of its intervals) and coming back, each recorded once however many
-- servers watch (web/location_watch.h): offline_since is set by the one conditional UPDATE that wins, and only
-- that one records the event. The hosts' states do not change because of it (quorum.h drops a silent
-- location's votes): this is the one event that says so.
ALTER TABLE locations ADD COLUMN offline_since INTEGER;
CREATE TABLE location_events (
  id INTEGER PRIMARY KEY,
  location_id INTEGER NOT NULL REFERENCES locations(id) ON DELETE CASCADE,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('offline', 'online')),
  last_seen_at INTEGER
);
CREATE INDEX location_events_location ON location_events (location_id);

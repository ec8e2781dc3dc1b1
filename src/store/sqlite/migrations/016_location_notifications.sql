-- A location going offline and coming back notified (issue 16: "a location that goes offline raises one
-- event of its own, not one per host"), SQLite dialect. The outbox's row refers either to a host's event
-- (event_id) or to a location's (location_event_id), never both: the dispatcher sends both kinds through the
-- same channels, in one order per channel. The rows are written with the location event, in its transaction
-- (LocationStore::mark_location_offline/online), for every enabled channel of an admin that covers all hosts
-- and providers. SQLite cannot drop a NOT NULL: the table is made anew and every row copied (ids kept, so
-- each channel's order stays).
CREATE TABLE alert_outbox_016 (
  id INTEGER PRIMARY KEY,
  channel_id INTEGER NOT NULL REFERENCES alert_channels(id) ON DELETE CASCADE,
  event_id INTEGER REFERENCES alert_events(id) ON DELETE CASCADE,
  location_event_id INTEGER REFERENCES location_events(id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'abandoned')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  finished_at INTEGER,
  last_error TEXT NOT NULL DEFAULT '',
  CHECK ((event_id IS NULL) <> (location_event_id IS NULL))
);
INSERT INTO alert_outbox_016 (id, channel_id, event_id, user_id, status, attempts, next_attempt_at, created_at,
  finished_at, last_error)
  SELECT id, channel_id, event_id, user_id, status, attempts, next_attempt_at, created_at, finished_at,
    last_error
  FROM alert_outbox;
DROP TABLE alert_outbox;
ALTER TABLE alert_outbox_016 RENAME TO alert_outbox;
-- The same indexes as 005's, and one row per (location event, channel).
CREATE INDEX alert_outbox_pending ON alert_outbox(channel_id, id) WHERE status = 'pending';
CREATE INDEX alert_outbox_by_channel ON alert_outbox(channel_id, id);
CREATE UNIQUE INDEX alert_outbox_by_event ON alert_outbox(event_id, channel_id);
CREATE UNIQUE INDEX alert_outbox_by_location_event ON alert_outbox(location_event_id, channel_id);
CREATE INDEX alert_outbox_finished ON alert_outbox(finished_at) WHERE status <> 'pending';

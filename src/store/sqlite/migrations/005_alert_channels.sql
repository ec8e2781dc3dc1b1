-- Alert channels and the outbox (issue 14), SQLite dialect: where a user's notifications go, and one row per
-- notification of an event to a channel, written in the round's transaction with the event and delivered by
-- the dispatcher (store/notification_store.h).
-- A channel: kind webhook|slack|discord|ntfy|email (checked by src/alerts, not here, so that a new kind needs
-- no migration); secret: the webhook's signing secret or the SMTP password; options: kind-specific JSON.
-- host_ids, providers, states: what it covers, comma-separated, '' = everything. claimed_by/claimed_until: a
-- dispatcher's lease ('' / 0: free). last_*/failing_since: the delivery status shown on /alerts.
CREATE TABLE alert_channels (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  url TEXT NOT NULL,
  secret TEXT NOT NULL DEFAULT '',
  options TEXT NOT NULL DEFAULT '',
  host_ids TEXT NOT NULL DEFAULT '',
  providers TEXT NOT NULL DEFAULT '',
  states TEXT NOT NULL DEFAULT '',
  enabled INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  claimed_by TEXT NOT NULL DEFAULT '',
  claimed_until INTEGER NOT NULL DEFAULT 0,
  last_attempt_at INTEGER,
  last_success_at INTEGER,
  last_error TEXT NOT NULL DEFAULT '',
  failing_since INTEGER,
  UNIQUE (user_id, name)
);

-- One notification of one event to one channel. user_id: the channel's owner, copied (rows go with the
-- channel). status: pending (to be sent; next_attempt_at = when), delivered or abandoned (finished_at set).
-- attempts: failed attempts so far. Ascending ids are a channel's order.
CREATE TABLE alert_outbox (
  id INTEGER PRIMARY KEY,
  channel_id INTEGER NOT NULL REFERENCES alert_channels(id) ON DELETE CASCADE,
  event_id INTEGER NOT NULL REFERENCES alert_events(id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'abandoned')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  finished_at INTEGER,
  last_error TEXT NOT NULL DEFAULT ''
);
-- The dispatcher's claim and the pending counts: a channel's pending rows in order.
CREATE INDEX alert_outbox_pending ON alert_outbox(channel_id, id) WHERE status = 'pending';
-- A channel's latest deliveries (/alerts), newest first.
CREATE INDEX alert_outbox_by_channel ON alert_outbox(channel_id, id);
-- One row per (event, channel); also the foreign key's index for deleting a host's events.
CREATE UNIQUE INDEX alert_outbox_by_event ON alert_outbox(event_id, channel_id);
-- Housekeeping: finished rows by age.
CREATE INDEX alert_outbox_finished ON alert_outbox(finished_at) WHERE status <> 'pending';

-- A location going offline and coming back notified (issue 16: "a location that goes offline raises one
-- event of its own, not one per host"), PostgreSQL dialect. The outbox's row refers either to a host's event
-- (event_id) or to a location's (location_event_id), never both: the dispatcher sends both kinds through the
-- same channels, in one order per channel. The rows are written with the location event, in its transaction
-- (LocationStore::mark_location_offline/online), for every enabled channel of an admin that covers all hosts
-- and providers.
ALTER TABLE alert_outbox ALTER COLUMN event_id DROP NOT NULL;
ALTER TABLE alert_outbox ADD COLUMN location_event_id BIGINT REFERENCES location_events(id) ON DELETE CASCADE;
ALTER TABLE alert_outbox ADD CONSTRAINT alert_outbox_one_event
  CHECK ((event_id IS NULL) <> (location_event_id IS NULL));
-- One row per (location event, channel); also the foreign key's index for a removed location's cascade.
CREATE UNIQUE INDEX alert_outbox_by_location_event ON alert_outbox(location_event_id, channel_id);

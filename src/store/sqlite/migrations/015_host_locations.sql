-- A location switched off for a host (issue 16: "a user can switch a location off per host"), SQLite dialect.
-- A row means: that location does not ping that host. No row (the default) means every location pings every
-- enabled host. Every read that gives a location its hosts (MonitorStore::list_enabled_hosts, PostgreSQL's
-- lease claims) leaves out the hosts switched off for it; the pages and the API show such a location as off
-- for the host and never judge the host by its old rounds there.
-- The rows go with their host and with their location (a removed location has nothing left to switch off).
-- (Version 015: 014 is the quorum alerts' migration, made on another branch at the same time.)
CREATE TABLE host_location_exclusions (
  host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
  location_id INTEGER NOT NULL REFERENCES locations(id) ON DELETE CASCADE,
  PRIMARY KEY (host_id, location_id)
) WITHOUT ROWID;
-- A location's exclusions (its hosts to leave out; the cascade of its removal) without a scan.
CREATE INDEX host_location_exclusions_location ON host_location_exclusions (location_id);

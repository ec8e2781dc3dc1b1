-- latest_results' pages half full (issue 17: /report on a cache miss at 10,000 hosts), PostgreSQL dialect.
-- Every round rewrites each host's row (the statement trigger's upsert of migration 010), and no indexed column
-- changes, so the new version can be a heap-only tuple on the same page — when that page has room. At the
-- default fillfactor (100) pages fill up, each new version goes to another page, every index gains an entry
-- and the table holds many dead copies between autovacuum's passes; a /report miss, which reads the user's
-- whole range, then visits pages of mostly dead rows (bench/web: 22 MB for 10,000 live rows, a 38 ms read,
-- against 1.9 MB and 7 ms). At 50 the update stays on its page, and the next read prunes the old version.
-- New pages only: a table already spread out is compacted by the next VACUUM FULL (not needed to be correct).
ALTER TABLE latest_results SET (fillfactor = 50);

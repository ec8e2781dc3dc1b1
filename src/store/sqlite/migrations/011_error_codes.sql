-- The result row's error as a code (issue 17), SQLite dialect. ping_results and latest_results lose their
-- free-text `error` column: a round with no reply says why in one of five words, now kept as a code in the
-- high bits of `refused` (src/store/result_error.h):
--   refused = code * 4096 + RST answers, code 0 none, 1 'unresolvable', 2 'refused', 3 'unreachable',
--   4 'timeout', 5 'send failed', 7 any other word (read back as 'error').
-- On PostgreSQL this takes the one NULL out of a good round's row (no null bitmap: 8 bytes a row); the two
-- back ends keep the same columns, since every query is shared. The store maps the code back to the word on
-- every read, so nobody sees a difference.
-- The trigger names the column: it goes first and comes back without it. DROP COLUMN rewrites every row.
DROP TRIGGER ping_results_keep_latest;

UPDATE ping_results SET refused = CASE WHEN refused > 4095 THEN 4095 ELSE refused END + 4096 * CASE error
    WHEN 'unresolvable' THEN 1 WHEN 'refused' THEN 2 WHEN 'unreachable' THEN 3 WHEN 'timeout' THEN 4
    WHEN 'send failed' THEN 5 ELSE 7 END
  WHERE error IS NOT NULL AND error <> '';
ALTER TABLE ping_results DROP COLUMN error;

UPDATE latest_results SET refused = CASE WHEN refused > 4095 THEN 4095 ELSE refused END + 4096 * CASE error
    WHEN 'unresolvable' THEN 1 WHEN 'refused' THEN 2 WHEN 'unreachable' THEN 3 WHEN 'timeout' THEN 4
    WHEN 'send failed' THEN 5 ELSE 7 END
  WHERE error IS NOT NULL AND error <> '';
ALTER TABLE latest_results DROP COLUMN error;

-- As in 010, without the column: a row replaces the copy only if it is newer, so an old round replayed late
-- never hides a newer one.
CREATE TRIGGER ping_results_keep_latest AFTER INSERT ON ping_results
BEGIN
  INSERT INTO latest_results (user_id, host_id, method, ts, sent, received, min_ms, avg_ms, max_ms,
    median_ms, stddev_ms, refused)
  SELECT h.user_id, NEW.host_id, NEW.method, NEW.ts, NEW.sent, NEW.received, NEW.min_ms, NEW.avg_ms,
    NEW.max_ms, NEW.median_ms, NEW.stddev_ms, NEW.refused
  FROM hosts h WHERE h.id = NEW.host_id
  ON CONFLICT (user_id, host_id, method) DO UPDATE SET ts = excluded.ts, sent = excluded.sent,
    received = excluded.received, min_ms = excluded.min_ms, avg_ms = excluded.avg_ms,
    max_ms = excluded.max_ms, median_ms = excluded.median_ms, stddev_ms = excluded.stddev_ms,
    refused = excluded.refused
  WHERE excluded.ts > latest_results.ts;
END;

-- A user's host list version moves once a transaction, not once a host (issue 17). Migration 010's trigger
-- bumped host_list_versions for every row of hosts written: a transaction that adds N hosts (an import, a
-- seeding INSERT ... SELECT) updated one row N times, and each update added a version of that row that no one
-- could prune before the commit, which the next update's ON CONFLICT walked again: quadratic. Seeding 250,000
-- hosts in one statement ran for over 6 minutes (bench/scale). The version only has to differ once the
-- transaction commits (no other reads it before), so a row this transaction already wrote (its xmin) is left
-- alone. A row written in a subtransaction carries the subtransaction's id and is bumped once more: harmless.
CREATE OR REPLACE FUNCTION semaphore_bump_host_list_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO host_list_versions AS v (user_id, version)
    VALUES (CASE WHEN TG_OP = 'DELETE' THEN OLD.user_id ELSE NEW.user_id END, 1)
  ON CONFLICT (user_id) DO UPDATE SET version = v.version + 1
    WHERE v.xmin <> pg_current_xact_id()::xid;
  RETURN NULL;
END
$$;

// PostgreSQL's side of the store: connection set-up (through libpq's URL parser), the migration lock, the
// data version, batch inserts through arrays, and the probe workers' host leases.
#include "store/postgresql/postgresql_dialect.h"

#include <soci/postgresql/soci-postgresql.h>

#include <libpq-fe.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <set>
#include <stdexcept>
#include <string_view>
#include <tuple>

#include "store/postgresql/lazy_libpq.h"
#include "store/postgresql/postgres_array.h"
#include "store/rows.h"

namespace semaphore::store {
namespace {

// INSERT ... SELECT ... WHERE EXISTS drops rows of hosts deleted since the round (instead of failing the
// batch on the foreign key), and NOT EXISTS those of a host switched off for the row's location since (issue
// 16; `v.method / 2 + 1` is result_location.h's sql_location_of); ON CONFLICT DO NOTHING makes replays
// idempotent. unnest() turns eleven array parameters back into rows.
constexpr const char* kInsertResults =
    "INSERT INTO ping_results (host_id, ts, sent, received, min_ms, avg_ms, max_ms, median_ms, "
    "stddev_ms, method, refused) SELECT v.* FROM unnest(CAST(:h AS BIGINT[]), CAST(:t AS BIGINT[]), "
    "CAST(:s AS INTEGER[]), CAST(:r AS INTEGER[]), CAST(:f0 AS DOUBLE PRECISION[]), "
    "CAST(:f1 AS DOUBLE PRECISION[]), CAST(:f2 AS DOUBLE PRECISION[]), "
    "CAST(:f3 AS DOUBLE PRECISION[]), CAST(:f4 AS DOUBLE PRECISION[]), "
    "CAST(:m AS SMALLINT[]), CAST(:x AS SMALLINT[])) "
    "AS v(host_id, ts, sent, received, min_ms, avg_ms, max_ms, median_ms, stddev_ms, method, refused) "
    "WHERE EXISTS (SELECT 1 FROM hosts WHERE id = v.host_id) AND NOT EXISTS (SELECT 1 FROM "
    "host_location_exclusions x WHERE x.host_id = v.host_id AND x.location_id = v.method / 2 + 1) "
    "ON CONFLICT (host_id, ts, method) DO NOTHING";

class NoWorkerLock : public WorkerLock {};

// The key of the maintenance lock (7468501 is the migrations' transaction lock, 7468502 the partition
// functions').
constexpr long long kMaintenanceLock = 7468503;

class AdvisoryLock : public WorkerLock {
 public:
  explicit AdvisoryLock(std::unique_ptr<soci::session> sql) : sql_(std::move(sql)) {}
  ~AdvisoryLock() override {
    try {
      *sql_ << "SELECT pg_advisory_unlock(" + std::to_string(kMaintenanceLock) + ")";
    } catch (const soci::soci_error&) {
      // The connection is gone, and with it the lock.
    }
  }

  bool still_held() override {
    try {
      int held = 0;
      *sql_ << "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND "
               "granted AND objid = " +
                   std::to_string(kMaintenanceLock),
          soci::into(held);
      return held > 0;
    } catch (const soci::soci_error&) {
      return false;
    }
  }

 private:
  std::unique_ptr<soci::session> sql_;
};

constexpr std::int64_t kDayMs = 86'400'000;

std::int64_t day_of(std::int64_t ms) {
  return (ms - ((ms % kDayMs) + kDayMs) % kDayMs) / kDayMs;
}

}  // namespace

std::string postgresql_conninfo(const std::string& url) {
  load_libpq();  // here, so that a missing libpq is one clear message before any connection is tried
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &parse_error);
  if (options == nullptr) {
    std::string reason = parse_error ? parse_error : "invalid connection URL";
    PQfreemem(parse_error);
    throw std::runtime_error(reason);
  }
  std::string conninfo;
  bool has_connect_timeout = false;
  for (const PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
    if (option->val == nullptr) continue;
    has_connect_timeout |= std::string_view(option->keyword) == "connect_timeout";
    std::string value;
    for (const char* c = option->val; *c; ++c) {
      if (*c == '\\' || *c == '\'') value += '\\';
      value += *c;
    }
    conninfo += std::string(option->keyword) + "='" + value + "' ";
  }
  PQconninfoFree(options);
  // An unreachable server (not a refused connection) would otherwise hold a caller for the OS's TCP timeout,
  // minutes; the writer and the web pages would rather hear "unavailable" after a few seconds.
  if (!has_connect_timeout) conninfo += "connect_timeout='5'";
  return conninfo;
}

std::string PostgresqlDialect::display_name() const {
  return redact_db_url(url_);
}

void PostgresqlDialect::open(Connections& connections) {
  for (std::size_t i = 0; i < connections.size(); ++i) {
    soci::session& sql = connections.at(i);
    sql.open(soci::postgresql, postgresql_conninfo(url_));
    sql << "SET client_min_messages TO WARNING";
    // No JIT: our statements are short, and the report's latest-rows read of 10,000 hosts (a planned cost
    // past jit_inline_above_cost) spent 455 ms compiling for a 700 ms execution (bench_web_10k, EXPLAIN
    // ANALYZE). The server's default stays as the operator set it for other clients.
    sql << "SET jit = off";
  }
}

std::vector<Migration> PostgresqlDialect::migrations() const {
  return migrations_in("postgresql/migrations/");
}

void PostgresqlDialect::lock_schema(soci::session& sql) const {
  sql << "SELECT pg_advisory_xact_lock(7468501)";
}

bool PostgresqlDialect::lock_user(soci::session& sql, long long user_id) const {
  long long found = 0;
  sql << "SELECT id FROM users WHERE id = :u FOR NO KEY UPDATE", soci::use(user_id), soci::into(found);
  return sql.got_data();
}

Result<std::string> PostgresqlDialect::data_version(Connections& connections) {
  // The same snapshot (xmin:xmax:running xids) means no transaction that wrote committed since.
  return connections.with_session<std::string>(
      "read data version", [](soci::session& sql) -> Result<std::string> {
        std::string snapshot;
        sql << "SELECT CAST(txid_current_snapshot() AS TEXT)", soci::into(snapshot);
        return snapshot;
      });
}

// The data version is a snapshot's text (xmin:xmax:running xids), which pg_snapshot reads; the writer of each
// latest row is recorded by its trigger (migration 018). NULL: written before that migration, so before any
// version taken since.
std::string PostgresqlDialect::written_since(const std::string& alias) const {
  return alias + ".written_by IS NOT NULL AND NOT pg_visible_in_snapshot(" + alias +
         ".written_by, CAST(:since AS pg_snapshot))";
}

std::int64_t PostgresqlDialect::insert_results(soci::session& sql, std::span<const PingResult> results,
                                               std::vector<std::size_t>* inserted_rows) const {
  // INSERT ... SELECT ... WHERE EXISTS drops rows of hosts deleted since the round (instead of failing the
  // batch on the foreign key); ON CONFLICT DO NOTHING makes replays idempotent.
  // One statement per batch. A statement per row costs a network round trip per row, which made
  // the writer the probe process's main CPU cost; unnest() turns eleven array parameters back into rows.
  // The error word goes in as its code, in refused's high bits (result_error.h), the location in method's
  // (result_location.h).
  std::array<PostgresArrayBuilder, 11> columns;
  for (const PingResult& result : results) {
    columns[0].add_integer(result.host_id);
    columns[1].add_integer(result.ts);
    columns[2].add_integer(result.sent);
    columns[3].add_integer(result.received);
    columns[4].add_real(result.min_ms);
    columns[5].add_real(result.avg_ms);
    columns[6].add_real(result.max_ms);
    columns[7].add_real(result.median_ms);
    columns[8].add_real(result.stddev_ms);
    columns[9].add_integer(pack_method(result.method, result.location_id));
    columns[10].add_integer(pack_refused(result.refused, result.error));
  }
  std::array<std::string, 11> arrays;
  for (std::size_t i = 0; i < columns.size(); ++i) arrays[i] = columns[i].finish();
  // With `inserted_rows`, RETURNING says which rows went in (the alerts evaluate only those).
  std::string statement = kInsertResults;
  if (inserted_rows) statement += " RETURNING host_id, ts, method";
  std::vector<long long> host_ids(inserted_rows ? results.size() : 0), stamps(host_ids.size());
  std::vector<int> methods(host_ids.size());
  soci::statement st(sql);
  if (inserted_rows) {
    st.exchange(soci::into(host_ids));
    st.exchange(soci::into(stamps));
    st.exchange(soci::into(methods));
  }
  for (std::string& array : arrays) st.exchange(soci::use(array));
  st.alloc();
  st.prepare(statement);
  st.define_and_bind();
  bool got = false;
  try {
    got = st.execute(true);
  } catch (const soci::soci_error& error) {
    // Another worker's retention dropped a day this process had seen: make it again on the retry.
    if (std::string_view(error.what()).find("no partition of relation") != std::string_view::npos) {
      std::lock_guard lock(days_mutex_);
      days_made_.clear();
    }
    throw;
  }
  if (!inserted_rows) return st.get_affected_rows();
  if (!got) return 0;
  // Back to indexes into `results`: the first row of each (host_id, ts, method) — the stored method, which
  // holds the location — (a later duplicate in the same batch was skipped by ON CONFLICT).
  std::set<std::tuple<long long, long long, int>> returned;
  for (std::size_t i = 0; i < host_ids.size(); ++i) returned.emplace(host_ids[i], stamps[i], methods[i]);
  for (std::size_t i = 0; i < results.size() && !returned.empty(); ++i) {
    if (returned.erase({results[i].host_id, results[i].ts,
                        pack_method(results[i].method, results[i].location_id)}) > 0) {
      inserted_rows->push_back(i);
    }
  }
  return static_cast<std::int64_t>(host_ids.size());
}

namespace {

// One batch of the lease claim, its own transaction: up to `want` free (never leased, or expired) enabled
// hosts with ids above `after`, leased to `worker` of `location` until `expires`. Leases are per location
// (issue 16): a host is free for a location when that location's lease on it is; a host switched off for
// the location (host_location_exclusions) is never its to claim.
struct ClaimedBatch {
  std::vector<long long> ids;    // claimed
  long long examined_through{};  // the highest candidate id, claimed or not; 0: no candidate above `after`
};

ClaimedBatch claim_batch(soci::session& sql, const Dialect& dialect, const std::string& worker,
                         long long location, long long expires, long long now, long long after,
                         long long want) {
  // One row per host claimed, each with the batch's highest candidate; a single (0, highest) row when it
  // claimed none. The candidates are chosen in the statement's snapshot: a host another worker claimed and
  // committed since looks free and is no longer locked, and the insert's guard then leaves it to that
  // worker. A batch can so claim nothing with free hosts above it; the claimer goes on after its highest
  // candidate (bench/scale: stopping at such a batch left 44,000 hosts without a lease for a round).
  const auto rows = static_cast<std::size_t>(std::max(1LL, want));
  std::vector<long long> claimed(rows), examined(rows);
  WriteTransaction transaction(sql, dialect);
  // Each free host's lease by its key, never a scan of host_leases per host: a claim planned while
  // host_leases' statistics still say it is empty (a first claim of 100,000 hosts, before autovacuum's
  // ANALYZE) chose a nested loop over a sequential scan of it, minutes for a batch (bench/pg_store).
  sql << "SET LOCAL enable_seqscan = off";
  soci::statement st =
      (sql.prepare
           << "WITH free AS MATERIALIZED (SELECT h.id FROM hosts h WHERE h.enabled = 1 AND h.id > :a "
              "AND NOT EXISTS (SELECT 1 FROM host_leases l WHERE l.host_id = h.id AND l.location_id = "
              ":l AND l.expires_at >= :n) AND NOT EXISTS (SELECT 1 FROM host_location_exclusions x "
              "WHERE x.host_id = h.id AND x.location_id = :l2) ORDER BY h.id LIMIT :k FOR NO KEY "
              "UPDATE OF h SKIP LOCKED), "
              "taken AS (INSERT INTO host_leases (host_id, location_id, worker_id, expires_at) SELECT "
              "id, :l3, :w, :e FROM free ON CONFLICT (host_id, location_id) DO UPDATE SET worker_id = "
              "excluded.worker_id, expires_at = excluded.expires_at WHERE host_leases.expires_at < "
              ":n2 RETURNING host_id) "
              "SELECT COALESCE(t.host_id, 0), m.highest FROM (SELECT COALESCE(MAX(id), 0) AS highest "
              "FROM free) m LEFT JOIN taken t ON TRUE",
       soci::use(after), soci::use(location), soci::use(now), soci::use(location), soci::use(want),
       soci::use(location), soci::use(worker), soci::use(expires), soci::use(now), soci::into(claimed),
       soci::into(examined));
  const bool got = st.execute(true);
  transaction.commit();
  ClaimedBatch batch;
  if (!got) return batch;
  batch.examined_through = examined.empty() ? 0 : examined.front();
  for (const long long id : claimed) {
    if (id > 0) batch.ids.push_back(id);
  }
  return batch;
}

}  // namespace

Result<LeaseGrant> PostgresqlDialect::claim_host_leases(Connections& connections,
                                                        const LeaseRequest& request) {
  return connections.with_session<
      LeaseGrant>("claim host leases", [&](soci::session& sql) -> Result<LeaseGrant> {
    const auto started = std::chrono::steady_clock::now();
    const std::string& worker = request.worker_id;
    const long long now = request.now, expires = request.now + request.ttl_ms,
                    stale = request.now - request.ttl_ms, location = request.location_id;
    LeaseGrant grant;
    long long own = 0;
    {
      // The heartbeat and the renewal of what the worker holds, in one short transaction.
      WriteTransaction transaction(sql, *this);
      sql << "INSERT INTO probe_workers (worker_id, location_id, last_seen) VALUES (:w, :l, :n) "
             "ON CONFLICT (worker_id) DO UPDATE SET last_seen = excluded.last_seen, location_id = "
             "excluded.location_id",
          soci::use(worker), soci::use(location), soci::use(now);
      sql << "DELETE FROM probe_workers WHERE last_seen < :s", soci::use(stale);
      sql << "DELETE FROM host_leases WHERE worker_id = :w AND host_id IN (SELECT id FROM hosts WHERE "
             "enabled = 0)",
          soci::use(worker);
      // Nor does it keep a host switched off for its location since (issue 16): another worker of the
      // location would never take it over, and this one would ping it on.
      sql << "DELETE FROM host_leases WHERE worker_id = :w AND location_id = :l AND host_id IN (SELECT "
             "host_id FROM host_location_exclusions WHERE location_id = :l2)",
          soci::use(worker), soci::use(location), soci::use(location);
      // Renewed rows are locked in host id order, the order in which a claimer takes over expired leases
      // (claim_batch): in any other order, a worker renewing leases that had just expired and another
      // worker claiming them each waited for a row the other held (bench/scale: "deadlock detected").
      sql << "UPDATE host_leases SET expires_at = :e WHERE host_id IN (SELECT host_id FROM host_leases WHERE "
             "worker_id = :w ORDER BY host_id FOR NO KEY UPDATE) AND worker_id = :w2",
          soci::use(expires), soci::use(worker), soci::use(worker);
      long long workers = 1, enabled = 0;
      // The fair share is among the workers of this location: every location's workers cover every host.
      sql << "SELECT COUNT(*) FROM probe_workers WHERE location_id = :l", soci::use(location),
          soci::into(workers);
      sql << "SELECT COUNT(*) FROM hosts h WHERE h.enabled = 1 AND NOT EXISTS (SELECT 1 FROM "
             "host_location_exclusions x WHERE x.host_id = h.id AND x.location_id = :l)",
          soci::use(location), soci::into(enabled);
      sql << "SELECT COUNT(*) FROM host_leases WHERE worker_id = :w", soci::use(worker), soci::into(own);
      workers = std::max(1LL, workers);
      grant.live_workers = workers;
      grant.fair_share = (enabled + workers - 1) / workers;
      transaction.commit();
    }

    // Claim free hosts (never leased, or the lease expired) in batches of `chunk`, each batch its own short
    // transaction (issue 17): a claimer holds one batch's row locks at a time, and each batch is one range of
    // the hosts' primary key that starts after the last id claimed and stops after `chunk` free hosts, each
    // host's lease looked up by its key (NOT EXISTS). The first claim of 100,000 hosts took 6-9 s as one
    // transaction of LEFT JOIN chunks, which the planner answered by joining every host each time.
    // SKIP LOCKED: hosts another claimer is taking right now are passed over, not waited for; the ON CONFLICT
    // guard re-checks the expiry on the latest row version, so a lease taken meanwhile is never stolen.
    // FOR NO KEY UPDATE does not block the result writer's foreign-key checks (FOR KEY SHARE) on the hosts.
    // With a budget, no batch but the first starts once it is spent: the round that waits for this call
    // starts on time, and the next calls claim the rest (the first batch makes progress however slow the
    // renewal).
    const auto spent = [&] {
      return request.budget_ms > 0 &&
             std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(request.budget_ms);
    };
    // A batch that claims nothing does not end the claim while it examined candidates (claim_batch): the
    // next starts after them. Only a batch with no candidate at all says that nothing is free above.
    long long after = 0;
    for (bool first = true; own < grant.fair_share && (first || !spent()); first = false) {
      const long long want = std::min<long long>(request.chunk, grant.fair_share - own);
      const ClaimedBatch batch = claim_batch(sql, *this, worker, location, expires, now, after, want);
      own += static_cast<long long>(batch.ids.size());
      if (batch.examined_through == 0) {
        after = 0;
        break;
      }
      after = batch.examined_through;
    }
    grant.resume_after = after;

    HostRow row;
    for_each_row(
        sql, row,
        std::string("SELECT ") + kHostColumns +
            " FROM hosts h JOIN host_leases l ON l.host_id = h.id WHERE l.worker_id = :w AND h.enabled = 1 "
            "AND " +
            kNotSwitchedOff + " ORDER BY h.id",
        [&](soci::statement& st) {
          st.exchange(soci::use(worker));
          st.exchange(soci::use(location));
        },
        [&] { grant.hosts.push_back(row.take()); });
    return grant;
  });
}

Result<LeaseBatch> PostgresqlDialect::claim_more_host_leases(Connections& connections,
                                                             const LeaseRequest& request, Id after) {
  return connections.with_session<LeaseBatch>(
      "claim host leases", [&](soci::session& sql) -> Result<LeaseBatch> {
        const long long now = request.now, expires = request.now + request.ttl_ms,
                        location = request.location_id;
        ClaimedBatch claimed = claim_batch(sql, *this, request.worker_id, request.location_id, expires, now,
                                           after, std::max(1, request.chunk));
        LeaseBatch batch;
        batch.examined_through = claimed.examined_through;
        if (claimed.ids.empty()) return batch;
        std::sort(claimed.ids.begin(), claimed.ids.end());
        // Only the rows just claimed (the worker may hold others in the same id range), read by key.
        PostgresArrayBuilder ids;
        for (const long long id : claimed.ids) ids.add_integer(id);
        const std::string array = ids.finish();
        batch.hosts.reserve(claimed.ids.size());
        HostRow row;
        for_each_row(
            sql, row,
            std::string("SELECT ") + kHostColumns +
                " FROM hosts h WHERE h.id = ANY(CAST(:ids AS BIGINT[])) AND h.enabled = 1 AND " +
                kNotSwitchedOff + " ORDER BY h.id",
            [&](soci::statement& st) {
              st.exchange(soci::use(array));
              st.exchange(soci::use(location));
            },
            [&] { batch.hosts.push_back(row.take()); });
        return batch;
      });
}

Status PostgresqlDialect::release_host_leases(Connections& connections, const std::string& worker_id,
                                              std::int64_t keep) {
  return connections.execute("release host leases", [&](soci::session& sql) {
    WriteTransaction transaction(sql, *this);
    if (keep <= 0) {
      sql << "DELETE FROM host_leases WHERE worker_id = :w", soci::use(worker_id);
      sql << "DELETE FROM probe_workers WHERE worker_id = :w", soci::use(worker_id);
    } else {
      const long long offset = keep - 1;
      // A worker's leases are all of its one location: its id names them.
      sql << "DELETE FROM host_leases WHERE worker_id = :w AND host_id > (SELECT host_id FROM host_leases "
             "WHERE worker_id = :w2 ORDER BY host_id LIMIT 1 OFFSET :o)",
          soci::use(worker_id), soci::use(worker_id), soci::use(offset);
    }
    transaction.commit();
  });
}

Result<std::unique_ptr<WorkerLock>> PostgresqlDialect::lock_single_worker(const std::string&, Id) {
  return std::unique_ptr<WorkerLock>(std::make_unique<NoWorkerLock>());
}

Result<std::unique_ptr<WorkerLock>> PostgresqlDialect::try_lock_maintenance(Connections& connections) {
  try {
    auto sql = connections.hold();
    int got = 0;
    *sql << "SELECT CAST(pg_try_advisory_lock(" + std::to_string(kMaintenanceLock) + ") AS INTEGER)",
        soci::into(got);
    if (got == 0) return std::unique_ptr<WorkerLock>();
    return std::unique_ptr<WorkerLock>(std::make_unique<AdvisoryLock>(std::move(sql)));
  } catch (const soci::soci_error& error) {
    return translate(error, "lock maintenance");
  }
}

void PostgresqlDialect::prepare_results(soci::session& sql, std::span<const PingResult> results) const {
  std::set<std::int64_t> missing;
  {
    std::lock_guard lock(days_mutex_);
    for (const PingResult& result : results) {
      const std::int64_t day = day_of(result.ts);
      if (!days_made_.contains(day)) missing.insert(day);
    }
  }
  for (const std::int64_t day : missing) {
    const long long at = day * kDayMs;
    sql << "SELECT semaphore_ensure_partitions('ping_results', 'day', :f, :t)", soci::use(at), soci::use(at);
    std::lock_guard lock(days_mutex_);
    days_made_.insert(day);
  }
}

void PostgresqlDialect::prepare_rollups(soci::session& sql, std::int64_t from, std::int64_t to) const {
  // A month for each day partition of raw rows in [from, to): rollups come from raw rows only, so this never
  // makes a partition for an empty stretch of time.
  const long long lo = from, hi = to;
  sql << "SELECT COUNT(semaphore_ensure_partitions('ping_rollups', 'month', b.lower, b.lower)) FROM ("
         "SELECT CAST(substring(pg_get_expr(c.relpartbound, c.oid) FROM 'FROM \\(''(-?[0-9]+)''\\)') AS "
         "BIGINT) AS lower, CAST(substring(pg_get_expr(c.relpartbound, c.oid) FROM 'TO "
         "\\(''(-?[0-9]+)''\\)') "
         "AS BIGINT) AS upper FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
         "WHERE i.inhparent = to_regclass('ping_results')) AS b WHERE b.upper > :lo AND b.lower < :hi",
      soci::use(lo), soci::use(hi);
}

std::int64_t PostgresqlDialect::create_partitions_ahead(soci::session& sql, std::int64_t now) const {
  const long long yesterday = now - kDayMs, ahead = now + 3 * kDayMs, next_month = now + 31 * kDayMs;
  int days = 0, months = 0;
  sql << "SELECT semaphore_ensure_partitions('ping_results', 'day', :f, :t)", soci::use(yesterday),
      soci::use(ahead), soci::into(days);
  sql << "SELECT semaphore_ensure_partitions('ping_rollups', 'month', :f, :t)", soci::use(now),
      soci::use(next_month), soci::into(months);
  return days + months;
}

std::int64_t PostgresqlDialect::compact_closed_partition(soci::session& sql, std::int64_t now) const {
  // A day is closed an hour after its end (the rounds in flight at midnight are written by then; a later
  // replay still lands, in a page that splits). Its key is rebuilt once: fillfactor 100 marks it done (and
  // packs the leaves full: the day's rows are not updated, and few come late).
  const long long closed = now - 3'600'000LL;
  std::string index;
  soci::indicator found = soci::i_null;
  sql << "SELECT CAST(CAST(x.indexrelid AS regclass) AS TEXT) FROM (SELECT i.indexrelid, CAST(substring("
         "pg_get_expr(c.relpartbound, c.oid) FROM 'TO \\(''(-?[0-9]+)''\\)') AS BIGINT) AS upper FROM "
         "pg_inherits p JOIN pg_class c ON c.oid = p.inhrelid JOIN pg_index i ON i.indrelid = p.inhrelid AND "
         "i.indisprimary JOIN pg_class ic ON ic.oid = i.indexrelid WHERE p.inhparent = "
         "to_regclass('ping_results') AND NOT COALESCE(ic.reloptions, CAST('{}' AS TEXT[])) @> "
         "CAST('{fillfactor=100}' AS TEXT[])) AS x WHERE x.upper <= :c ORDER BY x.upper DESC LIMIT 1",
      soci::use(closed), soci::into(index, found);
  if (found != soci::i_ok || index.empty()) return 0;
  // The name comes from the catalog (regclass text, quoted where it needs to be).
  // SHARE UPDATE EXCLUSIVE for the option; REINDEX CONCURRENTLY lets inserts and reads go on (it cannot run
  // in a transaction: the session is in autocommit here). A failed rebuild resets the mark, for the next
  // pass.
  sql << "ALTER INDEX " + index + " SET (fillfactor = 100)";
  try {
    sql << "REINDEX INDEX CONCURRENTLY " + index;
  } catch (...) {
    try {
      sql << "ALTER INDEX " + index + " RESET (fillfactor)";
    } catch (...) {
    }
    throw;
  }
  return 1;
}

std::optional<std::int64_t> PostgresqlDialect::drop_partitions_before(soci::session& sql, const char* table,
                                                                      std::int64_t cutoff) const {
  const std::string parent = table;
  const long long before = cutoff;
  long long rows = 0;
  // Dropping a partition takes the parent's strongest lock for a moment: rather than queue every reader and
  // writer behind a long report, give up after a few seconds (the next pass tries again).
  WriteTransaction transaction(sql, *this);
  sql << "SET LOCAL lock_timeout = '5s'";
  sql << "SELECT semaphore_drop_partitions(:p, :b)", soci::use(parent), soci::use(before), soci::into(rows);
  transaction.commit();
  // A day dropped here may be written again by a late replay: prepare_results must create it anew.
  if (parent == "ping_results") {
    std::lock_guard lock(days_mutex_);
    days_made_.erase(days_made_.begin(), days_made_.lower_bound(day_of(cutoff)));
  }
  return rows;
}

}  // namespace semaphore::store

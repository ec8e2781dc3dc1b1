// SociStore's MonitorStore (issue 4): the hosts to ping, result writes, host leases for several probe workers
// and the single-worker lock (both in the dialects: sqlite/, postgresql/), rollup refresh, and
// retention: batched row deletes on SQLite, partition drops on PostgreSQL.
//
// Work over every host goes in chunks of host ids, and each chunk names its ids in an IN list: both back ends
// then seek each host's (host_id, ts, method) primary-key range, where a `host_id BETWEEN` range would walk
// every row of those hosts. One short transaction per chunk keeps SQLite's single writer lock free for the
// result writer.
#include <algorithm>

#include "store/result_location.h"
#include "store/rows.h"
#include "store/soci_store.h"

namespace semaphore::store {
namespace {

// The next chunk of host ids after `after`, ascending; empty at the end.
std::vector<long long> next_host_ids(soci::session& sql, long long after, int count) {
  std::vector<long long> ids(static_cast<std::size_t>(std::max(1, count)));
  sql << "SELECT id FROM hosts WHERE id > :a ORDER BY id LIMIT :k", soci::use(after), soci::use(count),
      soci::into(ids);
  return ids;
}

std::string in_list(const std::vector<long long>& ids) {
  std::string list;
  for (long long id : ids) list += (list.empty() ? "" : ",") + std::to_string(id);
  return list;
}

// Rollups of one chunk of hosts, recomputed from their raw rows in [lo, hi) (bucket-aligned), one per host,
// bucket, location and kind (a both host's icmp and tcp rows are never mixed, nor two locations' rows): the
// raw rows are grouped by their stored method, which holds both (result_location.h), and unpacked into the
// rollup's location_id and method. The median of the round medians is
// taken with window functions, which SQLite (3.25+) and PostgreSQL both have, so one statement serves both
// back ends. avg_ms weights each round's mean by its replies: the mean of every reply (summed in double
// precision: PostgreSQL keeps raw RTTs as REAL, whose own products and sums would round at 7 digits).
std::string rollup_statement(const std::string& ids, long long period_ms, int period_s, long long lo,
                             long long hi) {
  const std::string p = std::to_string(period_ms);
  return "WITH r AS (SELECT host_id, method, (ts / " + p + ") * " + p +
         " AS bucket, sent, received, min_ms, max_ms, avg_ms, median_ms FROM ping_results WHERE host_id IN "
         "(" +
         ids + ") AND ts >= " + std::to_string(lo) + " AND ts < " + std::to_string(hi) +
         "), ranked AS (SELECT host_id, method, bucket, median_ms, "
         "ROW_NUMBER() OVER (PARTITION BY host_id, method, bucket ORDER BY median_ms) AS rn, "
         "COUNT(*) OVER (PARTITION BY host_id, method, bucket) AS cnt FROM r WHERE median_ms IS NOT NULL), "
         "med AS (SELECT host_id, method, bucket, AVG(median_ms) AS median_ms FROM ranked "
         "WHERE rn = (cnt + 1) / 2 OR rn = (cnt + 2) / 2 GROUP BY host_id, method, bucket), "
         "agg AS (SELECT host_id, method, bucket, COUNT(*) AS rounds, SUM(sent) AS sent, "
         "SUM(received) AS received, MIN(min_ms) AS min_ms, MAX(max_ms) AS max_ms, "
         "SUM(CASE WHEN avg_ms IS NULL THEN 0.0 ELSE CAST(avg_ms AS DOUBLE PRECISION) * received END) / "
         "NULLIF(SUM(CASE WHEN avg_ms IS NULL THEN 0 ELSE received END), 0) AS avg_ms "
         "FROM r GROUP BY host_id, method, bucket) "
         "INSERT INTO ping_rollups (host_id, period_s, bucket_start, location_id, method, rounds, sent, "
         "received, min_ms, max_ms, avg_ms, median_ms) SELECT a.host_id, " +
         std::to_string(period_s) + ", a.bucket, " + sql_location_of("a.method") + ", " +
         sql_kind_of("a.method") +
         ", a.rounds, a.sent, a.received, a.min_ms, a.max_ms, a.avg_ms, m.median_ms "
         "FROM agg a LEFT JOIN med m ON m.host_id = a.host_id AND m.method = a.method AND "
         "m.bucket = a.bucket WHERE true "
         "ON CONFLICT (host_id, period_s, bucket_start, location_id, method) DO UPDATE SET rounds = "
         "excluded.rounds, "
         "sent = excluded.sent, received = excluded.received, min_ms = excluded.min_ms, "
         "max_ms = excluded.max_ms, avg_ms = excluded.avg_ms, median_ms = excluded.median_ms";
}

}  // namespace

Status SociStore::check_connection() {
  auto version = schema_version();
  if (!version) return version.error();
  return {};
}

Result<std::vector<Host>> SociStore::list_enabled_hosts(Id location_id) {
  const long long location = location_id;
  return with_session<std::vector<Host>>(
      "list enabled hosts", [&](soci::session& sql) -> Result<std::vector<Host>> {
        HostRow row;
        std::vector<Host> hosts;
        // A host switched off for this location (issue 16) is not its to ping: one key lookup per host in
        // host_location_exclusions, which is most often empty.
        for_each_row(
            sql, row,
            std::string("SELECT ") + kHostColumns + " FROM hosts h WHERE h.enabled = 1 AND " +
                kNotSwitchedOff + " ORDER BY h.id",
            [&](soci::statement& st) { st.exchange(soci::use(location)); },
            [&] { hosts.push_back(row.take()); });
        return hosts;
      });
}

Status check_result_locations(std::span<const PingResult> results) {
  for (const PingResult& result : results) {
    if (!valid_result_location(result.location_id)) {
      return make_error(Errc::invalid_argument,
                        "a result's location id " + std::to_string(result.location_id) + " is out of range");
    }
  }
  return {};
}

Result<std::int64_t> SociStore::insert_results(std::span<const PingResult> results) {
  if (results.empty()) return std::int64_t{0};
  if (auto checked = check_result_locations(results); !checked) return checked.error();
  return with_session<std::int64_t>("insert results", [&](soci::session& sql) -> Result<std::int64_t> {
    dialect_->prepare_results(sql, results);
    WriteTransaction transaction(sql, *dialect_);
    const std::int64_t inserted = dialect_->insert_results(sql, results);
    transaction.commit();
    return inserted;
  });
}

bool SociStore::leases_hosts() const {
  return dialect_->leases_hosts();
}

Result<LeaseGrant> SociStore::claim_host_leases(const LeaseRequest& request) {
  return dialect_->claim_host_leases(connections_, request);
}

Result<LeaseBatch> SociStore::claim_more_host_leases(const LeaseRequest& request, Id after) {
  return dialect_->claim_more_host_leases(connections_, request, after);
}

Status SociStore::release_host_leases(const std::string& worker_id, std::int64_t keep) {
  return dialect_->release_host_leases(connections_, worker_id, keep);
}

Result<std::unique_ptr<WorkerLock>> SociStore::lock_single_worker(const std::string& worker_id,
                                                                  Id location_id) {
  return dialect_->lock_single_worker(worker_id, location_id);
}

Result<std::unique_ptr<WorkerLock>> SociStore::try_lock_maintenance() {
  return dialect_->try_lock_maintenance(connections_);
}

Result<std::int64_t> SociStore::create_partitions(EpochMs now) {
  return with_session<std::int64_t>("create partitions", [&](soci::session& sql) -> Result<std::int64_t> {
    return dialect_->create_partitions_ahead(sql, now);
  });
}

Result<std::int64_t> SociStore::compact_partitions(EpochMs now) {
  return with_session<std::int64_t>("compact partitions", [&](soci::session& sql) -> Result<std::int64_t> {
    return dialect_->compact_closed_partition(sql, now);
  });
}

Result<std::int64_t> SociStore::refresh_rollups(int period_s, EpochMs from, EpochMs to, int hosts_per_batch) {
  if (period_s <= 0 || to <= from) return std::int64_t{0};
  const long long period_ms = static_cast<long long>(period_s) * 1000;
  const long long lo = from - ((from % period_ms) + period_ms) % period_ms;
  const long long hi = to + (period_ms - ((to % period_ms) + period_ms) % period_ms) % period_ms;
  return with_session<std::int64_t>("refresh rollups", [&](soci::session& sql) -> Result<std::int64_t> {
    dialect_->prepare_rollups(sql, lo, hi);
    return in_host_batches(sql, hosts_per_batch, [&](const std::string& host_ids) {
      return rollup_statement(host_ids, period_ms, period_s, lo, hi);
    });
  });
}

Result<std::int64_t> SociStore::prune_results(EpochMs cutoff, int hosts_per_batch) {
  return with_session<std::int64_t>("prune results", [&](soci::session& sql) -> Result<std::int64_t> {
    std::int64_t pruned = 0;
    if (auto dropped = dialect_->drop_partitions_before(sql, "ping_results", cutoff)) {
      pruned = *dropped;
    } else {
      pruned = in_host_batches(sql, hosts_per_batch, [&](const std::string& host_ids) {
        return "DELETE FROM ping_results WHERE host_id IN (" + host_ids + ") AND ts < " +
               std::to_string(cutoff);
      });
    }
    // latest_results copies each host's newest row (migration 010): a copy whose row is now gone (a host
    // with no round since the cutoff) goes too, so a host shows no latest round rather than one its history
    // no longer holds. (On PostgreSQL whole days are dropped, so the cutoff alone would be a day early.)
    // Its user's host list version moves in the same transaction: a reader that merges the rows written
    // since what it kept (HostStore::latest_rounds_written_since) cannot see a row go, and reads all again.
    const long long before = cutoff;
    const std::string gone =
        "latest_results.ts < :c AND NOT EXISTS (SELECT 1 FROM ping_results r WHERE r.host_id = "
        "latest_results.host_id AND r.method = " +
        sql_packed_method("latest_results.location_id", "latest_results.method") +
        " AND r.ts = latest_results.ts)";
    WriteTransaction transaction(sql, *dialect_);
    sql << "UPDATE host_list_versions SET version = version + 1 WHERE user_id IN (SELECT user_id FROM "
           "latest_results WHERE " +
               gone + ")",
        soci::use(before);
    sql << "DELETE FROM latest_results WHERE " + gone, soci::use(before);
    transaction.commit();
    return pruned;
  });
}

Result<std::int64_t> SociStore::prune_rollups(EpochMs cutoff, int hosts_per_batch) {
  return with_session<std::int64_t>("prune rollups", [&](soci::session& sql) -> Result<std::int64_t> {
    if (auto dropped = dialect_->drop_partitions_before(sql, "ping_rollups", cutoff)) return *dropped;
    return in_host_batches(sql, hosts_per_batch, [&](const std::string& host_ids) {
      return "DELETE FROM ping_rollups WHERE host_id IN (" + host_ids +
             ") AND period_s IN (3600, 86400) AND bucket_start < " + std::to_string(cutoff);
    });
  });
}

std::int64_t SociStore::in_host_batches(soci::session& sql, int hosts_per_batch,
                                        const std::function<std::string(const std::string&)>& statement_for) {
  // A few hosts per transaction, each batch continuing after the last id, so that maintenance never holds the
  // write lock long enough to stall the result writer.
  std::int64_t affected = 0;
  long long after = 0;
  for (;;) {
    const auto ids = next_host_ids(sql, after, hosts_per_batch);
    if (ids.empty()) break;
    after = ids.back();
    WriteTransaction transaction(sql, *dialect_);
    soci::statement st = (sql.prepare << statement_for(in_list(ids)));
    st.execute(true);
    affected += st.get_affected_rows();
    transaction.commit();
  }
  return affected;
}

}  // namespace semaphore::store

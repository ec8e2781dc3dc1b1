#pragma once
// PostgreSQL: a server that many processes share, so several probe workers split the hosts through leases,
// and batches go in one statement each (a round trip per row would cost more than the work). Internal to
// src/store; see dialect.h.
#include <mutex>
#include <set>

#include "store/dialect.h"

namespace semaphore::store {

// SOCI hands PostgreSQL connect strings to its own key=value parser, which mangles URLs: libpq parses the URL
// (every form it accepts) and this returns the equivalent keyword list for soci::session, with a 5 s
// connect_timeout unless the URL sets one. Throws std::runtime_error for a URL libpq cannot parse.
std::string postgresql_conninfo(const std::string& url);

class PostgresqlDialect final : public Dialect {
 public:
  explicit PostgresqlDialect(std::string url) : url_(std::move(url)) {}

  // A small pool: 6 connections in each lane, 12 in all (8 in one pool before the lanes), so that five
  // processes (serve and four probe workers) stay well inside PostgreSQL's default 100.
  std::size_t pool_size() const override { return 6; }
  std::string display_name() const override;
  // Loads libpq (lazy_libpq.h), connects with libpq's reading of the URL, quiets NOTICEs.
  void open(Connections& connections) override;

  const char* begin_write() const override { return "BEGIN"; }
  std::vector<Migration> migrations() const override;
  // A transaction-scoped advisory lock: concurrent migrators wait for it, then re-read the version.
  void lock_schema(soci::session& sql) const override;
  // SELECT ... FOR NO KEY UPDATE: other transactions may still insert rows that refer to the user (a session
  // at sign-in) while an import runs.
  bool lock_user(soci::session& sql, long long user_id) const override;
  // FOR NO KEY UPDATE OF <alias> SKIP LOCKED: does not block the result writer's foreign-key checks (FOR KEY
  // SHARE) on the same rows.
  std::string lock_rows_skip_locked(const std::string& alias) const override {
    return " FOR NO KEY UPDATE OF " + alias + " SKIP LOCKED";
  }
  const char* lock_rows_for_update() const override { return " FOR UPDATE"; }

  // txid_current_snapshot(): the same snapshot means no transaction that wrote committed since.
  Result<std::string> data_version(Connections& connections) override;
  std::string written_since(const std::string& alias) const override;
  // One statement per batch: ten array parameters that unnest() turns back into rows.
  std::int64_t insert_results(soci::session& sql, std::span<const PingResult> results,
                              std::vector<std::size_t>* inserted = nullptr) const override;

  // Leases: FOR NO KEY UPDATE SKIP LOCKED claims, ON CONFLICT upserts of heartbeats and leases.
  bool leases_hosts() const override { return true; }
  Result<LeaseGrant> claim_host_leases(Connections& connections, const LeaseRequest& request) override;
  Result<LeaseBatch> claim_more_host_leases(Connections& connections, const LeaseRequest& request,
                                            Id after) override;
  Status release_host_leases(Connections& connections, const std::string& worker_id,
                             std::int64_t keep) override;
  // A lock that holds nothing: workers share the hosts through leases.
  Result<std::unique_ptr<WorkerLock>> lock_single_worker(const std::string& worker_id,
                                                         Id location_id) override;
  // pg_try_advisory_lock on a pooled connection held until the lock is destroyed (the server releases it if
  // the connection or the process dies).
  Result<std::unique_ptr<WorkerLock>> try_lock_maintenance(Connections& connections) override;

  // Partitions through the functions of migration 009 (semaphore_ensure_partitions,
  // semaphore_drop_partitions). prepare_results remembers the days it has seen created, so a batch of a known
  // day costs no round trip.
  void prepare_results(soci::session& sql, std::span<const PingResult> results) const override;
  void prepare_rollups(soci::session& sql, std::int64_t from, std::int64_t to) const override;
  std::int64_t create_partitions_ahead(soci::session& sql, std::int64_t now) const override;
  // REINDEX INDEX CONCURRENTLY of the newest closed day's primary key not yet rebuilt, at fillfactor 100 (the
  // mark that it was).
  std::int64_t compact_closed_partition(soci::session& sql, std::int64_t now) const override;
  // The rows as pg_class.reltuples counts them (counted when a partition was never analyzed).
  std::optional<std::int64_t> drop_partitions_before(soci::session& sql, const char* table,
                                                     std::int64_t cutoff) const override;

 private:
  std::string url_;
  mutable std::mutex days_mutex_;
  mutable std::set<std::int64_t>
      days_made_;  // UTC days (epoch ms / 86,400,000) with a ping_results partition
};

}  // namespace semaphore::store

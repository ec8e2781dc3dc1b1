#pragma once
// SQLite: one file, one writer at a time (WAL lets readers go on meanwhile), and one probe worker per
// database, guarded by a file lock. Internal to src/store; see dialect.h.
#include <mutex>

#include "store/dialect.h"

namespace semaphore::store {

class SqliteDialect final : public Dialect {
 public:
  explicit SqliteDialect(std::string path) : path_(std::move(path)) {}

  // A few connections in each lane, so that readers (WAL) do not wait for the writer: 8 in all.
  std::size_t pool_size() const override { return 4; }
  std::string display_name() const override;
  // WAL, synchronous=NORMAL, foreign keys on, a 10 s busy timeout; plus the data-version connection.
  void open(Connections& connections) override;

  // BEGIN IMMEDIATE: take the write lock now, not at the first write, so that busy_timeout applies and no
  // deadlock-prone lock upgrade happens.
  const char* begin_write() const override { return "BEGIN IMMEDIATE"; }
  std::vector<Migration> migrations() const override;
  // Nothing: BEGIN IMMEDIATE already makes migrators take turns.
  void lock_schema(soci::session&) const override {}
  // Only looks: BEGIN IMMEDIATE already holds the database's one write lock.
  bool lock_user(soci::session& sql, long long user_id) const override;
  // Nothing: BEGIN IMMEDIATE already holds the database's one write lock.
  std::string lock_rows_skip_locked(const std::string&) const override { return ""; }
  const char* lock_rows_for_update() const override { return ""; }

  // PRAGMA data_version of a connection that never writes.
  Result<std::string> data_version(Connections& connections) override;
  // A prepared statement executed per row: cheap in-process (no round trip per row).
  std::int64_t insert_results(soci::session& sql, std::span<const PingResult> results,
                              std::vector<std::size_t>* inserted = nullptr) const override;

  // One probe worker pings every host: no leases (Errc::invalid_argument), nothing to release.
  bool leases_hosts() const override { return false; }
  Result<LeaseGrant> claim_host_leases(Connections& connections, const LeaseRequest& request) override;
  Result<LeaseBatch> claim_more_host_leases(Connections& connections, const LeaseRequest& request,
                                            Id after) override;
  Status release_host_leases(Connections& connections, const std::string& worker_id,
                             std::int64_t keep) override;
  // An flock on "<file>.probe-lock".
  Result<std::unique_ptr<WorkerLock>> lock_single_worker(const std::string& worker_id,
                                                         Id location_id) override;
  // One worker per database (lock_single_worker): nobody to take turns with.
  Result<std::unique_ptr<WorkerLock>> try_lock_maintenance(Connections& connections) override;

 private:
  std::string path_;
  // A connection that never writes, whose PRAGMA data_version then changes with every commit.
  std::mutex version_mutex_;
  std::unique_ptr<soci::session> version_sql_;
};

}  // namespace semaphore::store

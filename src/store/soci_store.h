#pragma once
// The Store on SOCI: one implementation for SQLite and PostgreSQL. The schemas differ only in column types
// (migrations/<backend>/), so the queries are shared; where the dialects differ, the difference sits in a
// named helper here (begin_write), not in the queries.
//
// Internal to src/store: other modules include store/store.h only.
#include <soci/soci.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "store/store.h"

namespace semaphore::store {

class SociStore final : public Store {
 public:
  // Opens `pool_size` connections. Throws soci::soci_error; Store::open turns that into an Error.
  SociStore(const DbUrl& url, std::size_t pool_size);
  ~SociStore() override;

  DbKind kind() const override { return url_.kind; }

  Status migrate() override;
  Result<int> schema_version() override;
  Result<std::string> data_version() override;

  Result<User> create_user(const std::string& email, const std::string& password_hash,
                           bool first_user_is_admin) override;
  Result<User> find_user_by_email(const std::string& email) override;
  Result<User> find_user(Id user_id) override;
  Result<std::vector<User>> list_users() override;
  Status set_password_hash(Id user_id, const std::string& password_hash) override;

  Status create_session(const Session& session) override;
  Result<Session> find_session(const std::string& token_hash) override;
  Status touch_session(const std::string& token_hash, EpochMs last_seen_at) override;
  Status delete_session(const std::string& token_hash) override;
  Status delete_user_sessions(Id user_id, const std::string& keep_token_hash) override;
  Status delete_expired_sessions(EpochMs now, EpochMs idle_cutoff) override;

  Status record_signin_failure(const std::string& key, EpochMs at) override;
  Result<std::vector<EpochMs>> signin_failures_since(const std::string& key, EpochMs since) override;
  Status clear_signin_failures(const std::string& key) override;

  Result<Host> add_host(const Host& host) override;
  Result<std::vector<Result<Host>>> add_hosts(Id user_id, std::span<const Host> hosts,
                                              std::int64_t max_hosts) override;
  Status update_host(const Host& host) override;
  Status delete_host(Id user_id, Id host_id) override;
  Result<Host> find_host(Id user_id, Id host_id) override;
  Result<std::vector<Host>> list_hosts(Id user_id) override;
  Result<std::int64_t> count_hosts(Id user_id) override;
  Result<std::vector<Host>> list_enabled_hosts() override;

  Result<std::int64_t> insert_results(std::span<const PingResult> results) override;
  Result<std::vector<HostStatus>> host_statuses(Id user_id) override;
  Result<std::vector<PingResult>> results_between(Id user_id, Id host_id, EpochMs from, EpochMs to) override;
  Result<std::vector<Rollup>> rollups_between(Id user_id, Id host_id, int period_s, EpochMs from,
                                              EpochMs to) override;

  // Ping service: leases, rollups, retention (soci_store_monitor.cpp).
  Result<LeaseGrant> claim_host_leases(const LeaseRequest& request) override;
  Status release_host_leases(const std::string& worker_id, std::int64_t keep) override;
  Result<std::unique_ptr<WorkerLock>> lock_single_worker(const std::string& worker_id) override;
  Result<std::int64_t> refresh_rollups(int period_s, EpochMs from, EpochMs to, int hosts_per_batch) override;
  Result<std::int64_t> prune_results(EpochMs cutoff, int hosts_per_batch) override;
  Result<std::int64_t> prune_rollups(EpochMs cutoff, int hosts_per_batch) override;

 private:
  // Runs `work` on a pooled connection; a soci_error becomes an Error (a broken connection is reopened
  // for the next caller). Every public method goes through here.
  template <class T>
  Result<T> with_session(const char* what, const std::function<Result<T>(soci::session&)>& work);

  // A write transaction: BEGIN IMMEDIATE on SQLite (take the write lock now, not at the first write, so that
  // busy_timeout applies and no deadlock-prone lock upgrade happens), BEGIN on PostgreSQL.
  class WriteTransaction {
   public:
    WriteTransaction(soci::session& sql, DbKind kind);
    ~WriteTransaction();
    void commit();

   private:
    soci::session& sql_;
    bool done_ = false;
  };

  // insert_results' two forms: a prepared statement per row (SQLite), one statement per batch (PostgreSQL).
  std::int64_t insert_results_by_row(soci::session& sql, std::span<const PingResult> results);
  std::int64_t insert_results_as_arrays(soci::session& sql, std::span<const PingResult> results);

  // Runs the statement built for each batch of `hosts_per_batch` host ids (a comma-separated id list), one
  // transaction per batch; returns the rows affected in all (rollup refresh and pruning).
  std::int64_t in_host_batches(soci::session& sql, int hosts_per_batch,
                               const std::function<std::string(const std::string&)>& statement_for);

  // with_session for work that returns nothing but success or an Error.
  Status execute(const char* what, const std::function<void(soci::session&)>& work);

  Error translate(const soci::soci_error& error, const char* what) const;

  DbUrl url_;
  soci::connection_pool pool_;
  std::size_t pool_size_;
  // SQLite: a connection that never writes, whose PRAGMA data_version then changes with every commit.
  std::mutex version_mutex_;
  std::unique_ptr<soci::session> version_sql_;
};

}  // namespace semaphore::store

namespace semaphore::store {

template <class T>
Result<T> SociStore::with_session(const char* what, const std::function<Result<T>(soci::session&)>& work) {
  soci::session sql(pool_);
  try {
    return work(sql);
  } catch (const soci::soci_error& error) {
    Error translated = translate(error, what);
    if (translated.code == Errc::unavailable) {
      try {
        if (!sql.is_connected()) sql.reconnect();  // so the next caller on this connection gets a live one
      } catch (const soci::soci_error&) {
        // Still down: the next call tries again.
      }
    }
    return translated;
  } catch (const std::exception& error) {
    return make_error(Errc::internal, std::string(what) + ": " + error.what());
  }
}

}  // namespace semaphore::store

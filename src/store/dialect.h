#pragma once
// What differs between the back ends, behind one object per back end: store/sqlite/ and store/postgresql/
// (one directory per database, as Drogon's orm_lib keeps them). SociStore holds the dialect of its database
// and calls it wherever SQLite and PostgreSQL need other SQL or other behaviour; every other query is one
// text for both (both take ON CONFLICT, RETURNING and window functions), so no store method asks which back
// end it runs on. make_dialect() is the one place that does.
//
// Methods that touch the database throw soci::soci_error unless they return a Result (those go through
// Connections::with_session themselves). Internal to src/store.
#include <soci/soci.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/db_url.h"
#include "core/result.h"
#include "store/connections.h"
#include "store/migrations.h"
#include "store/records.h"

namespace semaphore::store {

class Dialect {
 public:
  virtual ~Dialect() = default;

  // --- connections ---
  // How many pooled connections the store opens in each of its two lanes (lane.h).
  virtual std::size_t pool_size() const = 0;
  // The database as messages name it (any password redacted).
  virtual std::string display_name() const = 0;
  // Opens and sets up every connection of the pool (and any the dialect keeps for itself).
  virtual void open(Connections& connections) = 0;

  // --- transactions and schema ---
  // The statement that begins a write transaction.
  virtual const char* begin_write() const = 0;
  // The back end's migrations, oldest first.
  virtual std::vector<Migration> migrations() const = 0;
  // Inside a migration's transaction: makes processes that migrate at the same time take turns.
  virtual void lock_schema(soci::session& sql) const = 0;
  // Inside a write transaction: locks the user's row until it ends, so that writers of one user's rows take
  // turns (HostStore::add_hosts counts, then inserts). False when there is no such user.
  virtual bool lock_user(soci::session& sql, long long user_id) const = 0;
  // Appended to a SELECT inside a write transaction: locks the rows it returns of the table named `alias`
  // until the transaction ends, passing over (not waiting for) rows other transactions hold, so that
  // concurrent claimers never take or wait on each other's rows (NotificationStore::claim_channels).
  virtual std::string lock_rows_skip_locked(const std::string& alias) const = 0;
  // " FOR UPDATE" where several writers can meet on one row (PostgreSQL); "" where writes are serialized
  // anyway (SQLite: one writer at a time), so the store may skip making rows only to lock them.
  virtual const char* lock_rows_for_update() const = 0;

  // --- reading and writing ---
  // DataVersionSource::data_version() for this back end.
  virtual Result<std::string> data_version(Connections& connections) = 0;
  // A condition on `latest_results <alias>` that keeps the rows written by transactions the data version
  // bound as `:since` did not see (HostStore::latest_rounds_written_since); "" when the back end cannot tell.
  virtual std::string written_since(const std::string& /*alias*/) const { return ""; }
  // MonitorStore::insert_results' statements, inside the caller's transaction; returns the rows inserted.
  // With `inserted`, also says which: the indexes into `results` of the rows inserted (not the duplicates
  // skipped, nor the rows of deleted hosts), ascending.
  virtual std::int64_t insert_results(soci::session& sql, std::span<const PingResult> results,
                                      std::vector<std::size_t>* inserted = nullptr) const = 0;

  // --- sharing hosts among probe workers (monitor_store.h) ---
  virtual bool leases_hosts() const = 0;
  virtual Result<LeaseGrant> claim_host_leases(Connections& connections, const LeaseRequest& request) = 0;
  virtual Result<LeaseBatch> claim_more_host_leases(Connections& connections, const LeaseRequest& request,
                                                    Id after) = 0;
  virtual Status release_host_leases(Connections& connections, const std::string& worker_id,
                                     std::int64_t keep) = 0;
  virtual Result<std::unique_ptr<WorkerLock>> lock_single_worker(const std::string& worker_id,
                                                                 Id location_id) = 0;
  // MonitorStore::try_lock_maintenance: a lock no other process holds, or nullptr when one does.
  virtual Result<std::unique_ptr<WorkerLock>> try_lock_maintenance(Connections& connections) = 0;

  // --- time partitions (PostgreSQL, migration 009: ping_results by UTC day, ping_rollups by UTC month) ---
  // The defaults are SQLite's: no partitions. Each runs outside any transaction of the caller's (creating a
  // partition takes a lock on the parent table that a long transaction should not hold).
  // Before `results` are inserted: creates any partition they need that does not exist yet.
  virtual void prepare_results(soci::session&, std::span<const PingResult>) const {}
  // Before the rollups of raw rows in [from, to) are written: creates the partitions they need.
  virtual void prepare_rollups(soci::session&, std::int64_t /*from*/, std::int64_t /*to*/) const {}
  // Creates the partitions around `now` ahead of time (yesterday to three days on; this month and the next);
  // returns how many it created.
  virtual std::int64_t create_partitions_ahead(soci::session&, std::int64_t /*now*/) const { return 0; }
  // Rebuilds the primary key of one closed day partition of ping_results (MonitorStore::compact_partitions);
  // returns 1 when it rebuilt one, 0 when none is left to do.
  virtual std::int64_t compact_closed_partition(soci::session&, std::int64_t /*now*/) const { return 0; }
  // Drops the partitions of `table` ("ping_results", "ping_rollups") whose rows are all older than `cutoff`;
  // returns the rows they held (an estimate: dialect notes), or nothing when the back end does not partition
  // (the caller deletes rows).
  virtual std::optional<std::int64_t> drop_partitions_before(soci::session&, const char* /*table*/,
                                                             std::int64_t /*cutoff*/) const {
    return std::nullopt;
  }
};

// The dialect of the database `url` names. Opens nothing (Dialect::open does).
std::unique_ptr<Dialect> make_dialect(const DbUrl& url);

}  // namespace semaphore::store

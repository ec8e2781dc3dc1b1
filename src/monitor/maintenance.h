#pragma once
// Rollups and retention, on their own thread so that neither ever delays a round or the result writer.
//
// Every `every` (and soon after spooled rows were replayed) it recomputes from raw rows the hourly rollups of
// the current and previous hour and the daily rollup of the current day (and of the previous one during the
// first hours of a day), plus every bucket from the oldest replayed row on: rollups follow the rounds within
// `every`, and a late replay corrects the buckets it lands in. Each pass also creates the coming days'
// partitions (PostgreSQL). Once an hour it prunes raw rows older than retention_raw and rollups older than
// retention_rollup: a few hosts per transaction on SQLite, whole partitions on PostgreSQL
// (store/monitor_store.h). Each leader's pass ends with one closed day's ping_results primary key rebuilt
// packed full (PostgreSQL, MonitorStore::compact_partitions: REINDEX CONCURRENTLY, never today's).
//
// One worker at a time (issue 17): several probe workers share a PostgreSQL, and each runs a Maintenance.
// The first to take the store's maintenance lock (MonitorStore::try_lock_maintenance) leads: it keeps the
// lock from pass to pass and does the whole work; the others follow, and a follower's pass only recomputes
// the buckets its own spool replays landed in (work no other worker knows of). When the leader stops or dies
// its lock goes with its connection, and the next follower's pass takes over.
#include <chrono>
#include <memory>
#include <optional>
#include <stop_token>

#include "core/clock.h"
#include "core/stoppable_thread.h"
#include "monitor/metrics.h"
#include "store/monitor_store.h"
#include "store/path_store.h"

namespace semaphore::monitor {

struct MaintenanceOptions {
  std::chrono::milliseconds every{std::chrono::minutes(5)};
  std::chrono::milliseconds retention_raw{std::chrono::hours(24 * 30)};
  std::chrono::milliseconds retention_rollup{std::chrono::hours(24 * 730)};
  std::chrono::milliseconds prune_every{std::chrono::hours(1)};
  int hosts_per_batch = 50;
  // False: never leads, only recomputes the buckets marked dirty (`serve`, for the rows agents send late:
  // web/api/v1_agent.cpp). The probe workers keep the rest of the work.
  bool may_lead = true;
};

class Maintenance {
 public:
  // With `paths` (issue 15), stored paths are pruned with the raw results' retention.
  Maintenance(store::MonitorStore& store, Metrics& metrics, MaintenanceOptions options,
              store::PathStore* paths = nullptr);
  ~Maintenance();  // stop()s
  Maintenance(const Maintenance&) = delete;
  Maintenance& operator=(const Maintenance&) = delete;

  void start();
  void stop();

  // Rows with ts >= `from` landed late (spool replay): their buckets are recomputed on the next run, soon.
  void mark_dirty(EpochMs from);

  // One pass as of `now` (the thread calls it; tests call it directly). Errors are logged and counted.
  void run_once(EpochMs now);
  // Whether the last pass led (held the maintenance lock).
  bool leads() const { return leader_ != nullptr; }

 private:
  void loop(std::stop_token stop);
  Result<std::int64_t> prune_paths(EpochMs cutoff);
  // The leader's last step of a pass: one closed day's primary key rebuilt
  // (MonitorStore::compact_partitions).
  void compact(EpochMs now);
  bool take_lead();

  store::MonitorStore& store_;
  store::PathStore* paths_;
  Metrics& metrics_;
  MaintenanceOptions options_;
  std::optional<EpochMs> dirty_from_;  // guarded by thread_.mutex()
  EpochMs last_prune_ = 0;
  std::unique_ptr<store::WorkerLock> leader_;  // held while this worker leads; used by run_once's thread only
  StoppableThread thread_;
};

}  // namespace semaphore::monitor

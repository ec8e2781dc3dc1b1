#pragma once
// MonitorStore: what the ping service (src/monitor) needs: the hosts to ping, a way to share them among
// probe workers (leases on PostgreSQL, one worker on SQLite), result writes, and the rollup and retention
// maintenance. Nothing here is scoped by user: the service works for every user at once, and no page sees it.
//
// Rules every implementation keeps:
//  - Methods never throw. Database failures are Errc::unavailable (retrying may help: the result writer
//    spools and retries on it); misuse is Errc::invalid_argument.
//  - Safe to call from many threads at once (a connection pool inside): the scheduler, the result writer and
//    maintenance each call from their own thread.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/records.h"
#include "store/round_evaluator.h"

namespace semaphore::store {

class MonitorStore {
 public:
  virtual ~MonitorStore() = default;

  // A cheap round trip: is the database answering? (The result writer probes an outage with it.)
  virtual Status check_connection() = 0;

  // Every enabled host of every user that `location_id` pings (issue 16: not those a user switched off for
  // it, HostStore::set_host_locations_off), by id: what a lone probe worker of that location pings, and an
  // agent's assignment.
  virtual Result<std::vector<Host>> list_enabled_hosts(Id location_id) = 0;

  // Inserts the batch in one transaction; rows whose (host_id, ts, method, location_id) exists already are
  // skipped (idempotent replays), and rows of hosts deleted meanwhile are dropped. Returns the number of rows
  // inserted. Errc::invalid_argument for a location id a row cannot hold (store/result_location.h); a
  // location that does not exist fails the batch (its rows are kept by the writer and retried).
  virtual Result<std::int64_t> insert_results(std::span<const PingResult> results) = 0;
  // insert_results, and in the same transaction the alerts (issue 14): the rows actually inserted (never the
  // skipped duplicates of a replay) go to `evaluator` host by host with the host's rules, alert state,
  // maintenance windows and, when its rules use it, its baseline; the states and events it returns are
  // written before the commit. So a round and its events are stored together or not at all, and a round is
  // evaluated once however often it is written. A host whose alert state another writer changed meanwhile
  // fails the batch with Errc::unavailable (nothing is kept; the writer retries it).
  virtual Result<std::int64_t> insert_results_evaluated(std::span<const PingResult> results,
                                                        RoundEvaluator& evaluator) = 0;

  // --- sharing the hosts among probe workers ---
  // True when several workers share the hosts through claim_host_leases (PostgreSQL); false when one worker,
  // holding lock_single_worker, pings every enabled host (SQLite).
  virtual bool leases_hosts() const = 0;
  // Leases (PostgreSQL): in one transaction, records the worker's heartbeat, drops workers silent for ttl,
  // renews the worker's leases to now + ttl (dropping those of hosts disabled or switched off for its
  // location since), then claims free or expired enabled hosts of its location (never one switched off for
  // it: HostStore::set_host_locations_off) in chunks
  // (FOR NO KEY UPDATE SKIP LOCKED, so concurrent claimers never wait on or take each other's hosts) until
  // it holds its fair share. SQLite: Errc::invalid_argument (one worker there: lock_single_worker).
  virtual Result<LeaseGrant> claim_host_leases(const LeaseRequest& request) = 0;
  // One more batch (issue 17: claimed while the round runs): at most `request.chunk` free or expired enabled
  // hosts of the request's location (none switched off for it) with ids above `after`, leased to the worker
  // until now + ttl in one short transaction (the same FOR NO KEY UPDATE SKIP LOCKED claim as
  // claim_host_leases' batches; no heartbeat, no renewal). Returns the hosts claimed and the highest id
  // examined (LeaseBatch: go on from there while it is not 0). SQLite: Errc::invalid_argument.
  virtual Result<LeaseBatch> claim_more_host_leases(const LeaseRequest& request, Id after) = 0;
  // Keeps the worker's `keep` lowest-id leases and releases the rest; keep = 0 also forgets the worker.
  // SQLite: nothing to release.
  virtual Status release_host_leases(const std::string& worker_id, std::int64_t keep) = 0;
  // SQLite: makes this process the database's only probe worker (an flock on "<file>.probe-lock", which the
  // kernel releases if the process dies). Errc::limit_exceeded naming the holder when another worker runs.
  // PostgreSQL: a lock that holds nothing (workers share hosts through leases). One lock per location
  // (issue 16): a worker of another location (`probe --location`) pings every host too, beside it.
  virtual Result<std::unique_ptr<WorkerLock>> lock_single_worker(const std::string& worker_id,
                                                                 Id location_id = kLocalLocationId) = 0;
  // Maintenance in one worker at a time: a lock that no other process holds while it lives, or nullptr when
  // another process holds it now (that worker does this cycle's maintenance). PostgreSQL: a session advisory
  // lock on a pooled connection, released when the lock is destroyed or the connection dies. SQLite: always
  // granted (one worker per database).
  virtual Result<std::unique_ptr<WorkerLock>> try_lock_maintenance() = 0;

  // --- maintenance: partitions, rollups and retention ---
  // PostgreSQL (ping_results partitioned by UTC day, ping_rollups by UTC month): creates the partitions from
  // yesterday to three days after `now` and of this month and the next that are missing; returns how many it
  // made. (insert_results and refresh_rollups also make any partition their rows need, so a row never
  // lacks one.) SQLite: nothing to do, 0.
  virtual Result<std::int64_t> create_partitions(EpochMs now) = 0;
  // PostgreSQL: rebuilds the primary key of one closed day partition of ping_results (a day that ended an
  // hour or more before `now`, the newest such day first; today's partition never), packed full: during its
  // day every host appends at its own place in the key, and the page splits leave the key's pages about 63 %
  // full (45 bytes a row); rebuilt, 28. REINDEX CONCURRENTLY: writers and readers go on meanwhile. One
  // partition a call (the maintenance leader calls it once a pass); returns how many it rebuilt, 0 when
  // every closed day is done. SQLite: 0.
  virtual Result<std::int64_t> compact_partitions(EpochMs now) = 0;
  // Recomputes from ping_results the rollups of `period_s` (3600 or 86400) whose buckets overlap
  // [from, to), `hosts_per_batch` hosts per transaction: rounds, sent, received, min, max, avg (of every
  // reply), median (of the round medians). Returns the rollup rows written.
  virtual Result<std::int64_t> refresh_rollups(int period_s, EpochMs from, EpochMs to,
                                               int hosts_per_batch) = 0;
  // SQLite: deletes ping_results rows with ts < cutoff, `hosts_per_batch` hosts per short transaction so
  // that writers are never blocked for long; returns the rows deleted. PostgreSQL: drops the day partitions
  // that end at or before cutoff, whole (rows of the day that holds cutoff stay until that day has expired);
  // returns the rows they held as the table statistics count them (exact for a small or analyzed partition).
  virtual Result<std::int64_t> prune_results(EpochMs cutoff, int hosts_per_batch) = 0;
  // The same for ping_rollups rows with bucket_start < cutoff (PostgreSQL: month partitions).
  virtual Result<std::int64_t> prune_rollups(EpochMs cutoff, int hosts_per_batch) = 0;
};

}  // namespace semaphore::store

#pragma once
// Where a round's hosts come from.
//  - AllHostsSource: every enabled host of its location (issue 16: not those switched off for it); the single
//    worker on SQLite (or a lone worker anywhere).
//  - LeaseHostSource (PostgreSQL): the hosts this worker holds leases on. Each round it renews its leases and
//    claims free or expired ones in batches (FOR UPDATE SKIP LOCKED, a short transaction each) up to a fair
//    share of hosts per live worker. After the round it gives back what it holds beyond that share, so a
//    newcomer gets hosts at the next round. A worker that dies stops renewing: its leases expire after one
//    interval plus a grace and the others claim its hosts at the next round boundary.
//    With a claim window (the service's way, issue 17), the round starts with what the worker holds (the
//    renewal and one batch) and the further batches are claimed on a thread of the source's own, on its own
//    pooled connection, while the round runs: the scheduler takes them through more_hosts() and pings them
//    in the same round. So a new worker covers every claimable host in its first round, and a dead worker's
//    hosts are covered within two intervals, whenever the claiming fits in the round's window (bench/pg_store
//    prints the claiming rate). Without one, the batches stop once `claim_budget` has passed and the rest
//    wait for the next rounds.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "monitor/round_scheduler.h"
#include "store/monitor_store.h"

namespace semaphore::monitor {

class AllHostsSource : public HostSource {
 public:
  // Every enabled host that `location_id` pings (not those switched off for it, issue 16).
  AllHostsSource(store::MonitorStore& store, store::Id location_id)
      : store_(store), location_id_(location_id) {}
  Result<std::vector<store::Host>> hosts_for_round(EpochMs) override {
    return store_.list_enabled_hosts(location_id_);
  }

 private:
  store::MonitorStore& store_;
  store::Id location_id_;
};

class LeaseHostSource : public HostSource {
 public:
  // `ttl` should exceed the interval by a margin (the service uses 1.5 intervals): leases are renewed once
  // per round, at its start.
  // `claim_window` > 0: claim one batch before the round and the rest in the background until `claim_window`
  // after the round's boundary (the service passes the phase window: a host claimed by then still gets its
  // probes in before the round ends). Else `claim_budget`: 0 claims the whole fair share at every round
  // start, however long that takes; more stops starting batches once that much time has passed.
  LeaseHostSource(store::MonitorStore& store, std::string worker_id, std::chrono::milliseconds ttl, int chunk,
                  std::chrono::milliseconds claim_budget = std::chrono::milliseconds(0),
                  std::chrono::milliseconds claim_window = std::chrono::milliseconds(0),
                  store::Id location_id = store::kLocalLocationId)
      : store_(store),
        worker_id_(std::move(worker_id)),
        ttl_(ttl),
        chunk_(chunk),
        claim_budget_(claim_budget),
        claim_window_(claim_window),
        location_id_(location_id) {}
  ~LeaseHostSource() override;  // stops and joins the claimer (close() also releases the leases)

  Result<std::vector<store::Host>> hosts_for_round(EpochMs round_ts) override;
  std::vector<store::Host> more_hosts(std::chrono::steady_clock::time_point until, bool& done) override;
  void round_done(EpochMs round_ts) override;
  void close() override;

  // Batches claimed in the background since the source was made (tests, logs).
  std::int64_t background_batches() const;

 private:
  void claim_in_background(EpochMs deadline, store::Id after);
  void join_claimer();

  store::MonitorStore& store_;
  std::string worker_id_;
  std::chrono::milliseconds ttl_;
  int chunk_;
  std::chrono::milliseconds claim_budget_;
  std::chrono::milliseconds claim_window_;
  store::Id location_id_;  // leases are per location (issue 16): this worker's
  std::int64_t fair_share_ = 0;
  std::int64_t logged_held_ = 0;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::int64_t held_ = 0;                // guarded: the claimer adds to it
  std::vector<store::Host> claimed_;     // guarded: claimed in the background, not yet taken by the round
  bool claiming_ = false;                // guarded: the claimer runs
  bool stopping_ = false;                // guarded: close() or the destructor asked the claimer to end
  std::int64_t background_batches_ = 0;  // guarded
  std::thread claimer_;
};

}  // namespace semaphore::monitor

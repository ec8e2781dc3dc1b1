#pragma once
// Where a round's hosts come from.
//  - AllHostsSource: every enabled host; the single worker on SQLite (or a lone worker anywhere).
//  - LeaseHostSource (PostgreSQL): the hosts this worker holds leases on. Each round it renews its leases and
//    claims free or expired ones in batches (FOR UPDATE SKIP LOCKED, a short transaction each) up to a fair
//    share of hosts per live worker, but no new batch once `claim_budget` has passed since the round's
//    start (issue 17): the round starts on time, and the hosts left over are claimed at the next rounds (a
//    first claim of 100,000 hosts took 6-9 s and made the first round overrun). After the round it gives
//    back what it holds beyond that share, so a newcomer gets hosts at the next round. A worker that dies
//    stops renewing: its leases expire after one interval plus a grace and the others claim its hosts at the
//    following round boundaries, within two intervals of the death when a budget's worth of batches covers
//    them (bench/pg_store prints the claiming rate).
#include <chrono>
#include <string>
#include <vector>

#include "monitor/round_scheduler.h"
#include "store/monitor_store.h"

namespace semaphore::monitor {

class AllHostsSource : public HostSource {
 public:
  explicit AllHostsSource(store::MonitorStore& store) : store_(store) {}
  Result<std::vector<store::Host>> hosts_for_round(EpochMs) override { return store_.list_enabled_hosts(); }

 private:
  store::MonitorStore& store_;
};

class LeaseHostSource : public HostSource {
 public:
  // `ttl` should exceed the interval by a margin (the service uses 1.5 intervals): leases are renewed once
  // per round, at its start.
  // `claim_budget` 0: claim the whole fair share at every round start, however long that takes.
  LeaseHostSource(store::MonitorStore& store, std::string worker_id, std::chrono::milliseconds ttl, int chunk,
                  std::chrono::milliseconds claim_budget = std::chrono::milliseconds(0))
      : store_(store),
        worker_id_(std::move(worker_id)),
        ttl_(ttl),
        chunk_(chunk),
        claim_budget_(claim_budget) {}

  Result<std::vector<store::Host>> hosts_for_round(EpochMs round_ts) override;
  void round_done(EpochMs round_ts) override;
  void close() override;

 private:
  store::MonitorStore& store_;
  std::string worker_id_;
  std::chrono::milliseconds ttl_;
  int chunk_;
  std::chrono::milliseconds claim_budget_;
  std::int64_t held_ = 0, fair_share_ = 0;
};

}  // namespace semaphore::monitor

#pragma once
// Where a round's hosts come from.
//  - AllHostsSource: every enabled host; the single worker on SQLite (or a lone worker anywhere).
//  - LeaseHostSource (PostgreSQL): the hosts this worker holds leases on. Each round it renews its leases and
//    claims free or expired ones in chunks (FOR UPDATE SKIP LOCKED) up to a fair share of hosts per live
//    worker; after the round it gives back what it holds beyond that share, so a newcomer gets hosts at the
//    next round. A worker that dies stops renewing: its leases expire after one interval plus a grace and
//    the others claim its hosts at the following round boundary, within two intervals of the death.
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
  LeaseHostSource(store::MonitorStore& store, std::string worker_id, std::chrono::milliseconds ttl, int chunk)
      : store_(store), worker_id_(std::move(worker_id)), ttl_(ttl), chunk_(chunk) {}

  Result<std::vector<store::Host>> hosts_for_round(EpochMs round_ts) override;
  void round_done(EpochMs round_ts) override;
  void close() override;

 private:
  store::MonitorStore& store_;
  std::string worker_id_;
  std::chrono::milliseconds ttl_;
  int chunk_;
  std::int64_t held_ = 0, fair_share_ = 0;
};

}  // namespace semaphore::monitor

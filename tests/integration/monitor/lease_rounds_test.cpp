// Leases claimed while the round runs (issue 17), on a real PostgreSQL with the real ICMP engine over simnet:
// the round starts with the renewal and one batch, the further batches come from LeaseHostSource's claimer
// and are pinged in the same round. A worker's first round covers every host although a small --lease-chunk
// forces many batches; two workers, one starting late and one stopping, ping every host once per round and
// never one twice.
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <set>

#include "monitor/host_source.h"
#include "monitor/round_plan.h"
#include "monitor/round_scheduler.h"
#include "monitor_test_env.h"
#include "support/postgres_server.h"

namespace semaphore::testing {
namespace {

using namespace std::chrono_literals;

constexpr int kHosts = 200;

// One probe worker in this process: its lease source, its own ICMP engine and scheduler, and every row it
// delivered (round ts -> host ids, one entry per row).
struct Worker {
  Worker(store::MonitorStore& store, const std::string& name, int chunk, monitor::RoundTiming timing)
      : source(store, name, timing.interval + timing.interval / 2, chunk, 0ms, timing.window) {
    auto opened = probe::Pinger::open();
    EXPECT_TRUE(opened) << opened.error().message;
    if (!opened) return;
    pinger = std::move(*opened);
    monitor::SchedulerOptions options{timing, 10000, std::nullopt, {}, {}};
    options.on_hosts = [this](const std::vector<store::Host>& hosts) {
      std::lock_guard lock(mutex);
      lists.push_back(hosts.size());
    };
    scheduler = std::make_unique<monitor::RoundScheduler>(
        source, *pinger, nullptr,
        [this](const std::vector<store::PingResult>& rows) {
          std::lock_guard lock(mutex);
          for (const auto& row : rows) delivered[row.ts].push_back(row.host_id);
        },
        metrics, options);
  }
  ~Worker() { stop(); }
  void stop() {
    if (!scheduler) return;
    scheduler->stop();
    source.close();
    scheduler.reset();
  }
  std::map<EpochMs, std::vector<store::Id>> rows() {
    std::lock_guard lock(mutex);
    return delivered;
  }

  monitor::LeaseHostSource source;
  std::unique_ptr<probe::Pinger> pinger;
  monitor::Metrics metrics;
  std::unique_ptr<monitor::RoundScheduler> scheduler;
  std::mutex mutex;
  std::map<EpochMs, std::vector<store::Id>> delivered;
  std::vector<std::size_t> lists;  // the sizes of the host lists the scheduler reported (on_hosts)
};

class LeaseRoundsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string reason = simnet_skip_reason(); !reason.empty()) GTEST_SKIP() << reason;
    network_ = start_simnet(answering_hosts(kHosts));
    ASSERT_TRUE(network_);
    db_ = open_migrated(server_.create_database("lease_rounds"));
    ASSERT_TRUE(db_);
    const auto ids = add_simnet_hosts(*db_, "l@example.com", kHosts);
    ASSERT_EQ(ids.size(), static_cast<std::size_t>(kHosts));
    hosts_.insert(ids.begin(), ids.end());
  }

  PostgresServer server_;
  std::unique_ptr<simnet::Network> network_;
  std::unique_ptr<store::Store> db_;
  std::set<store::Id> hosts_;
};

TEST_F(LeaseRoundsTest, FirstRoundCoversEveryHostWhileClaimingInManyBatches) {
  // 200 hosts, 10 a batch: the round starts with one batch; the 19 others are claimed while it runs.
  auto timing = monitor::derive_timing(6000ms, 2, 0ms, 0ms);
  ASSERT_TRUE(timing) << timing.error().message;
  Worker worker(*db_, "a", 10, *timing);
  ASSERT_TRUE(worker.pinger);
  const EpochMs round_ts = now_epoch_ms();
  worker.scheduler->run_round(round_ts);

  // The round started with the first batch only, and the rest came in the background...
  ASSERT_FALSE(worker.lists.empty());
  EXPECT_EQ(worker.lists.front(), 10u);
  EXPECT_GE(worker.source.background_batches(), 19);
  // ...and every host has exactly one row of this round, none of another.
  const auto rows = worker.rows();
  ASSERT_EQ(rows.size(), 1u);
  ASSERT_EQ(rows.begin()->first, round_ts);
  std::map<store::Id, int> per_host;
  for (store::Id id : rows.begin()->second) ++per_host[id];
  EXPECT_EQ(per_host.size(), hosts_.size());
  for (store::Id id : hosts_) EXPECT_EQ(per_host[id], 1) << "host " << id;
  EXPECT_EQ(worker.metrics.hosts.load(), kHosts);
  EXPECT_EQ(worker.metrics.round_overruns.load(), 0u);

  // The next round holds them all from the start (renewed, nothing left to claim).
  worker.scheduler->run_round(round_ts + timing->interval.count());
  EXPECT_EQ(worker.lists.back(), static_cast<std::size_t>(kHosts));
  EXPECT_EQ(worker.rows().at(round_ts + timing->interval.count()).size(), static_cast<std::size_t>(kHosts));
}

TEST_F(LeaseRoundsTest, TwoWorkersPingEveryHostOncePerRoundWhileOneStartsLateAndOneStops) {
  auto timing = monitor::derive_timing(3000ms, 2, 0ms, 0ms);
  ASSERT_TRUE(timing) << timing.error().message;
  const EpochMs interval = timing->interval.count();
  auto a = std::make_unique<Worker>(*db_, "a", 20, *timing);
  ASSERT_TRUE(a->pinger);
  a->scheduler->start();
  // a alone, then b joins (late: a holds every host) and they share.
  ASSERT_TRUE(eventually([&] { return a->metrics.rounds.load() >= 2; }, 20s));
  auto b = std::make_unique<Worker>(*db_, "b", 20, *timing);
  ASSERT_TRUE(b->pinger);
  b->scheduler->start();
  ASSERT_TRUE(eventually([&] { return b->metrics.hosts.load() == kHosts / 2; }, 30s))
      << "b never got its share";
  ASSERT_TRUE(eventually([&] { return a->metrics.hosts.load() == kHosts / 2; }, 10s));
  // a stops (its round in flight finishes, then it releases its leases); b takes every host over in its next
  // round, claiming them while that round runs.
  const auto rounds_b = b->metrics.rounds.load();
  ASSERT_TRUE(eventually([&] { return b->metrics.rounds.load() > rounds_b; }, 10s));
  const EpochMs stop_requested = now_epoch_ms();
  a->stop();
  const EpochMs stopped_at = now_epoch_ms();
  ASSERT_TRUE(eventually([&] { return b->metrics.hosts.load() == kHosts; }, 10s));
  const auto after = b->metrics.rounds.load();
  ASSERT_TRUE(eventually([&] { return b->metrics.rounds.load() >= after + 1; }, 10s));
  b->stop();

  std::map<EpochMs, std::map<store::Id, int>> per_round;
  for (auto* worker : {a.get(), b.get()}) {
    for (const auto& [ts, ids] : worker->rows()) {
      for (store::Id id : ids) ++per_round[ts][id];
    }
  }
  ASSERT_GE(per_round.size(), 6u);
  // No host twice in any round, across both workers.
  for (const auto& [ts, counts] : per_round) {
    for (const auto& [id, n] : counts) EXPECT_EQ(n, 1) << "host " << id << " pinged " << n << "x in " << ts;
  }
  // Every host in every round: from a's first round through b's arrival and the hand-over, and after a
  // stopped (a finishes the round it began; b claims a's hosts while its next round runs). Only a boundary
  // between the stop request and the release may miss a's share (a no longer pings, b started before the
  // release: its hosts are claimed at the next boundary).
  const EpochMs first = per_round.begin()->first, last = per_round.rbegin()->first;
  for (EpochMs ts = first; ts <= last; ts += interval) {
    if (ts > stop_requested && ts <= stopped_at) continue;
    ASSERT_TRUE(per_round.contains(ts)) << "no rows for round " << ts;
    EXPECT_EQ(per_round.at(ts).size(), hosts_.size()) << "round " << ts << " missed hosts";
  }
  EXPECT_EQ(a->metrics.round_overruns.load() + b->metrics.round_overruns.load(), 0u);
}

}  // namespace
}  // namespace semaphore::testing

#include "monitor/round_scheduler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <mutex>

namespace semaphore::monitor {
namespace {

using namespace std::chrono_literals;

// Answers every host with fixed RTTs, or silence for hosts named "silent*"; remembers what it was asked.
class FakePinger : public probe::Pinger {
 public:
  std::chrono::milliseconds run_time{0};
  std::vector<std::vector<probe::PingRequest>> runs;
  probe::PingOptions last_options;
  EpochMs called_at = 0;  // when the last run() began: the scheduler had planned its offsets by then
  std::chrono::steady_clock::time_point entered_at, left_at;  // of the last run()

  std::vector<probe::HostResult> run(std::span<const probe::PingRequest> requests,
                                     const probe::PingOptions& options, std::stop_token) override {
    const EpochMs entered = now_epoch_ms();
    const auto entered_steady = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(run_time);
    {
      std::lock_guard lock(mutex_);
      called_at = entered;
      entered_at = entered_steady;
      left_at = std::chrono::steady_clock::now();
      runs.emplace_back(requests.begin(), requests.end());
      last_options = options;
    }
    std::vector<probe::HostResult> results;
    for (const auto& request : requests) {
      probe::HostResult result;
      result.host = request.host;
      result.sent = options.count;
      const bool silent = request.host.starts_with("silent");
      for (int i = 0; i < options.count; ++i) {
        result.rtts_ms.push_back(silent ? std::numeric_limits<double>::quiet_NaN() : 1.0 + i);
      }
      result.received = silent ? 0 : options.count;
      if (silent) result.error = probe::HostError::timeout;
      if (request.host.starts_with("closed")) {  // a TCP port that answers with RSTs
        result.refused = options.count;
        result.refused_probes.assign(static_cast<std::size_t>(options.count), true);
      }
      results.push_back(result);
    }
    return results;
  }
  probe::EngineCounters counters() const override { return {}; }
  probe::SocketKind socket_kind() const override { return probe::SocketKind::datagram; }
  std::size_t run_count() {
    std::lock_guard lock(mutex_);
    return runs.size();
  }

 private:
  std::mutex mutex_;
};

class ListSource : public HostSource {
 public:
  std::vector<store::Host> hosts;
  bool fail = false;
  int done = 0;
  Result<std::vector<store::Host>> hosts_for_round(EpochMs) override {
    if (fail) return make_error(Errc::unavailable, "database down");
    return hosts;
  }
  void round_done(EpochMs) override { ++done; }
};

store::Host host(store::Id id, std::string name) {
  store::Host h;
  h.id = id;
  h.hostname = std::move(name);
  return h;
}

struct SchedulerTest : ::testing::Test {
  FakePinger pinger;
  ListSource source;
  Metrics metrics;
  std::mutex mutex;
  std::vector<store::PingResult> delivered;
  SchedulerOptions options(std::chrono::milliseconds interval = 60s) {
    SchedulerOptions o;
    o.timing = *derive_timing(interval, 5, 0ms, 0ms);
    o.rate = 1234;
    return o;
  }
  RoundScheduler::Deliver deliver() {
    return [this](std::vector<store::PingResult> rows) {
      std::lock_guard lock(mutex);
      delivered.insert(delivered.end(), rows.begin(), rows.end());
    };
  }
};

TEST_F(SchedulerTest, OneRowPerHostAtItsPhase) {
  source.hosts = {host(1, "a.example"), host(2, "b.example"), host(3, "silent.example")};
  RoundScheduler scheduler(source, pinger, nullptr, deliver(), metrics, options());
  const EpochMs round_ts = now_epoch_ms();  // "now": offsets are the phases, less the time spent planning
  scheduler.run_round(round_ts);

  ASSERT_EQ(pinger.runs.size(), 1u);
  ASSERT_EQ(pinger.runs[0].size(), 3u);
  // The scheduler was at most this late when it planned (however slowly a busy machine ran it).
  const auto late = std::chrono::milliseconds(pinger.called_at - round_ts);
  const auto timing = options().timing;
  for (std::size_t i = 0; i < 3; ++i) {
    const auto phase = host_phase(source.hosts[i].id, timing.window);
    EXPECT_LE(pinger.runs[0][i].start_offset, phase);
    EXPECT_GE(pinger.runs[0][i].start_offset, phase - late);
  }
  EXPECT_EQ(pinger.last_options.count, 5);
  EXPECT_EQ(pinger.last_options.per_host_interval, 1000ms);
  EXPECT_EQ(pinger.last_options.rate, 1234);

  ASSERT_EQ(delivered.size(), 3u);
  for (const auto& row : delivered) EXPECT_EQ(row.ts, round_ts);
  EXPECT_EQ(delivered[0].host_id, 1);
  EXPECT_DOUBLE_EQ(*delivered[0].median_ms, 3.0);
  EXPECT_EQ(delivered[2].received, 0);
  EXPECT_EQ(delivered[2].error, "timeout");
  EXPECT_EQ(metrics.probes_sent, 15u);
  EXPECT_EQ(metrics.probes_received, 10u);
  EXPECT_EQ(metrics.probes_dropped, 5u);
  EXPECT_EQ(metrics.rounds, 1u);
  EXPECT_EQ(source.done, 1);
}

store::Host probed(store::Id id, std::string name, ProbeMethod method, std::uint16_t port = 443) {
  store::Host h = host(id, std::move(name));
  h.probe = ProbeSpec{method, port};
  return h;
}

TEST_F(SchedulerTest, EachKindOfHostGoesToItsEngineAtOnceAndGetsARowPerKind) {
  FakePinger tcp;
  pinger.run_time = 300ms;
  tcp.run_time = 300ms;
  source.hosts = {probed(1, "a.example", ProbeMethod::icmp),
                  probed(2, "silent.example", ProbeMethod::both, 22),
                  probed(3, "closed.example", ProbeMethod::tcp, 8443)};
  RoundScheduler scheduler(source, pinger, &tcp, deliver(), metrics, options());
  const EpochMs round_ts = now_epoch_ms();
  scheduler.run_round(round_ts);

  // ICMP: the icmp and the both host; TCP: the both and the tcp host, each with its port, at the same phase.
  ASSERT_EQ(pinger.runs.size(), 1u);
  ASSERT_EQ(tcp.runs.size(), 1u);
  ASSERT_EQ(pinger.runs[0].size(), 2u);
  EXPECT_EQ(pinger.runs[0][0].host, "a.example");
  EXPECT_EQ(pinger.runs[0][1].host, "silent.example");
  ASSERT_EQ(tcp.runs[0].size(), 2u);
  EXPECT_EQ(tcp.runs[0][0].host, "silent.example");
  EXPECT_EQ(tcp.runs[0][0].port, 22);
  EXPECT_EQ(tcp.runs[0][0].start_offset, pinger.runs[0][1].start_offset);
  EXPECT_EQ(tcp.runs[0][1].host, "closed.example");
  EXPECT_EQ(tcp.runs[0][1].port, 8443);
  // The two runs overlapped in time (each took 300 ms).
  EXPECT_LT(tcp.entered_at, pinger.left_at);
  EXPECT_LT(pinger.entered_at, tcp.left_at);
  // --rate shared in proportion to the probes: half each here.
  EXPECT_DOUBLE_EQ(pinger.last_options.rate + tcp.last_options.rate, 1234);
  EXPECT_DOUBLE_EQ(tcp.last_options.rate, 617);

  ASSERT_EQ(delivered.size(), 4u);
  std::map<std::pair<store::Id, ProbeKind>, store::PingResult> rows;
  for (const auto& row : delivered) rows[{row.host_id, row.method}] = row;
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows.at({1, ProbeKind::icmp}).received, 5);
  EXPECT_EQ(rows.at({2, ProbeKind::icmp}).received, 0);
  EXPECT_EQ(rows.at({2, ProbeKind::icmp}).error, "timeout");
  EXPECT_EQ(rows.at({2, ProbeKind::tcp}).received, 0);
  const auto& closed = rows.at({3, ProbeKind::tcp});
  EXPECT_EQ(closed.received, 5);
  EXPECT_EQ(closed.refused, 5);
  EXPECT_TRUE(closed.error.empty());
  EXPECT_EQ(rows.at({1, ProbeKind::icmp}).refused, 0);
  EXPECT_EQ(metrics.probes_sent, 10u);
  EXPECT_EQ(metrics.tcp_probes_sent, 10u);
  EXPECT_EQ(metrics.tcp_probes_received, 5u);
  EXPECT_EQ(metrics.tcp_probes_refused, 5u);
  EXPECT_EQ(metrics.tcp_probes_dropped, 5u);
  EXPECT_EQ(metrics.hosts, 3);
  EXPECT_EQ(metrics.tcp_hosts, 2);
}

TEST_F(SchedulerTest, WithoutATcpEngineTcpRowsSaySendFailed) {
  source.hosts = {probed(1, "a.example", ProbeMethod::tcp)};
  RoundScheduler scheduler(source, pinger, nullptr, deliver(), metrics, options());
  scheduler.run_round(now_epoch_ms());
  EXPECT_TRUE(pinger.runs.empty());
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(delivered[0].method, ProbeKind::tcp);
  EXPECT_EQ(delivered[0].error, "send failed");
}

TEST_F(SchedulerTest, LateStartShiftsOffsetsButKeepsPhases) {
  const auto timing = options().timing;
  const auto margin = std::min(std::chrono::milliseconds(2000), timing.interval / 10);
  // Hosts whose phase lies past the margin, so that a shift of up to the margin leaves every offset above 0.
  std::vector<std::chrono::milliseconds> phases;
  for (store::Id id = 1; source.hosts.size() < 8; ++id) {
    const auto phase = host_phase(id, timing.window);
    if (phase <= margin) continue;
    source.hosts.push_back(host(id, "h" + std::to_string(id)));
    phases.push_back(phase);
  }
  RoundScheduler scheduler(source, pinger, nullptr, deliver(), metrics, options());
  const EpochMs before = now_epoch_ms();
  const EpochMs round_ts = before - 300;  // a little late: listing hosts took a while
  scheduler.run_round(round_ts);
  const EpochMs after = now_epoch_ms();
  // The lateness the scheduler saw lies between these two, whatever the machine's load.
  const auto least = std::chrono::milliseconds(before - round_ts),
             most = std::chrono::milliseconds(after - round_ts);
  if (most > margin)
    GTEST_SKIP() << "the round call took " << (after - before)
                 << " ms: past the margin, where phases are squeezed instead";

  ASSERT_EQ(pinger.runs.size(), 1u);
  const auto& requests = pinger.runs[0];
  ASSERT_EQ(requests.size(), phases.size());
  // One shift for every host, by the lateness: each offset is its phase less the same amount.
  const auto shift =
      std::chrono::duration_cast<std::chrono::microseconds>(phases[0]) - requests[0].start_offset;
  EXPECT_GE(shift, least);
  EXPECT_LE(shift, most);
  for (std::size_t i = 0; i < requests.size(); ++i) {
    EXPECT_EQ(std::chrono::duration_cast<std::chrono::microseconds>(phases[i]) - requests[i].start_offset,
              shift)
        << "host " << source.hosts[i].id;
    EXPECT_GT(requests[i].start_offset, 0us);
  }
  // So the hosts keep their order and their spacing (the phases) within the round.
  for (std::size_t i = 0; i < requests.size(); ++i) {
    for (std::size_t j = 0; j < requests.size(); ++j) {
      EXPECT_EQ(requests[i].start_offset < requests[j].start_offset, phases[i] < phases[j]);
      EXPECT_EQ(requests[i].start_offset - requests[j].start_offset,
                std::chrono::duration_cast<std::chrono::microseconds>(phases[i] - phases[j]));
    }
  }

  // Far behind (past the whole window): no time is left to spread the hosts, every one goes at once.
  scheduler.run_round(now_epoch_ms() - 100000);
  ASSERT_EQ(pinger.runs.size(), 2u);
  for (const auto& request : pinger.runs[1]) EXPECT_EQ(request.start_offset, 0us);
}

TEST_F(SchedulerTest, VeryLateStartSqueezesPhasesIntoTheTimeLeft) {
  for (store::Id id = 1; id <= 50; ++id) source.hosts.push_back(host(id, "h"));
  RoundScheduler scheduler(source, pinger, nullptr, deliver(), metrics, options());
  const auto window = options().timing.window;
  const EpochMs round_ts = now_epoch_ms() - 20000;  // 20 s late (a slow first lease claim)
  scheduler.run_round(round_ts);
  // Between 20 s and this late when it planned, however slowly a busy machine ran it.
  const auto late = std::chrono::milliseconds(pinger.called_at - round_ts);
  for (std::size_t i = 0; i < 50; ++i) {
    const auto phase = host_phase(source.hosts[i].id, window);
    const auto offset = pinger.runs[0][i].start_offset;
    EXPECT_LE(offset, window - 20000ms);  // ends inside the interval
    // Phases scaled into the time left: the spread (and order) is kept.
    EXPECT_LE(offset, phase * (window - 20000ms).count() / window.count() + 1ms);
    EXPECT_GE(offset, phase * (window - late).count() / window.count() - 1ms);
  }
}

TEST_F(SchedulerTest, HostsAreReadEveryRoundAndKeptThroughAnOutage) {
  source.hosts = {host(1, "a"), host(2, "b")};
  RoundScheduler scheduler(source, pinger, nullptr, deliver(), metrics, options());
  scheduler.run_round(1000);
  source.hosts = {host(2, "b"), host(3, "c")};  // 1 deleted, 3 added
  scheduler.run_round(2000);
  source.fail = true;  // the database is down: ping the last known hosts
  scheduler.run_round(3000);
  std::vector<std::pair<store::Id, EpochMs>> keys;
  for (const auto& row : delivered) keys.emplace_back(row.host_id, row.ts);
  const std::vector<std::pair<store::Id, EpochMs>> expected = {{1, 1000}, {2, 1000}, {2, 2000},
                                                               {3, 2000}, {2, 3000}, {3, 3000}};
  EXPECT_EQ(keys, expected);
}

TEST_F(SchedulerTest, LoopRunsAlignedRounds) {
  source.hosts = {host(1, "a")};
  RoundScheduler scheduler(source, pinger, nullptr, deliver(), metrics, options(300ms));
  scheduler.start();
  const auto deadline = std::chrono::steady_clock::now() + 60s;  // bounds the wait for a broken loop only
  while (pinger.run_count() < 4 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  scheduler.stop();
  std::lock_guard lock(mutex);
  ASSERT_GE(delivered.size(), 4u);
  // Each round on a boundary, the next on the next one; a round that a busy machine made overrun skips the
  // boundaries it missed and counts them, so every boundary is accounted for.
  std::uint64_t skipped = 0;
  for (std::size_t i = 0; i < delivered.size(); ++i) {
    EXPECT_EQ(delivered[i].ts % 300, 0);
    if (i > 0) {
      EXPECT_GE(delivered[i].ts - delivered[i - 1].ts, 300);
      skipped += static_cast<std::uint64_t>((delivered[i].ts - delivered[i - 1].ts) / 300 - 1);
    }
  }
  EXPECT_EQ(skipped, metrics.rounds_skipped.load());
  EXPECT_EQ(skipped > 0, metrics.round_overruns.load() > 0);
}

TEST_F(SchedulerTest, OverrunIsCountedAndTheNextRoundStartsOnABoundary) {
  source.hosts = {host(1, "a")};
  pinger.run_time = 450ms;  // longer than the 300 ms interval
  RoundScheduler scheduler(source, pinger, nullptr, deliver(), metrics, options(300ms));
  scheduler.start();
  const auto deadline = std::chrono::steady_clock::now() + 60s;  // bounds the wait for a broken loop only
  while (pinger.run_count() < 3 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  scheduler.stop();
  EXPECT_GE(metrics.round_overruns, 2u);
  EXPECT_GE(metrics.rounds_skipped, 2u);
  std::lock_guard lock(mutex);
  for (const auto& row : delivered) EXPECT_EQ(row.ts % 300, 0);
}

TEST_F(SchedulerTest, StopFinishesTheRoundInFlight) {
  source.hosts = {host(1, "a"), host(2, "b")};
  pinger.run_time = 200ms;
  RoundScheduler scheduler(source, pinger, nullptr, deliver(), metrics, options(300ms));
  scheduler.start();
  std::this_thread::sleep_for(450ms);  // a round is in flight now or soon
  scheduler.stop();
  std::lock_guard lock(mutex);
  EXPECT_EQ(delivered.size() % 2, 0u);  // never half a round
  EXPECT_EQ(delivered.size(), 2 * metrics.rounds.load());
}

}  // namespace
}  // namespace semaphore::monitor

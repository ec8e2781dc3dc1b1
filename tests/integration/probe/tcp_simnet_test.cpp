// The TCP connect engine against the simulated network: SYN-ACKs from open ports, RSTs from closed ones,
// silence from filtered ones, each after the host's delay and with its loss (tests/fixtures/simnet). RTTs
// are checked against the delay the simulator really applied; counts against its own. Every simulated
// address's route is checked to lead into our TUN device before it is probed.
#include <dirent.h>
#include <gtest/gtest.h>
#include <sched.h>

#include <algorithm>
#include <cmath>
#include <thread>

#include "probe/pinger.h"
#include "probe_test_env.h"
#include "simnet/network.h"

namespace semaphore::probe {
namespace {

using namespace std::chrono_literals;
using simnet::Behaviour;
using simnet::HostEntry;
using simnet::Mode;
using simnet::TcpPort;
using simnet::TcpPorts;

constexpr std::uint16_t kOpen = 443, kClosed = 22, kFiltered = 8080;

int open_descriptors() {
  int n = 0;
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') ++n;
  }
  ::closedir(dir);
  return n - 1;
}

TcpPorts ports() {
  TcpPorts p;
  p.open[0] = kOpen;
  p.closed[0] = kClosed;
  p.others = TcpPort::filtered;
  return p;
}

Behaviour host(double delay_ms, double loss = 0) {
  Behaviour b{delay_ms, loss, Mode::normal};
  b.tcp = ports();
  return b;
}

class TcpSimnet : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::private_netns_error().empty()) {
      GTEST_SKIP() << "no private network namespace: " << testing::private_netns_error();
    }
    if (const std::string reason = simnet::tun_unavailable_reason(); !reason.empty()) {
      GTEST_SKIP() << "no TUN device: " << reason;
    }
    sched_getaffinity(0, sizeof cpus_, &cpus_);
  }
  void TearDown() override {
    pinger_.reset();
    network_.reset();
    sched_setaffinity(0, sizeof cpus_, &cpus_);
  }

  void start(std::vector<HostEntry> table, const std::vector<std::size_t>& check = {}) {
    table_ = table;
    simnet::Options options;
    options.record_delays = table_.size() <= 2000;
    options.cpu = simnet::fixture_cpu();
    const cpu_set_t others = simnet::pinger_cpus(options.cpu);
    sched_setaffinity(0, sizeof others, &others);
    auto network = simnet::Network::start(options, std::move(table));
    ASSERT_TRUE(network) << network.error().message;
    network_ = std::move(*network);
    for (std::size_t i = 0; i < table_.size(); ++i) {
      if (!check.empty() && std::find(check.begin(), check.end(), i) == check.end()) continue;
      auto routed = network_->check_route(table_[i].address);
      ASSERT_TRUE(routed) << routed.error().message;
    }
  }

  std::vector<HostResult> probe(std::uint16_t port, const PingOptions& options, int max_open = 1024,
                                std::stop_token stop = {}) {
    auto pinger = Pinger::open_tcp(TcpOpenOptions{port, max_open, {}});
    EXPECT_TRUE(pinger) << pinger.error().message;
    if (!pinger) return {};
    pinger_ = std::move(*pinger);
    std::vector<PingRequest> requests;
    for (const auto& entry : table_) requests.push_back({entry.address.to_string(), {}, 0});
    return pinger_->run(requests, options, std::move(stop));
  }

  static PingOptions options(int count, std::chrono::milliseconds interval,
                             std::chrono::milliseconds timeout) {
    PingOptions o;
    o.count = count;
    o.per_host_interval = interval;
    o.timeout = timeout;
    return o;
  }

  // The RTT errors against the applied delays, sorted; every probe answered.
  std::vector<double> errors_against_applied(const std::vector<HostResult>& results, bool refused) {
    std::vector<double> errors;
    for (std::size_t i = 0; i < results.size(); ++i) {
      const HostResult& r = results[i];
      SCOPED_TRACE(r.host);
      EXPECT_EQ(r.received, r.sent);
      EXPECT_EQ(r.refused, refused ? r.sent : 0);
      const std::vector<double> applied = network_->applied_delays_ms(i);
      EXPECT_EQ(applied.size(), r.rtts_ms.size());
      for (std::size_t k = 0; k < std::min(applied.size(), r.rtts_ms.size()); ++k) {
        EXPECT_GE(applied[k], table_[i].behaviour.delay_ms);
        errors.push_back(std::fabs(r.rtts_ms[k] - applied[k]));
      }
    }
    std::sort(errors.begin(), errors.end());
    return errors;
  }

  std::vector<HostEntry> table_;
  std::unique_ptr<simnet::Network> network_;
  std::unique_ptr<Pinger> pinger_;
  cpu_set_t cpus_{};
};

std::vector<HostEntry> delay_table() {
  const double delays[] = {0, 0.5, 2, 7.5, 20, 45};
  std::vector<HostEntry> table;
  for (std::uint32_t i = 0; i < 6; ++i) {
    table.push_back({simnet::v4_host(i), host(delays[i])});
    table.push_back({simnet::v6_host(i), host(delays[i])});
  }
  return table;
}

double percentile(const std::vector<double>& sorted, int p) {
  return sorted.empty()
             ? NAN
             : sorted[std::min(sorted.size() - 1, sorted.size() * static_cast<std::size_t>(p) / 100)];
}

TEST_F(TcpSimnet, SynAckRttIsTheKernelsAndWithin0_3MsOfTheAppliedDelay) {
  start(delay_table());
  const simnet::RealtimeScope realtime;
  const auto results = probe(kOpen, options(10, 20ms, 500ms));
  ASSERT_EQ(results.size(), table_.size());
  const std::vector<double> errors = errors_against_applied(results, false);
  ASSERT_EQ(errors.size(), 120u);
  const EngineCounters c = pinger_->counters();
  std::printf(
      "SYN-ACK RTT error against the applied delay, 120 probes: p50 %.3f ms, p99 %.3f ms, max %.3f ms "
      "(%llu timed in user space)\n",
      percentile(errors, 50), percentile(errors, 99), errors.back(),
      static_cast<unsigned long long>(c.user_space_rtts));
  EXPECT_EQ(c.user_space_rtts, 0u);  // every one the kernel's own sample
  EXPECT_LE(percentile(errors, 99), 0.3);
}

TEST_F(TcpSimnet, RefusedRttIsUserSpaceTimedAndMostlyWithin0_3MsOfTheAppliedDelay) {
  start(delay_table());
  const simnet::RealtimeScope realtime;
  const auto results = probe(kClosed, options(10, 20ms, 500ms));
  ASSERT_EQ(results.size(), table_.size());
  const std::vector<double> errors = errors_against_applied(results, true);
  ASSERT_EQ(errors.size(), 120u);
  for (std::size_t i = 0; i < results.size(); ++i) EXPECT_EQ(network_->counters(i).resets, 10u);
  const EngineCounters c = pinger_->counters();
  std::printf("RST RTT error against the applied delay, 120 probes: p50 %.3f ms, p99 %.3f ms, max %.3f ms\n",
              percentile(errors, 50), percentile(errors, 99), errors.back());
  EXPECT_EQ(c.user_space_rtts, 120u);
  EXPECT_EQ(c.refused, 120u);
  // A RST's arrival is when the loop wakes for it: the machine's wake-up latency, not the kernel's stamp.
  // On the 2-vCPU test machine, with build load: p50 0.02-0.04 ms, p99 0.08-0.22 ms, and once two probes
  // of 120 at 3.5 ms (a vCPU not running: steal time). So the bound is on p90 and the median; p99 and the
  // maximum are printed above.
  EXPECT_LE(percentile(errors, 90), 0.3);
  EXPECT_LE(percentile(errors, 50), 0.1);
}

TEST_F(TcpSimnet, ExactlyTheProbesTheSimulatorDroppedAreLostAndFilteredPortsLoseAll) {
  start({{simnet::v4_host(0), host(1, 0.3)}, {simnet::v6_host(0), host(1, 0.3)}});
  const auto results = probe(kOpen, options(20, 10ms, 300ms));
  ASSERT_EQ(results.size(), 2u);
  for (std::size_t i = 0; i < results.size(); ++i) {
    const HostResult& r = results[i];
    SCOPED_TRACE(r.host);
    const simnet::HostCounters counted = network_->counters(i);
    EXPECT_EQ(r.sent, 20);
    EXPECT_EQ(counted.requests, 20u);
    EXPECT_EQ(counted.dropped, 6u);
    EXPECT_EQ(r.received, 14);
    ASSERT_EQ(r.rtts_ms.size(), 20u);
    // Request n is dropped when floor((n+1)*0.3) > floor(n*0.3); probes go out one by one, 10 ms apart.
    for (int n = 0; n < 20; ++n) {
      const bool dropped = std::floor((n + 1) * 0.3) > std::floor(n * 0.3);
      EXPECT_EQ(std::isnan(r.rtts_ms[static_cast<std::size_t>(n)]), dropped) << "probe " << n;
    }
  }
  // The same hosts on a filtered port: every SYN reaches them, none is answered.
  pinger_.reset();
  const int before = open_descriptors();
  const auto filtered = probe(kFiltered, options(5, 10ms, 200ms));
  for (const HostResult& r : filtered) {
    EXPECT_EQ(r.sent, 5);
    EXPECT_EQ(r.received, 0);
    EXPECT_EQ(r.error, HostError::timeout);
  }
  EXPECT_EQ(network_->counters(0).requests, 25u);
  EXPECT_EQ(network_->counters(0).dropped, 11u);
  pinger_.reset();
  EXPECT_EQ(open_descriptors(), before);
}

// The kernel retransmits an unanswered SYN when its first RTO (1 s) fires, which the timer wheel does between
// about 996 and 1,028 ms after the SYN (HZ=250). With a timeout of 1 s (the CLI's default) a probe's socket
// used to close at 1 s plus the loop's wake-up: after the retransmit for about one probe in eight whose SYNs
// went out spread over the wheel's ticks (1,085 of 9,000 here before the fix): a second SYN on the wire for
// one probe, and on a lossy host an answer to it that the host counts and the prober never sees.
TEST_F(TcpSimnet, ATimeoutOfOneSecondSendsEachSynOnce) {
  constexpr std::uint32_t kHosts = 1000;
  std::vector<HostEntry> table;
  for (std::uint32_t i = 0; i < kHosts; ++i) table.push_back({simnet::v4_host(i), host(1)});
  start(table, {0, kHosts - 1});
  PingOptions o = options(1, 1000ms, 1000ms);
  o.rate = 1000;  // the SYNs spread over a second: over all the phases of the kernel's timer ticks
  const auto results = probe(kFiltered, o);
  ASSERT_EQ(results.size(), kHosts);
  std::uint32_t retransmitted = 0;
  for (std::uint32_t i = 0; i < kHosts; ++i) {
    EXPECT_EQ(results[i].sent, 1);
    EXPECT_EQ(results[i].received, 0);
    retransmitted += network_->counters(i).requests - 1;
  }
  EXPECT_EQ(retransmitted, 0u) << "SYNs the kernel sent again before the probe's socket was closed";
}

TEST_F(TcpSimnet, StopClosesTheSocketsOfProbesStillWaiting) {
  std::vector<HostEntry> table;
  for (std::uint32_t i = 0; i < 50; ++i) table.push_back({simnet::v4_host(i), host(0)});
  start(table, {0, 49});
  const int before = open_descriptors();
  std::stop_source stop;
  std::thread stopper([&] {
    std::this_thread::sleep_for(300ms);
    stop.request_stop();
  });
  const auto results = probe(kFiltered, options(100, 20ms, 900ms), 1024, stop.get_token());
  stopper.join();
  ASSERT_EQ(results.size(), 50u);
  EXPECT_GE(pinger_->counters().open_sockets_peak, 50u);  // they were all waiting at once
  for (const HostResult& r : results) EXPECT_EQ(r.received, 0);
  pinger_.reset();
  EXPECT_EQ(open_descriptors(), before);
}

TEST_F(TcpSimnet, TenThousandHostsAreAccountedExactlyWithNoSocketLeftBehind) {
  constexpr std::uint32_t kHosts = 10000;
  std::vector<HostEntry> table;
  for (std::uint32_t i = 0; i < kHosts; ++i) {
    Behaviour b = host(0.5 + (i % 20) * 0.1, i % 10 == 3 ? 0.5 : 0);
    if (i % 10 == 7) b.tcp.open[0] = 0, b.tcp.closed[1] = kOpen;  // closed: a RST
    if (i % 10 == 8) b.tcp.open[0] = 0, b.tcp.closed[0] = 0;      // filtered: nothing
    table.push_back({i % 2 == 0 ? simnet::v4_host(i) : simnet::v6_host(i), b});
  }
  start(table, {0, 1, kHosts - 2, kHosts - 1});
  const int before = open_descriptors();
  PingOptions o = options(2, 500ms, 300ms);
  o.rate = 10000;
  constexpr int kCap = 512;
  const auto started = std::chrono::steady_clock::now();
  auto results = probe(kOpen, o, kCap);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ASSERT_EQ(results.size(), kHosts);
  std::uint64_t sent = 0, received = 0, refused = 0, lost = 0;
  for (std::uint32_t i = 0; i < kHosts; ++i) {
    const HostResult& r = results[i];
    const simnet::HostCounters counted = network_->counters(i);
    ASSERT_EQ(static_cast<std::uint32_t>(r.sent), counted.requests) << r.host;
    ASSERT_EQ(static_cast<std::uint32_t>(r.received), counted.replies) << r.host;
    ASSERT_EQ(static_cast<std::uint32_t>(r.refused), counted.resets) << r.host;
    ASSERT_EQ(static_cast<std::uint32_t>(r.sent - r.received), counted.dropped) << r.host;
    sent += static_cast<std::uint64_t>(r.sent);
    received += static_cast<std::uint64_t>(r.received);
    refused += static_cast<std::uint64_t>(r.refused);
    lost += static_cast<std::uint64_t>(r.sent - r.received);
  }
  const EngineCounters c = pinger_->counters();
  std::printf(
      "%u hosts x 2 in %.2f s: %llu sent, %llu received (%llu refused), %llu lost; at most %llu sockets "
      "open at once\n",
      kHosts, seconds, static_cast<unsigned long long>(sent), static_cast<unsigned long long>(received),
      static_cast<unsigned long long>(refused), static_cast<unsigned long long>(lost),
      static_cast<unsigned long long>(c.open_sockets_peak));
  EXPECT_EQ(sent, 2u * kHosts);
  EXPECT_EQ(refused, 2u * kHosts / 10);
  EXPECT_EQ(lost, 2u * kHosts / 10 + kHosts / 10);  // filtered: all; half of the lossy hosts' probes
  EXPECT_LE(c.open_sockets_peak, static_cast<std::uint64_t>(kCap));
  EXPECT_LT(seconds, 30);
  pinger_.reset();
  EXPECT_EQ(open_descriptors(), before);
}

}  // namespace
}  // namespace semaphore::probe

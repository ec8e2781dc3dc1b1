// The engine against the simulated network (tests/fixtures/simnet): its figures are checked against the
// table the fixture answers from. Every simulated address's route is checked to lead into our TUN device
// before it is pinged.
#include <gtest/gtest.h>
#include <sched.h>

#include <algorithm>
#include <cmath>

#include "probe/icmp_socket.h"
#include "probe/pinger.h"
#include "probe_test_env.h"
#include "simnet/network.h"
#include "simnet/system.h"

namespace semaphore::probe {
namespace {

using namespace std::chrono_literals;
using simnet::Behaviour;
using simnet::HostEntry;
using simnet::Mode;

class Simnet : public ::testing::Test {
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

  // start() narrows this thread to the CPUs the fixture thread does not use; the next test starts over.
  void TearDown() override {
    network_.reset();
    sched_setaffinity(0, sizeof cpus_, &cpus_);
  }

  // Starts the network and checks that each of `check` (table indexes) routes into it.
  void start(std::vector<HostEntry> table, const std::vector<std::size_t>& check = {}) {
    table_ = table;
    simnet::Options options;
    options.record_delays = table_.size() <= 2000;
    // The fixture thread on a CPU of its own, this (the pinging) thread on the others: see Options::cpu.
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

  std::vector<HostResult> ping(const PingOptions& options, SocketKind kind = SocketKind::raw) {
    auto pinger = Pinger::open(OpenOptions{kind, {}});
    EXPECT_TRUE(pinger) << pinger.error().message;
    if (!pinger) return {};
    pinger_ = std::move(*pinger);
    std::vector<PingRequest> requests;
    for (const auto& entry : table_) requests.push_back({entry.address.to_string(), {}});
    return pinger_->run(requests, options);
  }

  static PingOptions options(int count, std::chrono::milliseconds interval,
                             std::chrono::milliseconds timeout) {
    PingOptions o;
    o.count = count;
    o.per_host_interval = interval;
    o.timeout = timeout;
    return o;
  }

  std::vector<HostEntry> table_;
  std::unique_ptr<simnet::Network> network_;
  cpu_set_t cpus_{};
  std::unique_ptr<Pinger> pinger_;
};

class SimnetDelay : public Simnet, public ::testing::WithParamInterface<SocketKind> {};

TEST_P(SimnetDelay, RttIsWithin0_3MsOfTheTablesDelay) {
  const double delays[] = {0, 0.5, 2, 7.5, 20, 45};
  std::vector<HostEntry> table;
  for (std::uint32_t i = 0; i < 6; ++i) {
    table.push_back({simnet::v4_host(i), Behaviour{delays[i], 0, Mode::normal}});
    table.push_back({simnet::v6_host(i), Behaviour{delays[i], 0, Mode::normal}});
  }
  start(table);
  PingOptions o = options(10, 20ms, 500ms);
  o.reply_ring = PingOptions::ReplyRing::always;  // taken by raw sockets only
  const simnet::RealtimeScope realtime;  // no other load preempts the pinger mid-send (see the next test)
  const auto results = ping(o, GetParam());
  ASSERT_EQ(results.size(), table.size());
  int beyond_table = 0;
  double worst_error_ms = 0;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    SCOPED_TRACE(r.host);
    EXPECT_EQ(r.received, 10);
    // The truth is the delay the simulator really applied: the table's, plus its own wake-up lateness on a
    // busy machine (reported below), which is not the pinger's error.
    const std::vector<double> applied = network_->applied_delays_ms(i);
    ASSERT_EQ(applied.size(), r.rtts_ms.size());
    for (std::size_t k = 0; k < applied.size(); ++k) {
      EXPECT_NEAR(r.rtts_ms[k], applied[k], 0.3) << "probe " << k;
      worst_error_ms = std::max(worst_error_ms, std::fabs(r.rtts_ms[k] - applied[k]));
      EXPECT_GE(applied[k], table[i].behaviour.delay_ms);
      if (std::fabs(r.rtts_ms[k] - table[i].behaviour.delay_ms) > 0.3) ++beyond_table;
    }
  }
  // Raw sockets leave echo replies to a reply ring (a packet socket's), ping sockets read them themselves.
  const EngineCounters c = pinger_->counters();
  EXPECT_EQ(c.ring_packets, GetParam() == SocketKind::raw ? c.received : 0u);
  const simnet::Stats stats = network_->stats();
  std::printf(
      "worst RTT error against the applied delay %.3f ms; %d of 120 RTTs beyond 0.3 ms of the table because "
      "the simulator replied late; its lateness: p50 %.0f us, p99 %.0f us, max %.0f us\n",
      worst_error_ms, beyond_table, stats.lateness_p50_us, stats.lateness_p99_us, stats.lateness_max_us);
}

INSTANTIATE_TEST_SUITE_P(Sockets, SimnetDelay, ::testing::Values(SocketKind::raw, SocketKind::datagram),
                         [](const auto& param_info) { return std::string(to_string(param_info.param)); });

TEST_F(Simnet, RttStaysExactWhenProbesLeaveInLargeBatches) {
  // At 20,000 probes per second the engine sends up to 128 probes per sendmmsg call, and only some of them
  // ask the kernel for a transmit stamp: the others get send times interpolated between their stamped
  // neighbours'. The truth is the delay the simulator applied from the moment the kernel sent the request.
  constexpr std::uint32_t kHosts = 2000;
  std::vector<HostEntry> table;
  for (std::uint32_t i = 0; i < kHosts; ++i) {
    const Behaviour b{1.0 + (i % 40) * 0.1, 0, Mode::normal};
    table.push_back({i % 2 == 0 ? simnet::v4_host(i) : simnet::v6_host(i), b});
  }
  start(table, {0, 1, kHosts - 2, kHosts - 1});
  PingOptions o = options(3, 1000ms, 500ms);
  o.rate = 20000;
  // What is under test is the interpolation between stamps, not the machine's scheduler: a send call that
  // other work preempts leaves its packets estimated, off by up to half the pause, and on a core shared
  // with a CPU hog that happens to one probe in ten (p99 0.9 ms with stress-ng on the pinger's only core).
  // So the pinger runs realtime (simnet::RealtimeScope).
  const simnet::RealtimeScope realtime;
  const auto results = ping(o);
  ASSERT_EQ(results.size(), kHosts);
  std::vector<double> errors;
  for (std::uint32_t i = 0; i < kHosts; ++i) {
    const std::vector<double> applied = network_->applied_delays_ms(i);
    ASSERT_EQ(results[i].received, 3) << results[i].host;
    ASSERT_EQ(applied.size(), results[i].rtts_ms.size()) << results[i].host;
    for (std::size_t k = 0; k < applied.size(); ++k)
      errors.push_back(std::fabs(results[i].rtts_ms[k] - applied[k]));
  }
  std::sort(errors.begin(), errors.end());
  const double p50 = errors[errors.size() / 2], p99 = errors[errors.size() * 99 / 100];
  // How many send times were estimated (a send call paused by a preemption) depends on how busy the machine
  // is, not on the engine: a figure (bench/ping_vs_fping prints it), not an assertion. What a user relies
  // on is the accuracy, estimates included.
  std::printf(
      "RTT error against the applied delay, %zu probes: p50 %.3f ms, p99 %.3f ms, max %.3f ms (%llu send "
      "times estimated)\n",
      errors.size(), p50, p99, errors.back(),
      static_cast<unsigned long long>(pinger_->counters().estimated_send_times));
  EXPECT_LE(p99, 0.2);  // the engine's goal at 10,000 probes per second and more
}

TEST_F(Simnet, RepliesDroppedByAFullReceiveQueueAreCountedAndLost) {
  // Replies at once, 100,000 probes per second, into a receive buffer of a few packets: the kernel drops
  // most between two reads of the loop. Every reply the simulator sent is either received or dropped.
  constexpr std::uint32_t kHosts = 2000;
  std::vector<HostEntry> table;
  for (std::uint32_t i = 0; i < kHosts; ++i)
    table.push_back({simnet::v4_host(i), Behaviour{0, 0, Mode::normal}});
  start(table, {0, kHosts - 1});
  PingOptions o = options(1, 1000ms, 500ms);
  o.rate = 100000;
  o.receive_buffer_bytes = 4096;
  const auto results = ping(o);
  ASSERT_EQ(results.size(), kHosts);
  std::uint64_t received = 0, answered = 0;
  for (std::uint32_t i = 0; i < kHosts; ++i) {
    received += static_cast<std::uint64_t>(results[i].received);
    answered += network_->counters(i).replies;
  }
  const EngineCounters c = pinger_->counters();
  std::printf("%llu replies: %llu received, %llu dropped by the kernel\n",
              static_cast<unsigned long long>(answered), static_cast<unsigned long long>(received),
              static_cast<unsigned long long>(c.receive_drops));
  EXPECT_EQ(answered, kHosts);
  EXPECT_GT(c.receive_drops, 0u);
  EXPECT_LT(received, answered);
  EXPECT_EQ(received + c.receive_drops, answered);
}

TEST_F(Simnet, SilentHostsLoseEveryProbeAndLossSharesAreExact) {
  start({{simnet::v4_host(0), Behaviour{1, 0, Mode::silent}},
         {simnet::v6_host(0), Behaviour{1, 0, Mode::silent}},
         {simnet::v4_host(1), Behaviour{1, 0.5, Mode::normal}},
         {simnet::v6_host(1), Behaviour{1, 0.25, Mode::normal}},
         {simnet::v4_host(2), Behaviour{1, 0, Mode::normal}}});
  const auto results = ping(options(8, 10ms, 200ms));
  const int expected[] = {0, 0, 4, 6, 8};
  for (std::size_t i = 0; i < results.size(); ++i) {
    SCOPED_TRACE(results[i].host);
    EXPECT_EQ(results[i].sent, 8);
    EXPECT_EQ(results[i].received, expected[i]);
    EXPECT_EQ(static_cast<int>(network_->counters(i).replies), expected[i]);
  }
  EXPECT_EQ(results[0].error, HostError::timeout);
  EXPECT_EQ(results[1].error, HostError::timeout);
  EXPECT_FALSE(results[0].summary());
  EXPECT_TRUE(std::isnan(results[2].rtts_ms[1]));  // the pattern drops every second request
  EXPECT_FALSE(std::isnan(results[2].rtts_ms[0]));
}

// The request span is what bench/scale takes a pinger's real send rate from: every request of the run between
// its first and its last kernel send stamp, each host's probes at least the interval apart, and a restart
// forgetting the runs before.
TEST_F(Simnet, TheRequestSpanHoldsEveryRequestOfTheRunFromItsFirstToItsLastStamp) {
  std::vector<HostEntry> table;
  for (std::uint32_t i = 0; i < 10; ++i) {
    table.push_back({simnet::v4_host(i), Behaviour{1, 0, Mode::normal}});
    table.push_back({simnet::v6_host(i), Behaviour{1, 0, i == 0 ? Mode::silent : Mode::normal}});
  }
  start(table);
  ping(options(2, 10ms, 100ms));  // an earlier run, to be forgotten
  network_->restart_request_span();
  const std::int64_t before = realtime_ns();
  const auto results = ping(options(4, 30ms, 200ms));
  const std::int64_t after = realtime_ns();
  const simnet::Stats stats = network_->stats();
  ASSERT_EQ(results.size(), table.size());
  EXPECT_EQ(stats.span_requests, 4 * table.size());  // the silent host's requests too
  EXPECT_GE(stats.span_first_ns, before);
  EXPECT_LE(stats.span_last_ns, after);
  // A host's fourth probe leaves at least three intervals after its first, which is inside the span.
  EXPECT_GE(stats.span_last_ns - stats.span_first_ns, 3 * 30'000'000);
  EXPECT_EQ(stats.tap_drops, 0u);
}

class SimnetReplyRing : public Simnet, public ::testing::WithParamInterface<PingOptions::ReplyRing> {};

TEST_P(SimnetReplyRing, DuplicatesAndMalformedRepliesAreCountedAndNeverMatched) {
  start({{simnet::v4_host(0), Behaviour{1, 0, Mode::duplicate}},
         {simnet::v6_host(0), Behaviour{1, 0, Mode::duplicate}},
         {simnet::v4_host(1), Behaviour{1, 0, Mode::bad_checksum}},
         {simnet::v4_host(2), Behaviour{1, 0, Mode::truncated}},
         {simnet::v6_host(2), Behaviour{1, 0, Mode::truncated}},
         {simnet::v4_host(3), Behaviour{1, 0, Mode::wrong_source}},
         {simnet::v6_host(3), Behaviour{1, 0, Mode::wrong_source}},
         {simnet::v6_host(1), Behaviour{1, 0, Mode::bad_checksum}}});
  PingOptions o = options(5, 10ms, 200ms);
  o.reply_ring = GetParam();
  const auto results = ping(o);
  for (int i : {0, 1}) {
    EXPECT_EQ(results[i].received, 5) << results[i].host;
    EXPECT_EQ(results[i].duplicates, 5) << results[i].host;
  }
  for (int i : {2, 3, 4, 5, 6, 7}) {
    EXPECT_EQ(results[i].received, 0) << results[i].host;
    EXPECT_EQ(results[i].error, HostError::timeout) << results[i].host;
  }
  const EngineCounters c = pinger_->counters();
  EXPECT_EQ(c.duplicates, 10u);
  // IPv4 bad checksums (5) and truncated replies (10) reach us and are malformed. ICMPv6 replies with bad
  // checksums (5) the kernel drops before a raw socket sees them; a reply ring sees them, checks them
  // itself and counts them malformed too.
  const bool ring = GetParam() == PingOptions::ReplyRing::always;
  EXPECT_EQ(c.malformed, ring ? 20u : 15u);
  // Through the ring: the replies of the duplicate (20), truncated (10) and wrong-source (10) hosts, and
  // the IPv4 bad checksums (5); the ICMPv6 ones it dropped itself.
  EXPECT_EQ(c.ring_packets, ring ? 45u : 0u);
  EXPECT_EQ(c.foreign, 10u);  // wrong source
  EXPECT_EQ(c.received, 10u);
}

INSTANTIATE_TEST_SUITE_P(Replies, SimnetReplyRing,
                         ::testing::Values(PingOptions::ReplyRing::always, PingOptions::ReplyRing::never),
                         [](const auto& param_info) {
                           return param_info.param == PingOptions::ReplyRing::always ? "Ring" : "Socket";
                         });

class SimnetErrors : public Simnet, public ::testing::WithParamInterface<SocketKind> {};

TEST_P(SimnetErrors, IcmpUnreachableIsRecordedPerProbe) {
  start({{simnet::v4_host(0), Behaviour{0, 0, Mode::unreachable}},
         {simnet::v6_host(0), Behaviour{0, 0, Mode::unreachable}},
         {simnet::v4_host(1), Behaviour{0, 0, Mode::normal}}});
  PingOptions o = options(3, 10ms, 200ms);
  o.reply_ring = PingOptions::ReplyRing::always;  // raw: replies through the ring, errors still the socket's
  const auto results = ping(o, GetParam());
  for (int i : {0, 1}) {
    SCOPED_TRACE(results[i].host);
    EXPECT_EQ(results[i].error, HostError::unreachable);
    EXPECT_EQ(results[i].icmp_errors, 3);
    EXPECT_EQ(results[i].received, 0);
    EXPECT_NE(results[i].error_detail.find("unreachable"), std::string::npos) << results[i].error_detail;
  }
  EXPECT_EQ(results[2].received, 3);
  EXPECT_EQ(pinger_->counters().icmp_errors, 6u);
}

INSTANTIATE_TEST_SUITE_P(Sockets, SimnetErrors, ::testing::Values(SocketKind::raw, SocketKind::datagram),
                         [](const auto& param_info) { return std::string(to_string(param_info.param)); });

class SimnetForgedErrors : public Simnet, public ::testing::WithParamInterface<SocketKind> {};

TEST_P(SimnetForgedErrors, ErrorsThatProveNothingOrThatAReplyOutrunsMarkNoProbe) {
  // Host 0 forges errors about host 1's probes (its neighbouring address; host 1's serials are host 0's
  // plus the probe count), as a user who controls one pinged host might; hosts 2 and 3 likewise in IPv6.
  // Hosts 4 and 5 send an error, then the right reply; hosts 6 and 7 send errors quoting 8 bytes only.
  constexpr int kCount = 4;
  start({{simnet::v4_host(1), Behaviour{1, 0, Mode::forge_for_neighbour, kCount}},
         {simnet::v4_host(2), Behaviour{20, 0, Mode::normal}},
         {simnet::v6_host(1), Behaviour{1, 0, Mode::forge_for_neighbour, kCount}},
         {simnet::v6_host(2), Behaviour{20, 0, Mode::normal}},
         {simnet::v4_host(4), Behaviour{5, 0, Mode::unreachable_then_reply}},
         {simnet::v6_host(4), Behaviour{5, 0, Mode::unreachable_then_reply}},
         {simnet::v4_host(6), Behaviour{1, 0, Mode::unreachable_short_quote}},
         {simnet::v6_host(6), Behaviour{1, 0, Mode::unreachable_short_quote}}});
  const auto results = ping(options(kCount, 10ms, 200ms), GetParam());
  ASSERT_EQ(results.size(), 8u);
  for (int i : {0, 1, 2, 3, 4, 5}) {
    SCOPED_TRACE(results[i].host);
    EXPECT_EQ(results[i].received, kCount);  // the forged errors came first, the real replies still count
    EXPECT_EQ(results[i].error, HostError::none) << results[i].error_detail;
    EXPECT_EQ(results[i].icmp_errors, 0);
    EXPECT_EQ(results[i].duplicates, 0);
  }
  for (int i : {6, 7}) {
    SCOPED_TRACE(results[i].host);
    EXPECT_EQ(results[i].received, 0);
    EXPECT_EQ(results[i].icmp_errors, 0);
    EXPECT_EQ(results[i].error, HostError::timeout) << "an error that proves nothing is not unreachable";
  }
  const EngineCounters c = pinger_->counters();
  EXPECT_EQ(c.received, 6u * kCount);
  EXPECT_EQ(c.icmp_errors, 2u * kCount);        // hosts 4 and 5: genuine, then outrun by their replies
  EXPECT_EQ(c.unverified_errors, 4u * kCount);  // the forged ones and the short quotes
  EXPECT_EQ(network_->stats().errors_sent, 6u * kCount);
}

INSTANTIATE_TEST_SUITE_P(Sockets, SimnetForgedErrors,
                         ::testing::Values(SocketKind::raw, SocketKind::datagram),
                         [](const auto& param_info) { return std::string(to_string(param_info.param)); });

TEST_F(Simnet, ASendTheKernelRefusesIsASendFailure) {
  // An "unreachable" route in our private namespace: the kernel refuses the send, nothing leaves.
  ASSERT_TRUE(simnet::run_tool({"ip", "route", "add", "unreachable", "10.252.0.0/16"}));
  auto pinger = Pinger::open(OpenOptions{SocketKind::raw, {}});
  ASSERT_TRUE(pinger);
  const std::vector<PingRequest> requests{{"10.252.0.1", {}}};
  const auto results = (*pinger)->run(requests, options(2, 10ms, 100ms));
  EXPECT_EQ(results[0].error, HostError::send_failed);
  EXPECT_EQ(results[0].sent, 0);
  EXPECT_EQ(results[0].send_errors, 2);
  EXPECT_TRUE(results[0].rtts_ms.empty());
  ASSERT_TRUE(simnet::run_tool({"ip", "route", "del", "unreachable", "10.252.0.0/16"}));
}

TEST_F(Simnet, LateRepliesAreCountedAndNeverMatched) {
  start({{simnet::v4_host(0), Behaviour{150, 0, Mode::normal}},
         {simnet::v4_host(1), Behaviour{1, 0, Mode::normal}}});
  // Sends at 0, 100, ... 400 ms; replies come 150 ms later, after the 100 ms timeout.
  auto results = ping(options(5, 100ms, 100ms));
  EXPECT_EQ(results[0].received, 0);
  EXPECT_GE(results[0].late, 3);
  EXPECT_EQ(results[0].error, HostError::timeout);
  EXPECT_EQ(results[1].received, 5);
  // The last late reply lands during the next run, whose cookie differs: foreign, never a match.
  std::vector<PingRequest> requests{{simnet::v4_host(1).to_string(), {}}};
  results = pinger_->run(requests, options(3, 50ms, 100ms));
  EXPECT_EQ(results[0].received, 3);
  EXPECT_EQ(results[0].duplicates, 0);
  EXPECT_EQ(pinger_->counters().received, 8u);
}

TEST_F(Simnet, HundredThousandHostsInOneRunAreAllAccountedFor) {
  constexpr std::uint32_t kHosts = 100'000;
  std::vector<HostEntry> table;
  table.reserve(kHosts);
  for (std::uint32_t i = 0; i < kHosts; ++i) {
    Behaviour b{0.2 + (i % 10) * 0.2, 0, Mode::normal};
    if (i % 20 == 0) b.mode = Mode::silent;
    if (i % 20 == 1) b.loss = 1.0 / 3;  // exactly one of three lost
    table.push_back({simnet::v4_host(i), b});
  }
  start(table, {0, 1, kHosts / 2, kHosts - 1});
  PingOptions o = options(3, 1000ms, 500ms);
  o.rate = 50000;
  const auto started = std::chrono::steady_clock::now();
  const auto results = ping(o);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(results.size(), kHosts);
  std::uint32_t wrong = 0;
  for (std::uint32_t i = 0; i < kHosts; ++i) {
    const int expected = i % 20 == 0 ? 0 : i % 20 == 1 ? 2 : 3;
    const auto& r = results[i];
    if (r.sent != 3 || r.received != expected ||
        r.received != static_cast<int>(network_->counters(i).replies)) {
      if (++wrong <= 5) ADD_FAILURE() << r.host << ": sent " << r.sent << " received " << r.received;
    }
  }
  EXPECT_EQ(wrong, 0u);
  const EngineCounters c = pinger_->counters();
  EXPECT_EQ(c.sent, 300'000u);
  EXPECT_EQ(c.receive_drops, 0u);
  EXPECT_EQ(c.foreign + c.malformed + c.duplicates + c.late, 0u);
  // How long it took depends on the machine (a figure; bench/ping_vs_fping measures speed).
  std::printf("100,000 hosts x 3 probes: %.2f s\n", std::chrono::duration<double>(elapsed).count());
}

}  // namespace
}  // namespace semaphore::probe

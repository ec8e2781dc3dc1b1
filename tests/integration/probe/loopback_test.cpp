// The engine against real ICMP on loopback (127.0.0.0/8, ::1), through raw and through ping sockets.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>

#include "probe/pinger.h"
#include "probe_test_env.h"
#include "simnet/system.h"

namespace semaphore::probe {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<Pinger> open_or_fail(SocketKind kind) {
  auto pinger = Pinger::open(OpenOptions{kind, {}});
  EXPECT_TRUE(pinger) << pinger.error().message;
  return pinger ? std::move(*pinger) : nullptr;
}

PingOptions quick(int count) {
  PingOptions options;
  options.count = count;
  options.per_host_interval = 20ms;
  options.timeout = 500ms;
  return options;
}

class Loopback : public ::testing::TestWithParam<SocketKind> {
 protected:
  void SetUp() override {
    if (GetParam() == SocketKind::datagram && !testing::private_netns_error().empty()) {
      GTEST_SKIP() << "ping sockets need net.ipv4.ping_group_range, set only in a private namespace: "
                   << testing::private_netns_error();
    }
    pinger_ = open_or_fail(GetParam());
    ASSERT_TRUE(pinger_);
    ASSERT_EQ(pinger_->socket_kind(), GetParam());
  }
  std::unique_ptr<Pinger> pinger_;
};

TEST_P(Loopback, EveryProbeToIpv4AndIpv6LoopbackIsAnswered) {
  const std::vector<PingRequest> requests{{"127.0.0.1", {}}, {"::1", {}}, {"127.0.0.2", {}}};
  const auto results = pinger_->run(requests, quick(4));
  ASSERT_EQ(results.size(), 3u);
  for (const auto& r : results) {
    SCOPED_TRACE(r.host);
    EXPECT_EQ(r.error, HostError::none) << r.error_detail;
    EXPECT_EQ(r.sent, 4);
    EXPECT_EQ(r.received, 4);
    ASSERT_EQ(r.rtts_ms.size(), 4u);
    for (double rtt : r.rtts_ms) {
      EXPECT_FALSE(std::isnan(rtt));
      EXPECT_GE(rtt, 0);
      EXPECT_LT(rtt, 50);
    }
    EXPECT_EQ(r.duplicates, 0);
    EXPECT_EQ(r.late, 0);
    ASSERT_TRUE(r.summary());
  }
  EXPECT_EQ(results[1].address->to_string(), "::1");
  const EngineCounters c = pinger_->counters();
  EXPECT_EQ(c.sent, 12u);
  EXPECT_EQ(c.received, 12u);
  EXPECT_EQ(c.foreign + c.malformed + c.late + c.duplicates, 0u);
}

TEST_P(Loopback, FamilyPreferenceRefusesTheOtherFamily) {
  PingOptions options = quick(1);
  options.family = FamilyPreference::v4_only;
  const std::vector<PingRequest> requests{{"::1", {}}, {"127.0.0.1", {}}};
  const auto results = pinger_->run(requests, options);
  EXPECT_EQ(results[0].error, HostError::unresolvable);
  EXPECT_EQ(results[0].sent, 0);
  EXPECT_EQ(results[1].received, 1);
}

TEST_P(Loopback, SuccessiveRunsReuseTheEngine) {
  const std::vector<PingRequest> requests{{"127.0.0.1", {}}};
  for (int round = 0; round < 3; ++round) {
    const auto results = pinger_->run(requests, quick(2));
    EXPECT_EQ(results[0].received, 2) << "round " << round;
  }
  EXPECT_EQ(pinger_->counters().received, 6u);
}

TEST_P(Loopback, RepliesComeThroughAReplyRingWithRawSocketsWhenAskedOrWhenTheRunIsLarge) {
  const std::vector<PingRequest> requests{{"127.0.0.1", {}}, {"::1", {}}};
  const bool raw = GetParam() == SocketKind::raw;
  PingOptions options = quick(2);
  // A small run reads its replies from the sockets: a ring would cost more to make than it saves.
  auto results = pinger_->run(requests, options);
  EXPECT_EQ(results[0].received + results[1].received, 4);
  EXPECT_EQ(pinger_->counters().ring_packets, 0u);
  options.reply_ring = PingOptions::ReplyRing::always;
  results = pinger_->run(requests, options);
  EXPECT_EQ(results[0].received + results[1].received, 4);
  EXPECT_EQ(pinger_->counters().ring_packets, raw ? 4u : 0u);
  // Back to the sockets: the ring goes, and the sockets take echo replies again.
  options.reply_ring = PingOptions::ReplyRing::never;
  results = pinger_->run(requests, options);
  EXPECT_EQ(results[0].received + results[1].received, 4);
  EXPECT_EQ(pinger_->counters().ring_packets, raw ? 4u : 0u);
  EXPECT_EQ(pinger_->counters().received, 12u);
}

INSTANTIATE_TEST_SUITE_P(Sockets, Loopback, ::testing::Values(SocketKind::raw, SocketKind::datagram),
                         [](const auto& param_info) { return std::string(to_string(param_info.param)); });

TEST(LoopbackEngine, ARunTooLargeToHoldFailsEveryHostSayingWhyAndSendsNothing) {
  auto pinger = open_or_fail(SocketKind::raw);
  ASSERT_TRUE(pinger);
  const std::vector<PingRequest> requests{{"127.0.0.1", {}}, {"127.0.0.2", {}}, {"127.0.0.3", {}}};
  PingOptions options = quick(std::numeric_limits<int>::max());  // 3 x 2^31 - 3 probes: over 2^32 - 2
  ASSERT_FALSE(fits_one_run(requests.size(), static_cast<std::uint64_t>(options.count)));
  const auto results = pinger->run(requests, options);
  ASSERT_EQ(results.size(), 3u);
  for (const auto& r : results) {
    EXPECT_EQ(r.error, HostError::send_failed) << r.host;
    EXPECT_EQ(r.sent, 0) << r.host;
    EXPECT_NE(r.error_detail.find("more than one run can hold"), std::string::npos) << r.error_detail;
  }
  EXPECT_EQ(pinger->counters().sent, 0u);
  // The engine still runs what fits.
  const std::vector<PingRequest> one{requests[0]};
  EXPECT_EQ(pinger->run(one, quick(1))[0].received, 1);
}

TEST(LoopbackEngine, SequenceNumbersAreReusedPast65536Probes) {
  auto pinger = open_or_fail(SocketKind::raw);
  ASSERT_TRUE(pinger);
  // 1,000 addresses x 70 probes = 70,000 probes: more than the 16-bit sequence space, in about 3.5 s.
  std::vector<PingRequest> requests;
  for (int i = 0; i < 1000; ++i) {
    requests.push_back({"127.1." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1), {}});
  }
  PingOptions options;
  options.count = 70;
  options.per_host_interval = 50ms;
  options.timeout = 200ms;
  options.rate = 25000;
  const auto results = pinger->run(requests, options);
  long received = 0;
  for (const auto& r : results) received += r.received;
  EXPECT_EQ(received, 70000);
  const EngineCounters c = pinger->counters();
  EXPECT_EQ(c.sent, 70000u);
  EXPECT_EQ(c.late + c.foreign + c.duplicates, 0u);
  EXPECT_EQ(c.ring_packets, 70000u);  // a large run on raw sockets: every reply through the reply ring
}

TEST(LoopbackEngine, NamesResolveOrBecomePerHostErrors) {
  auto pinger = open_or_fail(SocketKind::automatic);
  ASSERT_TRUE(pinger);
  const std::vector<PingRequest> requests{{"localhost", {}}, {"nosuch.invalid", {}}, {"bad name!", {}}};
  const auto started = std::chrono::steady_clock::now();
  const auto results = pinger->run(requests, quick(2));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
  EXPECT_EQ(results[0].error, HostError::none) << results[0].error_detail;
  EXPECT_EQ(results[0].received, 2);
  EXPECT_EQ(results[1].error, HostError::unresolvable);
  EXPECT_FALSE(results[1].error_detail.empty());
  EXPECT_EQ(results[1].sent, 0);
  EXPECT_EQ(results[2].error, HostError::unresolvable);
  EXPECT_EQ(pinger->counters().dns_failures, 2u);
}

TEST(LoopbackEngine, PolicyRefusesAddressesWithoutSending) {
  auto pinger = open_or_fail(SocketKind::automatic);
  ASSERT_TRUE(pinger);
  PingOptions options = quick(1);
  options.policy = TargetPolicy::public_only;
  const std::vector<PingRequest> requests{{"127.0.0.1", {}}, {"169.254.169.254", {}}};
  const auto results = pinger->run(requests, options);
  EXPECT_EQ(results[0].error, HostError::refused_address);
  EXPECT_EQ(results[1].error, HostError::refused_address);
  EXPECT_EQ(pinger->counters().sent, 0u);
}

TEST(LoopbackEngine, TheBroadcastAddressOfALocalSubnetIsRefusedWithoutSending) {
  if (!testing::private_netns_error().empty()) {
    GTEST_SKIP() << "adds an interface in a private network namespace: " << testing::private_netns_error();
  }
  // A broadcast-capable interface of our own (a veth pair in this binary's private namespace), with a /24.
  if (auto added =
          simnet::run_tool({"ip", "link", "add", "semabrd0", "type", "veth", "peer", "name", "semabrd1"});
      !added) {
    GTEST_SKIP() << "no veth interfaces here (modprobe veth): " << added.error().message;
  }
  ASSERT_TRUE(simnet::run_tool({"ip", "addr", "add", "10.251.7.1/24", "brd", "+", "dev", "semabrd0"}));
  ASSERT_TRUE(simnet::run_tool({"ip", "link", "set", "semabrd0", "up"}));
  // Should the refusal fail, the probe must still go nowhere but into our own interface.
  const auto route = simnet::run_tool({"ip", "route", "get", "10.251.7.255"});
  ASSERT_TRUE(route && route->find("dev semabrd0") != std::string::npos) << (route ? *route : "no route");
  auto pinger = open_or_fail(SocketKind::raw);
  ASSERT_TRUE(pinger);
  PingOptions options = quick(1);
  options.policy = TargetPolicy::allow_private;  // even where private targets are allowed
  const std::vector<PingRequest> requests{{"10.251.7.255", {}}, {"127.0.0.1", {}}};
  const auto results = pinger->run(requests, options);
  EXPECT_EQ(results[0].error, HostError::refused_address);
  EXPECT_NE(results[0].error_detail.find("broadcast address of semabrd0"), std::string::npos)
      << results[0].error_detail;
  EXPECT_EQ(results[0].sent, 0);
  EXPECT_EQ(results[1].received, 1);
  EXPECT_EQ(pinger->counters().sent, 1u);
  ASSERT_TRUE(simnet::run_tool({"ip", "link", "del", "semabrd0"}));
}

TEST(LoopbackEngine, StopEndsTheRunWithWhatWasSent) {
  auto pinger = open_or_fail(SocketKind::automatic);
  ASSERT_TRUE(pinger);
  PingOptions options = quick(1000);
  options.per_host_interval = 100ms;  // 100 s if not stopped
  std::stop_source stop;
  std::jthread stopper([&] {
    std::this_thread::sleep_for(350ms);
    stop.request_stop();
  });
  const std::vector<PingRequest> requests{{"127.0.0.1", {}}};
  const auto started = std::chrono::steady_clock::now();
  const auto results = pinger->run(requests, options, stop.get_token());
  const auto elapsed = std::chrono::steady_clock::now() - started;
  // Stopped: far short of its 1,000 probes and 100 s, with what it sent accounted for. However late a busy
  // machine ran the stopper, the engine kept its pace meanwhile: one probe per 100 ms, the first at once.
  EXPECT_LT(elapsed, 50s);
  EXPECT_GE(results[0].sent, 1);
  EXPECT_LE(results[0].sent, 1 + elapsed / 100ms);
  EXPECT_EQ(results[0].rtts_ms.size(), static_cast<std::size_t>(results[0].sent));
}

TEST(LoopbackEngine, StartOffsetsSpreadTheFirstProbes) {
  auto pinger = open_or_fail(SocketKind::automatic);
  ASSERT_TRUE(pinger);
  const std::vector<PingRequest> requests{{"127.0.0.1", {}}, {"127.0.0.2", 300ms}};
  const auto started = std::chrono::steady_clock::now();
  const auto results = pinger->run(requests, quick(1));
  EXPECT_GE(std::chrono::steady_clock::now() - started, 300ms);
  EXPECT_EQ(results[1].received, 1);
}

}  // namespace
}  // namespace semaphore::probe

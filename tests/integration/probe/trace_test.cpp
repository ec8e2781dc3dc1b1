// The traceroute engine (probe/trace_engine.h) on loopback and against simnet's routers: every hop's
// address, probes and answers compared exactly with what the simulator recorded (its truth), RTTs with the
// delays it really applied. Raw and ping (datagram) sockets. Every simulated address's route is checked to
// lead into our TUN device before it is traced.
#include <gtest/gtest.h>
#include <sched.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <thread>

#include "probe/tracer.h"
#include "probe_test_env.h"
#include "simnet/network.h"

namespace semaphore::probe {
namespace {

using namespace std::chrono_literals;
using simnet::Behaviour;
using simnet::Hop;
using simnet::HopTruth;
using simnet::HostEntry;
using simnet::Mode;
using simnet::Quote;

std::unique_ptr<Tracer> open_tracer(SocketKind kind) {
  auto tracer = Tracer::open(OpenOptions{kind, {}});
  EXPECT_TRUE(tracer) << tracer.error().message;
  return tracer ? std::move(*tracer) : nullptr;
}

TraceOptions options(int cycles, std::chrono::milliseconds interval, int max_hops = 10) {
  TraceOptions o;
  o.cycles = cycles;
  o.cycle_interval = interval;
  o.timeout = 500ms;
  o.max_hops = max_hops;
  o.rate = 20000;
  o.resolve_names = false;
  return o;
}

class TraceLoopback : public ::testing::TestWithParam<SocketKind> {
 protected:
  void SetUp() override {
    if (!testing::private_netns_error().empty()) {
      GTEST_SKIP() << "no private network namespace: " << testing::private_netns_error();
    }
  }
};

TEST_P(TraceLoopback, OneHopReachedOnBothFamilies) {
  auto tracer = open_tracer(GetParam());
  ASSERT_TRUE(tracer);
  const std::vector<PingRequest> requests = {{"127.0.0.1", {}, 0}, {"::1", {}, 0}};
  const auto results = tracer->run(requests, options(3, 20ms));
  ASSERT_EQ(results.size(), 2u);
  for (const TraceResult& r : results) {
    SCOPED_TRACE(r.host);
    ASSERT_EQ(r.error, HostError::none) << r.error_detail;
    EXPECT_TRUE(r.reached);
    ASSERT_EQ(r.hops.size(), 1u);
    const TraceHop& hop = r.hops[0];
    EXPECT_EQ(hop.ttl, 1);
    EXPECT_TRUE(hop.is_destination);
    ASSERT_TRUE(hop.address);
    EXPECT_EQ(*hop.address, *r.address);
    EXPECT_EQ(hop.sent, 3);
    EXPECT_EQ(hop.received, 3);
    for (double rtt : hop.rtts_ms) EXPECT_LT(rtt, 50.0);
  }
}

INSTANTIATE_TEST_SUITE_P(Sockets, TraceLoopback, ::testing::Values(SocketKind::raw, SocketKind::datagram),
                         [](const auto& param_info) { return std::string(to_string(param_info.param)); });

class TraceSimnet : public ::testing::TestWithParam<SocketKind> {
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
    tracer_.reset();
    network_.reset();
    sched_setaffinity(0, sizeof cpus_, &cpus_);
  }

  void start(std::vector<HostEntry> table, std::vector<std::vector<Hop>> routes) {
    table_ = table;
    simnet::Options o;
    o.record_delays = true;
    o.cpu = simnet::fixture_cpu();
    const cpu_set_t others = simnet::pinger_cpus(o.cpu);
    sched_setaffinity(0, sizeof others, &others);
    auto network = simnet::Network::start(o, std::move(table), std::move(routes));
    ASSERT_TRUE(network) << network.error().message;
    network_ = std::move(*network);
    for (const HostEntry& entry : table_) {
      auto routed = network_->check_route(entry.address);
      ASSERT_TRUE(routed) << routed.error().message;
    }
  }

  std::vector<TraceResult> trace(const TraceOptions& o, SocketKind kind) {
    tracer_ = open_tracer(kind);
    if (!tracer_) return {};
    std::vector<PingRequest> requests;
    for (const auto& entry : table_) requests.push_back({entry.address.to_string(), {}, 0});
    return tracer_->run(requests, o);
  }

  // Every hop of host `index` up to the destination against the simulator's truth: probes sent, answers
  // received, the address that answered; the RTT errors (in the order both sides saw the answers) appended
  // to `errors`.
  void expect_truth(std::size_t index, const TraceResult& r, std::vector<double>* errors = nullptr) {
    SCOPED_TRACE(r.host);
    const std::vector<HopTruth> truth = network_->route_truth(index);
    ASSERT_GE(truth.size(), r.hops.size());
    for (const TraceHop& hop : r.hops) {
      SCOPED_TRACE("ttl " + std::to_string(hop.ttl));
      const HopTruth& t = truth[static_cast<std::size_t>(hop.ttl - 1)];
      EXPECT_EQ(hop.sent, static_cast<int>(t.probes));
      EXPECT_EQ(hop.received, static_cast<int>(t.answered));
      std::set<std::string> seen, truth_from;
      if (hop.address) seen.insert(hop.address->to_string());
      for (const auto& a : hop.other_addresses) seen.insert(a.to_string());
      for (const auto& a : t.from) truth_from.insert(a.to_string());
      EXPECT_EQ(seen, truth_from);
      EXPECT_EQ(hop.is_destination, t.destination > 0);
      if (errors == nullptr) continue;
      std::vector<double> got;
      for (double rtt : hop.rtts_ms) {
        if (!std::isnan(rtt)) got.push_back(rtt);
      }
      ASSERT_EQ(got.size(), t.delays_ms.size());
      for (std::size_t k = 0; k < got.size(); ++k) errors->push_back(std::fabs(got[k] - t.delays_ms[k]));
    }
  }

  static double p99(std::vector<double> errors) {
    if (errors.empty()) return 0;
    std::sort(errors.begin(), errors.end());
    return errors[std::min(errors.size() - 1, errors.size() * 99 / 100)];
  }

  std::vector<HostEntry> table_;
  std::unique_ptr<simnet::Network> network_;
  std::unique_ptr<Tracer> tracer_;
  cpu_set_t cpus_{};
};

std::vector<Hop> chain(bool v6, std::uint32_t first_router, int hops) {
  std::vector<Hop> out;
  for (int i = 0; i < hops; ++i) {
    Hop hop;
    const auto index = first_router + static_cast<std::uint32_t>(i);
    hop.address = v6 ? simnet::v6_router(index) : simnet::v4_router(index);
    hop.delay_ms = 0.5 + 0.5 * i;
    out.push_back(hop);
  }
  return out;
}

TEST_P(TraceSimnet, FiveHopsExactAddressesAndTruthRtts) {
  std::vector<Hop> hops = chain(false, 0, 5);
  start({{simnet::v4_host(0), Behaviour{1, 0, Mode::normal}, 0}}, {hops});
  const auto results = trace(options(10, 30ms), GetParam());
  ASSERT_EQ(results.size(), 1u);
  const TraceResult& r = results[0];
  ASSERT_EQ(r.error, HostError::none) << r.error_detail;
  EXPECT_TRUE(r.reached);
  ASSERT_EQ(r.hops.size(), 6u);  // five routers and the host
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(r.hops[static_cast<std::size_t>(i)].address);
    EXPECT_EQ(*r.hops[static_cast<std::size_t>(i)].address, hops[static_cast<std::size_t>(i)].address);
    EXPECT_EQ(r.hops[static_cast<std::size_t>(i)].received, 10);
    EXPECT_FALSE(r.hops[static_cast<std::size_t>(i)].is_destination);
  }
  EXPECT_EQ(*r.hops[5].address, simnet::v4_host(0));
  EXPECT_TRUE(r.hops[5].is_destination);
  std::vector<double> errors;
  expect_truth(0, r, &errors);
  EXPECT_EQ(errors.size(), 60u);
  EXPECT_LE(p99(errors), 0.3) << "RTT error p99 in ms against the simulator's applied delays";
}

TEST_P(TraceSimnet, LossFromAHopOnAMiddleHopsOwnLossAndARateLimitExactAgainstTruth) {
  std::vector<Hop> hops = chain(false, 20, 5);
  hops[1].icmp_loss = 0.5;  // hop 2 polices its own ICMP: nobody after it loses
  hops[2].icmp_rate = 20;   // hop 3 answers at most 20 time exceeded a second (burst 1)
  hops[3].loss = 0.25;      // hop 4 drops a quarter of what reaches it: hop 4, 5 and the host lose
  start({{simnet::v4_host(1), Behaviour{0.5, 0, Mode::normal}, 0}}, {hops});
  const auto results = trace(options(20, 10ms), GetParam());
  ASSERT_EQ(results.size(), 1u);
  const TraceResult& r = results[0];
  ASSERT_TRUE(r.reached);
  ASSERT_EQ(r.hops.size(), 6u);
  expect_truth(0, r);
  EXPECT_EQ(r.hops[0].received, 20);
  EXPECT_EQ(r.hops[1].received, 10);  // exactly every other answer withheld
  EXPECT_LT(r.hops[2].received, 20);  // rate-limited
  EXPECT_GT(r.hops[2].received, 0);
  for (std::size_t i = 3; i < 6; ++i) EXPECT_LT(r.hops[i].received, r.hops[i].sent) << "hop " << i + 1;
}

TEST_P(TraceSimnet, Ipv6Chain) {
  std::vector<Hop> hops = chain(true, 0, 4);
  start({{simnet::v6_host(0), Behaviour{1, 0, Mode::normal}, 0}}, {hops});
  const auto results = trace(options(5, 20ms), GetParam());
  ASSERT_EQ(results.size(), 1u);
  const TraceResult& r = results[0];
  ASSERT_EQ(r.error, HostError::none) << r.error_detail;
  ASSERT_TRUE(r.reached);
  ASSERT_EQ(r.hops.size(), 5u);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(*r.hops[i].address, hops[i].address);
  std::vector<double> errors;
  expect_truth(0, r, &errors);
  EXPECT_LE(p99(errors), 0.3);
}

TEST_P(TraceSimnet, PathChangeMidRunShowsBothPaths) {
  start({{simnet::v4_host(2), Behaviour{0, 0, Mode::normal}, 0}}, {chain(false, 40, 5)});
  std::thread change([this] {
    std::this_thread::sleep_for(250ms);
    network_->set_route(0, chain(false, 60, 3));  // a shorter path through other routers
  });
  const auto results = trace(options(10, 50ms), GetParam());
  change.join();
  ASSERT_EQ(results.size(), 1u);
  const TraceResult& r = results[0];
  ASSERT_TRUE(r.reached);
  ASSERT_EQ(r.hops.size(), 4u);  // the destination is now 4 hops away
  ASSERT_FALSE(r.hops[0].other_addresses.empty());
  std::set<std::string> first{r.hops[0].address->to_string(), r.hops[0].other_addresses[0].to_string()};
  EXPECT_EQ(first,
            (std::set<std::string>{simnet::v4_router(40).to_string(), simnet::v4_router(60).to_string()}));
  expect_truth(0, r);
}

TEST_P(TraceSimnet, ForgedQuotesNeverMatchShortQuotesMatchWeakly) {
  std::vector<Hop> hops = chain(false, 80, 4);
  hops[1].quote = Quote::forged_cookie;
  hops[2].quote = Quote::forged_sequence;
  hops[3].quote = Quote::rfc792;
  start({{simnet::v4_host(3), Behaviour{0, 0, Mode::normal}, 0}}, {hops});
  const auto results = trace(options(5, 20ms), GetParam());
  ASSERT_EQ(results.size(), 1u);
  const TraceResult& r = results[0];
  ASSERT_TRUE(r.reached);
  ASSERT_EQ(r.hops.size(), 5u);
  EXPECT_EQ(r.hops[0].received, 5);
  EXPECT_EQ(r.hops[1].received, 0);
  EXPECT_FALSE(r.hops[1].address);
  EXPECT_EQ(r.hops[2].received, 0);
  EXPECT_FALSE(r.hops[2].address);
  EXPECT_EQ(r.hops[3].received, 5);
  EXPECT_EQ(r.hops[3].short_quotes, 5);
  EXPECT_EQ(*r.hops[3].address, hops[3].address);
  const std::vector<HopTruth> truth = network_->route_truth(0);
  EXPECT_GE(tracer_->counters().unverified, std::uint64_t{truth[1].forged + truth[2].forged});
  EXPECT_EQ(truth[1].forged, 5u);
}

TEST_P(TraceSimnet, ThousandHostsExactAccounting) {
  std::vector<HostEntry> table;
  std::vector<std::vector<Hop>> routes;
  for (std::uint32_t k = 0; k < 10; ++k) {
    std::vector<Hop> hops = chain(false, 200 + k * 10, 3 + static_cast<int>(k % 3));
    if (k % 4 == 1) hops[1].loss = 0.1;
    if (k % 4 == 2) hops[0].icmp_rate = 500;
    routes.push_back(hops);
  }
  for (std::uint32_t i = 0; i < 1000; ++i) {
    table.push_back({simnet::v4_host(1000 + i), Behaviour{0.2, 0, Mode::normal}, static_cast<int>(i % 10)});
  }
  simnet::Options o;
  o.cpu = simnet::fixture_cpu();
  o.record_delays = false;
  table_ = table;
  const cpu_set_t others = simnet::pinger_cpus(o.cpu);
  sched_setaffinity(0, sizeof others, &others);
  auto network = simnet::Network::start(o, std::move(table), std::move(routes));
  ASSERT_TRUE(network) << network.error().message;
  network_ = std::move(*network);
  for (std::uint32_t i = 0; i < 1000; i += 97) ASSERT_TRUE(network_->check_route(table_[i].address));
  const auto results = trace(options(3, 200ms, 8), GetParam());
  ASSERT_EQ(results.size(), 1000u);
  int reached = 0;
  for (std::size_t i = 0; i < results.size(); ++i) {
    reached += results[i].reached ? 1 : 0;
    expect_truth(i, results[i]);
  }
  EXPECT_EQ(reached, 1000);
}

INSTANTIATE_TEST_SUITE_P(Sockets, TraceSimnet, ::testing::Values(SocketKind::raw, SocketKind::datagram),
                         [](const auto& param_info) { return std::string(to_string(param_info.param)); });

}  // namespace
}  // namespace semaphore::probe

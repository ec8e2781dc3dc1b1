// Paths end to end over simnet's routers (issue 15): the real traceroute engine, the PathScheduler and a real
// SQLite store. A host behind a chain of simulated hops is traced on schedule, then the route changes and
// loss starts at a router; the state-change trace records the change (with the path before it) and the
// verdict names the hop where the loss starts, attached to the host's event.
#include <gtest/gtest.h>

#include "monitor/path_scheduler.h"
#include "paths/path.h"
#include "probe_test_env.h"
#include "simnet/network.h"
#include "support/sqlite_store.h"
#include "support/temp_dir.h"

namespace semaphore::probe {
namespace {

using namespace std::chrono_literals;
using simnet::Behaviour;
using simnet::Hop;
using simnet::Mode;

std::vector<Hop> chain(std::uint32_t first_router, int hops, double loss_from_third = 0) {
  std::vector<Hop> out;
  for (int i = 0; i < hops; ++i) {
    Hop hop;
    hop.address = simnet::v4_router(first_router + static_cast<std::uint32_t>(i));
    hop.delay_ms = 0.5 + 0.5 * i;
    if (i == 2) hop.loss = loss_from_third;  // every probe through hop 3 (and beyond) is lost this often
    out.push_back(hop);
  }
  return out;
}

// The alerts' seam with one rule: every round is a state change up -> down.
class EveryRoundDown : public store::RoundEvaluator {
 public:
  bool needs_baseline(const store::HostAlertContext&) const override { return false; }
  store::HostAlertOutcome evaluate(const store::HostAlertContext& context,
                                   std::span<const store::RoundToEvaluate> rounds) override {
    store::HostAlertOutcome outcome;
    outcome.state.host_id = context.host_id;
    for (const auto& r : rounds) {
      outcome.state.last_round_at = r.round.ts;
      store::AlertEventRecord event;
      event.host_id = context.host_id;
      event.at = r.round.ts;
      event.from_state = "up";
      event.to_state = "degraded";
      event.trigger = "loss";
      event.reason = "loss";
      event.quiet = "no";
      outcome.events.push_back(event);
    }
    return outcome;
  }
};

TEST(PathSimnet, APathChangeMidRunIsRecordedAndTheVerdictNamesTheHop) {
  if (!testing::private_netns_error().empty()) GTEST_SKIP() << testing::private_netns_error();
  if (const std::string reason = simnet::tun_unavailable_reason(); !reason.empty()) GTEST_SKIP() << reason;
  simnet::Options o;
  o.cpu = simnet::fixture_cpu();
  const IpAddress address = simnet::v4_host(7);
  auto network = simnet::Network::start(o, {{address, Behaviour{1, 0, Mode::normal}, 0}}, {chain(10, 5)});
  ASSERT_TRUE(network) << network.error().message;
  ASSERT_TRUE((*network)->check_route(address));

  testing::TempDir dir{"semaphore-path-simnet"};
  auto store = testing::open_migrated_sqlite(dir, "paths.db");
  const auto user = *store->create_user("alice@example.com", "hash", true);
  const auto host = *store->add_host({0, user.id, address.to_string(), Provider::other, "", "", true, 0, {}});

  auto tracer = Tracer::open(OpenOptions{});
  ASSERT_TRUE(tracer) << tracer.error().message;
  monitor::Metrics metrics;
  monitor::PathOptions options;
  options.trace.cycles = 10;
  options.trace.cycle_interval = 30ms;
  options.trace.timeout = 500ms;
  options.trace.max_hops = 10;
  options.trace.rate = 20000;
  options.trace.resolve_names = false;
  monitor::PathScheduler scheduler(*store, **tracer, metrics, options);
  scheduler.set_hosts({host});

  // The schedule: every host due after one interval. A good path of five routers and the host.
  ASSERT_EQ(scheduler.run_once(now_epoch_ms() + 31 * 60 * 1000), 1u);
  auto first = store->latest_path(host.id);
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_TRUE((*first)->good);
  EXPECT_EQ((*first)->trigger, "scheduled");
  EXPECT_EQ(paths::decode_hops((*first)->hops)->size(), 6u);

  // The route changes (other routers, one hop shorter) and loses 60% from its third hop on; the host
  // changes state in the writer's transaction, which asks for a trace.
  (*network)->set_route(0, chain(30, 4, 0.6));
  EveryRoundDown alerts;
  monitor::PathTriggeringEvaluator evaluator(alerts, scheduler);
  store::PingResult round;
  round.host_id = host.id;
  round.ts = 600'000;
  round.sent = 5;
  round.received = 2;
  ASSERT_TRUE(store->insert_results_evaluated(std::span(&round, 1), evaluator).ok());
  ASSERT_EQ(scheduler.queued(), 1u);
  ASSERT_EQ(scheduler.run_once(now_epoch_ms()), 1u);

  auto second = store->latest_path(host.id);
  ASSERT_TRUE(second.ok() && second->has_value());
  const store::HostPathRecord& p = **second;
  EXPECT_EQ(p.trigger, "state_change");
  EXPECT_TRUE(p.changed);
  EXPECT_EQ(p.previous_id, std::optional<store::Id>((*first)->id));
  EXPECT_EQ(paths::decode_hops(p.hops)->size(), 5u);
  EXPECT_EQ(p.verdict_kind, "loss_from_hop") << p.verdict;
  EXPECT_EQ(p.verdict_hop, std::optional<int>(3)) << p.verdict;
  EXPECT_NE(p.verdict.find("the loss starts at hop 3, " + simnet::v4_router(32).to_string()),
            std::string::npos)
      << p.verdict;
  EXPECT_NE(p.verdict.find("the path changed at hop 1"), std::string::npos) << p.verdict;

  auto changes = store->host_paths(user.id, host.id, store::PathQuery{true, 0, 10});
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_EQ(changes->front().previous_hops, (*first)->hops);
  auto events = store->user_events(user.id, store::EventQuery{});
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(events->front().path_id, std::optional<store::Id>(p.id));
  EXPECT_EQ(events->front().path_verdict, p.verdict);
}

}  // namespace
}  // namespace semaphore::probe

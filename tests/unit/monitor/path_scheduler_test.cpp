// The path measurements (monitor/path_scheduler.h) with a test double of the traceroute engine (the engine
// itself is tested on simnet routers: tests/integration/probe/trace_test.cpp) and a real SQLite store: the
// schedule spread over the interval, bounded runs, the state-change trigger through the writer's evaluator,
// the bounded queue, path changes, and the verdict attached to the event.
#include "monitor/path_scheduler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>
#include <mutex>
#include <set>

#include "support/sqlite_store.h"
#include "support/temp_dir.h"

namespace semaphore::monitor {
namespace {

using namespace std::chrono_literals;

// One hop per spec: "10.0.0.1" answering all cycles at 1 ms per TTL, "???" silent, "10.0.0.9*" the host;
// a "/L" suffix loses L of the cycles.
probe::TraceResult trace_of(const std::string& host, const std::vector<std::string>& hops, int cycles) {
  probe::TraceResult result;
  result.host = host;
  int ttl = 1;
  for (std::string spec : hops) {
    probe::TraceHop hop;
    hop.ttl = ttl;
    int lost = 0;
    if (auto slash = spec.find('/'); slash != std::string::npos) {
      lost = std::stoi(spec.substr(slash + 1));
      spec.resize(slash);
    }
    if (!spec.empty() && spec.back() == '*') {
      hop.is_destination = true;
      spec.pop_back();
    }
    if (spec != "???") hop.address = IpAddress::parse(spec);
    hop.sent = cycles;
    hop.received = hop.address ? cycles - lost : 0;
    for (int i = 0; i < cycles; ++i) hop.rtts_ms.push_back(i < hop.received ? 1.0 * ttl : std::nan(""));
    if (hop.is_destination && hop.received > 0) result.reached = true;
    result.hops.push_back(hop);
    ++ttl;
  }
  return result;
}

class FakeTracer : public probe::Tracer {
 public:
  std::function<probe::TraceResult(const std::string& host, int run)> answer;
  std::vector<std::vector<std::string>> runs;
  probe::TraceOptions last_options;

  std::vector<probe::TraceResult> run(std::span<const probe::PingRequest> requests,
                                      const probe::TraceOptions& options, std::stop_token) override {
    std::lock_guard lock(mutex_);
    last_options = options;
    runs.emplace_back();
    std::vector<probe::TraceResult> results;
    for (const auto& r : requests) {
      runs.back().push_back(r.host);
      results.push_back(answer ? answer(r.host, static_cast<int>(runs.size()))
                               : trace_of(r.host, {"10.0.0.1", "10.0.0.2*"}, options.cycles));
    }
    return results;
  }

 private:
  std::mutex mutex_;
};

// The alerts' seam with one rule, as the writer calls it: every round of a host named in `changes` is a
// state change up -> down; other rounds change nothing; a host's first round is the quiet "first_round".
class ScriptedEvaluator : public store::RoundEvaluator {
 public:
  std::set<store::Id> changes;
  std::set<store::Id> first_round;
  bool needs_baseline(const store::HostAlertContext&) const override { return false; }
  store::HostAlertOutcome evaluate(const store::HostAlertContext& context,
                                   std::span<const store::RoundToEvaluate> rounds) override {
    store::HostAlertOutcome outcome;
    outcome.state.host_id = context.host_id;
    for (const auto& r : rounds) {
      outcome.state.last_round_at = r.round.ts;
      if (!changes.contains(context.host_id) && !first_round.contains(context.host_id)) continue;
      store::AlertEventRecord event;
      event.host_id = context.host_id;
      event.at = r.round.ts;
      event.from_state = first_round.contains(context.host_id) ? "unknown" : "up";
      event.to_state = "down";
      event.trigger = "all_lost";
      event.reason = "every probe lost";
      event.quiet = first_round.contains(context.host_id) ? "first_round" : "no";
      outcome.events.push_back(event);
    }
    return outcome;
  }
};

class PathSchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::open_migrated_sqlite(dir_, "paths.db");
    user_ = *store_->create_user("alice@example.com", "hash", true);
  }
  store::Host add_host(const std::string& name) {
    store::Host host;
    host.user_id = user_.id;
    host.hostname = name;
    host.provider = Provider::other;
    auto added = store_->add_host(host);
    EXPECT_TRUE(added.ok()) << added.error().message;
    return *added;
  }
  PathOptions options(std::size_t batch = 20, std::size_t capacity = 1000) {
    PathOptions o;
    o.interval = 30min;
    o.batch = batch;
    o.queue_capacity = capacity;
    return o;
  }

  testing::TempDir dir_{"semaphore-paths"};
  std::unique_ptr<store::Store> store_;
  store::User user_;
  Metrics metrics_;
  FakeTracer tracer_;
};

TEST(PathPlan, SpreadsEveryHostOverTheIntervalOncePerInterval) {
  constexpr EpochMs kInterval = 30 * 60 * 1000;
  PathPlan plan(std::chrono::milliseconds{kInterval});
  std::vector<PathTarget> hosts;
  for (store::Id id = 1; id <= 600; ++id) hosts.push_back(PathTarget{id, "h" + std::to_string(id)});
  const EpochMs t0 = 1'700'000'000'000 - 1'700'000'000'000 % kInterval + 7;  // just after a boundary
  plan.set_hosts(hosts, t0);
  EXPECT_TRUE(plan.take_due(t0, 10'000).empty()) << "a new host waits for its phase";

  std::map<store::Id, int> traced;
  int busiest_minute = 0;
  for (EpochMs minute = 1; minute <= 60; ++minute) {  // two intervals, a minute at a time
    const auto due = plan.take_due(t0 + minute * 60'000, 10'000);
    busiest_minute = std::max(busiest_minute, static_cast<int>(due.size()));
    for (const auto& h : due) ++traced[h.host_id];
  }
  ASSERT_EQ(traced.size(), 600u);
  for (const auto& [id, count] : traced) EXPECT_EQ(count, 2) << "host " << id;
  // 20 a minute on average; a burst would put hundreds into one minute.
  EXPECT_LE(busiest_minute, 45);
  EXPECT_GE(busiest_minute, 10);
}

TEST(PathPlan, ABacklogIsServedInBoundedBatchesOldestFirstWithoutCatchUp) {
  PathPlan plan(std::chrono::milliseconds{60'000});
  std::vector<PathTarget> hosts;
  for (store::Id id = 1; id <= 50; ++id) hosts.push_back(PathTarget{id, "h" + std::to_string(id)});
  plan.set_hosts(hosts, 0);
  const EpochMs late = 10 * 60'000;  // ten intervals without a pass
  std::set<store::Id> seen;
  for (int pass = 0; pass < 5; ++pass) {
    const auto due = plan.take_due(late, 10);
    EXPECT_EQ(due.size(), 10u);
    for (const auto& h : due) EXPECT_TRUE(seen.insert(h.host_id).second);
  }
  EXPECT_TRUE(plan.take_due(late, 10).empty()) << "each host once, not once per missed interval";
  // Hosts no longer listed are forgotten.
  plan.set_hosts({PathTarget{3, "h3"}}, late);
  EXPECT_EQ(plan.size(), 1u);
  EXPECT_FALSE(plan.hostname(4));
  EXPECT_EQ(plan.hostname(3), std::optional<std::string>("h3"));
}

TEST_F(PathSchedulerTest, ScheduledRunsAreBoundedAndStoreEachPath) {
  std::vector<store::Host> hosts;
  for (int i = 0; i < 12; ++i) hosts.push_back(add_host("h" + std::to_string(i) + ".example"));
  PathScheduler scheduler(*store_, tracer_, metrics_, options(5));
  scheduler.set_hosts(hosts);
  const EpochMs later = now_epoch_ms() + 31 * 60 * 1000;  // every host due
  EXPECT_EQ(scheduler.run_once(later), 5u);
  EXPECT_EQ(scheduler.run_once(later), 5u);
  EXPECT_EQ(scheduler.run_once(later), 2u);
  EXPECT_EQ(scheduler.run_once(later), 0u);
  ASSERT_EQ(tracer_.runs.size(), 3u);
  EXPECT_EQ(tracer_.runs[0].size(), 5u);
  EXPECT_EQ(tracer_.last_options.cycles, 10);
  EXPECT_LE(tracer_.last_options.rate, 100) << "a low probe rate beside the pings";
  for (const auto& host : hosts) {
    auto latest = store_->latest_path(host.id);
    ASSERT_TRUE(latest.ok() && latest->has_value()) << host.hostname;
    EXPECT_EQ((*latest)->trigger, "scheduled");
    EXPECT_TRUE((*latest)->reached);
    EXPECT_TRUE((*latest)->good);
    EXPECT_EQ((*latest)->verdict, "") << "scheduled traces are not judged";
    EXPECT_FALSE((*latest)->changed);
  }
  EXPECT_EQ(metrics_.paths_traced.load(), 12u);
}

TEST_F(PathSchedulerTest, AStateChangeInTheWritersTransactionTracesAtOnceAndTheVerdictJoinsTheEvent) {
  const auto a = add_host("a.example");
  const auto b = add_host("b.example");
  PathScheduler scheduler(*store_, tracer_, metrics_, options());
  scheduler.set_hosts({a, b});
  // A good path first (scheduled), then the host degrades: loss from hop 2 on.
  int call = 0;
  tracer_.answer = [&](const std::string& host, int) {
    ++call;
    if (call == 1) return trace_of(host, {"10.0.0.1", "10.0.0.2", "10.0.0.3*"}, 10);
    return trace_of(host, {"10.0.0.1", "10.0.0.2/4", "10.0.0.3*/5"}, 10);
  };
  ASSERT_EQ(scheduler.run_once(now_epoch_ms() + 31 * 60 * 1000), 2u);  // both hosts, scheduled
  call = 1;

  ScriptedEvaluator alerts;
  alerts.changes = {a.id};
  PathTriggeringEvaluator evaluator(alerts, scheduler);
  std::vector<store::PingResult> rounds(2);
  rounds[0].host_id = a.id;
  rounds[1].host_id = b.id;
  for (auto& r : rounds) {
    r.ts = 120'000;
    r.sent = 5;
    r.error = "timeout";
  }
  ASSERT_TRUE(store_->insert_results_evaluated(rounds, evaluator).ok());
  EXPECT_EQ(scheduler.queued(), 1u) << "a's state change asked for a trace; b changed nothing";

  EXPECT_EQ(scheduler.run_once(now_epoch_ms()), 1u);  // nothing scheduled is due: only the request
  ASSERT_EQ(tracer_.runs.back(), std::vector<std::string>{"a.example"});
  auto latest = store_->latest_path(a.id);
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ((*latest)->trigger, "state_change");
  EXPECT_EQ((*latest)->verdict_kind, "loss_from_hop");
  EXPECT_EQ((*latest)->verdict_hop, std::optional<int>(2));
  EXPECT_NE((*latest)->verdict.find("the loss starts at hop 2, 10.0.0.2, and continues to the host"),
            std::string::npos)
      << (*latest)->verdict;
  EXPECT_FALSE((*latest)->good);
  EXPECT_FALSE((*latest)->changed) << "the same routers: no path change";

  auto events = store_->user_events(user_.id, store::EventQuery{});
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(events->front().path_id, std::optional<store::Id>((*latest)->id));
  EXPECT_EQ(events->front().path_verdict, (*latest)->verdict);
}

// Issue 15: the state change's notifications wait for its path (store::kNotificationPathWaitMs at most): the
// outbox has nothing due until the trace is stored, then the delivery carries the verdict. A request the
// full queue dropped gets no path, and its event's notifications are due at once.
TEST_F(PathSchedulerTest, AStateChangesNotificationsWaitForItsPathUnlessNoTraceWasQueued) {
  const auto a = add_host("a.example");
  const auto b = add_host("b.example");
  const auto c = add_host("c.example");
  store::ChannelRecord channel;
  channel.user_id = user_.id;
  channel.name = "hook";
  channel.kind = "webhook";
  channel.url = "http://127.0.0.1:9/hook";
  channel.secret = "s";
  ASSERT_TRUE(store_->add_channel(channel, 20).ok());
  PathScheduler scheduler(*store_, tracer_, metrics_, options(20, 1));  // room for one request
  scheduler.set_hosts({a, b, c});
  tracer_.answer = [](const std::string& host, int) {
    return trace_of(host, {"10.0.0.1", "10.0.0.2/4", "10.0.0.3*/4"}, 10);
  };
  ScriptedEvaluator alerts;
  alerts.changes = {a.id};
  PathTriggeringEvaluator evaluator(alerts, scheduler);
  store::PingResult round;
  round.host_id = a.id;
  round.ts = 120'000;
  round.sent = 5;
  round.error = "timeout";
  ASSERT_TRUE(store_->insert_results_evaluated(std::span(&round, 1), evaluator).ok());
  ASSERT_EQ(scheduler.queued(), 1u);

  const auto claim = [&](EpochMs now) {
    store::ClaimRequest request;
    request.worker_id = "w";
    request.now = now;
    request.claim_until = now + 1000;
    auto claims = store_->claim_channels(request);
    EXPECT_TRUE(claims.ok());
    std::vector<store::Delivery> out;
    if (!claims.ok()) return out;
    for (const auto& one : *claims) {
      EXPECT_TRUE(store_->release_channel("w", one.channel.id).ok());
      out.insert(out.end(), one.deliveries.begin(), one.deliveries.end());
    }
    return out;
  };
  EXPECT_TRUE(claim(now_epoch_ms()).empty()) << "a's notification waits for its path";

  ASSERT_EQ(scheduler.run_once(now_epoch_ms()), 1u);
  const EpochMs now = now_epoch_ms();
  auto due = claim(now);
  ASSERT_EQ(due.size(), 1u) << "the path is stored: due at once";
  EXPECT_EQ(due[0].event.host_id, a.id);
  EXPECT_LE(due[0].next_attempt_at, now);
  EXPECT_NE(due[0].event.path_verdict.find("the loss starts at hop 2"), std::string::npos)
      << due[0].event.path_verdict;

  // b takes the queue's one place; c's request is dropped, so c's event has nothing to wait for.
  alerts.changes = {b.id, c.id};
  std::vector<store::PingResult> rounds(2, round);
  rounds[0].host_id = b.id;
  rounds[1].host_id = c.id;
  for (auto& r : rounds) r.ts = 180'000;
  const EpochMs written = now_epoch_ms();
  ASSERT_TRUE(store_->insert_results_evaluated(rounds, evaluator).ok());
  EXPECT_EQ(metrics_.path_requests_dropped.load(), 1u);
  // The channel's pending rows (a's is still first: never recorded), each with its due time.
  std::map<store::Id, EpochMs> due_at;
  for (const auto& d : claim(now_epoch_ms())) due_at[d.event.host_id] = d.next_attempt_at;
  ASSERT_EQ(due_at.size(), 3u);
  EXPECT_EQ(due_at[c.id], 180'000) << "c's trace was dropped: due at the event's time";
  EXPECT_GE(due_at[b.id], written + store::kNotificationPathWaitMs) << "b waits for its trace";
  EXPECT_LE(due_at[b.id], now_epoch_ms() + store::kNotificationPathWaitMs) << "and never longer";
}

TEST_F(PathSchedulerTest, AHostsFirstRoundIsNoStateChange) {
  const auto a = add_host("a.example");
  PathScheduler scheduler(*store_, tracer_, metrics_, options());
  scheduler.set_hosts({a});
  ScriptedEvaluator alerts;
  alerts.first_round = {a.id};
  PathTriggeringEvaluator evaluator(alerts, scheduler);
  store::PingResult round;
  round.host_id = a.id;
  round.ts = 60'000;
  round.sent = 5;
  round.received = 5;
  ASSERT_TRUE(store_->insert_results_evaluated(std::span(&round, 1), evaluator).ok());
  EXPECT_EQ(scheduler.queued(), 0u);
}

TEST_F(PathSchedulerTest, TheQueueIsBoundedAndAHostWaitsOnce) {
  std::vector<store::Host> hosts;
  for (int i = 0; i < 5; ++i) hosts.push_back(add_host("h" + std::to_string(i) + ".example"));
  PathScheduler scheduler(*store_, tracer_, metrics_, options(20, 3));
  scheduler.set_hosts(hosts);
  EXPECT_TRUE(scheduler.request(hosts[0].id, 1));
  EXPECT_TRUE(scheduler.request(hosts[0].id, 1));   // already waiting for this round: not queued twice
  EXPECT_FALSE(scheduler.request(hosts[0].id, 2));  // another round's events get no path: nothing waits
  EXPECT_TRUE(scheduler.request(hosts[1].id, 1));
  EXPECT_TRUE(scheduler.request(hosts[2].id, 1));
  EXPECT_FALSE(scheduler.request(hosts[3].id, 1));
  EXPECT_FALSE(scheduler.request(hosts[4].id, 1));
  EXPECT_EQ(scheduler.queued(), 3u);
  EXPECT_EQ(metrics_.path_requests_dropped.load(), 2u);
  EXPECT_EQ(metrics_.path_requests.load(), 7u);
  EXPECT_EQ(scheduler.run_once(now_epoch_ms()), 3u);
  EXPECT_EQ(scheduler.queued(), 0u);
  // A request for a host this worker does not ping (deleted, leased away) is dropped when served.
  EXPECT_TRUE(scheduler.request(999999, 1));
  EXPECT_EQ(scheduler.run_once(now_epoch_ms()), 0u);
}

TEST_F(PathSchedulerTest, ADifferentPathIsRecordedAsAChangeFromThePreviousOne) {
  const auto a = add_host("a.example");
  PathScheduler scheduler(*store_, tracer_, metrics_, options());
  scheduler.set_hosts({a});
  tracer_.answer = [](const std::string& host, int run) {
    if (run == 1) return trace_of(host, {"10.0.0.1", "10.0.0.2", "10.0.0.3*"}, 10);
    if (run == 2) return trace_of(host, {"10.0.0.1", "???", "10.0.0.3*"}, 10);  // a silent hop: no change
    return trace_of(host, {"10.0.0.1", "10.9.0.2", "10.0.0.3*"}, 10);
  };
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(scheduler.request(a.id, 0));
    ASSERT_EQ(scheduler.run_once(0), 1u);
  }
  auto history = store_->host_paths(user_.id, a.id, store::PathQuery{false, 0, 10});
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 3u);
  EXPECT_TRUE((*history)[0].changed);
  EXPECT_EQ((*history)[0].previous_id, std::optional<store::Id>((*history)[1].id));
  EXPECT_FALSE((*history)[1].changed);
  EXPECT_FALSE((*history)[2].changed);
  EXPECT_EQ(metrics_.path_changes.load(), 1u);
}

TEST_F(PathSchedulerTest, ATraceWhoseNameDoesNotResolveStoresNothing) {
  const auto a = add_host("a.example");
  PathScheduler scheduler(*store_, tracer_, metrics_, options());
  scheduler.set_hosts({a});
  tracer_.answer = [](const std::string& host, int) {
    probe::TraceResult r;
    r.host = host;
    r.error = probe::HostError::unresolvable;
    return r;
  };
  ASSERT_TRUE(scheduler.request(a.id, 0));
  EXPECT_EQ(scheduler.run_once(0), 0u);
  EXPECT_FALSE(store_->latest_path(a.id)->has_value());
  EXPECT_EQ(metrics_.path_errors.load(), 1u);
}

TEST_F(PathSchedulerTest, TheThreadServesARequestWithoutWaitingForTheSchedule) {
  const auto a = add_host("a.example");
  PathScheduler scheduler(*store_, tracer_, metrics_, options());
  scheduler.set_hosts({a});
  scheduler.start();
  ASSERT_TRUE(scheduler.request(a.id, 0));
  for (int i = 0; i < 500 && metrics_.paths_traced.load() == 0; ++i) std::this_thread::sleep_for(10ms);
  scheduler.stop();
  EXPECT_EQ(metrics_.paths_traced.load(), 1u);
}

}  // namespace
}  // namespace semaphore::monitor

// The dispatcher over the real outbox (issue 14), on SQLite and on a real PostgreSQL: events made by rounds
// through insert_results_evaluated are sent in order per channel, once each, retried after a retryable
// failure with the later ones waiting, abandoned after a permanent one or 24 h, and shared by concurrent
// dispatchers without a delivery sent twice; an event that waits for its path (issue 15) is held until the
// path is stored or store::kNotificationPathWaitMs passes, and sent with the verdict. The sender is a
// recorder standing in for the network (the real one, CurlSender, has its own tests against local receivers).
#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "alerts/dispatcher.h"
#include "alerts/round_evaluator.h"
#include "store_fixture.h"
#include "support/durations.h"

namespace semaphore::testing {
namespace {

using store::Id;
using store::PingResult;

constexpr EpochMs kStart = 1'700'000'400'000;
constexpr EpochMs kRound = 60'000;

PingResult round_of(Id host, int number, bool answered) {
  PingResult round;
  round.host_id = host;
  round.ts = kStart + (number - 1) * kRound;
  round.sent = 5;
  round.received = answered ? 5 : 0;
  if (answered) {
    round.min_ms = round.avg_ms = round.median_ms = round.max_ms = 10;
    round.stddev_ms = 0;
  } else {
    round.error = "timeout";
  }
  return round;
}

// Records every send and answers with what `answer` says (delivered by default).
class RecordingSender final : public alerts::NotificationSender {
 public:
  struct Sent {
    Id channel_id;
    Id event_id;
    std::string to_state;
    std::string report_url;
    std::string path_verdict;
  };
  std::function<alerts::SendOutcome(const store::Delivery&)> answer = [](const store::Delivery&) {
    return alerts::SendOutcome{true, false, "", 200};
  };

  alerts::SendOutcome send(const store::ChannelRecord& channel, const store::Delivery& delivery,
                           const alerts::NotificationContext& context) override {
    {
      std::lock_guard lock(mutex_);
      sent_.push_back({channel.id, delivery.event.id, delivery.event.to_state, context.report_url,
                       delivery.event.path_verdict});
    }
    return answer(delivery);
  }
  std::vector<Sent> sent() {
    std::lock_guard lock(mutex_);
    return sent_;
  }

 private:
  std::mutex mutex_;
  std::vector<Sent> sent_;
};

// The alerts' evaluator as the ping service wraps it when paths are on (monitor::PathTriggeringEvaluator,
// tested with the path scheduler in unit_monitor): every state change but a host's first round asked for a
// trace, so its events await their path.
class PathAskingEvaluator final : public store::RoundEvaluator {
 public:
  bool needs_baseline(const store::HostAlertContext& context) const override {
    return inner_.needs_baseline(context);
  }
  store::HostAlertOutcome evaluate(const store::HostAlertContext& context,
                                   std::span<const store::RoundToEvaluate> rounds) override {
    store::HostAlertOutcome outcome = inner_.evaluate(context, rounds);
    for (auto& event : outcome.events) event.awaits_path = event.quiet != "first_round";
    return outcome;
  }

 private:
  alerts::StoreRoundEvaluator inner_;
};

alerts::SendOutcome refused(bool retryable) {
  return alerts::SendOutcome{false, retryable, "connection refused", std::nullopt};
}

class DispatcherTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (HasFatalFailure() || IsSkipped()) return;
    user_ = make_user("d@example.com").id;
    host_ = make_host(user_, "192.0.2.1").id;
  }

  Id add_channel(const std::string& name) {
    store::ChannelRecord channel;
    channel.user_id = user_;
    channel.name = name;
    channel.kind = "webhook";
    channel.url = "http://127.0.0.1:9/hook";
    channel.secret = "s";
    auto added = store_->add_channel(channel, 20);
    EXPECT_TRUE(added.ok()) << added.error().message;
    return added.ok() ? added->id : 0;
  }

  // `cycles` times: down after three lost rounds, up after two good ones (the first round's "up" is quiet).
  // Returns how many of the events are to be sent (down, up, down, up, ... until the host counts as
  // flapping: 6 changes within an hour, after which the changes are recorded but not sent).
  int make_events(int cycles) {
    int number = next_round_;
    auto insert = [&](bool answered) {
      const std::vector<PingResult> rows{round_of(host_, number++, answered)};
      auto inserted = store_->insert_results_evaluated(rows, *evaluating_);
      EXPECT_TRUE(inserted.ok()) << inserted.error().message;
    };
    if (number == 1) insert(true);
    for (int cycle = 0; cycle < cycles; ++cycle) {
      for (int i = 0; i < 3; ++i) insert(false);
      for (int i = 0; i < 2; ++i) insert(true);
    }
    next_round_ = number;
    auto events = store_->host_events(user_, host_, 0, kStart + 10'000 * kRound, 1000);
    EXPECT_TRUE(events.ok());
    if (!events.ok()) return 0;
    return static_cast<int>(
        std::count_if(events->begin(), events->end(), [](const auto& e) { return e.quiet == "no"; }));
  }

  alerts::Dispatcher dispatcher(RecordingSender& sender, std::atomic<EpochMs>& clock,
                                const std::string& process = "test") {
    alerts::DispatcherOptions options;
    options.public_url = "https://semaphore.example/";
    return alerts::Dispatcher(*store_, sender, options, process, [&clock] { return clock.load(); });
  }

  // The host's events, oldest first.
  std::vector<store::AlertEventRecord> events() {
    auto events = store_->host_events(user_, host_, 0, kStart + 10'000 * kRound, 1000);
    EXPECT_TRUE(events.ok());
    if (!events.ok()) return {};
    std::sort(events->begin(), events->end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    return *events;
  }

  alerts::StoreRoundEvaluator evaluator_;
  PathAskingEvaluator path_asking_;
  store::RoundEvaluator* evaluating_ = &evaluator_;
  Id user_ = 0, host_ = 0;
  int next_round_ = 1;
};

TEST_P(DispatcherTest, SendsEachEventOnceInOrderWithItsLink) {
  const Id first = add_channel("first"), second = add_channel("second");
  const int events = make_events(2);
  RecordingSender sender;
  std::atomic<EpochMs> clock{now_epoch_ms() + 1000};  // the outbox's times are the writer's clock
  auto d = dispatcher(sender, clock);
  const auto pass = d.run_once("w1");
  EXPECT_EQ(pass.delivered, 2 * events);
  EXPECT_EQ(d.run_once("w1").claimed_channels, 0);  // nothing left

  std::map<Id, std::vector<std::string>> states;
  std::map<Id, std::vector<Id>> event_ids;
  for (const auto& sent : sender.sent()) {
    states[sent.channel_id].push_back(sent.to_state);
    event_ids[sent.channel_id].push_back(sent.event_id);
    EXPECT_EQ(sent.report_url, "https://semaphore.example/report/" + std::to_string(host_));
  }
  const std::vector<std::string> expected{"down", "up", "down", "up"};
  EXPECT_EQ(states[first], expected);
  EXPECT_EQ(states[second], expected);
  EXPECT_TRUE(std::is_sorted(event_ids[first].begin(), event_ids[first].end()));
  EXPECT_EQ(event_ids[first], event_ids[second]);
  auto status = store_->find_channel(user_, first);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->status.pending, 0);
  EXPECT_TRUE(status->status.last_success_at.has_value());
}

TEST_P(DispatcherTest, ALocationGoingOfflineIsSentOnceToAnAdminsChannelLinkingTheLocationsPage) {
  // Issue 16: the location's own event, not one per host, to the admin's channel (the fixture's user is the
  // first user, so the admin); another user's channel gets none.
  const Id admins_channel = add_channel("ops");
  auto other = store_->create_user("other@example.com", "hash", true);
  ASSERT_TRUE(other.ok()) << other.error().message;
  ASSERT_FALSE(other->is_admin);
  store::ChannelRecord channel;
  channel.user_id = other->id;
  channel.name = "mine";
  channel.kind = "webhook";
  channel.url = "http://127.0.0.1:9/hook";
  channel.secret = "s";
  ASSERT_TRUE(store_->add_channel(channel, 20).ok());
  const EpochMs now = now_epoch_ms();
  ASSERT_TRUE(store_->mark_location_offline(store::kLocalLocationId, now).value());

  RecordingSender sender;
  std::atomic<EpochMs> clock{now + 1000};
  auto d = dispatcher(sender, clock);
  EXPECT_EQ(d.run_once("w1").delivered, 1);
  EXPECT_EQ(d.run_once("w1").claimed_channels, 0);
  const auto sent = sender.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].channel_id, admins_channel);
  EXPECT_EQ(sent[0].to_state, "offline");
  EXPECT_EQ(sent[0].report_url, "https://semaphore.example/locations");
  const auto events = store_->recent_location_events(10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(sent[0].event_id, events->front().id);
}

TEST_P(DispatcherTest, ARetryableFailureHoldsTheChannelUntilItsRetryThenKeepsTheOrder) {
  const Id channel = add_channel("hook");
  make_events(2);
  RecordingSender sender;
  std::atomic<bool> down{true};
  sender.answer = [&](const store::Delivery&) {
    return down ? refused(true) : alerts::SendOutcome{true, false, "", 200};
  };
  std::atomic<EpochMs> clock{now_epoch_ms() + 1000};  // the outbox's times are the writer's clock
  auto d = dispatcher(sender, clock);
  auto pass = d.run_once("w1");
  EXPECT_EQ(pass.retried, 1);  // the first event failed; the three behind it were not tried
  EXPECT_EQ(sender.sent().size(), 1u);
  EXPECT_EQ(d.run_once("w1").claimed_channels, 0);  // not due before its retry time (15 s)
  auto status = store_->find_channel(user_, channel);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->status.last_error, "connection refused");
  EXPECT_EQ(status->status.pending, 4);

  clock += 14'000;
  EXPECT_EQ(d.run_once("w1").claimed_channels, 0);
  clock += 1'000;  // 15 s: the first retry
  pass = d.run_once("w1");
  EXPECT_EQ(pass.retried, 1);
  clock += 30'000;  // the second retry waits 30 s
  down = false;
  pass = d.run_once("w1");
  EXPECT_EQ(pass.delivered, 4);
  std::vector<std::string> states;
  std::vector<Id> ids;
  for (const auto& sent : sender.sent()) {
    states.push_back(sent.to_state);
    ids.push_back(sent.event_id);
  }
  // The first event three times (two failures, one success), then the rest once each, in order.
  EXPECT_EQ(states, (std::vector<std::string>{"down", "down", "down", "up", "down", "up"}));
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  status = store_->find_channel(user_, channel);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->status.pending, 0);
  EXPECT_EQ(status->status.last_error, "");
  EXPECT_FALSE(status->status.failing_since.has_value());
}

TEST_P(DispatcherTest, APermanentFailureIsAbandonedAndTheChannelMovesOn) {
  add_channel("hook");
  make_events(1);
  RecordingSender sender;
  std::atomic<int> calls{0};
  sender.answer = [&](const store::Delivery&) {
    return ++calls == 1 ? alerts::SendOutcome{false, false, "HTTP 404 from hooks.example", 404}
                        : alerts::SendOutcome{true, false, "", 200};
  };
  std::atomic<EpochMs> clock{now_epoch_ms() + 1000};  // the outbox's times are the writer's clock
  auto d = dispatcher(sender, clock);
  const auto pass = d.run_once("w1");
  EXPECT_EQ(pass.abandoned, 1);
  EXPECT_EQ(pass.delivered, 1);
  ASSERT_EQ(sender.sent().size(), 2u);
  EXPECT_EQ(sender.sent()[0].to_state, "down");
  EXPECT_EQ(sender.sent()[1].to_state, "up");
}

TEST_P(DispatcherTest, GivesUpAfter24HoursAndTheChannelIsFailing) {
  const Id channel = add_channel("hook");
  make_events(1);
  RecordingSender sender;
  sender.answer = [](const store::Delivery&) { return refused(true); };
  const EpochMs written = now_epoch_ms();  // the outbox rows' created_at is the writer's clock
  std::atomic<EpochMs> clock{written};
  auto d = dispatcher(sender, clock);
  int attempts = 0;
  // Every retry as soon as it is due, until 24 h have passed since the rows were written.
  while (clock < written + 25 * kHour && attempts < 200) {
    d.run_once("w1");
    ++attempts;
    clock += 30 * 60'000;
  }
  const auto sent = sender.sent();
  ASSERT_FALSE(sent.empty());
  // Both events were tried and given up; none is pending; the channel is marked failing.
  auto status = store_->find_channel(user_, channel);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->status.pending, 0);
  EXPECT_EQ(sent.back().to_state, "up");
  ASSERT_TRUE(status->status.failing_since.has_value());
}

TEST_P(DispatcherTest, ConcurrentDispatchersNeverSendADeliveryTwice) {
  std::vector<Id> channels;
  for (int i = 0; i < 6; ++i) channels.push_back(add_channel("hook" + std::to_string(i)));
  const int events = make_events(5);
  ASSERT_GE(events, 5);  // down, up, ..., then "flapping" and the state it settles in
  RecordingSender sender;
  std::atomic<EpochMs> clock{now_epoch_ms() + 1000};  // the outbox's times are the writer's clock
  auto a = dispatcher(sender, clock, "a");
  auto b = dispatcher(sender, clock, "b");
  std::atomic<int> delivered{0};
  auto work = [&](alerts::Dispatcher& d, const std::string& worker) {
    for (int i = 0; i < 200 && delivered < events * 6; ++i) delivered += d.run_once(worker).delivered;
  };
  std::thread ta([&] { work(a, "a/0"); }), tb([&] { work(b, "b/0"); }), tc([&] { work(a, "a/1"); });
  ta.join();
  tb.join();
  tc.join();
  const auto sent = sender.sent();
  EXPECT_EQ(delivered.load(), events * 6);
  EXPECT_EQ(sent.size(), static_cast<std::size_t>(events * 6));
  std::map<Id, std::vector<Id>> per_channel;
  for (const auto& s : sent) per_channel[s.channel_id].push_back(s.event_id);
  for (Id channel : channels) {
    const auto& ids = per_channel[channel];
    EXPECT_EQ(ids.size(), static_cast<std::size_t>(events)) << "channel " << channel;
    EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end())) << "channel " << channel;
    EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end()) << "channel " << channel;
  }
}

TEST_P(DispatcherTest, AnEventWaitsForItsPathAndIsSentWithTheVerdictOnceThePathIsStored) {
  add_channel("hook");
  evaluating_ = &path_asking_;
  ASSERT_EQ(make_events(1), 2);  // down, up: both asked for a trace
  const auto all = events();
  ASSERT_EQ(all.size(), 3u);  // the quiet first round, down, up
  const auto& down = all[1];
  ASSERT_EQ(down.to_state, "down");
  RecordingSender sender;
  std::atomic<EpochMs> clock{now_epoch_ms() + 1000};
  auto d = dispatcher(sender, clock);
  EXPECT_EQ(d.run_once("w1").claimed_channels, 0) << "held: the path is not stored yet";
  EXPECT_TRUE(sender.sent().empty());

  // The path scheduler stores the trace made for the down event's round.
  store::HostPathRecord path;
  path.host_id = host_;
  path.measured_at = down.at + 10'000;
  path.trigger = "state_change";
  path.hops = R"([{"t":1,"a":"10.0.0.1","s":10,"r":0},{"t":2,"s":10,"r":0}])";
  path.verdict = "the loss starts at hop 1, 10.0.0.1, and continues to the host";
  path.verdict_kind = "loss_from_hop";
  path.verdict_hop = 1;
  ASSERT_TRUE(store_->insert_path(path, down.at).ok());

  const auto pass = d.run_once("w1");
  EXPECT_EQ(pass.delivered, 1) << "the down event at once; the up event still waits for its own path";
  const auto sent = sender.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].event_id, down.id);
  EXPECT_EQ(sent[0].path_verdict, path.verdict);
}

TEST_P(DispatcherTest, AnEventWhoseTraceNeverComesIsSentAfterTheWaitWithoutAVerdict) {
  add_channel("hook");
  evaluating_ = &path_asking_;
  const EpochMs before = now_epoch_ms();
  ASSERT_EQ(make_events(1), 2);
  const EpochMs after = now_epoch_ms();
  RecordingSender sender;
  std::atomic<EpochMs> clock{before + store::kNotificationPathWaitMs - 1};
  auto d = dispatcher(sender, clock);
  EXPECT_EQ(d.run_once("w1").claimed_channels, 0) << "still within the wait";
  EXPECT_TRUE(sender.sent().empty());

  clock = after + store::kNotificationPathWaitMs;  // never longer than the wait
  EXPECT_EQ(d.run_once("w1").delivered, 2);
  const auto sent = sender.sent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].to_state, "down");
  EXPECT_EQ(sent[1].to_state, "up");
  for (const auto& s : sent) EXPECT_EQ(s.path_verdict, "") << "no path: sent without one";
}

TEST_P(DispatcherTest, AnEventThatAskedForNoTraceIsSentAtOnce) {
  add_channel("hook");
  const EpochMs written = now_epoch_ms();
  ASSERT_EQ(make_events(1), 2);  // the alerts' evaluator alone (paths off): nothing awaits a path
  RecordingSender sender;
  std::atomic<EpochMs> clock{written};
  auto d = dispatcher(sender, clock);
  EXPECT_EQ(d.run_once("w1").delivered, 2);
  EXPECT_EQ(sender.sent().size(), 2u);
}

TEST_P(DispatcherTest, AFailedFirstTryKeepsItsRetryTimeWhenThePathArrives) {
  add_channel("hook");
  evaluating_ = &path_asking_;
  ASSERT_EQ(make_events(1), 2);
  const auto down = events()[1];
  RecordingSender sender;
  sender.answer = [](const store::Delivery&) { return refused(true); };
  std::atomic<EpochMs> clock{now_epoch_ms() + store::kNotificationPathWaitMs + 1000};
  auto d = dispatcher(sender, clock);
  EXPECT_EQ(d.run_once("w1").retried, 1);  // the wait is over, the receiver refuses: retry in 15 s
  store::HostPathRecord path;
  path.host_id = host_;
  path.measured_at = down.at + 20'000;
  path.trigger = "state_change";
  path.hops = "[]";
  path.verdict = "no trouble on the path";
  ASSERT_TRUE(store_->insert_path(path, down.at).ok());
  sender.answer = [](const store::Delivery&) { return alerts::SendOutcome{true, false, "", 200}; };
  EXPECT_EQ(d.run_once("w1").claimed_channels, 0) << "the path does not undo the retry's back-off";
  clock = clock.load() + 16'000;
  EXPECT_EQ(d.run_once("w1").delivered, 2);
  EXPECT_EQ(sender.sent()[1].path_verdict, path.verdict) << "the retry carries the verdict stored meanwhile";
}

INSTANTIATE_TEST_SUITE_P(Backends, DispatcherTest, ::testing::Values(DbKind::sqlite, DbKind::postgresql),
                         backend_name);

}  // namespace
}  // namespace semaphore::testing

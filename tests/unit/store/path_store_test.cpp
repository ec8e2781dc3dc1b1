// PathStore (src/store/path_store.h): hosts' measured paths, the path of an alert event, per-user scoping and
// retention, on SQLite and on a real PostgreSQL.
#include <string>
#include <vector>

#include "store_fixture.h"

namespace semaphore::testing {
namespace {

using store::HostPathRecord;
using store::PathQuery;

// The alerts' seam with one rule: every round is a state change up -> down (the writer's transaction stores
// the event; the alerts' own rules are tested in tests/unit/alerts).
class EveryRoundAnEvent : public store::RoundEvaluator {
 public:
  bool needs_baseline(const store::HostAlertContext&) const override { return false; }
  store::HostAlertOutcome evaluate(const store::HostAlertContext& context,
                                   std::span<const store::RoundToEvaluate> rounds) override {
    store::HostAlertOutcome outcome;
    outcome.state.host_id = context.host_id;
    outcome.state.measured = outcome.state.shown = "down";
    for (const auto& r : rounds) {
      outcome.state.last_round_at = r.round.ts;
      store::AlertEventRecord event;
      event.host_id = context.host_id;
      event.at = r.round.ts;
      event.from_state = "up";
      event.to_state = "down";
      event.trigger = "all_lost";
      event.reason = "every probe lost";
      event.quiet = "no";
      event.sent = r.round.sent;
      outcome.events.push_back(event);
    }
    return outcome;
  }
};

class PathStoreTest : public StoreTest {
 protected:
  HostPathRecord path(store::Id host_id, EpochMs at, bool good, const std::string& hops = "[]") {
    HostPathRecord p;
    p.host_id = host_id;
    p.measured_at = at;
    p.reached = good;
    p.good = good;
    p.hops = hops;
    return p;
  }
  HostPathRecord insert(const HostPathRecord& p, std::optional<EpochMs> event_at = std::nullopt) {
    auto stored = store_->insert_path(p, event_at);
    EXPECT_TRUE(stored.ok()) << stored.error().message;
    return stored.ok() ? *stored : HostPathRecord{};
  }
};

TEST_P(PathStoreTest, StoredPathsReadBackWithEveryField) {
  const auto alice = make_user("alice@example.com");
  const auto host = make_host(alice.id, "a.example");
  HostPathRecord input = path(host.id, 1000, false, R"([{"t":1,"a":"10.0.0.1","s":10,"r":10}])");
  input.trigger = "state_change";
  input.verdict = "the loss starts at hop 6";
  input.verdict_kind = "loss_from_hop";
  input.verdict_hop = 6;
  const auto first = insert(path(host.id, 500, true));
  input.changed = true;
  input.previous_id = first.id;
  const auto stored = insert(input);
  EXPECT_GT(stored.id, first.id);

  auto latest = store_->latest_path(host.id);
  ASSERT_TRUE(latest.ok()) << latest.error().message;
  ASSERT_TRUE(latest->has_value());
  const HostPathRecord& p = **latest;
  EXPECT_EQ(p.id, stored.id);
  EXPECT_EQ(p.host_id, host.id);
  EXPECT_EQ(p.measured_at, 1000);
  EXPECT_EQ(p.trigger, "state_change");
  EXPECT_FALSE(p.reached);
  EXPECT_FALSE(p.good);
  EXPECT_EQ(p.hops, input.hops);
  EXPECT_TRUE(p.changed);
  EXPECT_EQ(p.previous_id, std::optional<store::Id>(first.id));
  EXPECT_EQ(p.verdict, "the loss starts at hop 6");
  EXPECT_EQ(p.verdict_kind, "loss_from_hop");
  EXPECT_EQ(p.verdict_hop, std::optional<int>(6));

  auto good = store_->last_good_path(host.id);
  ASSERT_TRUE(good.ok());
  ASSERT_TRUE(good->has_value());
  EXPECT_EQ((*good)->id, first.id);
  EXPECT_FALSE((*good)->verdict_hop.has_value());

  // The reference: the newest change, else the oldest path.
  EXPECT_EQ((*store_->reference_path(host.id))->id, stored.id);
  const auto third = insert(path(host.id, 2000, true));
  EXPECT_EQ((*store_->reference_path(host.id))->id, stored.id);
  const auto other_host = make_host(alice.id, "c.example");
  const auto c1 = insert(path(other_host.id, 100, true));
  insert(path(other_host.id, 200, true));
  EXPECT_EQ((*store_->reference_path(other_host.id))->id, c1.id);
  (void)third;

  const auto other = make_host(alice.id, "b.example");
  EXPECT_FALSE(store_->latest_path(other.id)->has_value());
  EXPECT_FALSE(store_->reference_path(other.id)->has_value());
  EXPECT_EQ(store_->insert_path(path(999999, 1, true), std::nullopt).error().code, Errc::not_found);
}

TEST_P(PathStoreTest, AUsersReadsSeeOnlyTheirOwnHosts) {
  const auto alice = make_user("alice@example.com");
  const auto bob = make_user("bob@example.com");
  const auto host = make_host(alice.id, "a.example");
  const auto stored = insert(path(host.id, 1000, true));

  ASSERT_TRUE(store_->user_latest_path(alice.id, host.id).ok());
  EXPECT_EQ((*store_->user_latest_path(alice.id, host.id))->id, stored.id);
  EXPECT_EQ(store_->user_latest_path(bob.id, host.id).error().code, Errc::not_found);
  EXPECT_EQ(store_->host_paths(bob.id, host.id, {}).error().code, Errc::not_found);
  EXPECT_EQ(store_->find_path(bob.id, stored.id).error().code, Errc::not_found);
  EXPECT_EQ(store_->find_path(alice.id, stored.id)->id, stored.id);
  EXPECT_EQ(store_->user_latest_path(alice.id, 999999).error().code, Errc::not_found);
}

TEST_P(PathStoreTest, HistoryPagesNewestFirstAndChangesCarryTheOldPath) {
  const auto alice = make_user("alice@example.com");
  const auto host = make_host(alice.id, "a.example");
  std::vector<store::Id> ids;
  store::Id previous = 0;
  for (int i = 0; i < 7; ++i) {
    HostPathRecord p = path(host.id, 1000 + i, true, "[{\"t\":" + std::to_string(i + 1) + "}]");
    if (i % 3 == 2) {  // every third path is a change from the one before
      p.changed = true;
      p.previous_id = previous;
    }
    previous = insert(p).id;
    ids.push_back(previous);
  }
  auto page = store_->host_paths(alice.id, host.id, PathQuery{false, 0, 4});
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->size(), 4u);
  EXPECT_EQ((*page)[0].id, ids[6]);
  EXPECT_EQ((*page)[3].id, ids[3]);
  auto next = store_->host_paths(alice.id, host.id, PathQuery{false, (*page)[3].id, 4});
  ASSERT_TRUE(next.ok());
  ASSERT_EQ(next->size(), 3u);
  EXPECT_EQ((*next)[0].id, ids[2]);

  auto changes = store_->host_paths(alice.id, host.id, PathQuery{true, 0, 20});
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 2u);
  EXPECT_EQ((*changes)[0].id, ids[5]);
  EXPECT_EQ((*changes)[0].previous_hops, "[{\"t\":5}]");
  EXPECT_EQ((*changes)[0].previous_measured_at, std::optional<EpochMs>(1004));
  EXPECT_EQ((*changes)[1].id, ids[2]);
  EXPECT_EQ((*changes)[1].previous_hops, "[{\"t\":2}]");
}

TEST_P(PathStoreTest, APathMeasuredForAnEventIsAttachedToItAndItsVerdictReadWithIt) {
  const auto alice = make_user("alice@example.com");
  const auto host = make_host(alice.id, "a.example");
  EveryRoundAnEvent evaluator;
  store::PingResult round;
  round.host_id = host.id;
  round.ts = 60'000;
  round.sent = 5;
  round.error = "timeout";
  ASSERT_TRUE(store_->insert_results_evaluated(std::span(&round, 1), evaluator).ok());

  auto events = store_->user_events(alice.id, store::EventQuery{});
  ASSERT_TRUE(events.ok()) << events.error().message;
  ASSERT_EQ(events->size(), 1u);
  EXPECT_FALSE(events->front().path_id.has_value());
  EXPECT_EQ(events->front().path_verdict, "");

  HostPathRecord p = path(host.id, 61'000, false);
  p.trigger = "state_change";
  p.verdict = "the host or its firewall";
  p.verdict_kind = "loss_at_host";
  insert(path(host.id, 60'500, false), 59'000);  // another round's event: attaches to nothing
  const auto stored = insert(p, 60'000);
  events = store_->user_events(alice.id, store::EventQuery{});
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(events->front().path_id, std::optional<store::Id>(stored.id));
  EXPECT_EQ(events->front().path_verdict, "the host or its firewall");

  // A later path of the same round does not replace the first.
  insert(p, 60'000);
  EXPECT_EQ(store_->user_events(alice.id, store::EventQuery{})->front().path_id,
            std::optional<store::Id>(stored.id));
}

TEST_P(PathStoreTest, RetentionKeepsEachHostsNewestAndNewestGoodPath) {
  const auto alice = make_user("alice@example.com");
  const auto a = make_host(alice.id, "a.example");
  const auto b = make_host(alice.id, "b.example");
  const auto a1 = insert(path(a.id, 100, true));
  const auto a2 = insert(path(a.id, 200, true));  // a's newest good: kept
  const auto a3 = insert(path(a.id, 300, false));
  HostPathRecord changed = path(a.id, 400, false);
  changed.changed = true;
  changed.previous_id = a3.id;
  const auto a4 = insert(changed);                 // a's newest: kept
  const auto b1 = insert(path(b.id, 100, false));  // b's only path: kept
  const auto recent = insert(path(b.id, 5000, true));

  auto pruned = store_->prune_paths(1000, 1000);
  ASSERT_TRUE(pruned.ok()) << pruned.error().message;
  EXPECT_EQ(*pruned, 3);  // a1, a3 and b1 (b has a newer, good path)
  auto left = store_->host_paths(alice.id, a.id, PathQuery{false, 0, 100});
  ASSERT_EQ(left->size(), 2u);
  EXPECT_EQ((*left)[0].id, a4.id);
  EXPECT_FALSE((*left)[0].previous_id.has_value());  // its previous path is gone: the reference cleared
  EXPECT_EQ((*left)[1].id, a2.id);
  EXPECT_EQ(store_->host_paths(alice.id, b.id, PathQuery{false, 0, 100})->size(), 1u);
  (void)a1;
  (void)b1;
  (void)recent;

  // In batches: at most `limit` a call.
  for (int i = 0; i < 5; ++i) insert(path(b.id, 10 + i, false));
  insert(path(b.id, 6000, true));
  EXPECT_EQ(*store_->prune_paths(1000, 2), 2);
  EXPECT_EQ(*store_->prune_paths(1000, 100), 3);
  EXPECT_EQ(*store_->prune_paths(1000, 100), 0);
}

TEST_P(PathStoreTest, DeletingAHostDeletesItsPaths) {
  const auto alice = make_user("alice@example.com");
  const auto host = make_host(alice.id, "a.example");
  const auto stored = insert(path(host.id, 100, true));
  ASSERT_TRUE(store_->delete_host(alice.id, host.id).ok());
  EXPECT_EQ(store_->find_path(alice.id, stored.id).error().code, Errc::not_found);
  EXPECT_FALSE(store_->latest_path(host.id)->has_value());
}

INSTANTIATE_TEST_SUITE_P(Backends, PathStoreTest, ::testing::Values(DbKind::sqlite, DbKind::postgresql),
                         backend_name);

}  // namespace
}  // namespace semaphore::testing

// The alerts in the result writer's transaction (issue 14), on SQLite and on a real PostgreSQL: rounds go in
// through MonitorStore::insert_results_evaluated with the real evaluator (alerts/round_evaluator.h), and the
// events, states and scoping are read back through AlertStore.
#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "alerts/round_evaluator.h"
#include "store_fixture.h"

namespace semaphore::testing {
namespace {

using store::AlertEventRecord;
using store::Id;
using store::PingResult;

constexpr EpochMs kStart = 1'700'000'400'000;  // a round's start (not on an hour boundary)
constexpr EpochMs kRound = 60'000;

PingResult round_of(Id host, int number, int received, double median_ms = 20) {
  PingResult round;
  round.host_id = host;
  round.ts = kStart + (number - 1) * kRound;
  round.sent = 5;
  round.received = received;
  if (received > 0) {
    round.min_ms = median_ms - 1;
    round.avg_ms = median_ms;
    round.median_ms = median_ms;
    round.max_ms = median_ms + 2;
    round.stddev_ms = 0.5;
  } else {
    round.error = "timeout";
  }
  return round;
}
PingResult good(Id host, int number, double median_ms = 20) {
  return round_of(host, number, 5, median_ms);
}
PingResult lost(Id host, int number) {
  return round_of(host, number, 0);
}

// "r4 up>down all_lost" (rN: the round's number), "... (quiet: maintenance)" when not to be sent.
std::string describe(const AlertEventRecord& event) {
  std::string text = "r" + std::to_string((event.at - kStart) / kRound + 1) + " " + event.from_state + ">" +
                     event.to_state + " " + event.trigger;
  if (event.quiet != "no") text += " (quiet: " + event.quiet + ")";
  return text;
}

using Events = std::vector<std::string>;

class AlertStoreTest : public StoreTest {
 protected:
  // Inserts the rows in one transaction, evaluated; returns the rows inserted.
  std::int64_t insert(std::vector<PingResult> rows) {
    auto inserted = store_->insert_results_evaluated(rows, evaluator_);
    EXPECT_TRUE(inserted.ok()) << inserted.error().message;
    return inserted.ok() ? *inserted : -1;
  }
  // One batch per round, as the writer does every round.
  void insert_each(const std::vector<PingResult>& rows) {
    for (const PingResult& row : rows) insert({row});
  }
  // The host's events, oldest first.
  Events events_of(Id user_id, Id host_id) {
    auto events = store_->host_events(user_id, host_id, 0, kStart + 1000 * kRound, 1000);
    EXPECT_TRUE(events.ok()) << events.error().message;
    Events out;
    if (!events.ok()) return out;
    for (const auto& event : *events) out.push_back(describe(event));
    return out;
  }

  alerts::StoreRoundEvaluator evaluator_;
};

TEST_P(AlertStoreTest, ASilentHostGoesDownOnceAfterNRoundsWithThatRoundsFigures) {
  const auto user = make_user("a@example.com");
  const auto host = make_host(user.id, "a.example.com");
  insert_each({good(host.id, 1), good(host.id, 2), lost(host.id, 3), lost(host.id, 4)});
  EXPECT_EQ(events_of(user.id, host.id), (Events{"r1 unknown>up recovered (quiet: first_round)"}));

  insert({lost(host.id, 5)});
  insert_each({lost(host.id, 6), lost(host.id, 7)});
  EXPECT_EQ(events_of(user.id, host.id),
            (Events{"r1 unknown>up recovered (quiet: first_round)", "r5 up>down all_lost"}));

  const auto events = store_->user_events(user.id, 0, 100).value();
  ASSERT_EQ(events.size(), 2u);
  const AlertEventRecord& down = events[0];  // newest first
  EXPECT_EQ(down.host_id, host.id);
  EXPECT_EQ(down.user_id, user.id);
  EXPECT_EQ(down.at, kStart + 4 * kRound);
  EXPECT_EQ(down.reason, "every probe lost for 3 rounds");
  EXPECT_EQ(down.sent, 5);
  EXPECT_EQ(down.received, 0);
  EXPECT_FALSE(down.median_ms.has_value());
  EXPECT_GT(down.id, events[1].id);
  EXPECT_EQ(events[1].min_ms, 19.0);
  EXPECT_EQ(events[1].median_ms, 20.0);
  EXPECT_EQ(events[1].max_ms, 22.0);

  const auto state = store_->host_alert_state(user.id, host.id, store::kLocalLocationId).value();
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(state->shown, "down");
  EXPECT_EQ(state->lost_streak, 5);
  EXPECT_EQ(state->last_round_at, kStart + 6 * kRound);

  // Back: up after M = 2 good rounds, once.
  insert_each({good(host.id, 8), good(host.id, 9), good(host.id, 10)});
  EXPECT_EQ(events_of(user.id, host.id).back(), "r9 down>up recovered");
  EXPECT_EQ(events_of(user.id, host.id).size(), 3u);
}

TEST_P(AlertStoreTest, TheHostIsDownOnlyWhenAQuorumOfItsLocationsSeeItSo) {
  // Issue 16: each location judges its rounds against its own state; the host's state, the one the pages
  // read and the channels are told, is the quorum's (a majority of the online locations: 2 of 2 here).
  const auto user = make_user("a@example.com");
  const auto host = make_host(user.id, "a.example.com");
  auto paris = store_->add_location([] {
    store::Location location;
    location.name = "paris";
    return location;
  }());
  ASSERT_TRUE(paris.ok()) << paris.error().message;
  // Both online: heard from just now, 60 s rounds.
  for (const Id location : {store::kLocalLocationId, paris->id}) {
    store::LocationHeartbeat beat;
    beat.location_id = location;
    beat.at = now_epoch_ms();
    beat.interval_ms = kRound;
    ASSERT_TRUE(store_->record_heartbeat(beat).ok());
  }
  const auto far = [&](PingResult row) {
    row.location_id = paris->id;
    return row;
  };
  for (int number = 1; number <= 6; ++number) {
    EXPECT_EQ(insert({good(host.id, number), far(lost(host.id, number))}), 2);
  }
  // paris' own state went down after its third lost round; local's is up, and so is the host's.
  EXPECT_EQ(store_->host_alert_state(user.id, host.id, paris->id).value()->shown, "down");
  const auto state = store_->host_alert_state(user.id, host.id, store::kLocalLocationId).value();
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(state->shown, "up");
  EXPECT_EQ(state->last_round_at, kStart + 5 * kRound);
  EXPECT_EQ(store_->host_quorum_state(user.id, host.id).value()->shown, "up");
  EXPECT_EQ(events_of(user.id, host.id), (Events{"r1 unknown>up recovered (quiet: first_round)"}));

  // local loses it too, in rounds of one location per batch (as two writers would): down at local's
  // third lost round, named by both.
  for (int number = 7; number <= 9; ++number) {
    insert({far(lost(host.id, number))});
    insert({lost(host.id, number)});
  }
  EXPECT_EQ(events_of(user.id, host.id),
            (Events{"r1 unknown>up recovered (quiet: first_round)", "r9 up>down all_lost"}));
  const auto events = store_->user_events(user.id, 0, 100).value();  // newest first
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].locations, (std::vector<std::string>{"local", "paris"}));
  EXPECT_EQ(events[1].locations, (std::vector<std::string>{"local"}));
  EXPECT_EQ(events[0].reason,
            "every probe lost for 3 rounds at local; down from local, paris (2 of 2 locations, 2 needed)");
  const auto quorum = store_->host_quorum_state(user.id, host.id).value();
  ASSERT_TRUE(quorum.has_value());
  EXPECT_EQ(quorum->shown, "down");
  EXPECT_EQ(quorum->last_change_at, kStart + 8 * kRound);
  const auto all = store_->user_quorum_states(user.id).value();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].shown, "down");

  // A replay of both locations' rounds evaluates nothing twice.
  EXPECT_EQ(insert({lost(host.id, 9), far(lost(host.id, 9))}), 0);
  EXPECT_EQ(store_->user_events(user.id, 0, 100).value().size(), 2u);
  // Another user sees none of it.
  const auto other = make_user("b@example.com");
  EXPECT_EQ(store_->host_quorum_state(other.id, host.id).error().code, Errc::not_found);
  EXPECT_TRUE(store_->user_quorum_states(other.id).value().empty());
}

TEST_P(AlertStoreTest, ALocationGoneSilentHasNoSay) {
  // paris saw the host up in its last rounds, then went silent: its last heartbeat is an hour old (more than
  // 3 of its intervals). Counted, its "up" would keep the host up (2 needed of 2); it is not, so local's
  // down is the host's.
  const auto user = make_user("a@example.com");
  const auto host = make_host(user.id, "a.example.com");
  auto paris = store_->add_location([] {
    store::Location location;
    location.name = "paris";
    return location;
  }());
  ASSERT_TRUE(paris.ok());
  const auto beat = [&](Id location, EpochMs at) {
    store::LocationHeartbeat heartbeat;
    heartbeat.location_id = location;
    heartbeat.at = at;
    heartbeat.interval_ms = kRound;
    ASSERT_TRUE(store_->record_heartbeat(heartbeat).ok());
  };
  beat(store::kLocalLocationId, now_epoch_ms());
  beat(paris->id, now_epoch_ms() - 3600 * 1000);
  for (int number = 1; number <= 3; ++number) {
    PingResult far = good(host.id, number);
    far.location_id = paris->id;
    EXPECT_EQ(insert({good(host.id, number), far}), 2);
  }
  for (int number = 4; number <= 6; ++number) EXPECT_EQ(insert({lost(host.id, number)}), 1);
  EXPECT_EQ(store_->host_alert_state(user.id, host.id, paris->id).value()->shown, "up");
  EXPECT_EQ(events_of(user.id, host.id),
            (Events{"r1 unknown>up recovered (quiet: first_round)", "r6 up>down all_lost"}));

  // Heard from again (online), its "up" counts: local's next lost round changes nothing, and the host is
  // up again through the quorum, named as such.
  beat(paris->id, now_epoch_ms());
  PingResult far = good(host.id, 7);
  far.location_id = paris->id;
  EXPECT_EQ(insert({far}), 1);
  const auto events = store_->user_events(user.id, 0, 100).value();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].from_state + ">" + events[0].to_state, "down>up");
  EXPECT_EQ(events[0].trigger, "quorum");  // paris' state did not change: the set of voters did
  EXPECT_EQ(events[0].locations, (std::vector<std::string>{"paris"}));
}

TEST_P(AlertStoreTest, ALocationSwitchedOffForTheHostHasNoSayFromThatMoment) {
  // paris sees the host up, local loses it: 2 needed of 2, the host stays up. Switched off for the host
  // (migration 015), paris' fresh "up" no longer counts, and local's next round makes the host down.
  const auto user = make_user("a@example.com");
  const auto host = make_host(user.id, "a.example.com");
  auto paris = store_->add_location([] {
    store::Location location;
    location.name = "paris";
    return location;
  }());
  ASSERT_TRUE(paris.ok());
  for (const Id location : {store::kLocalLocationId, paris->id}) {
    store::LocationHeartbeat beat;
    beat.location_id = location;
    beat.at = now_epoch_ms();
    beat.interval_ms = kRound;
    ASSERT_TRUE(store_->record_heartbeat(beat).ok());
  }
  for (int number = 1; number <= 4; ++number) {
    PingResult far = good(host.id, number);
    far.location_id = paris->id;
    EXPECT_EQ(insert({number == 1 ? good(host.id, number) : lost(host.id, number), far}), 2);
  }
  EXPECT_EQ(store_->host_alert_state(user.id, host.id, store::kLocalLocationId).value()->shown, "down");
  EXPECT_EQ(store_->host_quorum_state(user.id, host.id).value()->shown, "up");
  ASSERT_TRUE(store_->set_host_locations_off(user.id, host.id, std::vector<Id>{paris->id}).ok());
  EXPECT_EQ(insert({lost(host.id, 5)}), 1);
  EXPECT_EQ(events_of(user.id, host.id),
            (Events{"r1 unknown>up recovered (quiet: first_round)", "r5 up>down quorum"}));
}

TEST_P(AlertStoreTest, AReplayedBatchMakesNoSecondEvent) {
  const auto user = make_user("a@example.com");
  const auto host = make_host(user.id, "a.example.com");
  const std::vector<PingResult> batch = {good(host.id, 1), lost(host.id, 2), lost(host.id, 3),
                                         lost(host.id, 4)};
  EXPECT_EQ(insert(batch), 4);
  const Events once = {"r1 unknown>up recovered (quiet: first_round)", "r4 up>down all_lost"};
  EXPECT_EQ(events_of(user.id, host.id), once);
  const auto state = store_->host_alert_state(user.id, host.id, store::kLocalLocationId).value();

  // The spool replays the batch after an outage, twice: nothing is inserted, nothing evaluated.
  EXPECT_EQ(insert(batch), 0);
  EXPECT_EQ(insert(batch), 0);
  EXPECT_EQ(events_of(user.id, host.id), once);
  EXPECT_EQ(store_->host_alert_state(user.id, host.id, store::kLocalLocationId).value()->lost_streak,
            state->lost_streak);

  // A batch of old rows and one new one: only the new one counts (the streak goes on from 3 to 4).
  std::vector<PingResult> mixed = batch;
  mixed.push_back(lost(host.id, 5));
  EXPECT_EQ(insert(mixed), 1);
  EXPECT_EQ(events_of(user.id, host.id), once);
  EXPECT_EQ(store_->host_alert_state(user.id, host.id, store::kLocalLocationId).value()->lost_streak, 4);

  // Rounds older than the last evaluated one (a spool file replayed late) are stored but change nothing.
  PingResult older = good(host.id, 1);
  older.ts -= 10 * kRound;
  EXPECT_EQ(insert({older}), 1);
  EXPECT_EQ(store_->host_alert_state(user.id, host.id, store::kLocalLocationId).value()->last_round_at,
            kStart + 4 * kRound);
  EXPECT_EQ(events_of(user.id, host.id), once);
}

TEST_P(AlertStoreTest, TheUsersDefaultsAndAHostsOverridesChangeTheOutcome) {
  const auto user = make_user("a@example.com");
  const auto strict = make_host(user.id, "strict.example.com");
  const auto lenient = make_host(user.id, "lenient.example.com");
  store::UserAlertRules defaults = alerts::to_record(alerts::AlertRules{});
  defaults.down_after = 2;
  ASSERT_TRUE(store_->set_user_alert_rules(user.id, defaults).ok());
  store::HostAlertOverrides overrides;
  overrides.down_after = 4;
  ASSERT_TRUE(store_->set_host_alert_overrides(user.id, lenient.id, overrides).ok());
  EXPECT_EQ(store_->user_alert_rules(user.id).value()->down_after, 2);
  EXPECT_EQ(store_->host_alert_overrides(user.id, lenient.id).value().down_after, 4);

  for (int r = 1; r <= 3; ++r) insert({lost(strict.id, r), lost(lenient.id, r)});
  EXPECT_EQ(events_of(user.id, strict.id), (Events{"r2 unknown>down all_lost"}));
  EXPECT_EQ(events_of(user.id, lenient.id), (Events{"r3 unknown>degraded loss"}));
  insert({lost(strict.id, 4), lost(lenient.id, 4)});
  EXPECT_EQ(events_of(user.id, lenient.id),
            (Events{"r3 unknown>degraded loss", "r4 degraded>down all_lost"}));

  // Clearing the overrides deletes them: the user's defaults apply again.
  ASSERT_TRUE(store_->set_host_alert_overrides(user.id, lenient.id, {}).ok());
  EXPECT_TRUE(store_->host_alert_overrides(user.id, lenient.id).value().empty());
}

TEST_P(AlertStoreTest, AMaintenanceWindowRecordsQuietlyAndTellsTheChangeAtItsEnd) {
  const auto user = make_user("a@example.com");
  const auto host = make_host(user.id, "a.example.com");
  const auto other = make_host(user.id, "b.example.com");
  store::MaintenanceWindowRecord window;
  window.user_id = user.id;
  window.host_id = host.id;
  window.kind = "once";
  window.starts_at = kStart + 2 * kRound;  // rounds 3..7
  window.ends_at = kStart + 7 * kRound;
  const auto added = store_->add_maintenance_window(window);
  ASSERT_TRUE(added.ok()) << added.error().message;

  for (int r = 1; r <= 2; ++r) insert({good(host.id, r), good(other.id, r)});
  for (int r = 3; r <= 7; ++r) insert({lost(host.id, r), lost(other.id, r)});
  insert({lost(host.id, 8), lost(other.id, 8)});
  EXPECT_EQ(events_of(user.id, host.id),
            (Events{"r1 unknown>up recovered (quiet: first_round)",
                    "r5 up>down all_lost (quiet: maintenance)", "r8 up>down maintenance_ended"}));
  // The window is the host's only: its neighbour is told at once.
  EXPECT_EQ(events_of(user.id, other.id),
            (Events{"r1 unknown>up recovered (quiet: first_round)", "r5 up>down all_lost"}));

  // Windows are listed, changed and deleted by their user only.
  const auto stranger = make_user("b@example.com");
  EXPECT_TRUE(store_->list_maintenance_windows(stranger.id).value().empty());
  EXPECT_EQ(store_->delete_maintenance_window(stranger.id, added->id).error().code, Errc::not_found);
  store::MaintenanceWindowRecord stolen = *added;
  stolen.user_id = stranger.id;
  stolen.host_id.reset();
  EXPECT_EQ(store_->update_maintenance_window(stolen).error().code, Errc::not_found);
  store::MaintenanceWindowRecord on_foreign_host = window;
  on_foreign_host.user_id = stranger.id;
  EXPECT_EQ(store_->add_maintenance_window(on_foreign_host).error().code, Errc::not_found);

  store::MaintenanceWindowRecord weekly = *added;
  weekly.kind = "weekly";
  weekly.host_id.reset();
  weekly.days = 0b0011111;
  weekly.start_minute = 22 * 60;
  weekly.end_minute = 6 * 60;
  weekly.time_zone = "Europe/Berlin";
  ASSERT_TRUE(store_->update_maintenance_window(weekly).ok());
  const auto listed = store_->list_maintenance_windows(user.id).value();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].kind, "weekly");
  EXPECT_FALSE(listed[0].host_id.has_value());
  EXPECT_EQ(listed[0].days, 0b0011111);
  EXPECT_EQ(listed[0].end_minute, 360);
  EXPECT_EQ(listed[0].time_zone, "Europe/Berlin");
  ASSERT_TRUE(store_->delete_maintenance_window(user.id, added->id).ok());
  EXPECT_TRUE(store_->list_maintenance_windows(user.id).value().empty());
}

TEST_P(AlertStoreTest, EventsAreScopedByUser) {
  const auto alice = make_user("a@example.com");
  const auto bob = make_user("b@example.com");
  const auto a = make_host(alice.id, "a.example.com");
  const auto b = make_host(bob.id, "b.example.com");
  for (int r = 1; r <= 3; ++r) insert({lost(a.id, r), lost(b.id, r)});

  const auto alices = store_->user_events(alice.id, 0, 100).value();
  ASSERT_EQ(alices.size(), 1u);
  EXPECT_EQ(alices[0].host_id, a.id);
  const auto bobs = store_->user_events(bob.id, 0, 100).value();
  ASSERT_EQ(bobs.size(), 1u);
  EXPECT_EQ(bobs[0].host_id, b.id);
  // A cursor past Bob's event does not reach Alice's.
  EXPECT_TRUE(store_->user_events(bob.id, bobs[0].id, 100).value().empty());

  EXPECT_EQ(store_->host_events(alice.id, b.id, 0, kStart * 2, 100).error().code, Errc::not_found);
  EXPECT_EQ(store_->host_alert_state(alice.id, b.id, store::kLocalLocationId).error().code, Errc::not_found);
  EXPECT_EQ(store_->host_alert_overrides(alice.id, b.id).error().code, Errc::not_found);
  store::HostAlertOverrides overrides;
  overrides.down_after = 1;
  EXPECT_EQ(store_->set_host_alert_overrides(alice.id, b.id, overrides).error().code, Errc::not_found);
}

TEST_P(AlertStoreTest, UserAlertStatesHoldEveryEvaluatedHostOfTheUserOnly) {
  const auto alice = make_user("a@example.com");
  const auto bob = make_user("b@example.com");
  const auto a1 = make_host(alice.id, "a1.example.com");
  const auto a2 = make_host(alice.id, "a2.example.com");
  const auto never = make_host(alice.id, "never.example.com");  // no round yet: no state
  const auto b = make_host(bob.id, "b.example.com");
  for (int r = 1; r <= 3; ++r) insert({lost(a1.id, r), good(a2.id, r), good(b.id, r)});

  const auto states = store_->user_alert_states(alice.id, store::kLocalLocationId).value();
  ASSERT_EQ(states.size(), 2u);
  EXPECT_EQ(states[0].host_id, a1.id);
  EXPECT_EQ(states[0].shown, "down");
  EXPECT_EQ(states[1].host_id, a2.id);
  EXPECT_EQ(states[1].shown, "up");
  for (const auto& state : states) EXPECT_NE(state.host_id, never.id);
  const auto bobs = store_->user_alert_states(bob.id, store::kLocalLocationId).value();
  ASSERT_EQ(bobs.size(), 1u);
  EXPECT_EQ(bobs[0].host_id, b.id);
}

TEST_P(AlertStoreTest, UserEventsArePagedNewestFirstByACursor) {
  const auto user = make_user("a@example.com");
  const auto host = make_host(user.id, "a.example.com");
  // Down and up three times: 1 (first) + 6 events.
  int r = 0;
  insert({good(host.id, ++r)});
  for (int cycle = 0; cycle < 3; ++cycle) {
    for (int i = 0; i < 3; ++i) insert({lost(host.id, ++r)});
    for (int i = 0; i < 2; ++i) insert({good(host.id, ++r)});
  }
  const auto first = store_->user_events(user.id, 0, 4).value();
  ASSERT_EQ(first.size(), 4u);
  const auto second = store_->user_events(user.id, first.back().id, 4).value();
  ASSERT_EQ(second.size(), 3u);
  EXPECT_EQ(second.back().to_state, "up");
  EXPECT_EQ(second.back().quiet, "first_round");
  EXPECT_LT(second.front().id, first.back().id);
}

TEST_P(AlertStoreTest, DeletingAHostDeletesItsStateAndEvents) {
  const auto user = make_user("a@example.com");
  const auto host = make_host(user.id, "a.example.com");
  const auto kept = make_host(user.id, "b.example.com");
  store::HostAlertOverrides overrides;
  overrides.down_after = 3;
  ASSERT_TRUE(store_->set_host_alert_overrides(user.id, host.id, overrides).ok());
  for (int r = 1; r <= 3; ++r) insert({lost(host.id, r), lost(kept.id, r)});
  ASSERT_EQ(store_->user_events(user.id, 0, 100).value().size(), 2u);

  ASSERT_TRUE(store_->delete_host(user.id, host.id).ok());
  const auto events = store_->user_events(user.id, 0, 100).value();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].host_id, kept.id);
  // Gone from the tables, not only hidden: a new host may get the old id on SQLite.
  const auto again = make_host(user.id, "a.example.com");
  EXPECT_FALSE(store_->host_alert_state(user.id, again.id, store::kLocalLocationId).value().has_value());
  EXPECT_TRUE(store_->host_alert_overrides(user.id, again.id).value().empty());
  EXPECT_TRUE(events_of(user.id, again.id).empty());
  // A round of the deleted host arriving late is dropped, with no event.
  EXPECT_EQ(insert({lost(host.id, 4)}), host.id == again.id ? 1 : 0);
}

TEST_P(AlertStoreTest, TheBaselineRuleComparesWithTheMedianOfLastWeeksHourlyMedians) {
  const auto user = make_user("a@example.com");
  const auto host = make_host(user.id, "a.example.com");
  const auto plain = make_host(user.id, "b.example.com");
  store::HostAlertOverrides overrides;
  overrides.baseline_factor = 2;
  ASSERT_TRUE(store_->set_host_alert_overrides(user.id, host.id, overrides).ok());
  // Last week: one round an hour at 10 ms (and 100 ms in a few hours, which the median ignores).
  std::vector<PingResult> history;
  for (int hour = 1; hour <= 48; ++hour) {
    for (Id id : {host.id, plain.id}) {
      PingResult row = good(id, 1, hour % 10 == 0 ? 100 : 10);
      row.ts = kStart - hour * 3'600'000LL;
      history.push_back(row);
    }
  }
  ASSERT_EQ(store_->insert_results(history).value(), 96);
  ASSERT_TRUE(store_->refresh_rollups(3600, kStart - 49 * 3'600'000LL, kStart, 100).ok());

  // 25 ms is above 2 x 10 ms for the host whose rules use the baseline, and nothing for the other.
  for (int r = 1; r <= 3; ++r) insert({good(host.id, r, 25), good(plain.id, r, 25)});
  EXPECT_EQ(events_of(user.id, host.id), (Events{"r3 unknown>degraded baseline"}));
  EXPECT_EQ(store_->user_events(user.id, 0, 1).value()[0].reason,
            "median 25.0 ms > 2 x baseline 10.0 ms for 3 rounds");
  EXPECT_EQ(events_of(user.id, plain.id), (Events{"r1 unknown>up recovered (quiet: first_round)"}));
}

TEST_P(AlertStoreTest, AnotherWriterOfTheSameHostMeanwhileWaitsAndTheDownCountsOnce) {
  if (GetParam() == DbKind::sqlite) {
    GTEST_SKIP() << "SQLite has one writer at a time (BEGIN IMMEDIATE): no other writer can come between";
  }
  // Two workers write one host during a lease takeover: the second one writes while the first one's
  // evaluation is under way. Its insert waits for the first transaction (both update the host's copy in
  // latest_results, migration 010, whose row lock the first holds until it commits), so it reads the state
  // the first wrote: the host's down is recorded once, at the round that made it, whichever worker wrote it.
  // (Before migration 010 the second committed first and the first batch failed its state check and was
  // retried; that check stays, as a backstop.)
  const auto user = make_user("a@example.com");
  const auto host = make_host(user.id, "a.example.com");
  insert_each({good(host.id, 1), lost(host.id, 2), lost(host.id, 3)});

  auto second = store::Store::open(url_);
  ASSERT_TRUE(second.ok());
  alerts::StoreRoundEvaluator real;
  struct Interleaving : store::RoundEvaluator {
    store::RoundEvaluator& real;
    std::function<void()> meanwhile;
    Interleaving(store::RoundEvaluator& r, std::function<void()> m) : real(r), meanwhile(std::move(m)) {}
    bool needs_baseline(const store::HostAlertContext& c) const override { return real.needs_baseline(c); }
    store::HostAlertOutcome evaluate(const store::HostAlertContext& c,
                                     std::span<const store::RoundToEvaluate> rounds) override {
      if (meanwhile) std::exchange(meanwhile, nullptr)();
      return real.evaluate(c, rounds);
    }
  };
  Result<std::int64_t> other_written = std::int64_t{0};
  std::thread other_worker;
  Interleaving interleaving(real, [&] {
    other_worker = std::thread([&] {
      other_written = (*second)->insert_results_evaluated(std::vector<PingResult>{lost(host.id, 5)}, real);
    });
  });
  const auto written =
      store_->insert_results_evaluated(std::vector<PingResult>{lost(host.id, 4)}, interleaving);
  ASSERT_TRUE(other_worker.joinable());
  other_worker.join();
  ASSERT_TRUE(written.ok()) << written.error().message;
  EXPECT_EQ(*written, 1);
  ASSERT_TRUE(other_written.ok()) << other_written.error().message;
  EXPECT_EQ(*other_written, 1);
  EXPECT_EQ(events_of(user.id, host.id),
            (Events{"r1 unknown>up recovered (quiet: first_round)", "r4 up>down all_lost"}));
  EXPECT_EQ(store_->host_alert_state(user.id, host.id, store::kLocalLocationId).value()->last_round_at,
            kStart + 4 * kRound);
}

// Probe methods (issue 15): one measurement per host per round is judged.
PingResult tcp(PingResult round, int refused = 0) {
  round.method = ProbeKind::tcp;
  round.refused = refused;
  return round;
}

store::Host with_method(store::Store& store, store::Host host, ProbeMethod method) {
  host.probe = ProbeSpec{method, 443};
  EXPECT_TRUE(store.update_host(host).ok());
  return host;
}

TEST_P(AlertStoreTest, ABothHostWhoseIcmpIsFilteredButTcpAnswersIsUpWithoutAnEvent) {
  const auto user = make_user("a@example.com");
  const auto host = with_method(*store_, make_host(user.id, "both.example.com"), ProbeMethod::both);
  // Every round: ICMP entirely lost, TCP answered (a port closed counts: the host is up).
  for (int number = 1; number <= 6; ++number) {
    insert({lost(host.id, number), tcp(good(host.id, number, 30), number % 2 ? 5 : 0)});
  }
  EXPECT_EQ(events_of(user.id, host.id), (Events{"r1 unknown>up recovered (quiet: first_round)"}));
  const auto state = store_->host_alert_state(user.id, host.id, store::kLocalLocationId).value();
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(state->shown, "up");
  EXPECT_EQ(state->lost_streak, 0);
  EXPECT_EQ(state->last_round_at, kStart + 5 * kRound);
}

TEST_P(AlertStoreTest, ABothHostWithBothKindsLostGoesDown) {
  const auto user = make_user("a@example.com");
  const auto host = with_method(*store_, make_host(user.id, "both.example.com"), ProbeMethod::both);
  insert({good(host.id, 1), tcp(good(host.id, 1))});
  for (int number = 2; number <= 4; ++number) insert({lost(host.id, number), tcp(lost(host.id, number))});
  EXPECT_EQ(events_of(user.id, host.id),
            (Events{"r1 unknown>up recovered (quiet: first_round)", "r4 up>down all_lost"}));
  // ICMP back with TCP lost: the icmp row is judged, the host is up again after M = 2 rounds.
  for (int number = 5; number <= 6; ++number) insert({good(host.id, number), tcp(lost(host.id, number))});
  EXPECT_EQ(events_of(user.id, host.id).back(), "r6 down>up recovered");
}

TEST_P(AlertStoreTest, ABothHostsRoundSplitOverTwoBatchesIsJudgedOnceOnBothRows) {
  const auto user = make_user("a@example.com");
  const auto host = with_method(*store_, make_host(user.id, "both.example.com"), ProbeMethod::both);
  // The writer cut each round between its icmp row and its tcp row: judged when the second comes, once.
  for (int number = 1; number <= 5; ++number) {
    insert({lost(host.id, number)});
    EXPECT_EQ(store_->host_alert_state(user.id, host.id, store::kLocalLocationId).value().has_value(),
              number > 1)
        << number;
    insert({tcp(good(host.id, number))});
  }
  EXPECT_EQ(events_of(user.id, host.id), (Events{"r1 unknown>up recovered (quiet: first_round)"}));
  EXPECT_EQ(store_->host_alert_state(user.id, host.id, store::kLocalLocationId).value()->last_round_at,
            kStart + 4 * kRound);
  // The tcp row first and the icmp row later works the same, and a replay of either judges nothing again.
  insert({tcp(lost(host.id, 6))});
  insert({lost(host.id, 6)});
  insert({lost(host.id, 6), tcp(lost(host.id, 6))});
  EXPECT_EQ(store_->host_alert_state(user.id, host.id, store::kLocalLocationId).value()->lost_streak, 1);
}

TEST_P(AlertStoreTest, ATcpHostIsJudgedOnItsTcpRowsAndAnIcmpHostOnItsIcmpRows) {
  const auto user = make_user("a@example.com");
  const auto tcp_host = with_method(*store_, make_host(user.id, "tcp.example.com"), ProbeMethod::tcp);
  const auto icmp_host = make_host(user.id, "icmp.example.com");
  for (int number = 1; number <= 4; ++number) {
    // Rows of the other kind (say from before the method changed) are not judged.
    insert({lost(tcp_host.id, number), tcp(good(tcp_host.id, number), 5)});
    insert({good(icmp_host.id, number), tcp(lost(icmp_host.id, number))});
  }
  EXPECT_EQ(events_of(user.id, tcp_host.id), (Events{"r1 unknown>up recovered (quiet: first_round)"}));
  EXPECT_EQ(events_of(user.id, icmp_host.id), (Events{"r1 unknown>up recovered (quiet: first_round)"}));
  for (int number = 5; number <= 7; ++number) insert({tcp(lost(tcp_host.id, number))});
  EXPECT_EQ(events_of(user.id, tcp_host.id).back(), "r7 up>down all_lost");
}

INSTANTIATE_TEST_SUITE_P(Backends, AlertStoreTest, ::testing::Values(DbKind::sqlite, DbKind::postgresql),
                         backend_name);

}  // namespace
}  // namespace semaphore::testing

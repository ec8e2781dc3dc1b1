// Alert channels and the outbox (issue 14), on SQLite and on a real PostgreSQL: rounds go in through
// MonitorStore::insert_results_evaluated with the real evaluator, the outbox rows the round's transaction
// writes are read back through AlertStore, and the dispatcher's side (claims, outcomes) through
// NotificationStore.
#include <algorithm>
#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "alerts/round_evaluator.h"
#include "store_fixture.h"
#include "support/durations.h"

namespace semaphore::testing {
namespace {

using store::ChannelRecord;
using store::ClaimRequest;
using store::Id;
using store::PingResult;

constexpr EpochMs kChannelsStart = 1'700'000'400'000;
constexpr EpochMs kChannelsRound = 60'000;
// A dispatcher's "now": every event is due.
constexpr EpochMs kLater = kChannelsStart + 1000 * kChannelsRound;

PingResult channel_round(Id host, int number, int received) {
  PingResult round;
  round.host_id = host;
  round.ts = kChannelsStart + (number - 1) * kChannelsRound;
  round.sent = 5;
  round.received = received;
  if (received > 0) {
    round.min_ms = 19;
    round.avg_ms = 20;
    round.median_ms = 20;
    round.max_ms = 22;
    round.stddev_ms = 0.5;
  } else {
    round.error = "timeout";
  }
  return round;
}

class ChannelStoreTest : public StoreTest {
 protected:
  std::int64_t insert(std::vector<PingResult> rows) {
    auto inserted = store_->insert_results_evaluated(rows, evaluator_);
    EXPECT_TRUE(inserted.ok()) << inserted.error().message;
    return inserted.ok() ? *inserted : -1;
  }
  // Rounds first..last of the hosts, one batch per round; received 0 = every probe lost.
  void rounds(const std::vector<Id>& hosts, int first, int last, int received) {
    for (int r = first; r <= last; ++r) {
      std::vector<PingResult> batch;
      for (Id host : hosts) batch.push_back(channel_round(host, r, received));
      insert(batch);
    }
  }
  ChannelRecord channel(Id user_id, const std::string& name) {
    ChannelRecord c;
    c.user_id = user_id;
    c.name = name;
    c.kind = "webhook";
    c.url = "http://127.0.0.1:9/hook";
    c.secret = "s3cret";
    c.options = "{}";
    return c;
  }
  ChannelRecord add(const ChannelRecord& c) {
    auto added = store_->add_channel(c, 100);
    EXPECT_TRUE(added.ok()) << added.error().message;
    return added.ok() ? *added : ChannelRecord{};
  }
  // The channel's outbox rows' event states, oldest first ("down", "up").
  std::vector<std::string> outbox_of(Id user_id, Id channel_id) {
    auto rows = store_->channel_deliveries(user_id, channel_id, 100);
    EXPECT_TRUE(rows.ok()) << rows.error().message;
    std::vector<std::string> states;
    if (!rows.ok()) return states;
    for (const auto& row : *rows) states.push_back(row.event.to_state);
    std::reverse(states.begin(), states.end());
    return states;
  }
  store::ChannelWithStatus status_of(Id user_id, Id channel_id) {
    auto found = store_->find_channel(user_id, channel_id);
    EXPECT_TRUE(found.ok()) << found.error().message;
    return found.ok() ? *found : store::ChannelWithStatus{};
  }
  static ClaimRequest claim_by(const std::string& worker, EpochMs now, EpochMs until) {
    ClaimRequest request;
    request.worker_id = worker;
    request.now = now;
    request.claim_until = until;
    return request;
  }

  alerts::StoreRoundEvaluator evaluator_;
};

using States = std::vector<std::string>;

TEST_P(ChannelStoreTest, AnEventWritesOneOutboxRowPerEnabledCoveringChannelAndAReplayWritesNone) {
  const auto user = make_user("a@example.com");
  const auto stranger = make_user("b@example.com");
  const auto host = make_host(user.id, "a.example.com");  // AWS
  const auto other = make_host(user.id, "b.example.com");
  const auto all = add(channel(user.id, "all"));
  auto c = channel(user.id, "disabled");
  c.enabled = false;
  const auto disabled = add(c);
  c = channel(user.id, "other host");
  c.host_ids = {other.id};
  const auto other_host = add(c);
  c = channel(user.id, "this host, aws");
  c.host_ids = {other.id, host.id};
  c.providers = {"aws"};
  const auto this_host = add(c);
  c = channel(user.id, "gcp");
  c.providers = {"GCP", "Azure"};
  const auto gcp = add(c);
  c = channel(user.id, "ups only");
  c.states = {"up"};
  const auto ups = add(c);
  c = channel(user.id, "downs");
  c.states = {"degraded", "down"};
  const auto downs = add(c);
  const auto strangers = add(channel(stranger.id, "all"));

  // Round 1 makes a quiet first_round event (unknown > up): nothing to send.
  const std::vector<PingResult> first = {channel_round(host.id, 1, 5)};
  insert(first);
  ASSERT_EQ(store_->user_events(user.id, 0, 10).value().size(), 1u);
  EXPECT_EQ(outbox_of(user.id, all.id), States{});

  // Down after three lost rounds: one row for each enabled channel that covers the host and the state.
  const std::vector<PingResult> batch = {channel_round(host.id, 2, 0), channel_round(host.id, 3, 0),
                                         channel_round(host.id, 4, 0)};
  EXPECT_EQ(insert(batch), 3);
  EXPECT_EQ(outbox_of(user.id, all.id), States{"down"});
  EXPECT_EQ(outbox_of(user.id, this_host.id), States{"down"});
  EXPECT_EQ(outbox_of(user.id, downs.id), States{"down"});
  EXPECT_EQ(outbox_of(user.id, disabled.id), States{});
  EXPECT_EQ(outbox_of(user.id, other_host.id), States{});
  EXPECT_EQ(outbox_of(user.id, gcp.id), States{});
  EXPECT_EQ(outbox_of(user.id, ups.id), States{});
  EXPECT_EQ(outbox_of(stranger.id, strangers.id), States{});

  const auto rows = store_->channel_deliveries(user.id, all.id, 10).value();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].status, "pending");
  EXPECT_EQ(rows[0].attempts, 0);
  EXPECT_EQ(rows[0].next_attempt_at, kChannelsStart + 3 * kChannelsRound);  // the event's time: due at once
  EXPECT_EQ(rows[0].event.host_id, host.id);
  EXPECT_EQ(rows[0].event.from_state, "up");
  EXPECT_FALSE(rows[0].finished_at.has_value());
  EXPECT_EQ(status_of(user.id, all.id).status.pending, 1);
  EXPECT_EQ(status_of(user.id, disabled.id).status.pending, 0);

  // The spool replays the batch: nothing is inserted, nothing is written to the outbox again.
  EXPECT_EQ(insert(batch), 0);
  EXPECT_EQ(insert(first), 0);
  EXPECT_EQ(outbox_of(user.id, all.id), States{"down"});

  // Back up: the "ups" channel gets its first row, "downs" none more.
  rounds({host.id}, 5, 6, 5);
  EXPECT_EQ(outbox_of(user.id, all.id), (States{"down", "up"}));
  EXPECT_EQ(outbox_of(user.id, ups.id), States{"up"});
  EXPECT_EQ(outbox_of(user.id, downs.id), States{"down"});
  EXPECT_EQ(status_of(user.id, all.id).status.pending, 2);

  // Deleting the host deletes its events and with them their deliveries.
  ASSERT_TRUE(store_->delete_host(user.id, host.id).ok());
  EXPECT_EQ(outbox_of(user.id, all.id), States{});
  EXPECT_EQ(status_of(user.id, all.id).status.pending, 0);
}

TEST_P(ChannelStoreTest, AMaintenanceWindowsQuietEventsWriteNothing) {
  const auto user = make_user("a@example.com");
  const auto host = make_host(user.id, "a.example.com");
  const auto all = add(channel(user.id, "all"));
  store::MaintenanceWindowRecord window;
  window.user_id = user.id;
  window.kind = "once";
  window.starts_at = kChannelsStart;
  window.ends_at = kChannelsStart + 100 * kChannelsRound;
  ASSERT_TRUE(store_->add_maintenance_window(window).ok());
  rounds({host.id}, 1, 1, 5);
  rounds({host.id}, 2, 4, 0);
  const auto events = store_->user_events(user.id, 0, 10).value();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].quiet, "maintenance");
  EXPECT_EQ(outbox_of(user.id, all.id), States{});
}

TEST_P(ChannelStoreTest, AClaimReturnsTheChannelsDeliveriesInOrderAndHoldsItUntilTheLeaseEnds) {
  const auto user = make_user("a@example.com");
  const auto host = make_host(user.id, "a.example.com");
  const auto hook = add(channel(user.id, "hook"));
  rounds({host.id}, 1, 1, 5);
  rounds({host.id}, 2, 4, 0);  // down
  rounds({host.id}, 5, 6, 5);  // up
  rounds({host.id}, 7, 9, 0);  // down

  // Not due yet: the oldest row's time has not come.
  EXPECT_TRUE(store_->claim_channels(claim_by("w1", kChannelsStart, kChannelsStart + kHour)).value().empty());

  auto request = claim_by("w1", kLater, kLater + kHour);
  request.per_channel = 2;
  const auto claims = store_->claim_channels(request);
  ASSERT_TRUE(claims.ok()) << claims.error().message;
  ASSERT_EQ(claims->size(), 1u);
  const store::ChannelClaim& claim = (*claims)[0];
  EXPECT_EQ(claim.channel.id, hook.id);
  EXPECT_EQ(claim.channel.secret, "s3cret");
  EXPECT_EQ(claim.channel.url, "http://127.0.0.1:9/hook");
  EXPECT_EQ(claim.claimed_until, kLater + kHour);
  ASSERT_EQ(claim.deliveries.size(), 2u);  // the oldest two of three
  EXPECT_EQ(claim.deliveries[0].event.to_state, "down");
  EXPECT_EQ(claim.deliveries[0].event.at, kChannelsStart + 3 * kChannelsRound);
  EXPECT_EQ(claim.deliveries[1].event.to_state, "up");
  EXPECT_LT(claim.deliveries[0].id, claim.deliveries[1].id);
  EXPECT_EQ(claim.deliveries[0].host.id, host.id);
  EXPECT_EQ(claim.deliveries[0].host.hostname, "a.example.com");
  EXPECT_EQ(claim.deliveries[0].host.provider, "AWS");
  EXPECT_EQ(claim.deliveries[0].host.service, "EC2");
  EXPECT_EQ(claim.deliveries[0].channel_id, hook.id);
  EXPECT_EQ(claim.deliveries[0].attempts, 0);

  // Another dispatcher gets nothing while the lease holds, and the channel when it has expired.
  EXPECT_TRUE(store_->claim_channels(claim_by("w2", kLater + 1, kLater + kHour)).value().empty());
  EXPECT_TRUE(store_->claim_channels(claim_by("w2", kLater + kHour - 1, kLater + 2 * kHour)).value().empty());
  const auto taken = store_->claim_channels(claim_by("w2", kLater + kHour, kLater + 2 * kHour)).value();
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(taken[0].deliveries.front().id, claim.deliveries[0].id);  // nothing was recorded: sent again

  // The first dispatcher's claim is gone: what it records is refused, nothing changes.
  EXPECT_EQ(store_->delivery_succeeded("w1", claim.deliveries[0].id, kLater + 10).error().code,
            Errc::not_found);
  EXPECT_EQ(
      store_->delivery_failed("w1", claim.deliveries[0].id, kLater + 10, "late", std::nullopt).error().code,
      Errc::not_found);
  EXPECT_EQ(store_->release_channel("w1", hook.id).error().code, Errc::not_found);
  EXPECT_EQ(status_of(user.id, hook.id).status.pending, 3);
  EXPECT_FALSE(status_of(user.id, hook.id).status.last_attempt_at.has_value());

  // The holder records, releases, and the next claim starts after what was delivered.
  ASSERT_TRUE(store_->delivery_succeeded("w2", claim.deliveries[0].id, kLater + kHour + 5).ok());
  EXPECT_EQ(store_->delivery_succeeded("w2", claim.deliveries[0].id, kLater + kHour + 6).error().code,
            Errc::not_found);  // not pending any more
  ASSERT_TRUE(store_->release_channel("w2", hook.id).ok());
  const auto next = store_->claim_channels(claim_by("w1", kLater + kHour + 7, kLater + 2 * kHour)).value();
  ASSERT_EQ(next.size(), 1u);
  ASSERT_EQ(next[0].deliveries.size(), 2u);
  EXPECT_EQ(next[0].deliveries[0].event.to_state, "up");
  EXPECT_EQ(next[0].deliveries[1].event.to_state, "down");
  EXPECT_EQ(status_of(user.id, hook.id).status.pending, 2);
  EXPECT_EQ(status_of(user.id, hook.id).status.last_success_at, kLater + kHour + 5);

  // A disabled channel is not claimed; its rows wait.
  ASSERT_TRUE(store_->release_channel("w1", hook.id).ok());
  auto off = hook;
  off.enabled = false;
  ASSERT_TRUE(store_->update_channel(off).ok());
  EXPECT_TRUE(store_->claim_channels(claim_by("w1", kLater + 2 * kHour, kLater + 3 * kHour)).value().empty());
  EXPECT_EQ(status_of(user.id, hook.id).status.pending, 2);
  EXPECT_EQ(store_->claim_channels(claim_by("", kLater, kLater + 1)).error().code, Errc::invalid_argument);
}

TEST_P(ChannelStoreTest, ALocationGoingOfflineAndBackNotifiesTheAdminsChannelsThatCoverEverything) {
  // Issue 16 (migration 016): one notification per change of the location, however many hosts it pings,
  // to each enabled channel of an admin that covers all hosts and providers (and, narrowed by state, "down"
  // for offline, "up" for online); a user's channels and an admin's channel for chosen hosts get none. It
  // waits in the channel's order behind the host events before it.
  auto admin = store_->create_user("admin@example.com", "hash", true);
  ASSERT_TRUE(admin.ok()) << admin.error().message;
  const auto user = make_user("user@example.com");
  const auto host = make_host(admin->id, "a.example.com");
  const auto all = add(channel(admin->id, "all"));
  auto down_only = channel(admin->id, "down-only");
  down_only.states = {"down"};
  const auto down = add(down_only);
  auto one_host = channel(admin->id, "one-host");
  one_host.host_ids = {host.id};
  const auto chosen = add(one_host);
  auto aws = channel(admin->id, "aws");
  aws.providers = {"AWS"};
  const auto by_provider = add(aws);
  const auto users_own = add(channel(user.id, "mine"));
  auto disabled = channel(admin->id, "off");
  disabled.enabled = false;
  const auto off = add(disabled);
  rounds({host.id}, 1, 1, 5);
  rounds({host.id}, 2, 4, 0);  // the host's down event: before the location's, in every covering channel

  store::Location fra_row;
  fra_row.name = "fra";
  fra_row.label = "Frankfurt";
  auto fra = store_->add_location(fra_row);
  ASSERT_TRUE(fra.ok()) << fra.error().message;
  store::LocationHeartbeat beat;
  beat.location_id = fra->id;
  beat.at = kChannelsStart;
  beat.interval_ms = kChannelsRound;
  ASSERT_TRUE(store_->record_heartbeat(beat).ok());
  ASSERT_TRUE(store_->mark_location_offline(fra->id, kChannelsStart + 4 * kChannelsRound).value());
  EXPECT_FALSE(store_->mark_location_offline(fra->id, kChannelsStart + 5 * kChannelsRound).value())
      << "recorded once";
  ASSERT_TRUE(store_->mark_location_online(fra->id, kChannelsStart + 9 * kChannelsRound).value());

  EXPECT_EQ(outbox_of(admin->id, all.id), (States{"down", "offline", "online"}));
  EXPECT_EQ(outbox_of(admin->id, down.id), (States{"down", "offline"}));
  EXPECT_EQ(outbox_of(admin->id, chosen.id), (States{"down"}));
  EXPECT_EQ(outbox_of(admin->id, by_provider.id), (States{"down"}));
  EXPECT_TRUE(outbox_of(user.id, users_own.id).empty());
  EXPECT_TRUE(outbox_of(admin->id, off.id).empty());

  auto request = claim_by("w1", kLater, kLater + kHour);
  request.max_channels = 10;
  const auto claims = store_->claim_channels(request);
  ASSERT_TRUE(claims.ok()) << claims.error().message;
  const store::ChannelClaim* claim_of_all = nullptr;
  for (const auto& claim : *claims) {
    if (claim.channel.id == all.id) claim_of_all = &claim;
  }
  ASSERT_NE(claim_of_all, nullptr);
  ASSERT_EQ(claim_of_all->deliveries.size(), 3u);
  const store::Delivery& host_event = claim_of_all->deliveries[0];
  EXPECT_FALSE(host_event.location.has_value());
  EXPECT_EQ(host_event.host.hostname, "a.example.com");
  const store::Delivery& offline = claim_of_all->deliveries[1];
  ASSERT_TRUE(offline.location.has_value());
  EXPECT_EQ(offline.location->id, fra->id);
  EXPECT_EQ(offline.location->name, "fra");
  EXPECT_EQ(offline.location->label, "Frankfurt");
  EXPECT_EQ(offline.location->last_seen_at, kChannelsStart);
  EXPECT_EQ(offline.event.to_state, "offline");
  EXPECT_EQ(offline.event.from_state, "online");
  EXPECT_EQ(offline.event.at, kChannelsStart + 4 * kChannelsRound);
  EXPECT_EQ(offline.event.trigger, "location");
  EXPECT_EQ(offline.host.id, 0);
  EXPECT_LT(host_event.id, offline.id);
  EXPECT_EQ(claim_of_all->deliveries[2].event.to_state, "online");

  // Recorded like any other; a removed location takes its notifications with it (their event goes).
  ASSERT_TRUE(store_->delivery_succeeded("w1", offline.id, kLater + 1).ok());
  ASSERT_TRUE(store_->remove_location("fra").ok());
  EXPECT_EQ(outbox_of(admin->id, all.id), (States{"down"}));
}

TEST_P(ChannelStoreTest, ClaimsTakeTheLongestWaitingChannelsFirstUpToTheLimit) {
  const auto user = make_user("a@example.com");
  const auto early = make_host(user.id, "early.example.com");
  const auto late = make_host(user.id, "late.example.com");
  auto c = channel(user.id, "late");
  c.host_ids = {late.id};
  const auto for_late = add(c);  // the lower id
  c = channel(user.id, "early");
  c.host_ids = {early.id};
  const auto for_early = add(c);
  rounds({early.id, late.id}, 1, 1, 5);
  rounds({early.id}, 2, 4, 0);
  rounds({late.id}, 5, 7, 0);

  auto request = claim_by("w1", kLater, kLater + kHour);
  request.max_channels = 1;
  const auto first = store_->claim_channels(request).value();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].channel.id, for_early.id);
  const auto second = store_->claim_channels(request).value();
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].channel.id, for_late.id);
  EXPECT_TRUE(store_->claim_channels(request).value().empty());
}

TEST_P(ChannelStoreTest, OutcomesUpdateTheDeliveryAndTheChannelsStatusAndFailingAfterADay) {
  const auto user = make_user("a@example.com");
  const auto host = make_host(user.id, "a.example.com");
  const auto hook = add(channel(user.id, "hook"));
  rounds({host.id}, 1, 1, 5);
  rounds({host.id}, 2, 4, 0);  // down
  rounds({host.id}, 5, 6, 5);  // up

  auto claims = store_->claim_channels(claim_by("w1", kLater, kLater + kHour)).value();
  ASSERT_EQ(claims.size(), 1u);
  const Id down = claims[0].deliveries[0].id, up = claims[0].deliveries[1].id;

  // A failure with a retry: the row waits for its time; the channel shows the error, not failing yet.
  const EpochMs now = now_epoch_ms();
  ASSERT_TRUE(store_->delivery_failed("w1", down, now - kHour, "HTTP 503", kLater + 60'000).ok());
  auto status = status_of(user.id, hook.id).status;
  EXPECT_EQ(status.pending, 2);
  EXPECT_EQ(status.last_error, "HTTP 503");
  EXPECT_EQ(status.last_attempt_at, now - kHour);
  EXPECT_EQ(status.failing_since, now - kHour);
  EXPECT_FALSE(status.failing);
  EXPECT_FALSE(status.last_success_at.has_value());
  auto rows = store_->channel_deliveries(user.id, hook.id, 10).value();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].id, down);
  EXPECT_EQ(rows[1].status, "pending");
  EXPECT_EQ(rows[1].attempts, 1);
  EXPECT_EQ(rows[1].next_attempt_at, kLater + 60'000);
  EXPECT_EQ(rows[1].last_error, "HTTP 503");

  // Released: not claimed again before the retry's time, then with the attempt counted.
  ASSERT_TRUE(store_->release_channel("w1", hook.id).ok());
  EXPECT_TRUE(store_->claim_channels(claim_by("w1", kLater + 59'999, kLater + kHour)).value().empty());
  claims = store_->claim_channels(claim_by("w1", kLater + 60'000, kLater + kHour)).value();
  ASSERT_EQ(claims.size(), 1u);
  EXPECT_EQ(claims[0].deliveries[0].id, down);
  EXPECT_EQ(claims[0].deliveries[0].attempts, 1);
  EXPECT_EQ(claims[0].deliveries[0].next_attempt_at, kLater + 60'000);

  // Given up: abandoned, the channel moves on; the first failure's time stays the failing_since.
  std::string long_error(5000, 'x');
  ASSERT_TRUE(store_->delivery_failed("w1", down, now, long_error, std::nullopt).ok());
  status = status_of(user.id, hook.id).status;
  EXPECT_EQ(status.pending, 1);
  EXPECT_EQ(status.failing_since, now - kHour);
  EXPECT_LE(status.last_error.size(), 1000u);  // bounded
  rows = store_->channel_deliveries(user.id, hook.id, 10).value();
  EXPECT_EQ(rows[1].status, "abandoned");
  EXPECT_EQ(rows[1].attempts, 2);
  EXPECT_EQ(rows[1].finished_at, now);

  // A success clears the failure.
  ASSERT_TRUE(store_->delivery_succeeded("w1", up, now + 1).ok());
  status = status_of(user.id, hook.id).status;
  EXPECT_EQ(status.pending, 0);
  EXPECT_EQ(status.last_success_at, now + 1);
  EXPECT_EQ(status.last_error, "");
  EXPECT_FALSE(status.failing_since.has_value());
  rows = store_->channel_deliveries(user.id, hook.id, 10).value();
  EXPECT_EQ(rows[0].status, "delivered");
  EXPECT_EQ(rows[0].finished_at, now + 1);
  ASSERT_TRUE(store_->release_channel("w1", hook.id).ok());

  // Failing since more than 24 h: the owner is told (list and find alike).
  rounds({host.id}, 7, 9, 0);
  claims = store_->claim_channels(claim_by("w1", kLater, kLater + kHour)).value();
  ASSERT_EQ(claims.size(), 1u);
  ASSERT_TRUE(
      store_->delivery_failed("w1", claims[0].deliveries[0].id, now - 25 * kHour, "refused", kLater + kHour)
          .ok());
  ASSERT_TRUE(store_->delivery_failed("w1", claims[0].deliveries[0].id, now, "refused", kLater + kHour).ok());
  EXPECT_TRUE(status_of(user.id, hook.id).status.failing);
  const auto listed = store_->list_channels(user.id).value();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_TRUE(listed[0].status.failing);
  EXPECT_EQ(listed[0].status.failing_since, now - 25 * kHour);

  // Housekeeping deletes finished rows before the cutoff only, never pending ones.
  EXPECT_EQ(store_->delete_finished_deliveries_before(now, 100).value(), 0);
  EXPECT_EQ(store_->delete_finished_deliveries_before(now + 2, 100).value(), 2);
  rows = store_->channel_deliveries(user.id, hook.id, 10).value();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].status, "pending");
}

TEST_P(ChannelStoreTest, ChannelsAreKeptAndScopedByUser) {
  const auto alice = make_user("a@example.com");
  const auto bob = make_user("b@example.com");
  auto c = channel(alice.id, "ops");
  c.kind = "email";
  c.url = "smtps://mail.example.com:465";
  c.options = R"({"to":["ops@example.com"]})";
  c.host_ids = {7, 9};
  c.providers = {"AWS", "GCP"};
  c.states = {"down", "up"};
  const auto added = add(c);
  EXPECT_GT(added.id, 0);
  EXPECT_GT(added.created_at, 0);
  EXPECT_EQ(store_->add_channel(c, 20).error().code, Errc::duplicate);
  auto bobs = channel(bob.id, "ops");  // the same name for another user is fine
  ASSERT_TRUE(store_->add_channel(bobs, 20).ok());

  auto found = status_of(alice.id, added.id);
  EXPECT_EQ(found.channel.kind, "email");
  EXPECT_EQ(found.channel.url, "smtps://mail.example.com:465");
  EXPECT_EQ(found.channel.secret, "s3cret");
  EXPECT_EQ(found.channel.options, R"({"to":["ops@example.com"]})");
  EXPECT_EQ(found.channel.host_ids, (std::vector<Id>{7, 9}));
  EXPECT_EQ(found.channel.providers, (std::vector<std::string>{"AWS", "GCP"}));
  EXPECT_EQ(found.channel.states, (std::vector<std::string>{"down", "up"}));
  EXPECT_TRUE(found.channel.enabled);
  EXPECT_EQ(found.status.pending, 0);
  EXPECT_FALSE(found.status.failing);

  // Bob sees none of Alice's channel: not found, as a missing one.
  EXPECT_EQ(store_->find_channel(bob.id, added.id).error().code, Errc::not_found);
  EXPECT_EQ(store_->channel_deliveries(bob.id, added.id, 10).error().code, Errc::not_found);
  EXPECT_EQ(store_->delete_channel(bob.id, added.id).error().code, Errc::not_found);
  auto stolen = found.channel;
  stolen.user_id = bob.id;
  stolen.url = "http://evil.example/";
  EXPECT_EQ(store_->update_channel(stolen).error().code, Errc::not_found);
  ASSERT_EQ(store_->list_channels(bob.id).value().size(), 1u);
  EXPECT_EQ(store_->list_channels(bob.id).value()[0].channel.url, "http://127.0.0.1:9/hook");
  EXPECT_EQ(status_of(alice.id, added.id).channel.url, "smtps://mail.example.com:465");

  // Alice changes hers: every field but id, user and created_at; a clash with her other channel's name is
  // refused.
  auto second = add(channel(alice.id, "second"));
  auto changed = found.channel;
  changed.name = "second";
  EXPECT_EQ(store_->update_channel(changed).error().code, Errc::duplicate);
  changed.name = "ops 2";
  changed.kind = "ntfy";
  changed.url = "https://ntfy.example.com/topic";
  changed.secret = "";
  changed.options = "";
  changed.host_ids = {};
  changed.providers = {};
  changed.states = {"down"};
  changed.enabled = false;
  changed.created_at = 1;
  ASSERT_TRUE(store_->update_channel(changed).ok());
  const auto listed = store_->list_channels(alice.id).value();
  ASSERT_EQ(listed.size(), 2u);
  const ChannelRecord& now = listed[0].channel;
  EXPECT_EQ(now.id, added.id);
  EXPECT_EQ(now.name, "ops 2");
  EXPECT_EQ(now.kind, "ntfy");
  EXPECT_EQ(now.url, "https://ntfy.example.com/topic");
  EXPECT_EQ(now.secret, "");
  EXPECT_TRUE(now.host_ids.empty());
  EXPECT_TRUE(now.providers.empty());
  EXPECT_EQ(now.states, (std::vector<std::string>{"down"}));
  EXPECT_FALSE(now.enabled);
  EXPECT_EQ(now.created_at, added.created_at);
  EXPECT_GE(now.updated_at, added.updated_at);
  EXPECT_EQ(listed[1].channel.id, second.id);

  // The limit per user.
  EXPECT_EQ(store_->add_channel(channel(alice.id, "third"), 2).error().code, Errc::limit_exceeded);
  EXPECT_TRUE(store_->add_channel(channel(alice.id, "third"), 3).ok());
  EXPECT_EQ(store_->add_channel(channel(999999, "x"), 3).error().code, Errc::not_found);

  ASSERT_TRUE(store_->delete_channel(alice.id, added.id).ok());
  EXPECT_EQ(store_->find_channel(alice.id, added.id).error().code, Errc::not_found);
  EXPECT_EQ(store_->delete_channel(alice.id, added.id).error().code, Errc::not_found);
  EXPECT_EQ(store_->list_channels(alice.id).value().size(), 2u);
}

TEST_P(ChannelStoreTest, UserEventsFilterByHostAndTimeWithACursor) {
  const auto alice = make_user("a@example.com");
  const auto bob = make_user("b@example.com");
  const auto a = make_host(alice.id, "a.example.com");
  const auto b = make_host(alice.id, "b.example.com");
  const auto bobs = make_host(bob.id, "c.example.com");
  rounds({a.id, b.id, bobs.id}, 1, 1, 5);  // 3 first-round events
  rounds({a.id, b.id}, 2, 4, 0);           // a and b down at round 4
  rounds({a.id}, 5, 6, 5);                 // a up at round 6

  store::EventQuery query;
  query.host_id = a.id;
  auto events = store_->user_events(alice.id, query).value();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].to_state, "up");
  for (const auto& event : events) EXPECT_EQ(event.host_id, a.id);

  query.since = kChannelsStart + 3 * kChannelsRound;  // round 4 on
  events = store_->user_events(alice.id, query).value();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].at, kChannelsStart + 3 * kChannelsRound);

  query.limit = 1;
  events = store_->user_events(alice.id, query).value();
  ASSERT_EQ(events.size(), 1u);
  query.before_id = events[0].id;
  events = store_->user_events(alice.id, query).value();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].to_state, "down");
  query.before_id = events[0].id;
  EXPECT_TRUE(store_->user_events(alice.id, query).value().empty());

  store::EventQuery all_since;
  all_since.since = kChannelsStart + 3 * kChannelsRound;
  EXPECT_EQ(store_->user_events(alice.id, all_since).value().size(), 3u);  // a down, b down, a up
  EXPECT_EQ(store_->user_events(alice.id, store::EventQuery{}).value().size(), 5u);

  store::EventQuery foreign;
  foreign.host_id = bobs.id;
  EXPECT_EQ(store_->user_events(alice.id, foreign).error().code, Errc::not_found);
}

TEST_P(ChannelStoreTest, ConcurrentDispatchersNeverClaimTheSameChannel) {
  // Two dispatchers (two stores: two pools, as two processes) claim 40 channels two at a time, at once.
  const auto user = make_user("a@example.com");
  const auto host = make_host(user.id, "a.example.com");
  constexpr int kChannels = 40;
  for (int i = 0; i < kChannels; ++i) add(channel(user.id, "hook " + std::to_string(i)));
  rounds({host.id}, 1, 1, 5);
  rounds({host.id}, 2, 4, 0);  // one down event: a delivery for each channel

  std::vector<std::vector<Id>> claimed(2);
  std::vector<std::thread> dispatchers;
  std::atomic<int> failures{0};
  for (int d = 0; d < 2; ++d) {
    dispatchers.emplace_back([&, d] {
      auto opened = store::Store::open(url_);
      if (!opened.ok()) {
        ++failures;
        return;
      }
      auto request = claim_by("w" + std::to_string(d), kLater, kLater + kHour);
      request.max_channels = 2;
      for (int empty_in_a_row = 0; empty_in_a_row < 3;) {
        auto claims = (*opened)->claim_channels(request);
        if (!claims.ok()) {
          ADD_FAILURE() << claims.error().message;
          if (++failures > 10) return;
          continue;
        }
        empty_in_a_row = claims->empty() ? empty_in_a_row + 1 : 0;
        for (const auto& claim : *claims) claimed[d].push_back(claim.channel.id);
      }
    });
  }
  for (auto& t : dispatchers) t.join();
  EXPECT_EQ(failures.load(), 0);
  std::set<Id> all;
  for (const auto& ids : claimed) all.insert(ids.begin(), ids.end());
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kChannels));
  EXPECT_EQ(claimed[0].size() + claimed[1].size(), static_cast<std::size_t>(kChannels));  // none twice
}

INSTANTIATE_TEST_SUITE_P(Backends, ChannelStoreTest, ::testing::Values(DbKind::sqlite, DbKind::postgresql),
                         backend_name);

}  // namespace
}  // namespace semaphore::testing

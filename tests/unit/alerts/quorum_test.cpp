// Quorum over locations (issue 16): each location's rounds through its own state machine, the host's events
// from their votes (alerts/quorum.h), and the store's seam that picks the voters (alerts/round_evaluator.h).
#include "alerts/quorum.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "alerts/round_evaluator.h"

namespace semaphore::alerts {
namespace {

constexpr EpochMs kQuorumStart = 1'700'000'000'000;
constexpr EpochMs kQuorumRound = 60'000;

store::PingResult quorum_round(int received, EpochMs at, int sent = 10) {
  store::PingResult round;
  round.host_id = 1;
  round.ts = at;
  round.sent = sent;
  round.received = received;
  if (received > 0) round.min_ms = round.median_ms = round.max_ms = 20.0;
  return round;
}

// "r4 up>down all_lost [a,b]" (rN: the round's number from 1; the locations that agree), with
// " (quiet: ...)" for a recorded one.
std::string describe_quorum_event(const AlertEvent& event) {
  std::string text = "r" + std::to_string((event.at - kQuorumStart) / kQuorumRound + 1) + " " +
                     to_string(event.from) + ">" + to_string(event.to) + " " + to_string(event.trigger) +
                     " [";
  for (std::size_t i = 0; i < event.locations.size(); ++i) text += (i ? "," : "") + event.locations[i];
  text += "]";
  if (!event.notify()) text += std::string(" (quiet: ") + to_string(event.quiet) + ")";
  return text;
}

// Several locations pinging one host, each round of each in turn, as the writer sees them.
class Locations {
 public:
  explicit Locations(std::vector<std::string> names, const AlertRules& rules = {})
      : names_(std::move(names)), states_(names_.size()), rules_(rules) {}

  // One round: `received[i]` replies of 10 at location i (-1: that location sends nothing this round).
  void round(const std::vector<int>& received, bool maintenance = false) {
    const EpochMs at = kQuorumStart + round_ * kQuorumRound;
    ++round_;
    for (std::size_t i = 0; i < names_.size(); ++i) {
      if (received[i] < 0) continue;
      RoundInput input{quorum_round(received[i], at), std::nullopt, maintenance};
      const auto location_events = evaluate_round(states_[i], rules_, input);
      location_events_[i].insert(location_events_[i].end(), location_events.begin(), location_events.end());
      std::vector<LocationVote> votes;
      for (std::size_t j = 0; j < names_.size(); ++j) {
        votes.push_back(LocationVote{static_cast<store::Id>(j + 1), names_[j], states_[j].shown});
      }
      for (const AlertEvent& event :
           evaluate_quorum(quorum_, votes, rules_.quorum, JudgedRound{input, names_[i], location_events})) {
        host_events_.push_back(event);
      }
    }
  }
  void rounds(int count, const std::vector<int>& received, bool maintenance = false) {
    for (int i = 0; i < count; ++i) round(received, maintenance);
  }

  std::vector<std::string> host_events() const {
    std::vector<std::string> out;
    for (const AlertEvent& event : host_events_) out.push_back(describe_quorum_event(event));
    return out;
  }
  const std::vector<AlertEvent>& raw_host_events() const { return host_events_; }
  const std::vector<AlertEvent>& location_events(std::size_t i) { return location_events_[i]; }
  HostState location_state(std::size_t i) const { return states_[i].shown; }
  HostState host_state() const { return quorum_.shown; }

 private:
  std::vector<std::string> names_;
  std::vector<HostAlertState> states_;
  AlertRules rules_;
  QuorumState quorum_;
  std::map<std::size_t, std::vector<AlertEvent>> location_events_;
  std::vector<AlertEvent> host_events_;
  int round_ = 0;
};

std::vector<LocationVote> votes_of(std::initializer_list<HostState> states) {
  std::vector<LocationVote> votes;
  char name = 'a';
  for (HostState state : states) {
    votes.push_back(LocationVote{static_cast<store::Id>(votes.size() + 1), std::string(1, name++), state});
  }
  return votes;
}

TEST(Quorum, TheHostIsAsBadAsAtLeastQOfItsVotingLocationsSeeIt) {
  using enum HostState;
  struct Case {
    std::initializer_list<HostState> votes;
    std::optional<int> quorum;
    HostState expected;
    int needed;
    std::vector<std::string> agree;
  };
  const std::vector<Case> cases = {
      {{down}, std::nullopt, down, 1, {"a"}},
      {{down, up}, std::nullopt, up, 2, {"b"}},  // a majority of 2 is 2
      {{down, down}, std::nullopt, down, 2, {"a", "b"}},
      {{down, up, down}, std::nullopt, down, 2, {"a", "c"}},
      {{down, degraded, up}, std::nullopt, degraded, 2, {"a", "b"}},  // down also counts as degraded
      {{flapping, down, up}, std::nullopt, flapping, 2, {"a", "b"}},
      {{down, up}, 1, down, 1, {"a"}},
      {{down, up}, 5, up, 2, {"b"}},                             // more than vote: all of them
      {{down, unknown, unknown}, std::nullopt, down, 1, {"a"}},  // not judged yet: no say
      {{unknown, unknown}, std::nullopt, unknown, 0, {}},
  };
  for (const Case& c : cases) {
    const auto votes = votes_of(c.votes);
    const QuorumVerdict verdict = combine_votes(votes, c.quorum);
    EXPECT_EQ(verdict.state, c.expected) << verdict.voters;
    EXPECT_EQ(verdict.needed, c.needed);
    EXPECT_EQ(verdict.agree, c.agree);
  }
}

TEST(Quorum, OneLocationAloneGivesTheHostExactlyItsOwnEvents) {
  // Random rounds of loss, answers and maintenance: the host's events are the location's, field by field,
  // quiet records while flapping included (as before locations existed).
  std::mt19937 random(7);
  AlertRules rules;
  rules.flap_changes = 3;
  rules.flap_window = std::chrono::seconds(1800);
  int quiet_while_flapping = 0, maintenance_ended = 0, notified = 0;  // the sequences reach every case
  for (int trial = 0; trial < 20; ++trial) {
    Locations one({"local"}, rules);
    for (int i = 0; i < 300; ++i) {
      const int kind = static_cast<int>(random() % 10);
      const int received = kind < 5 ? 10 : kind < 7 ? 0 : kind < 9 ? 5 : 10;
      one.round({received}, /*maintenance=*/(i / 40) % 4 == 3);
    }
    const auto& host = one.raw_host_events();
    const auto& location = one.location_events(0);
    ASSERT_EQ(host.size(), location.size()) << "trial " << trial;
    for (std::size_t i = 0; i < host.size(); ++i) {
      EXPECT_EQ(host[i].at, location[i].at);
      EXPECT_EQ(host[i].from, location[i].from);
      EXPECT_EQ(host[i].to, location[i].to);
      EXPECT_EQ(host[i].trigger, location[i].trigger);
      EXPECT_EQ(host[i].reason, location[i].reason);
      EXPECT_EQ(host[i].quiet, location[i].quiet);
      EXPECT_EQ(host[i].locations, std::vector<std::string>{"local"});
      quiet_while_flapping += host[i].quiet == Quiet::flapping;
      maintenance_ended += host[i].trigger == Trigger::maintenance_ended;
      notified += host[i].notify();
    }
    EXPECT_EQ(one.host_state(), one.location_state(0));
  }
  EXPECT_GT(quiet_while_flapping, 0);
  EXPECT_GT(maintenance_ended, 0);
  EXPECT_GT(notified, 0);
}

TEST(Quorum, OneOfTwoLocationsLosingTheHostChangesNothingTheSecondMakesItDown) {
  Locations two({"paris", "tokyo"});
  two.rounds(1, {10, 10});
  two.rounds(4, {0, 10});  // paris alone loses it: paris is down, the host stays up
  EXPECT_EQ(two.location_state(0), HostState::down);
  EXPECT_EQ(two.location_state(1), HostState::up);
  EXPECT_EQ(two.host_state(), HostState::up);
  two.rounds(3, {0, 0});   // tokyo too: down at tokyo's third lost round
  two.rounds(2, {10, 0});  // paris answers again: up after its 2 good rounds
  EXPECT_EQ(two.host_events(), (std::vector<std::string>{
                                   "r1 unknown>up recovered [paris] (quiet: first_round)",
                                   "r8 up>down all_lost [paris,tokyo]",
                                   "r10 down>up recovered [paris]",
                               }));
  const AlertEvent& down = two.raw_host_events()[1];
  EXPECT_EQ(down.reason,
            "every probe lost for 3 rounds at tokyo; down from paris, tokyo (2 of 2 locations, 2 needed)");
  EXPECT_TRUE(down.notify());
}

TEST(Quorum, WithAQuorumOfOneAnyLocationsDownIsTheHosts) {
  AlertRules rules;
  rules.quorum = 1;
  Locations three({"a", "b", "c"}, rules);
  three.rounds(1, {10, 10, 10});
  three.rounds(3, {10, 0, 10});
  EXPECT_EQ(three.host_events(), (std::vector<std::string>{
                                     "r1 unknown>up recovered [a] (quiet: first_round)",
                                     "r4 up>down all_lost [b]",
                                 }));
}

TEST(Quorum, ALocationThatStopsReportingLeavesTheOthersToDecide) {
  // Three locations, majority 2: a and b lose the host, then b goes silent (offline). The votes are those of
  // the locations that still report: a down, c up -> 2 needed of 2 -> the host is up again only once a
  // round says so (here c's next round), named as a quorum change.
  store::HostAlertContext context;
  context.host_id = 1;
  context.location_id = 1;
  context.location_name = "a";
  context.now = kQuorumStart + 10 * kQuorumRound;
  store::LocationVoteRecord b{
      2, "b", "down", kQuorumStart + 9 * kQuorumRound, kQuorumRound, kQuorumStart + 9 * kQuorumRound};
  store::LocationVoteRecord c{
      3, "c", "up", kQuorumStart + 9 * kQuorumRound, kQuorumRound, kQuorumStart + 9 * kQuorumRound};
  context.other_locations = {b, c};
  context.state = store::AlertStateRecord{
      1, "down", "down", 4, 4, 0, {}, kQuorumStart, kQuorumStart + 8 * kQuorumRound, {}};
  context.quorum = store::QuorumStateRecord{1, "down", kQuorumStart + 3 * kQuorumRound, std::nullopt};
  StoreRoundEvaluator evaluator;
  // a's round 10, still lost: b and c vote as they stand (fresh, online): down stays.
  store::RoundToEvaluate lost_round{quorum_round(0, kQuorumStart + 9 * kQuorumRound), std::nullopt};
  auto outcome = evaluator.evaluate(context, std::span(&lost_round, 1));
  EXPECT_TRUE(outcome.events.empty());
  EXPECT_FALSE(outcome.quorum.has_value());  // unchanged: not written

  // Later, b has been silent for more than 3 of its intervals: a alone says down, c up; 2 needed of 2.
  context.now = kQuorumStart + 20 * kQuorumRound;
  context.state->last_round_at = kQuorumStart + 9 * kQuorumRound;
  context.other_locations[1].last_round_at = kQuorumStart + 19 * kQuorumRound;
  context.other_locations[1].last_seen_at = kQuorumStart + 19 * kQuorumRound;
  store::RoundToEvaluate later{quorum_round(0, kQuorumStart + 19 * kQuorumRound), std::nullopt};
  outcome = evaluator.evaluate(context, std::span(&later, 1));
  ASSERT_EQ(outcome.events.size(), 1u);
  EXPECT_EQ(outcome.events[0].from_state, "down");
  EXPECT_EQ(outcome.events[0].to_state, "up");
  EXPECT_EQ(outcome.events[0].trigger, "quorum");
  EXPECT_EQ(outcome.events[0].locations, std::vector<std::string>{"c"});
  EXPECT_EQ(outcome.events[0].reason, "up from c (1 of 2 locations, 2 needed)");
  ASSERT_TRUE(outcome.quorum.has_value());
  EXPECT_EQ(outcome.quorum->shown, "up");

  // A location that reports but no longer pings the host (its newest round of it is old) has no say either.
  context.other_locations[0].last_seen_at = context.now;    // b online again ...
  context.other_locations[0].last_round_at = kQuorumStart;  // ... with only an old verdict on this host
  context.quorum = store::QuorumStateRecord{1, "up", kQuorumStart + 19 * kQuorumRound, std::nullopt};
  context.state->last_round_at = kQuorumStart + 19 * kQuorumRound;
  store::RoundToEvaluate next{quorum_round(0, kQuorumStart + 20 * kQuorumRound), std::nullopt};
  context.now = kQuorumStart + 21 * kQuorumRound;
  context.other_locations[1].last_seen_at = context.now;
  outcome = evaluator.evaluate(context, std::span(&next, 1));
  EXPECT_TRUE(outcome.events.empty());  // a down, c up: still 1 of 2
}

TEST(Quorum, ARoundInsideAWindowIsRecordedAndTheStateAtItsEndIsTold) {
  Locations two({"a", "b"});
  two.rounds(1, {10, 10});
  two.rounds(3, {0, 0}, /*maintenance=*/true);
  two.rounds(1, {0, 0});
  EXPECT_EQ(two.host_events(), (std::vector<std::string>{
                                   "r1 unknown>up recovered [a] (quiet: first_round)",
                                   "r4 up>down all_lost [a,b] (quiet: maintenance)",
                                   "r5 up>down maintenance_ended [a,b]",
                               }));
}

}  // namespace
}  // namespace semaphore::alerts

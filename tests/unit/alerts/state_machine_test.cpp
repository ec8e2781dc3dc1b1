// The alert rules as tables: a sequence of rounds in, the exact events out (issue 14).
#include "alerts/state_machine.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace semaphore::alerts {
namespace {

constexpr EpochMs kStart = 1'700'000'000'000;
constexpr EpochMs kRound = 60'000;

// One round as the tests write it: what came back, and whether it fell inside a maintenance window.
struct Round {
  int sent = 10;
  int received = 10;
  double median_ms = 20;
  bool maintenance = false;
};
Round good(double median_ms = 20) {
  return {10, 10, median_ms};
}
Round lost() {
  return {10, 0, 0};
}
Round lossy(int received) {
  return {10, received, 20};
}
Round in_window(Round round) {
  round.maintenance = true;
  return round;
}

// "r4 up>down all_lost" for a notified event, "r4 up>down all_lost (quiet: flapping)" for a recorded one;
// rN is the round's number, from 1.
std::string describe(const AlertEvent& event) {
  const auto number = (event.at - kStart) / kRound + 1;
  std::string text = "r" + std::to_string(number) + " " + to_string(event.from) + ">" + to_string(event.to) +
                     " " + to_string(event.trigger);
  if (!event.notify()) text += std::string(" (quiet: ") + to_string(event.quiet) + ")";
  return text;
}

struct Outcome {
  HostAlertState state;
  std::vector<AlertEvent> events;
};

Outcome run(const std::vector<Round>& rounds, const AlertRules& rules = {},
            std::optional<double> baseline = {}) {
  Outcome result;
  EpochMs at = kStart;
  for (const Round& round : rounds) {
    RoundInput input;
    input.round.host_id = 1;
    input.round.ts = at;
    input.round.sent = round.sent;
    input.round.received = round.received;
    if (round.received > 0) input.round.median_ms = round.median_ms;
    input.baseline_median_ms = baseline;
    input.in_maintenance = round.maintenance;
    for (auto& event : evaluate_round(result.state, rules, input)) result.events.push_back(std::move(event));
    at += kRound;
  }
  return result;
}

std::vector<std::string> events_of(const std::vector<Round>& rounds, const AlertRules& rules = {},
                                   std::optional<double> baseline = {}) {
  std::vector<std::string> out;
  for (const auto& event : run(rounds, rules, baseline).events) out.push_back(describe(event));
  return out;
}

using Events = std::vector<std::string>;

TEST(AlertStateMachine, DownAfterThreeLostRoundsAndUpAfterTwoGood) {
  EXPECT_EQ(events_of({good(), lost(), lost(), lost(), good(), good()}),
            (Events{"r1 unknown>up recovered (quiet: first_round)", "r4 up>down all_lost",
                    "r6 down>up recovered"}));
}

TEST(AlertStateMachine, TwoLostRoundsAreNotAnOutage) {
  EXPECT_EQ(events_of({good(), lost(), lost(), good(), lost(), lost(), good()}),
            (Events{"r1 unknown>up recovered (quiet: first_round)"}));
}

TEST(AlertStateMachine, OneGoodRoundDoesNotClearDown) {
  EXPECT_EQ(events_of({good(), lost(), lost(), lost(), good(), lost(), good(), good()}),
            (Events{"r1 unknown>up recovered (quiet: first_round)", "r4 up>down all_lost",
                    "r8 down>up recovered"}));
}

TEST(AlertStateMachine, AHostThatNeverAnswersIsToldDown) {
  EXPECT_EQ(events_of({lost(), lost(), lost(), lost()}), (Events{"r3 unknown>down all_lost"}));
}

TEST(AlertStateMachine, DegradedByLossAtTheThreshold) {
  // 2 of 10 lost is 20 %: at the default threshold. 1 of 10 (10 %) is not.
  EXPECT_EQ(events_of({good(), lossy(8), lossy(8), lossy(8), good(), good()}),
            (Events{"r1 unknown>up recovered (quiet: first_round)", "r4 up>degraded loss",
                    "r6 degraded>up recovered"}));
  EXPECT_EQ(events_of({good(), lossy(9), lossy(9), lossy(9), lossy(9)}),
            (Events{"r1 unknown>up recovered (quiet: first_round)"}));
}

TEST(AlertStateMachine, DegradedByMedianOnlyWhenTheRuleIsOn) {
  const std::vector<Round> slow = {good(), good(150), good(150), good(150)};
  EXPECT_EQ(events_of(slow), (Events{"r1 unknown>up recovered (quiet: first_round)"}));
  AlertRules rules;
  rules.median_ms = 100;
  EXPECT_EQ(events_of(slow, rules),
            (Events{"r1 unknown>up recovered (quiet: first_round)", "r4 up>degraded median"}));
}

TEST(AlertStateMachine, DegradedByBaselineNeedsTheRuleAndABaseline) {
  AlertRules rules;
  rules.baseline_factor = 2;
  const std::vector<Round> rounds = {good(20), good(50), good(50), good(50), good(39), good(39)};
  EXPECT_EQ(events_of(rounds, rules, 20.0), (Events{"r1 unknown>up recovered (quiet: first_round)",
                                                    "r4 up>degraded baseline", "r6 degraded>up recovered"}));
  EXPECT_EQ(events_of(rounds, rules, std::nullopt), (Events{"r1 unknown>up recovered (quiet: first_round)"}));
  EXPECT_EQ(events_of(rounds, AlertRules{}, 20.0), (Events{"r1 unknown>up recovered (quiet: first_round)"}));
}

TEST(AlertStateMachine, DownWinsOverDegradedAndRepliesComingBackMakeItDegraded) {
  // Lost rounds are poor too: with N = 5 and K = 3 a silent host is degraded first, then down. Once some
  // replies come back, the poor streak is still long: degraded at once, not up.
  AlertRules rules;
  rules.down_after = 5;
  EXPECT_EQ(events_of({good(), lost(), lost(), lost(), lost(), lost(), lossy(5), good(), good()}, rules),
            (Events{"r1 unknown>up recovered (quiet: first_round)", "r4 up>degraded loss",
                    "r6 degraded>down all_lost", "r7 down>degraded loss", "r9 degraded>up recovered"}));
}

TEST(AlertStateMachine, FlappingIsToldOnceThenTheStateItSettlesIn) {
  AlertRules rules;
  rules.down_after = 1;
  rules.up_after = 1;
  rules.flap_changes = 4;
  rules.flap_window = std::chrono::hours(1);  // settles after 15 minutes without a change
  std::vector<Round> rounds = {good()};
  for (int i = 0; i < 4; ++i) {
    rounds.push_back(lost());
    rounds.push_back(good());
  }
  for (int i = 0; i < 16; ++i) rounds.push_back(lost());  // r10..r25: down, stable from r10
  EXPECT_EQ(events_of(rounds, rules),
            (Events{"r1 unknown>up recovered (quiet: first_round)", "r2 up>down all_lost",
                    "r3 down>up recovered", "r4 up>down all_lost", "r5 down>flapping flapping",
                    "r6 up>down all_lost (quiet: flapping)", "r7 down>up recovered (quiet: flapping)",
                    "r8 up>down all_lost (quiet: flapping)", "r9 down>up recovered (quiet: flapping)",
                    "r10 up>down all_lost (quiet: flapping)", "r25 flapping>down settled"}));
}

TEST(AlertStateMachine, MaintenanceRecordsQuietlyAndTellsTheDifferenceAtItsEnd) {
  EXPECT_EQ(events_of({good(), in_window(lost()), in_window(lost()), in_window(lost()), lost()}),
            (Events{"r1 unknown>up recovered (quiet: first_round)",
                    "r4 up>down all_lost (quiet: maintenance)", "r5 up>down maintenance_ended"}));
}

TEST(AlertStateMachine, AnOutageInsideMaintenanceThatEndsInsideItSendsNothing) {
  EXPECT_EQ(
      events_of({good(), in_window(lost()), in_window(lost()), in_window(lost()), in_window(good()),
                 in_window(good()), good()}),
      (Events{"r1 unknown>up recovered (quiet: first_round)", "r4 up>down all_lost (quiet: maintenance)",
              "r6 down>up recovered (quiet: maintenance)"}));
}

TEST(AlertStateMachine, AChangeInTheFirstRoundAfterMaintenanceIsToldOnce) {
  EXPECT_EQ(events_of({good(), in_window(lost()), in_window(lost()), lost()}),
            (Events{"r1 unknown>up recovered (quiet: first_round)", "r4 up>down all_lost"}));
}

TEST(AlertStateMachine, ARoundIsEvaluatedOnce) {
  AlertRules rules;
  HostAlertState state;
  RoundInput input;
  input.round.ts = kStart;
  input.round.sent = 10;
  input.round.received = 0;
  rules.down_after = 2;
  EXPECT_TRUE(evaluate_round(state, rules, input).empty());
  EXPECT_TRUE(evaluate_round(state, rules, input).empty());  // the same round again: not a second lost round
  input.round.ts -= kRound;
  EXPECT_TRUE(evaluate_round(state, rules, input).empty());  // an older round: ignored
  EXPECT_EQ(state.lost_streak, 1);
  input.round.ts = kStart + kRound;
  const auto events = evaluate_round(state, rules, input);
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].to, HostState::down);
  EXPECT_EQ(events[0].reason, "every probe lost for 2 rounds");
  EXPECT_EQ(events[0].round.ts, kStart + kRound);
}

TEST(AlertStateMachine, ReasonsCarryTheFigures) {
  const Outcome result = run({good(), lossy(6), lossy(6), lossy(6)});
  ASSERT_EQ(result.events.size(), 2U);
  EXPECT_EQ(result.events[1].reason, "loss 40% >= 20% for 3 rounds");
  EXPECT_EQ(result.events[1].round.received, 6);
}

// Over long random sequences the events form one chain: each starts where the previous ended (the
// end-of-maintenance notice restates the state, from the window's start), the last one ends in the state
// shown, and no event goes nowhere.
TEST(AlertStateMachine, RandomRoundsGiveAConsistentChain) {
  std::mt19937 random(7);
  for (int trial = 0; trial < 50; ++trial) {
    AlertRules rules;
    rules.down_after = 1 + static_cast<int>(random() % 4);
    rules.up_after = 1 + static_cast<int>(random() % 3);
    rules.degraded_after = 1 + static_cast<int>(random() % 4);
    rules.flap_changes = 2 + static_cast<int>(random() % 6);
    rules.median_ms = 100;
    std::vector<Round> rounds;
    bool window = false;
    for (int i = 0; i < 2000; ++i) {
      if (random() % 50 == 0) window = !window;
      const auto kind = random() % 4;
      Round round = kind == 0   ? lost()
                    : kind == 1 ? lossy(static_cast<int>(random() % 10))
                                : good(static_cast<double>(10 + random() % 200));
      round.maintenance = window;
      rounds.push_back(round);
    }
    const Outcome result = run(rounds, rules);
    HostState shown = HostState::unknown;
    for (const AlertEvent& event : result.events) {
      ASSERT_NE(event.from, event.to) << describe(event);
      if (event.trigger != Trigger::maintenance_ended && event.quiet != Quiet::flapping) {
        ASSERT_EQ(event.from, shown) << describe(event);
      }
      if (event.quiet != Quiet::flapping) shown = event.to;
    }
    EXPECT_EQ(shown, result.state.shown);
  }
}

TEST(AlertRules, OverridesLayOverTheDefaultsAndZeroTurnsARuleOff) {
  AlertRules defaults;
  defaults.median_ms = 200;
  HostRuleOverrides overrides;
  overrides.down_after = 5;
  overrides.median_ms = 0;
  overrides.baseline_factor = 3;
  const AlertRules rules = effective_rules(defaults, overrides);
  EXPECT_EQ(rules.down_after, 5);
  EXPECT_EQ(rules.up_after, defaults.up_after);
  EXPECT_FALSE(rules.median_ms);
  EXPECT_EQ(rules.baseline_factor, 3.0);
}

TEST(AlertRules, ValidationNamesTheField) {
  EXPECT_FALSE(validate(AlertRules{}));
  AlertRules rules;
  rules.down_after = 0;
  EXPECT_EQ(validate(rules)->field, "down_after");
  rules = {};
  rules.loss_percent = 0;
  EXPECT_EQ(validate(rules)->field, "loss_percent");
  rules = {};
  rules.baseline_factor = 1.0;
  EXPECT_EQ(validate(rules)->field, "baseline_factor");
  rules = {};
  rules.flap_window = std::chrono::seconds(10);
  EXPECT_EQ(validate(rules)->field, "flap_window");
  rules = {};
  rules.median_ms = std::nan("");
  EXPECT_EQ(validate(rules)->field, "median_ms");
}

}  // namespace
}  // namespace semaphore::alerts

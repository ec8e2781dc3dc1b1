#pragma once
// The per-host alert state machine (issue 14): each round's figures in, state-change events out. Pure and
// deterministic — no clock, no database — so the rules are tested as tables of rounds -> events, and the
// caller (the writer that stores the round) persists HostAlertState and the events in the round's own
// transaction, which is what makes evaluation happen exactly once per host per round.
//
// States: `unknown` until the first round; then `up`, `degraded` or `down` as the rounds say (the measured
// state); `flapping` is shown instead of the measured state while it changes too often; `paused` is a
// disabled host (set by the caller: a disabled host gets no rounds).
//
// Notifications: every change is an event row; an event carries `notify` when someone should be told.
// Not told: unknown -> up (a new host answering is not news); changes while flapping (recorded, and the
// state it settles in is told); changes inside a maintenance window (recorded; at the first round after the
// window, the state is told if it differs from the state at the window's start).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alerts/alert_rules.h"
#include "core/clock.h"
#include "store/records.h"

namespace semaphore::alerts {

enum class HostState : std::uint8_t { unknown, up, degraded, down, flapping, paused };
const char* to_string(HostState state);  // "unknown", "up", ...
std::optional<HostState> parse_host_state(std::string_view text);

// Why an event happened: the rule that fired (stable words, stored with the event and sent to channels).
enum class Trigger : std::uint8_t {
  all_lost,           // down: every probe lost for N rounds
  loss,               // degraded: loss >= X % for K rounds
  median,             // degraded: median >= Y ms for K rounds
  baseline,           // degraded: median > R x baseline for K rounds
  recovered,          // up: M good rounds
  flapping,           // F changes within W
  settled,            // flapping ended: stable for W/4
  maintenance_ended,  // the state at a window's end differs from the state at its start
  quorum,             // the host's state across locations changed as locations came or went (quorum.h)
};
const char* to_string(Trigger trigger);

// Why an event is recorded but not sent.
enum class Quiet : std::uint8_t { no, first_round, flapping, maintenance };
const char* to_string(Quiet quiet);

// What is kept per host between rounds (persisted by the caller with each round).
struct HostAlertState {
  HostState measured = HostState::unknown;  // what the rounds say: unknown, up, degraded or down
  HostState shown = HostState::unknown;     // measured, or flapping
  int lost_streak = 0;                      // rounds in a row with every probe lost
  int poor_streak = 0;                      // rounds in a row that were poor (lost rounds included)
  int good_streak = 0;                      // rounds in a row that were good
  std::vector<EpochMs> recent_changes;  // when the measured state changed, within the flap window (<= F kept)
  EpochMs last_change_at = 0;           // the last measured change
  EpochMs last_round_at = 0;            // the newest round evaluated: older or equal rounds are ignored
  // Inside a maintenance window: the state shown when the window started.
  std::optional<HostState> window_start_state;
};

struct RoundInput {
  store::PingResult round;                   // the stored round's figures (ts = the round's start)
  std::optional<double> baseline_median_ms;  // the host's 7-day baseline, when known
  bool in_maintenance = false;               // the round falls inside one of the host's windows
};

struct AlertEvent {
  HostState from = HostState::unknown;
  HostState to = HostState::unknown;
  EpochMs at = 0;  // the round's start
  Trigger trigger = Trigger::recovered;
  std::string reason;                  // for people: "loss 40% >= 20% for 3 rounds"
  store::PingResult round;             // the figures of the round that fired
  Quiet quiet = Quiet::no;             // Quiet::no: notify the channels
  std::vector<std::string> locations;  // the locations that see the new state (alerts/quorum.h)
  bool notify() const { return quiet == Quiet::no; }
};

// An event of `input`'s round (at its start, with its figures); the state machine's and the quorum's.
AlertEvent make_event(HostState from, HostState to, const RoundInput& input, Trigger trigger,
                      std::string reason, Quiet quiet);

// Evaluates one round for one host: updates `state` and returns the events (usually none, at most two).
// A round not newer than the last one evaluated changes nothing (a replayed or duplicate round).
std::vector<AlertEvent> evaluate_round(HostAlertState& state, const AlertRules& rules,
                                       const RoundInput& input);

// How a round counts against the rules.
enum class RoundClass : std::uint8_t { good, poor, lost };
struct RoundVerdict {
  RoundClass verdict = RoundClass::good;
  Trigger trigger = Trigger::recovered;  // for poor/lost: the first rule the round broke
  std::string reason;                    // "loss 40% >= 20%"
};
RoundVerdict judge_round(const AlertRules& rules, const RoundInput& input);

}  // namespace semaphore::alerts

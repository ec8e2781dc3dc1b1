#pragma once
// Quorum over locations (issue 16): a host's one alert state, from the states its locations' rounds led to.
//
// Each location judges its own rounds with the state machine (alerts/state_machine.h) and keeps its own
// HostAlertState; that is its vote. The host's state — what the pages show and what is notified — is
// `down` only when at least Q of the voting locations show it down, `degraded` when at least Q show it
// degraded or down, `flapping` when at least Q show it flapping, degraded or down, else `up` (`unknown`
// before any location judged it). Q is the rules' quorum clamped to the voters, or a majority of them: with
// one location the host's state is that location's, exactly as before locations existed.
//
// Who votes: the location whose round is being judged, and every other location whose newest judged round
// is within 3 of its intervals of that round and which is online (heard from within 3 intervals). A
// location that went silent, or stopped pinging the host, drops out instead of holding its last word, so an
// agent going offline changes no host's state by itself (it raises one event of its own: monitor's
// location watch).
//
// Pure and deterministic, like the state machine: the store calls it inside the round's transaction.
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "alerts/alert_rules.h"
#include "alerts/state_machine.h"
#include "store/records.h"

namespace semaphore::alerts {

// One location's say on a host.
struct LocationVote {
  store::Id location_id = 0;
  std::string name;  // for the events: "seen from paris, frankfurt"
  HostState shown = HostState::unknown;
};

// What is kept per host between rounds (table alert_quorum).
struct QuorumState {
  HostState shown = HostState::unknown;
  EpochMs last_change_at = 0;
  // Inside a maintenance window: the state shown when the window started (as HostAlertState's).
  std::optional<HostState> window_start_state;
  bool operator==(const QuorumState&) const = default;
};

struct QuorumVerdict {
  HostState state = HostState::unknown;
  int voters = 0;                  // locations with a say (unknown votes are no say)
  int needed = 0;                  // Q as applied
  std::vector<std::string> agree;  // the locations whose vote made the state (for up: those up)
};

// The host's state from the votes (see above).
QuorumVerdict combine_votes(std::span<const LocationVote> votes, std::optional<int> quorum);

// One location's newly judged round, with what it did to that location's state.
struct JudgedRound {
  RoundInput input;                             // the round (ts, figures), whether in maintenance
  std::string location;                         // the judging location's name
  std::span<const AlertEvent> location_events;  // that location's events of this round (not stored)
};

// Updates `state` from the votes after one location's round and returns the host's events (at most two):
// a change of the combined state — its trigger and reason those of the location's event that tipped it
// (Trigger::quorum when only the set of voters changed), with the locations that agree named when more
// than one votes — and, at the first round after a maintenance window, the state if it differs from the
// window's start. Quiet as the state machine's: unknown -> up is a first round, a change inside a window is
// recorded and not sent.
// Each event's `locations` names the locations that agree on its new state.
std::vector<AlertEvent> evaluate_quorum(QuorumState& state, std::span<const LocationVote> votes,
                                        std::optional<int> quorum, const JudgedRound& judged);

}  // namespace semaphore::alerts

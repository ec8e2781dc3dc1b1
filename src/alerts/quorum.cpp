#include "alerts/quorum.h"

#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <utility>

namespace semaphore::alerts {
namespace {

// How bad a vote is, for "at least Q see it this bad": down > degraded > flapping > up.
int severity(HostState state) {
  switch (state) {
    case HostState::down:
      return 3;
    case HostState::degraded:
      return 2;
    case HostState::flapping:
      return 1;
    default:
      return 0;
  }
}

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

AlertEvent host_event(HostState from, HostState to, const RoundInput& input, Trigger trigger,
                      std::string reason, Quiet quiet, std::vector<std::string> locations) {
  AlertEvent event = make_event(from, to, input, trigger, std::move(reason), quiet);
  event.locations = std::move(locations);
  return event;
}

}  // namespace

QuorumVerdict combine_votes(std::span<const LocationVote> votes, std::optional<int> quorum) {
  QuorumVerdict verdict;
  for (const LocationVote& vote : votes) {
    if (vote.shown != HostState::unknown && vote.shown != HostState::paused) ++verdict.voters;
  }
  if (verdict.voters == 0) return verdict;
  verdict.needed = quorum ? std::clamp(*quorum, 1, verdict.voters) : verdict.voters / 2 + 1;
  // The worst state that at least `needed` voters share (a vote counts for its own state and every milder
  // bad one: a location that sees the host down also sees it at least degraded).
  for (const HostState candidate : {HostState::down, HostState::degraded, HostState::flapping}) {
    std::vector<std::string> agree;
    for (const LocationVote& vote : votes) {
      if (severity(vote.shown) >= severity(candidate)) agree.push_back(vote.name);
    }
    if (static_cast<int>(agree.size()) >= verdict.needed) {
      verdict.state = candidate;
      verdict.agree = std::move(agree);
      return verdict;
    }
  }
  verdict.state = HostState::up;
  for (const LocationVote& vote : votes) {
    if (vote.shown == HostState::up) verdict.agree.push_back(vote.name);
  }
  return verdict;
}

std::vector<AlertEvent> evaluate_quorum(QuorumState& state, std::span<const LocationVote> votes,
                                        std::optional<int> quorum, const JudgedRound& judged) {
  std::vector<AlertEvent> events;
  const RoundInput& input = judged.input;
  const std::optional<HostState> ended_window_start =
      !input.in_maintenance ? std::exchange(state.window_start_state, std::nullopt) : std::nullopt;
  if (input.in_maintenance && !state.window_start_state) state.window_start_state = state.shown;

  const QuorumVerdict verdict = combine_votes(votes, quorum);
  // One location alone: its changes while flapping are recorded as before locations existed (they change no
  // shown state, so nothing below makes them). With several, a location's flapping is its own affair.
  if (verdict.voters == 1) {
    for (const AlertEvent& event : judged.location_events) {
      if (event.quiet != Quiet::flapping) continue;
      events.push_back(event);
      events.back().locations = {judged.location};
    }
  }
  // Never back to unknown: a host whose locations all dropped out keeps the state they last agreed on.
  const bool changed = verdict.state != HostState::unknown && verdict.state != state.shown;
  if (changed) {
    // The location's event that tipped the quorum: its change of state this round (not its own note that a
    // window ended, which this function makes for the host below).
    const AlertEvent* tipping = nullptr;
    for (const AlertEvent& event : judged.location_events) {
      if (event.trigger != Trigger::maintenance_ended) tipping = &event;
    }
    const Trigger trigger = tipping ? tipping->trigger : Trigger::quorum;
    std::string reason;
    if (verdict.voters == 1) {
      reason = tipping ? tipping->reason : fmt::format("{} is the one location reporting", judged.location);
    } else {
      const std::string seen =
          fmt::format("{} from {} ({} of {} locations, {} needed)", to_string(verdict.state),
                      joined(verdict.agree), verdict.agree.size(), verdict.voters, verdict.needed);
      reason = tipping ? fmt::format("{} at {}; {}", tipping->reason, judged.location, seen) : seen;
    }
    const Quiet quiet = state.shown == HostState::unknown && verdict.state == HostState::up
                            ? Quiet::first_round
                        : input.in_maintenance ? Quiet::maintenance
                                               : Quiet::no;
    const HostState from = std::exchange(state.shown, verdict.state);
    state.last_change_at = input.round.ts;
    events.push_back(
        host_event(from, verdict.state, input, trigger, std::move(reason), quiet, verdict.agree));
  }
  const bool told = std::any_of(events.begin(), events.end(), [](const AlertEvent& e) { return e.notify(); });
  if (ended_window_start && !told && state.shown != *ended_window_start) {
    events.push_back(host_event(*ended_window_start, state.shown, input, Trigger::maintenance_ended,
                                fmt::format("maintenance ended: {} at its start, {} now",
                                            to_string(*ended_window_start), to_string(state.shown)),
                                Quiet::no, verdict.agree));
  }
  return events;
}

}  // namespace semaphore::alerts

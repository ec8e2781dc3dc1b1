#include "alerts/state_machine.h"

#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <array>
#include <utility>

namespace semaphore::alerts {
namespace {

constexpr std::array<const char*, 6> kStateNames = {"unknown", "up",       "degraded",
                                                    "down",    "flapping", "paused"};

// "1h", "15m", "90s": the flap window as people write it.
std::string duration_text(std::chrono::seconds duration) {
  const auto seconds = duration.count();
  if (seconds % 3600 == 0) return fmt::format("{}h", seconds / 3600);
  if (seconds % 60 == 0) return fmt::format("{}m", seconds / 60);
  return fmt::format("{}s", seconds);
}

std::string rounds_text(int count) {
  return count == 1 ? "1 round" : fmt::format("{} rounds", count);
}

struct Change {
  HostState to;
  Trigger trigger;
  std::string reason;
};

// The measured state this round leads to, or nullopt when it stays. Down wins over degraded when both
// streaks are long enough; down clears only through M good rounds (to up) or, once replies come back, a
// poor streak long enough for degraded.
std::optional<Change> next_measured(const HostAlertState& state, const AlertRules& rules,
                                    const RoundVerdict& verdict) {
  const bool lost = verdict.verdict == RoundClass::lost;
  const bool good = verdict.verdict == RoundClass::good;
  const auto recovered = [&]() -> std::optional<Change> {
    if (state.good_streak < rules.up_after) return std::nullopt;
    return Change{HostState::up, Trigger::recovered,
                  fmt::format("{} good in a row", rounds_text(state.good_streak))};
  };
  const auto degraded = [&]() -> std::optional<Change> {
    if (state.poor_streak < rules.degraded_after) return std::nullopt;
    // A lost round is a round with 100 % loss: as a reason for degraded, it is the loss rule's.
    const Trigger trigger = lost ? Trigger::loss : verdict.trigger;
    const std::string reason = lost ? fmt::format("loss 100% >= {:g}%", rules.loss_percent) : verdict.reason;
    return Change{HostState::degraded, trigger,
                  fmt::format("{} for {}", reason, rounds_text(state.poor_streak))};
  };

  if (state.lost_streak >= rules.down_after && state.measured != HostState::down) {
    return Change{HostState::down, Trigger::all_lost,
                  fmt::format("every probe lost for {}", rounds_text(state.lost_streak))};
  }
  switch (state.measured) {
    case HostState::unknown:
      if (good) return Change{HostState::up, Trigger::recovered, "first round answered"};
      return degraded();
    case HostState::up:
      return degraded();
    case HostState::degraded:
      return recovered();
    case HostState::down:
      if (auto up = recovered()) return up;
      if (!lost) return degraded();
      return std::nullopt;
    case HostState::flapping:
    case HostState::paused:
      return std::nullopt;  // never measured states
  }
  return std::nullopt;
}

}  // namespace

AlertEvent make_event(HostState from, HostState to, const RoundInput& input, Trigger trigger,
                      std::string reason, Quiet quiet) {
  AlertEvent event;
  event.from = from;
  event.to = to;
  event.at = input.round.ts;
  event.trigger = trigger;
  event.reason = std::move(reason);
  event.round = input.round;
  event.quiet = quiet;
  return event;
}

const char* to_string(HostState state) {
  return kStateNames[static_cast<std::size_t>(state)];
}

std::optional<HostState> parse_host_state(std::string_view text) {
  for (std::size_t i = 0; i < kStateNames.size(); ++i) {
    if (text == kStateNames[i]) return static_cast<HostState>(i);
  }
  return std::nullopt;
}

const char* to_string(Trigger trigger) {
  switch (trigger) {
    case Trigger::all_lost:
      return "all_lost";
    case Trigger::loss:
      return "loss";
    case Trigger::median:
      return "median";
    case Trigger::baseline:
      return "baseline";
    case Trigger::recovered:
      return "recovered";
    case Trigger::flapping:
      return "flapping";
    case Trigger::settled:
      return "settled";
    case Trigger::maintenance_ended:
      return "maintenance_ended";
    case Trigger::quorum:
      return "quorum";
  }
  return "recovered";
}

const char* to_string(Quiet quiet) {
  switch (quiet) {
    case Quiet::no:
      return "no";
    case Quiet::first_round:
      return "first_round";
    case Quiet::flapping:
      return "flapping";
    case Quiet::maintenance:
      return "maintenance";
  }
  return "no";
}

RoundVerdict judge_round(const AlertRules& rules, const RoundInput& input) {
  const store::PingResult& round = input.round;
  // A round without a single reply is lost, also when no probe could be sent (a name that stopped resolving).
  if (round.received <= 0) return {RoundClass::lost, Trigger::all_lost, "every probe lost"};
  if (round.sent > 0) {
    const double loss =
        100.0 * static_cast<double>(round.sent - round.received) / static_cast<double>(round.sent);
    if (loss >= rules.loss_percent) {
      return {RoundClass::poor, Trigger::loss,
              fmt::format("loss {:.0f}% >= {:g}%", loss, rules.loss_percent)};
    }
  }
  if (round.median_ms) {
    const double median = *round.median_ms;
    if (rules.median_ms && median >= *rules.median_ms) {
      return {RoundClass::poor, Trigger::median,
              fmt::format("median {:.1f} ms >= {:g} ms", median, *rules.median_ms)};
    }
    if (rules.baseline_factor && input.baseline_median_ms && *input.baseline_median_ms > 0 &&
        median > *rules.baseline_factor * *input.baseline_median_ms) {
      return {RoundClass::poor, Trigger::baseline,
              fmt::format("median {:.1f} ms > {:g} x baseline {:.1f} ms", median, *rules.baseline_factor,
                          *input.baseline_median_ms)};
    }
  }
  return {RoundClass::good, Trigger::recovered, "good"};
}

std::vector<AlertEvent> evaluate_round(HostAlertState& state, const AlertRules& rules,
                                       const RoundInput& input) {
  std::vector<AlertEvent> events;
  const EpochMs at = input.round.ts;
  if (at <= state.last_round_at) return events;  // evaluated already: exactly once per host per round
  state.last_round_at = at;

  // The window's start is remembered with the state shown then; the first round after it tells the state if
  // it differs (changes inside the window were recorded, not sent).
  const std::optional<HostState> ended_window_start =
      !input.in_maintenance ? std::exchange(state.window_start_state, std::nullopt) : std::nullopt;
  if (input.in_maintenance && !state.window_start_state) state.window_start_state = state.shown;

  const RoundVerdict verdict = judge_round(rules, input);
  switch (verdict.verdict) {
    case RoundClass::lost:
      ++state.lost_streak;
      ++state.poor_streak;
      state.good_streak = 0;
      break;
    case RoundClass::poor:
      state.lost_streak = 0;
      ++state.poor_streak;
      state.good_streak = 0;
      break;
    case RoundClass::good:
      state.lost_streak = 0;
      state.poor_streak = 0;
      ++state.good_streak;
      break;
  }

  const EpochMs window_ms = std::chrono::duration_cast<std::chrono::milliseconds>(rules.flap_window).count();
  const Quiet outside_quiet = input.in_maintenance ? Quiet::maintenance : Quiet::no;
  bool told = false;  // a notifying event was made this round

  if (auto change = next_measured(state, rules, verdict)) {
    const HostState previous = state.measured;
    state.measured = change->to;
    state.last_change_at = at;
    // Changes out of `unknown` are a host's first verdict, not flapping.
    if (previous != HostState::unknown) {
      auto& changes = state.recent_changes;
      changes.push_back(at);
      changes.erase(changes.begin(), std::find_if(changes.begin(), changes.end(),
                                                  [&](EpochMs t) { return t > at - window_ms; }));
      const auto keep = static_cast<std::size_t>(std::max(rules.flap_changes, 1));
      if (changes.size() > keep)
        changes.erase(changes.begin(), changes.end() - static_cast<std::ptrdiff_t>(keep));
    }
    if (state.shown == HostState::flapping) {
      events.push_back(make_event(previous, change->to, input, change->trigger, std::move(change->reason),
                                  Quiet::flapping));
    } else if (state.recent_changes.size() >= static_cast<std::size_t>(rules.flap_changes)) {
      const HostState from = state.shown;
      state.shown = HostState::flapping;
      events.push_back(make_event(from, HostState::flapping, input, Trigger::flapping,
                                  fmt::format("changed state {} times within {}", state.recent_changes.size(),
                                              duration_text(rules.flap_window)),
                                  outside_quiet));
    } else {
      const HostState from = state.shown;
      state.shown = change->to;
      const Quiet quiet =
          from == HostState::unknown && change->to == HostState::up ? Quiet::first_round : outside_quiet;
      events.push_back(
          make_event(from, change->to, input, change->trigger, std::move(change->reason), quiet));
    }
  } else if (state.shown == HostState::flapping && (at - state.last_change_at) * 4 >= window_ms) {
    state.shown = state.measured;
    state.recent_changes.clear();
    events.push_back(make_event(HostState::flapping, state.measured, input, Trigger::settled,
                                fmt::format("stable for {}", duration_text(rules.flap_window / 4)),
                                outside_quiet));
  }
  for (const AlertEvent& event : events) told |= event.notify();

  if (ended_window_start && !told && state.shown != *ended_window_start) {
    events.push_back(make_event(*ended_window_start, state.shown, input, Trigger::maintenance_ended,
                                fmt::format("maintenance ended: {} at its start, {} now",
                                            to_string(*ended_window_start), to_string(state.shown)),
                                Quiet::no));
  }
  return events;
}

}  // namespace semaphore::alerts

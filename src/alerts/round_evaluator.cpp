#include "alerts/round_evaluator.h"

#include <algorithm>

#include "alerts/maintenance_window.h"
#include "alerts/quorum.h"

namespace semaphore::alerts {
namespace {

HostState state_or_unknown(const std::string& word) {
  return parse_host_state(word).value_or(HostState::unknown);
}

// A location is online while heard from within 3 of its intervals (as the /locations page judges it), and
// its vote on a round counts while its own newest judged round of the host is within 3 intervals of it.
constexpr EpochMs kSilentIntervals = 3;

// The other locations' votes on the round at `ts`.
std::vector<LocationVote> other_votes(const store::HostAlertContext& context, EpochMs ts) {
  std::vector<LocationVote> votes;
  for (const store::LocationVoteRecord& other : context.other_locations) {
    if (other.interval_ms <= 0) continue;  // never reported: not online
    const EpochMs silence = kSilentIntervals * other.interval_ms;
    if (other.last_seen_at < context.now - silence) continue;  // offline
    if (other.last_round_at < ts - silence) continue;          // no longer pings the host
    votes.push_back(LocationVote{other.location_id, other.name, state_or_unknown(other.shown)});
  }
  return votes;
}

QuorumState quorum_from(const store::QuorumStateRecord& record) {
  QuorumState state;
  state.shown = state_or_unknown(record.shown);
  state.last_change_at = record.last_change_at;
  if (record.window_start_state) state.window_start_state = state_or_unknown(*record.window_start_state);
  return state;
}

store::QuorumStateRecord to_record(const QuorumState& state, store::Id host_id) {
  store::QuorumStateRecord record;
  record.host_id = host_id;
  record.shown = to_string(state.shown);
  record.last_change_at = state.last_change_at;
  if (state.window_start_state) record.window_start_state = to_string(*state.window_start_state);
  return record;
}

}  // namespace

AlertRules rules_from(const std::optional<store::UserAlertRules>& record) {
  if (!record) return AlertRules{};
  AlertRules rules;
  rules.down_after = record->down_after;
  rules.up_after = record->up_after;
  rules.degraded_after = record->degraded_after;
  rules.loss_percent = record->loss_percent;
  rules.median_ms = record->median_ms;
  rules.baseline_factor = record->baseline_factor;
  rules.flap_changes = record->flap_changes;
  rules.flap_window = std::chrono::seconds(record->flap_window_s);
  rules.quorum = record->quorum;
  return rules;
}

store::UserAlertRules to_record(const AlertRules& rules) {
  return store::UserAlertRules{
      rules.down_after, rules.up_after,        rules.degraded_after, rules.loss_percent,
      rules.median_ms,  rules.baseline_factor, rules.flap_changes,   rules.flap_window.count(),
      rules.quorum};
}

HostRuleOverrides overrides_from(const store::HostAlertOverrides& record) {
  HostRuleOverrides overrides;
  overrides.down_after = record.down_after;
  overrides.up_after = record.up_after;
  overrides.degraded_after = record.degraded_after;
  overrides.loss_percent = record.loss_percent;
  overrides.median_ms = record.median_ms;
  overrides.baseline_factor = record.baseline_factor;
  overrides.flap_changes = record.flap_changes;
  if (record.flap_window_s) overrides.flap_window = std::chrono::seconds(*record.flap_window_s);
  overrides.quorum = record.quorum;
  return overrides;
}

store::HostAlertOverrides to_record(const HostRuleOverrides& overrides) {
  store::HostAlertOverrides record;
  record.down_after = overrides.down_after;
  record.up_after = overrides.up_after;
  record.degraded_after = overrides.degraded_after;
  record.loss_percent = overrides.loss_percent;
  record.median_ms = overrides.median_ms;
  record.baseline_factor = overrides.baseline_factor;
  record.flap_changes = overrides.flap_changes;
  if (overrides.flap_window) record.flap_window_s = overrides.flap_window->count();
  record.quorum = overrides.quorum;
  return record;
}

HostAlertState state_from(const store::AlertStateRecord& record) {
  HostAlertState state;
  state.measured = state_or_unknown(record.measured);
  state.shown = state_or_unknown(record.shown);
  state.lost_streak = record.lost_streak;
  state.poor_streak = record.poor_streak;
  state.good_streak = record.good_streak;
  state.recent_changes = record.recent_changes;
  state.last_change_at = record.last_change_at;
  state.last_round_at = record.last_round_at;
  if (record.window_start_state) state.window_start_state = state_or_unknown(*record.window_start_state);
  return state;
}

store::AlertStateRecord to_record(const HostAlertState& state, store::Id host_id) {
  store::AlertStateRecord record;
  record.host_id = host_id;
  record.measured = to_string(state.measured);
  record.shown = to_string(state.shown);
  record.lost_streak = state.lost_streak;
  record.poor_streak = state.poor_streak;
  record.good_streak = state.good_streak;
  record.recent_changes = state.recent_changes;
  record.last_change_at = state.last_change_at;
  record.last_round_at = state.last_round_at;
  if (state.window_start_state) record.window_start_state = to_string(*state.window_start_state);
  return record;
}

store::AlertEventRecord to_record(const AlertEvent& event, store::Id host_id) {
  store::AlertEventRecord record;
  record.host_id = host_id;
  record.at = event.at;
  record.from_state = to_string(event.from);
  record.to_state = to_string(event.to);
  record.trigger = to_string(event.trigger);
  record.reason = event.reason;
  record.quiet = to_string(event.quiet);
  record.sent = event.round.sent;
  record.received = event.round.received;
  record.min_ms = event.round.min_ms;
  record.median_ms = event.round.median_ms;
  record.max_ms = event.round.max_ms;
  record.locations = event.locations;
  return record;
}

AlertRules effective_rules(const store::HostAlertContext& context) {
  return effective_rules(rules_from(context.user_rules), overrides_from(context.overrides));
}

bool StoreRoundEvaluator::needs_baseline(const store::HostAlertContext& context) const {
  return effective_rules(context).baseline_factor.has_value();
}

store::HostAlertOutcome StoreRoundEvaluator::evaluate(const store::HostAlertContext& context,
                                                      std::span<const store::RoundToEvaluate> rounds) {
  const AlertRules rules = effective_rules(context);
  HostAlertState state = context.state ? state_from(*context.state) : HostAlertState{};
  const QuorumState quorum_before = context.quorum ? quorum_from(*context.quorum) : QuorumState{};
  QuorumState quorum = quorum_before;
  store::HostAlertOutcome outcome;
  std::lock_guard lock(mutex_);
  for (const store::RoundToEvaluate& round : rounds) {
    RoundInput input{round.round, round.baseline_median_ms,
                     in_any_window(context.windows, round.round.ts, zones_)};
    const EpochMs judged_before = state.last_round_at;
    const std::vector<AlertEvent> location_events = evaluate_round(state, rules, input);
    if (state.last_round_at == judged_before) continue;  // judged already: the quorum heard it then
    // The location's events are its vote's history, not the host's: the quorum turns them into the host's.
    std::vector<LocationVote> votes = other_votes(context, input.round.ts);
    votes.push_back(LocationVote{context.location_id, context.location_name, state.shown});
    std::sort(votes.begin(), votes.end(),  // events name the locations in one order: by id, local first
              [](const LocationVote& a, const LocationVote& b) { return a.location_id < b.location_id; });
    const JudgedRound judged{input, context.location_name, location_events};
    for (const AlertEvent& event : evaluate_quorum(quorum, votes, rules.quorum, judged)) {
      outcome.events.push_back(to_record(event, context.host_id));
    }
  }
  outcome.state = to_record(state, context.host_id);
  if (!context.quorum || !(quorum == quorum_before)) outcome.quorum = to_record(quorum, context.host_id);
  return outcome;
}

}  // namespace semaphore::alerts

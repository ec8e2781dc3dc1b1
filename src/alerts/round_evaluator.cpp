#include "alerts/round_evaluator.h"

#include "alerts/maintenance_window.h"

namespace semaphore::alerts {
namespace {

HostState state_or_unknown(const std::string& word) {
  return parse_host_state(word).value_or(HostState::unknown);
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
  return rules;
}

store::UserAlertRules to_record(const AlertRules& rules) {
  return store::UserAlertRules{rules.down_after,   rules.up_after,           rules.degraded_after,
                               rules.loss_percent, rules.median_ms,          rules.baseline_factor,
                               rules.flap_changes, rules.flap_window.count()};
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
  store::HostAlertOutcome outcome;
  std::lock_guard lock(mutex_);
  for (const store::RoundToEvaluate& round : rounds) {
    RoundInput input{round.round, round.baseline_median_ms,
                     in_any_window(context.windows, round.round.ts, zones_)};
    for (const AlertEvent& event : evaluate_round(state, rules, input)) {
      outcome.events.push_back(to_record(event, context.host_id));
    }
  }
  outcome.state = to_record(state, context.host_id);
  return outcome;
}

}  // namespace semaphore::alerts

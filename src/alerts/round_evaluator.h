#pragma once
// The alerts' side of the result writer's transaction (issue 14): store::RoundEvaluator
// (store/round_evaluator.h) implemented with the rules and the state machine. The store loads each host's
// rules, state and windows in the transaction that inserts its rounds and calls evaluate(); this turns the
// records into AlertRules and HostAlertState, runs evaluate_round over the new rounds, and turns the result
// back into records, which the store writes before the commit.
//
// src/cli creates one per probe service and hands it to the writer (monitor::ProbeService::create).
#include <mutex>

#include "alerts/alert_rules.h"
#include "alerts/state_machine.h"
#include "alerts/time_zone.h"
#include "store/round_evaluator.h"

namespace semaphore::alerts {

// Records <-> the rules' and the state machine's own types.
AlertRules rules_from(const std::optional<store::UserAlertRules>& record);  // nullopt: the built-in defaults
store::UserAlertRules to_record(const AlertRules& rules);
HostRuleOverrides overrides_from(const store::HostAlertOverrides& record);
store::HostAlertOverrides to_record(const HostRuleOverrides& overrides);
HostAlertState state_from(const store::AlertStateRecord& record);  // unknown words read as `unknown`
store::AlertStateRecord to_record(const HostAlertState& state, store::Id host_id);
store::AlertEventRecord to_record(const AlertEvent& event, store::Id host_id);

// The rules that apply to the host: its user's defaults with its overrides laid over them.
AlertRules effective_rules(const store::HostAlertContext& context);

class StoreRoundEvaluator final : public store::RoundEvaluator {
 public:
  bool needs_baseline(const store::HostAlertContext& context) const override;
  store::HostAlertOutcome evaluate(const store::HostAlertContext& context,
                                   std::span<const store::RoundToEvaluate> rounds) override;

 private:
  std::mutex mutex_;  // guards zones_ (one writer thread calls, but the store does not promise it)
  TimeZones zones_;
};

}  // namespace semaphore::alerts

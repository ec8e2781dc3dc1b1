#include "alerts/alert_rules.h"

#include <spdlog/fmt/fmt.h>

#include <cmath>

namespace semaphore::alerts {
namespace {

// A rule turned off per host is written as 0.
std::optional<double> on_unless_zero(double value) {
  return value > 0 ? std::optional<double>(value) : std::nullopt;
}

std::optional<RuleError> count_error(const char* field, int value, int low, int high) {
  if (value >= low && value <= high) return std::nullopt;
  return RuleError{field, fmt::format("{} must be between {} and {}", field, low, high)};
}

}  // namespace

AlertRules effective_rules(const AlertRules& defaults, const HostRuleOverrides& overrides) {
  AlertRules rules = defaults;
  if (overrides.down_after) rules.down_after = *overrides.down_after;
  if (overrides.up_after) rules.up_after = *overrides.up_after;
  if (overrides.degraded_after) rules.degraded_after = *overrides.degraded_after;
  if (overrides.loss_percent) rules.loss_percent = *overrides.loss_percent;
  if (overrides.median_ms) rules.median_ms = on_unless_zero(*overrides.median_ms);
  if (overrides.baseline_factor) rules.baseline_factor = on_unless_zero(*overrides.baseline_factor);
  if (overrides.flap_changes) rules.flap_changes = *overrides.flap_changes;
  if (overrides.flap_window) rules.flap_window = *overrides.flap_window;
  if (overrides.quorum) rules.quorum = *overrides.quorum > 0 ? overrides.quorum : std::nullopt;
  return rules;
}

std::optional<RuleError> validate(const AlertRules& rules) {
  if (auto error = count_error("down_after", rules.down_after, 1, 100)) return error;
  if (auto error = count_error("up_after", rules.up_after, 1, 100)) return error;
  if (auto error = count_error("degraded_after", rules.degraded_after, 1, 100)) return error;
  if (!std::isfinite(rules.loss_percent) || rules.loss_percent <= 0 || rules.loss_percent > 100) {
    return RuleError{"loss_percent", "loss_percent must be above 0 and at most 100"};
  }
  if (rules.median_ms &&
      (!std::isfinite(*rules.median_ms) || *rules.median_ms <= 0 || *rules.median_ms > 60000)) {
    return RuleError{"median_ms", "median_ms must be above 0 and at most 60000"};
  }
  if (rules.baseline_factor && (!std::isfinite(*rules.baseline_factor) || *rules.baseline_factor < 1.1 ||
                                *rules.baseline_factor > 100)) {
    return RuleError{"baseline_factor", "baseline_factor must be between 1.1 and 100"};
  }
  if (auto error = count_error("flap_changes", rules.flap_changes, 2, 1000)) return error;
  if (rules.flap_window < std::chrono::minutes(1) || rules.flap_window > std::chrono::hours(24 * 7)) {
    return RuleError{"flap_window", "flap_window must be between 1 minute and 7 days"};
  }
  if (rules.quorum) {
    if (auto error = count_error("quorum", *rules.quorum, 1, 100)) return error;
  }
  return std::nullopt;
}

}  // namespace semaphore::alerts

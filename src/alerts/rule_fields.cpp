#include "alerts/rule_fields.h"

#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace semaphore::alerts {
namespace {

template <class T>
std::optional<double> as_double(const std::optional<T>& value) {
  return value ? std::optional<double>(static_cast<double>(*value)) : std::nullopt;
}

std::optional<int> as_int(const std::optional<double>& value) {
  return value ? std::optional<int>(static_cast<int>(*value)) : std::nullopt;
}

}  // namespace

const RuleField* find_rule_field(std::string_view name) {
  for (const RuleField& field : kRuleFields) {
    if (field.name == name) return &field;
  }
  return nullptr;
}

std::optional<double> rule_value(const AlertRules& rules, const RuleField& field) {
  const std::string_view name = field.name;
  if (name == "down_after") return rules.down_after;
  if (name == "up_after") return rules.up_after;
  if (name == "degraded_after") return rules.degraded_after;
  if (name == "loss_percent") return rules.loss_percent;
  if (name == "median_ms") return rules.median_ms;
  if (name == "baseline_factor") return rules.baseline_factor;
  if (name == "flap_changes") return rules.flap_changes;
  if (name == "flap_window_s") return static_cast<double>(rules.flap_window.count());
  if (name == "quorum") return as_double(rules.quorum);
  return std::nullopt;
}

void set_rule_value(AlertRules& rules, const RuleField& field, std::optional<double> value) {
  const std::string_view name = field.name;
  if (name == "median_ms") rules.median_ms = value;
  if (name == "baseline_factor") rules.baseline_factor = value;
  if (name == "quorum")
    rules.quorum = as_int(value ? std::optional<double>(std::clamp(*value, -1e9, 1e9)) : value);
  if (!value) return;
  // Out-of-range numbers are clamped into int first, so that validate() sees them as out of range.
  const double v = std::clamp(*value, -1e9, 1e9);
  if (name == "down_after") rules.down_after = static_cast<int>(v);
  if (name == "up_after") rules.up_after = static_cast<int>(v);
  if (name == "degraded_after") rules.degraded_after = static_cast<int>(v);
  if (name == "loss_percent") rules.loss_percent = *value;
  if (name == "flap_changes") rules.flap_changes = static_cast<int>(v);
  if (name == "flap_window_s") rules.flap_window = std::chrono::seconds(static_cast<std::int64_t>(v));
}

std::optional<double> override_value(const HostRuleOverrides& overrides, const RuleField& field) {
  const std::string_view name = field.name;
  if (name == "down_after") return as_double(overrides.down_after);
  if (name == "up_after") return as_double(overrides.up_after);
  if (name == "degraded_after") return as_double(overrides.degraded_after);
  if (name == "loss_percent") return overrides.loss_percent;
  if (name == "median_ms") return overrides.median_ms;
  if (name == "baseline_factor") return overrides.baseline_factor;
  if (name == "flap_changes") return as_double(overrides.flap_changes);
  if (name == "flap_window_s" && overrides.flap_window) {
    return static_cast<double>(overrides.flap_window->count());
  }
  if (name == "quorum") return as_double(overrides.quorum);
  return std::nullopt;
}

void set_override_value(HostRuleOverrides& overrides, const RuleField& field, std::optional<double> value) {
  const std::string_view name = field.name;
  if (value) value = std::clamp(*value, -1e9, 1e9);
  if (name == "down_after") overrides.down_after = as_int(value);
  if (name == "up_after") overrides.up_after = as_int(value);
  if (name == "degraded_after") overrides.degraded_after = as_int(value);
  if (name == "loss_percent") overrides.loss_percent = value;
  if (name == "median_ms") overrides.median_ms = value;
  if (name == "baseline_factor") overrides.baseline_factor = value;
  if (name == "flap_changes") overrides.flap_changes = as_int(value);
  if (name == "quorum") overrides.quorum = as_int(value);
  if (name == "flap_window_s") {
    overrides.flap_window =
        value ? std::optional<std::chrono::seconds>(static_cast<std::int64_t>(*value)) : std::nullopt;
  }
}

std::string format_rule_value(double value) {
  return fmt::format("{:g}", value);
}

std::optional<std::string> check_whole(const RuleField& field, double value) {
  if (!std::isfinite(value)) return fmt::format("{} must be a number", field.name);
  if (field.whole && value != std::floor(value)) return fmt::format("{} must be a whole number", field.name);
  return std::nullopt;
}

std::variant<std::optional<double>, std::string> parse_rule_text(const RuleField& field,
                                                                 std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  if (text.empty()) return std::optional<double>();
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.size() > 20) {
    return fmt::format("{} must be a number", field.name);
  }
  if (auto wrong = check_whole(field, value)) return *wrong;
  return std::optional<double>(value);
}

std::optional<RuleError> validate_rules(const AlertRules& rules) {
  auto error = validate(rules);
  if (error && error->field == "flap_window") {
    error->field = "flap_window_s";
    error->message = "flap_window_s must be between 60 and 604800 seconds (1 minute to 7 days)";
  }
  return error;
}

std::optional<RuleError> validate_overrides(const HostRuleOverrides& overrides) {
  // Each given value on its own, over the built-in defaults (whose optional rules are on, so that a value
  // for them is checked; 0 stands for "off" and is not).
  for (const RuleField& field : kRuleFields) {
    const auto value = override_value(overrides, field);
    if (!value) continue;
    if (field.can_be_off && *value == 0) continue;
    AlertRules rules;
    set_rule_value(rules, field, value);
    if (auto error = validate_rules(rules)) return error;
  }
  return std::nullopt;
}

}  // namespace semaphore::alerts

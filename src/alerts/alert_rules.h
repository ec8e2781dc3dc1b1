#pragma once
// The alert rules (issue 14): when a host counts as down, degraded, back up, or flapping. A user has one set
// of defaults; a host may override any field (HostRuleOverrides), and the effective rules are the defaults
// with the host's overrides laid over them.
#include <chrono>
#include <optional>
#include <string>

namespace semaphore::alerts {

struct AlertRules {
  int down_after = 3;        // N: rounds in a row in which every probe was lost
  int up_after = 2;          // M: good rounds in a row that clear down and degraded
  int degraded_after = 3;    // K: poor rounds in a row (loss, median or baseline below)
  double loss_percent = 20;  // X: a round losing at least this share of its probes is poor (100: never)
  std::optional<double> median_ms;  // Y: a round whose median RTT reaches this is poor (off by default)
  std::optional<double>
      baseline_factor;   // R: median above R x the host's 7-day baseline is poor (off by default)
  int flap_changes = 6;  // F: this many state changes ...
  std::chrono::seconds flap_window{3600};  // ... within W make the host flapping; stable W/4 settles it
  // Q (issue 16): how many of the locations that report a host must see it down (or degraded) before the
  // host is; nullopt: a majority of them. Clamped to the locations reporting, so a location gone offline
  // never makes `down` unreachable (alerts/quorum.h).
  std::optional<int> quorum;
};

// The fields a host may override; nullopt keeps the user's default. `median_ms` and `baseline_factor` are
// optional in the rules themselves, so the override says "set" (a value), "off" (0) or "keep" (nullopt).
struct HostRuleOverrides {
  std::optional<int> down_after, up_after, degraded_after;
  std::optional<double> loss_percent;
  std::optional<double> median_ms;        // 0 turns the rule off for this host
  std::optional<double> baseline_factor;  // 0 turns the rule off for this host
  std::optional<int> flap_changes;
  std::optional<std::chrono::seconds> flap_window;
  std::optional<int> quorum;  // 0 goes back to the majority for this host
};

AlertRules effective_rules(const AlertRules& defaults, const HostRuleOverrides& overrides);

// What is wrong with `rules`, naming the field ("down_after must be between 1 and 100"), or nullopt. The UI,
// the API and the CLI all check rules with this before storing them.
struct RuleError {
  std::string field;
  std::string message;
};
std::optional<RuleError> validate(const AlertRules& rules);

}  // namespace semaphore::alerts

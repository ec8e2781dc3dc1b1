#pragma once
// The alert rules field by field (issue 14), for whoever shows or takes them as text or numbers: the /alerts
// page and the host edit page, the API (/api/v1/alert-rules, the `alert_rules` of a host) and the CLI
// (`semaphore alert-rules`). One table names each rule, says what it does and reads and writes it in
// AlertRules and HostRuleOverrides, so the three entry points agree on names, meanings and checks.
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "alerts/alert_rules.h"

namespace semaphore::alerts {

struct RuleField {
  std::string_view name;   // "down_after": the form field, the JSON key, the CLI's --down-after
  std::string_view label;  // "Down after"
  std::string_view unit;   // "rounds", "%", "ms", "x baseline", "changes", "seconds"
  std::string_view help;   // one sentence for people
  bool whole;              // a whole number (counts, seconds)
  bool can_be_off;         // median_ms, baseline_factor and quorum: unset unless given (0 unsets per host)
  std::string_view unset = "off";  // what an unset value means, as shown: "off", or quorum's "majority"
};

inline constexpr std::array<RuleField, 9> kRuleFields = {{
    {"down_after", "Down after", "rounds",
     "A host is down after this many rounds in a row in which every probe was lost.", true, false},
    {"up_after", "Up after", "rounds",
     "A down or degraded host is up again after this many good rounds in a row.", true, false},
    {"degraded_after", "Degraded after", "rounds",
     "A host is degraded after this many poor rounds in a row (loss, median or baseline below).", true,
     false},
    {"loss_percent", "Loss at least", "%", "A round that loses at least this share of its probes is poor.",
     false, false},
    {"median_ms", "Median at least", "ms",
     "A round whose median round-trip time reaches this is poor. Off unless set.", false, true},
    {"baseline_factor", "Median above baseline", "x",
     "A round whose median is more than this many times the host's own 7-day baseline (the median of its "
     "hourly medians) is poor. Off unless set; 2 is a good start.",
     false, true},
    {"flap_changes", "Flapping after", "changes",
     "A host that changes state this many times within the flapping window is flapping: one notification "
     "says so, and the next is the state it settles in.",
     true, false},
    {"flap_window_s", "Flapping window", "seconds",
     "The window the changes above are counted in; a flapping host settles after a quarter of it without a "
     "change.",
     true, false},
    {"quorum", "Locations that must agree", "locations",
     "When several locations ping a host, it is down (or degraded) only when at least this many of those "
     "reporting it see it so. A majority of them unless set; more than are reporting counts as all of them.",
     true, true, "majority"},
}};

const RuleField* find_rule_field(std::string_view name);

// The field's value in `rules` (nullopt: the rule is off).
std::optional<double> rule_value(const AlertRules& rules, const RuleField& field);
// Sets the field (nullopt turns median_ms or baseline_factor off; for the others it is ignored).
void set_rule_value(AlertRules& rules, const RuleField& field, std::optional<double> value);
// The host's override of the field (nullopt: keeps the user's value; 0 for median_ms or baseline_factor:
// off).
std::optional<double> override_value(const HostRuleOverrides& overrides, const RuleField& field);
void set_override_value(HostRuleOverrides& overrides, const RuleField& field, std::optional<double> value);

// "3", "20", "2.5": a value as a form or a table shows it.
std::string format_rule_value(double value);

// A field's text as typed ("" or only spaces: nullopt, i.e. not set), or the message saying what is wrong
// ("down_after must be a whole number").
std::variant<std::optional<double>, std::string> parse_rule_text(const RuleField& field,
                                                                 std::string_view text);
// A number given for the field (JSON, CLI) checked for wholeness; the message, or nullopt when it fits.
std::optional<std::string> check_whole(const RuleField& field, double value);

// alerts::validate with the field named as kRuleFields names it (flap_window_s, not flap_window).
std::optional<RuleError> validate_rules(const AlertRules& rules);
// A host's overrides: each value given must be valid on its own (laid over the built-in defaults; 0 is "off"
// for median_ms and baseline_factor). The user's defaults are valid too, so their mix is.
std::optional<RuleError> validate_overrides(const HostRuleOverrides& overrides);

}  // namespace semaphore::alerts

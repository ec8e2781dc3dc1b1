#pragma once
// A host as a user typed it (the web's add and edit forms, an import line, `semaphore host add`), checked
// field by field: the hostname through core/target.h (RFC 1123, IDN to A-labels, strict IP literals, and for
// literals the operator's target policy), the provider by name, the service and label as free text, the
// probe method as core/probe_method.h spells it ("icmp", "tcp:22", "both:443"; empty: icmp).
// The messages are fit to show next to the field they concern.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/target.h"
#include "store/store.h"

namespace semaphore::domain {

struct HostInput {
  std::string hostname, provider, service, label;
  bool enabled = true;
  // How the host is probed (issue 15): parse_probe_spec's text; empty is icmp, the default. An edit that
  // keeps the method must send the host's current spec (format_probe_spec(host.probe)). (Initialized so
  // that the brace lists of the five fields before it stay complete.)
  std::string probe{};
};

struct HostErrors {
  std::string hostname, provider, service, label, probe;
  bool any() const {
    return !hostname.empty() || !provider.empty() || !service.empty() || !label.empty() || !probe.empty();
  }
  // The first message, for one-line reports (the import).
  std::string first() const;
};

inline constexpr std::size_t kMaxServiceChars = 100;
inline constexpr std::size_t kMaxLabelChars = 100;

// The host to store (without id and user), or the errors of each field. An empty provider is "Other".
std::optional<store::Host> validate_host(const HostInput& input, TargetPolicy policy, HostErrors& errors);

// A free-text field (service, label): trimmed, at most `max_chars` characters (UTF-8 code points), no
// control characters. `what` starts the message ("The service").
Result<std::string> clean_text_field(std::string_view input, std::size_t max_chars, std::string_view what);

}  // namespace semaphore::domain

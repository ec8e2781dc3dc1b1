#pragma once
// A host as typed into the add/edit forms or an import line, checked field by field: the hostname through
// core/target.h (RFC 1123, IDN to A-labels, strict IP literals, and for literals the target policy).
#include <string>

#include "core/target.h"
#include "store/store.h"

namespace semaphore::web {

struct HostInput {
  std::string hostname, provider, service, label;
  bool enabled = true;
};

struct HostErrors {
  std::string hostname, provider, service, label;
  bool any() const { return !hostname.empty() || !provider.empty() || !service.empty() || !label.empty(); }
  // The first message, for one-line reports (the import).
  std::string first() const;
};

inline constexpr std::size_t kMaxServiceChars = 100;
inline constexpr std::size_t kMaxLabelChars = 100;

// The host to store (without id and user), or the errors of each field. An empty provider is "Other".
std::optional<store::Host> validate_host(const HostInput& input, TargetPolicy policy, HostErrors& errors);

}  // namespace semaphore::web

#include "core/provider.h"

#include <strings.h>

#include <string>

namespace semaphore {

std::string_view to_string(Provider provider) {
  switch (provider) {
    case Provider::aws:
      return "AWS";
    case Provider::gcp:
      return "GCP";
    case Provider::azure:
      return "Azure";
    case Provider::other:
      return "Other";
  }
  return "Other";
}

std::optional<Provider> parse_provider(std::string_view text) {
  const std::string wanted(text);
  for (Provider provider : kAllProviders) {
    if (strcasecmp(std::string(to_string(provider)).c_str(), wanted.c_str()) == 0) return provider;
  }
  return std::nullopt;
}

}  // namespace semaphore

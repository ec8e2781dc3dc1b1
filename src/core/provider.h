#pragma once
// The cloud provider a host runs at. Stored and shown by its canonical name: AWS, GCP, Azure, Other.
#include <array>
#include <optional>
#include <string_view>

namespace semaphore {

enum class Provider { aws, gcp, azure, other };

inline constexpr std::array<Provider, 4> kAllProviders = {Provider::aws, Provider::gcp, Provider::azure,
                                                          Provider::other};

std::string_view to_string(Provider provider);

// Accepts the canonical names case-insensitively ("aws", "Azure", ...). Empty or unknown: nullopt.
std::optional<Provider> parse_provider(std::string_view text);

}  // namespace semaphore

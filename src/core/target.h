#pragma once
// What may be pinged. Two checks, both used wherever a target enters the system:
//  - parse_target: the text a user typed (web form, import file, CLI) becomes a normalized hostname or
//    IP literal, or a clear reason why not;
//  - check_target_address: an address (typed, or a name's resolution, checked again on every resolution
//    because DNS answers change) is refused when pinging it is never wanted.
#include <string>
#include <string_view>

#include "core/ip_address.h"
#include "core/result.h"

namespace semaphore {

enum class TargetKind { hostname, ipv4, ipv6 };

struct Target {
  std::string text;  // lower-case A-label hostname without trailing dot, or canonical address text
  TargetKind kind = TargetKind::hostname;
};

// Trims surrounding blanks. Hostnames follow RFC 1123 (labels of 1-63 letters, digits and inner hyphens,
// 253 characters in all, a last label that is not all digits); internationalized names are converted to
// A-labels (IDNA 2008). IP literals are parsed strictly (see IpAddress::parse); IPv4-mapped IPv6 literals
// become IPv4. Errors are Errc::invalid_argument with a message fit to show the user.
Result<Target> parse_target(std::string_view input);

// private: (default) loopback and private ranges allowed, for monitoring one's own network.
// public_only: also refuses loopback, RFC 1918, CGNAT (100.64/10), benchmarking (198.18/15), IETF protocol
// (192.0.0/24), IPv6 unique-local, site-local (fec0::/10) and local-use NAT64 (64:ff9b:1::/48) addresses.
enum class TargetPolicy { allow_private, public_only };

Result<TargetPolicy> parse_target_policy(std::string_view text);  // "private" | "public"

// Always refused: unspecified, link-local (which holds the cloud metadata address 169.254.169.254),
// AWS's IPv6 metadata address, multicast, broadcast and reserved 240/4. IPv6 addresses that carry an IPv4
// address the network delivers to (NAT64 64:ff9b::/96, 6to4 2002::/16, IPv4-compatible ::a.b.c.d; mapped
// ::ffff:a.b.c.d too) are judged by that IPv4 address. Errc::invalid_argument says which rule refused it.
Status check_target_address(const IpAddress& address, TargetPolicy policy);

}  // namespace semaphore

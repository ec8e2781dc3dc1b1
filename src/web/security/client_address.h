#pragma once
// Which address a request comes from, for the sign-in throttle and the request log. Behind a load balancer
// the TCP peer is the balancer; the client is in X-Forwarded-For, which anyone can also send. So the header
// is believed only as far as trusted proxies (--trusted-proxy CIDR) vouch for it: starting from the peer,
// each trusted hop names the one before it, and the first hop that is not trusted is the client.
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/ip_address.h"

namespace semaphore::web {

// An address block, "10.0.0.0/8", "2001:db8::/32"; a bare address is a block of one.
struct IpNetwork {
  IpAddress address;  // with the bits past the prefix zero
  int prefix = 0;

  // nullopt for text that is not an address with an optional /prefix in range, or whose address has bits
  // set past the prefix (10.0.0.1/8: most likely a typo for something else).
  static std::optional<IpNetwork> parse(std::string_view text);
  bool contains(const IpAddress& candidate) const;  // IPv4-mapped IPv6 candidates count as IPv4
  std::string to_string() const;
};

// Whether `address` (IPv4-mapped counts as IPv4) lies in one of the `trusted` blocks.
bool is_trusted(const IpAddress& address, std::span<const IpNetwork> trusted);

// The client's address as text. `peer` is the TCP peer; `forwarded_for` the X-Forwarded-For header values
// in the order they came (each a comma-separated list, the nearest hop last). When the peer is not in
// `trusted`, the header is ignored and the peer is the client. Otherwise the rightmost address that is not
// trusted is; if every one is trusted, the leftmost; an entry that is not an address ends the walk (the
// trusted hop after it is then the client: nothing beyond it can be believed).
std::string choose_client_address(const IpAddress& peer, std::span<const std::string_view> forwarded_for,
                                  std::span<const IpNetwork> trusted);

// What the sign-in throttle (and the server's per-address connection cap) counts a client address as: an IPv4
// address itself, an IPv6 address its /64
// ("2001:db8:1:2::/64"), because one user (one site, one phone) usually has a whole /64 to pick from.
// Text that is not an address is returned as it is.
std::string throttle_address(std::string_view client_address);

}  // namespace semaphore::web

#pragma once
// An IPv4 or IPv6 address as plain bytes: parsed strictly, printed canonically, convertible to sockaddr.
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace semaphore {

enum class AddressFamily { v4, v6 };

struct IpAddress {
  AddressFamily family = AddressFamily::v4;
  std::array<std::uint8_t, 16> bytes{};  // v4 uses the first 4

  // Strict: dotted quad with four decimal parts and no leading zeros, or RFC 4291 IPv6 text
  // (brackets, zone ids and NUL bytes refused). Anything else: nullopt.
  static std::optional<IpAddress> parse(std::string_view text);
  static std::optional<IpAddress> from_sockaddr(const sockaddr* address);

  std::string to_string() const;
  // Fills `out` with the address and `port`; returns the length to pass to the socket call.
  socklen_t to_sockaddr(sockaddr_storage& out, std::uint16_t port = 0) const;

  // For IPv4-mapped IPv6 (::ffff:a.b.c.d) the embedded IPv4 address, else the address itself.
  IpAddress unmapped() const;

  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

}  // namespace semaphore

#include "core/ip_address.h"

#include <arpa/inet.h>

#include <cstring>

namespace semaphore {

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.empty() || text.size() > INET6_ADDRSTRLEN) return std::nullopt;
  // inet_pton reads a C string: it would stop at a NUL byte and take "10.0.0.1\0anything" for 10.0.0.1.
  if (text.find('\0') != std::string_view::npos) return std::nullopt;
  const std::string copy(text);
  IpAddress address;
  // glibc's inet_pton(AF_INET) takes only four decimal parts and refuses leading zeros: what "strict" means.
  if (inet_pton(AF_INET, copy.c_str(), address.bytes.data()) == 1) {
    address.family = AddressFamily::v4;
    return address;
  }
  if (copy.find(':') != std::string::npos && inet_pton(AF_INET6, copy.c_str(), address.bytes.data()) == 1) {
    address.family = AddressFamily::v6;
    return address;
  }
  return std::nullopt;
}

std::optional<IpAddress> IpAddress::from_sockaddr(const sockaddr* address) {
  IpAddress result;
  if (address->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    result.family = AddressFamily::v4;
    std::memcpy(result.bytes.data(), &v4->sin_addr, 4);
    return result;
  }
  if (address->sa_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
    result.family = AddressFamily::v6;
    std::memcpy(result.bytes.data(), &v6->sin6_addr, 16);
    return result;
  }
  return std::nullopt;
}

std::string IpAddress::to_string() const {
  char buffer[INET6_ADDRSTRLEN] = {};
  inet_ntop(family == AddressFamily::v4 ? AF_INET : AF_INET6, bytes.data(), buffer, sizeof buffer);
  return buffer;
}

socklen_t IpAddress::to_sockaddr(sockaddr_storage& out, std::uint16_t port) const {
  std::memset(&out, 0, sizeof out);
  if (family == AddressFamily::v4) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&out);
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    std::memcpy(&v4->sin_addr, bytes.data(), 4);
    return sizeof(sockaddr_in);
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out);
  v6->sin6_family = AF_INET6;
  v6->sin6_port = htons(port);
  std::memcpy(&v6->sin6_addr, bytes.data(), 16);
  return sizeof(sockaddr_in6);
}

IpAddress IpAddress::unmapped() const {
  static constexpr std::uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (family != AddressFamily::v6 || std::memcmp(bytes.data(), kMappedPrefix, 12) != 0) return *this;
  IpAddress v4;
  v4.family = AddressFamily::v4;
  std::memcpy(v4.bytes.data(), bytes.data() + 12, 4);
  return v4;
}

}  // namespace semaphore

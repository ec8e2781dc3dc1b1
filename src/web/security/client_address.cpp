#include "web/security/client_address.h"

#include <algorithm>
#include <charconv>

#include "core/text.h"

namespace semaphore::web {
namespace {

int address_bits(const IpAddress& address) {
  return address.family == AddressFamily::v4 ? 32 : 128;
}

IpAddress masked(IpAddress address, int prefix) {
  for (int byte = 0; byte < address_bits(address) / 8; ++byte) {
    const int keep = std::clamp(prefix - byte * 8, 0, 8);
    address.bytes[static_cast<std::size_t>(byte)] &= static_cast<std::uint8_t>(0xff00u >> keep);
  }
  return address;
}

// One X-Forwarded-For entry: an address, or as some proxies write it, "a.b.c.d:port" or "[v6]:port".
std::optional<IpAddress> parse_forwarded(std::string_view entry) {
  entry = trim(entry);
  if (entry.starts_with('[')) {
    const auto close = entry.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    entry = entry.substr(1, close - 1);
  } else if (entry.find(':') == entry.rfind(':') && entry.find(':') != std::string_view::npos) {
    entry = entry.substr(0, entry.find(':'));  // one colon: IPv4 with a port
  }
  auto address = IpAddress::parse(entry);
  if (!address) return std::nullopt;
  return address->unmapped();
}

}  // namespace

bool is_trusted(const IpAddress& address, std::span<const IpNetwork> trusted) {
  for (const IpNetwork& network : trusted) {
    if (network.contains(address)) return true;
  }
  return false;
}

std::optional<IpNetwork> IpNetwork::parse(std::string_view text) {
  const auto slash = text.find('/');
  auto address = IpAddress::parse(text.substr(0, slash));
  if (!address) return std::nullopt;
  IpNetwork network{address->unmapped(), 0};
  network.prefix = address_bits(network.address);
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), network.prefix);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
    if (address->family != network.address.family) network.prefix -= 96;  // ::ffff:a.b.c.d/104 is /8
    if (network.prefix < 0 || network.prefix > address_bits(network.address)) return std::nullopt;
  }
  if (masked(network.address, network.prefix) != network.address) return std::nullopt;
  return network;
}

bool IpNetwork::contains(const IpAddress& candidate) const {
  const IpAddress plain = candidate.unmapped();
  return plain.family == address.family && masked(plain, prefix) == address;
}

std::string IpNetwork::to_string() const {
  return address.to_string() + "/" + std::to_string(prefix);
}

std::string choose_client_address(const IpAddress& peer, std::span<const std::string_view> forwarded_for,
                                  std::span<const IpNetwork> trusted) {
  IpAddress hop = peer.unmapped();
  if (!is_trusted(hop, trusted)) return hop.to_string();
  std::vector<std::string_view> entries;
  for (std::string_view value : forwarded_for) {
    while (true) {
      const auto comma = value.find(',');
      entries.push_back(value.substr(0, comma));
      if (comma == std::string_view::npos) break;
      value.remove_prefix(comma + 1);
    }
  }
  // The nearest hop first. (An index, not std::views::reverse: clang-tidy 14 cannot parse GCC 12's ranges.)
  for (std::size_t i = entries.size(); i-- > 0;) {
    const auto address = parse_forwarded(entries[i]);
    if (!address) break;
    hop = *address;
    if (!is_trusted(hop, trusted)) break;
  }
  return hop.to_string();
}

std::string throttle_address(std::string_view client_address) {
  const auto address = IpAddress::parse(client_address);
  if (!address || address->family == AddressFamily::v4) return std::string(client_address);
  return masked(*address, 64).to_string() + "/64";
}

}  // namespace semaphore::web

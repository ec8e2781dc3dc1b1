#include "core/target.h"

#include <idn2.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "core/ascii.h"
#include "core/text.h"

namespace semaphore {
namespace {

Result<Target> invalid(std::string message) {
  return make_error(Errc::invalid_argument, std::move(message));
}

bool is_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// ASCII only, whatever the C library's locale: hostnames are ASCII by the time they are checked, and a
// locale's tolower (in a Turkish ISO-8859-9 locale, tolower('I') is not 'i') must not change them.
bool is_ascii_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_ascii_alnum(char c) {
  return is_ascii_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

Result<Target> validate_ascii_hostname(std::string name) {
  if (!name.empty() && name.back() == '.') name.pop_back();  // a fully qualified name's root dot
  if (name.empty()) return invalid("the hostname is empty");
  if (name.size() > 253) return invalid("the hostname is longer than 253 characters");
  std::transform(name.begin(), name.end(), name.begin(), to_lower_ascii);

  std::string_view rest = name;
  std::string_view last_label;
  while (true) {
    const auto dot = rest.find('.');
    const std::string_view label = rest.substr(0, dot);
    if (label.empty()) return invalid("the hostname has an empty label (two dots in a row?)");
    if (label.size() > 63) return invalid("a label of the hostname is longer than 63 characters");
    for (char c : label) {
      if (!(is_ascii_alnum(c) || c == '-')) {
        return invalid(std::string("the hostname contains '") + c +
                       "': only letters, digits, hyphens and dots are allowed");
      }
    }
    if (label.front() == '-' || label.back() == '-')
      return invalid("a label of the hostname starts or ends with '-'");
    last_label = label;
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  if (std::all_of(last_label.begin(), last_label.end(), is_ascii_digit)) {
    return invalid("not a valid IP address, and a hostname cannot end in a number");
  }
  return Target{std::move(name), TargetKind::hostname};
}

bool in_prefix(const IpAddress& address, std::initializer_list<std::uint8_t> prefix, int bits) {
  const auto* bytes = address.bytes.data();
  const auto* want = prefix.begin();
  int whole = bits / 8;
  if (std::memcmp(bytes, want, whole) != 0) return false;
  int remaining = bits % 8;
  if (remaining == 0) return true;
  std::uint8_t mask = static_cast<std::uint8_t>(0xff << (8 - remaining));
  return (bytes[whole] & mask) == (want[whole] & mask);
}

Status refuse(const IpAddress& address, const char* why) {
  return make_error(Errc::invalid_argument, address.to_string() + " is " + why + " and cannot be monitored");
}

IpAddress ipv4_at(const IpAddress& address, std::size_t offset) {
  IpAddress v4;
  v4.family = AddressFamily::v4;
  std::memcpy(v4.bytes.data(), address.bytes.data() + offset, 4);
  return v4;
}

// IPv6 forms whose packets the network turns into IPv4 packets to an address they carry: NAT64's well-known
// prefix (64:ff9b::/96, RFC 6052), 6to4 (2002::/16, RFC 3056) and the deprecated IPv4-compatible form
// (::a.b.c.d). Pinging one reaches that IPv4 address, so it is checked as if it had been typed.
std::optional<IpAddress> embedded_ipv4(const IpAddress& address) {
  if (in_prefix(address, {0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0}, 96)) return ipv4_at(address, 12);
  if (in_prefix(address, {0x20, 0x02}, 16)) return ipv4_at(address, 2);
  if (in_prefix(address, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 96)) return ipv4_at(address, 12);
  return std::nullopt;
}

}  // namespace

Result<Target> parse_target(std::string_view input) {
  const std::string_view text = trim(input);
  if (text.empty()) return invalid("the hostname is empty");
  if (text.size() > 1024) return invalid("the hostname is too long");
  // Refused up front: the address parser and libidn2 read C strings and would stop at the NUL, accepting
  // "10.0.0.1\0..." or "bücher.example\0..." as the text before it.
  if (text.find('\0') != std::string_view::npos)
    return invalid("a hostname or IP address may not contain a NUL byte");

  if (auto address = IpAddress::parse(text)) {
    // A dotted quad that parses (strictly: four decimal parts, no leading zeros) is already canonical, so it
    // is kept as typed rather than printed again with inet_ntop.
    if (address->family == AddressFamily::v4) return Target{std::string(text), TargetKind::ipv4};
    const IpAddress plain = address->unmapped();
    return Target{plain.to_string(), plain.family == AddressFamily::v4 ? TargetKind::ipv4 : TargetKind::ipv6};
  }
  if (text.find(':') != std::string_view::npos) return invalid("not a valid IPv6 address");
  if (text.find_first_of("[]%/ ") != std::string_view::npos) {
    return invalid("a hostname or IP address may not contain brackets, '%', '/' or spaces");
  }

  if (is_ascii(text)) return validate_ascii_hostname(std::string(text));

  char* ascii = nullptr;
  const std::string utf8(text);
  const int rc = idn2_to_ascii_8z(utf8.c_str(), &ascii, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
  if (rc != IDN2_OK) {
    return invalid(std::string("not a valid internationalized hostname: ") + idn2_strerror(rc));
  }
  std::string converted(ascii);
  idn2_free(ascii);
  return validate_ascii_hostname(std::move(converted));
}

Result<TargetPolicy> parse_target_policy(std::string_view text) {
  if (text == "private") return TargetPolicy::allow_private;
  if (text == "public") return TargetPolicy::public_only;
  return make_error(Errc::invalid_argument, "targets must be 'private' or 'public'");
}

Status check_target_address(const IpAddress& input, TargetPolicy policy) {
  const IpAddress address = input.unmapped();
  if (address.family == AddressFamily::v4) {
    if (in_prefix(address, {0, 0, 0, 0}, 8)) return refuse(address, "an unspecified (0.0.0.0/8) address");
    if (in_prefix(address, {169, 254, 169, 254}, 32)) return refuse(address, "the cloud metadata address");
    if (in_prefix(address, {169, 254}, 16)) return refuse(address, "a link-local address");
    if (in_prefix(address, {255, 255, 255, 255}, 32)) return refuse(address, "the broadcast address");
    if (in_prefix(address, {224}, 4)) return refuse(address, "a multicast address");
    if (in_prefix(address, {240}, 4)) return refuse(address, "a reserved (240.0.0.0/4) address");
    if (policy == TargetPolicy::public_only) {
      if (in_prefix(address, {127}, 8)) return refuse(address, "a loopback address");
      if (in_prefix(address, {10}, 8) || in_prefix(address, {172, 16}, 12) ||
          in_prefix(address, {192, 168}, 16)) {
        return refuse(address, "a private address");
      }
      if (in_prefix(address, {100, 64}, 10)) return refuse(address, "a shared (CGNAT) address");
      if (in_prefix(address, {198, 18}, 15)) return refuse(address, "a benchmarking (198.18.0.0/15) address");
      if (in_prefix(address, {192, 0, 0}, 24))
        return refuse(address, "an IETF protocol (192.0.0.0/24) address");
    }
    return {};
  }
  if (in_prefix(address, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 128)) {
    return refuse(address, "the unspecified address");
  }
  if (in_prefix(address, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128)) {
    if (policy == TargetPolicy::public_only) return refuse(address, "a loopback address");
    return {};
  }
  if (const auto v4 = embedded_ipv4(address)) {
    if (auto checked = check_target_address(*v4, policy); !checked) {
      return make_error(Errc::invalid_argument,
                        address.to_string() + " reaches " + v4->to_string() +
                            " (an IPv4 address inside IPv6), which " +
                            checked.error().message.substr(v4->to_string().size() + 1));
    }
  }
  if (in_prefix(address, {0xfe, 0x80}, 10)) return refuse(address, "a link-local address");
  if (in_prefix(address, {0xff}, 8)) return refuse(address, "a multicast address");
  if (in_prefix(address, {0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54}, 128)) {
    return refuse(address, "the cloud metadata address");
  }
  if (policy == TargetPolicy::public_only) {
    if (in_prefix(address, {0xfc}, 7)) return refuse(address, "a unique-local (private) address");
    if (in_prefix(address, {0xfe, 0xc0}, 10)) return refuse(address, "a site-local (private) address");
    if (in_prefix(address, {0x00, 0x64, 0xff, 0x9b, 0x00, 0x01}, 48)) {
      return refuse(address, "a local-use NAT64 (64:ff9b:1::/48) address");
    }
  }
  return {};
}

}  // namespace semaphore

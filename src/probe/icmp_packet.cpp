#include "probe/icmp_packet.h"

#include <algorithm>
#include <cstring>

#include "probe/pinger.h"

namespace semaphore::probe {
namespace {

static_assert(kEchoRequestSize == kEchoRequestBytes);

constexpr std::uint32_t kMagic = 0x53454d41;  // "SEMA": tells our payload from another pinger's

constexpr std::uint8_t kEchoReplyV4 = 0, kUnreachableV4 = 3, kEchoRequestV4 = 8, kTimeExceededV4 = 11;
constexpr std::uint8_t kUnreachableV6 = 1, kTimeExceededV6 = 3, kEchoRequestV6 = 128, kEchoReplyV6 = 129;
constexpr std::uint8_t kProtoIcmp = 1, kProtoIcmpV6 = 58;
constexpr std::size_t kIpv4MinHeader = 20;
constexpr std::uint8_t kIpv6HopByHop = 0, kIpv6Routing = 43, kIpv6DestinationOptions = 60;

std::uint16_t read_be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

void write_be16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v & 0xff);
}

std::optional<EchoPayload> read_payload(std::span<const std::uint8_t> data) {
  if (data.size() < kEchoPayloadSize) return std::nullopt;
  std::uint32_t magic = 0;
  std::memcpy(&magic, data.data() + 20, 4);
  if (magic != kMagic) return std::nullopt;
  EchoPayload payload;
  std::memcpy(&payload.cookie, data.data(), 8);
  std::memcpy(&payload.send_ns, data.data() + 8, 8);
  std::memcpy(&payload.serial, data.data() + 16, 4);
  return payload;
}

// The echo request an ICMP error quotes: `inner` starts at the quoted IP header.
ParseResult parse_quoted(AddressFamily family, IcmpKind kind, std::uint8_t type, std::uint8_t code,
                         std::span<const std::uint8_t> inner) {
  ParseResult result;
  std::size_t header = 0;
  IpAddress destination;
  destination.family = family;
  if (family == AddressFamily::v4) {
    if (inner.size() < kIpv4MinHeader) return {ParseStatus::malformed, {}};
    header = static_cast<std::size_t>(inner[0] & 0x0f) * 4;
    if ((inner[0] >> 4) != 4 || header < kIpv4MinHeader || inner.size() < header) {
      return {ParseStatus::malformed, {}};
    }
    if (inner[9] != kProtoIcmp) return {ParseStatus::ignored, {}};
    std::memcpy(destination.bytes.data(), inner.data() + 16, 4);
  } else {
    if (inner.size() < kIpv6HeaderSize) return {ParseStatus::malformed, {}};
    if (inner[6] != kProtoIcmpV6) return {ParseStatus::ignored, {}};  // extension headers: not ours
    header = kIpv6HeaderSize;
    std::memcpy(destination.bytes.data(), inner.data() + 24, 16);
  }
  auto quoted = inner.subspan(header);
  if (quoted.size() < kIcmpHeaderSize) return {ParseStatus::malformed, {}};
  const std::uint8_t request_type = family == AddressFamily::v4 ? kEchoRequestV4 : kEchoRequestV6;
  if (quoted[0] != request_type) return {ParseStatus::ignored, {}};
  result.status = ParseStatus::ok;
  result.message.kind = kind;
  result.message.type = type;
  result.message.code = code;
  result.message.identifier = read_be16(quoted.data() + 4);
  result.message.sequence = read_be16(quoted.data() + 6);
  result.message.payload = read_payload(quoted.subspan(kIcmpHeaderSize));
  result.message.quoted_destination = destination;
  return result;
}

}  // namespace

std::uint16_t internet_checksum(std::span<const std::uint8_t> data, std::uint32_t sum) {
  std::size_t i = 0;
  for (; i + 1 < data.size(); i += 2) sum += static_cast<std::uint32_t>((data[i] << 8) | data[i + 1]);
  if (i < data.size()) sum += static_cast<std::uint32_t>(data[i] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum & 0xffff);
}

std::size_t encode_echo_request(AddressFamily family, std::uint16_t identifier, std::uint16_t sequence,
                                const EchoPayload& payload, std::span<std::uint8_t> out) {
  if (out.size() < kEchoRequestSize) return 0;
  std::uint8_t* p = out.data();
  p[0] = family == AddressFamily::v4 ? kEchoRequestV4 : kEchoRequestV6;
  p[1] = 0;
  write_be16(p + 2, 0);
  write_be16(p + 4, identifier);
  write_be16(p + 6, sequence);
  std::memcpy(p + 8, &payload.cookie, 8);
  std::memcpy(p + 16, &payload.send_ns, 8);
  std::memcpy(p + 24, &payload.serial, 4);
  std::memcpy(p + 28, &kMagic, 4);
  if (family == AddressFamily::v4) write_be16(p + 2, internet_checksum(out.first(kEchoRequestSize)));
  return kEchoRequestSize;
}

ParseResult parse_icmp(AddressFamily family, bool with_ip_header, std::span<const std::uint8_t> data) {
  if (with_ip_header) {
    if (data.size() < kIpv4MinHeader || (data[0] >> 4) != 4) return {ParseStatus::malformed, {}};
    const std::size_t header = static_cast<std::size_t>(data[0] & 0x0f) * 4;
    const std::size_t total = read_be16(data.data() + 2);
    if (header < kIpv4MinHeader || data.size() < header) return {ParseStatus::malformed, {}};
    if (total >= header && total < data.size()) data = data.first(total);
    data = data.subspan(header);
  }
  if (data.size() < kIcmpHeaderSize) return {ParseStatus::malformed, {}};
  const std::uint8_t type = data[0], code = data[1];
  const bool v4 = family == AddressFamily::v4;
  const bool reply = v4 ? type == kEchoReplyV4 : type == kEchoReplyV6;
  const bool unreachable = v4 ? type == kUnreachableV4 : type == kUnreachableV6;
  const bool time_exceeded = v4 ? type == kTimeExceededV4 : type == kTimeExceededV6;
  if (!reply && !unreachable && !time_exceeded) return {ParseStatus::ignored, {}};
  if (v4 && internet_checksum(data) != 0) return {ParseStatus::malformed, {}};
  if (!reply) {
    return parse_quoted(family, unreachable ? IcmpKind::unreachable : IcmpKind::time_exceeded, type, code,
                        data.subspan(kIcmpHeaderSize));
  }
  ParseResult result;
  result.status = ParseStatus::ok;
  result.message.kind = IcmpKind::echo_reply;
  result.message.type = type;
  result.message.identifier = read_be16(data.data() + 4);
  result.message.sequence = read_be16(data.data() + 6);
  result.message.payload = read_payload(data.subspan(kIcmpHeaderSize));
  return result;
}

Icmpv6Found find_icmpv6_message(std::span<const std::uint8_t> packet) {
  if (packet.size() < kIpv6HeaderSize) return {};
  std::uint8_t next = packet[6];
  std::size_t offset = kIpv6HeaderSize;
  const std::size_t end = std::min<std::size_t>(packet.size(), kIpv6HeaderSize + read_be16(&packet[4]));
  while (next == kIpv6HopByHop || next == kIpv6Routing || next == kIpv6DestinationOptions) {
    if (offset + 2 > end) return {};
    next = packet[offset];
    offset += (static_cast<std::size_t>(packet[offset + 1]) + 1) * 8;
  }
  if (next != kProtoIcmpV6 || offset > end) return {};
  const auto message = packet.subspan(offset, end - offset);
  std::uint32_t sum = 0;  // the pseudo-header: source, destination, upper-layer length, next header
  for (std::size_t i = 8; i < kIpv6HeaderSize; i += 2) sum += read_be16(&packet[i]);
  sum += static_cast<std::uint32_t>(message.size() >> 16) + (message.size() & 0xffff) + kProtoIcmpV6;
  if (internet_checksum(message, sum) != 0) return {ParseStatus::malformed, {}};
  return {ParseStatus::ok, message};
}

std::optional<IcmpMessage> parse_own_request(AddressFamily family, std::span<const std::uint8_t> data) {
  if (data.size() < kIcmpHeaderSize) return std::nullopt;
  if (data[0] != (family == AddressFamily::v4 ? kEchoRequestV4 : kEchoRequestV6)) return std::nullopt;
  IcmpMessage message;
  message.identifier = read_be16(data.data() + 4);
  message.sequence = read_be16(data.data() + 6);
  message.payload = read_payload(data.subspan(kIcmpHeaderSize));
  return message;
}

std::optional<IcmpMessage> parse_looped_request(AddressFamily family, std::span<const std::uint8_t> data) {
  for (const std::size_t offset : {0, 14, 16, 18, 4}) {  // none, Ethernet, cooked, VLAN, tun packet info
    if (data.size() < offset + kIpv4MinHeader) continue;
    const auto ip = data.subspan(offset);
    std::size_t header = 0;
    if (family == AddressFamily::v4) {
      header = static_cast<std::size_t>(ip[0] & 0x0f) * 4;
      if ((ip[0] >> 4) != 4 || ip[9] != kProtoIcmp || header < kIpv4MinHeader) continue;
    } else {
      if ((ip[0] >> 4) != 6 || ip.size() < kIpv6HeaderSize || ip[6] != kProtoIcmpV6) continue;
      header = kIpv6HeaderSize;
    }
    if (ip.size() < header) continue;
    auto request = parse_own_request(family, ip.subspan(header));
    if (request && request->payload) return request;
  }
  return std::nullopt;
}

}  // namespace semaphore::probe

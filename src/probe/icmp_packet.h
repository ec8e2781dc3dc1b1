#pragma once
// ICMP echo codec: builds echo requests and reads what comes back on an ICMP socket (echo replies and the
// errors that quote one of our requests). Pure functions over byte spans, no allocation, no syscalls.
//
// Our echo payload carries a per-engine random cookie, the send time and the probe's serial number. The
// (identifier, sequence) pair finds the probe; the payload proves the reply answers *this* engine's *this*
// probe, so a stale reply whose sequence number has since been reused is recognised and never matched.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "core/ip_address.h"

namespace semaphore::probe {

inline constexpr std::size_t kIpv6HeaderSize = 40;
inline constexpr std::size_t kIcmpHeaderSize = 8;
inline constexpr std::size_t kEchoPayloadSize = 24;  // cookie 8 | send time 8 | serial 4 | magic 4
inline constexpr std::size_t kEchoRequestSize = kIcmpHeaderSize + kEchoPayloadSize;

struct EchoPayload {
  std::uint64_t cookie = 0;
  std::int64_t send_ns = 0;  // CLOCK_REALTIME, the clock of SO_TIMESTAMPNS
  std::uint32_t serial = 0;  // which probe of the run: host index * count + probe number
};

// The Internet checksum (RFC 1071) of `data`, continuing from `sum` (for pseudo-headers).
std::uint16_t internet_checksum(std::span<const std::uint8_t> data, std::uint32_t sum = 0);

// Writes an echo request (ICMPv4 type 8 or ICMPv6 type 128) to `out` (at least kEchoRequestSize bytes) and
// returns its size. The ICMPv4 checksum is computed here; ICMPv6's needs the pseudo-header, so the kernel
// fills it in (raw ICMPv6 and ping sockets always do).
std::size_t encode_echo_request(AddressFamily family, std::uint16_t identifier, std::uint16_t sequence,
                                const EchoPayload& payload, std::span<std::uint8_t> out);

enum class IcmpKind {
  echo_reply,     // an answer to an echo request
  unreachable,    // destination unreachable, quoting our request
  time_exceeded,  // TTL / hop limit exceeded, quoting our request
};

struct IcmpMessage {
  IcmpKind kind = IcmpKind::echo_reply;
  std::uint8_t type = 0, code = 0;
  std::uint16_t identifier = 0, sequence = 0;   // of the echo (for errors: of the quoted request)
  std::optional<EchoPayload> payload;           // when the echo data is whole and carries our magic
  std::optional<IpAddress> quoted_destination;  // errors: where the quoted request was going
};

enum class ParseStatus {
  ok,         // `message` is filled
  malformed,  // looked like a reply or error for us but is truncated or fails its checksum
  ignored,    // another ICMP type (echo requests, router adverts, ...): not ours to count
};

struct ParseResult {
  ParseStatus status = ParseStatus::ignored;
  IcmpMessage message;
};

// Parses what an ICMP socket received. `data` starts at the IPv4 header for raw IPv4 sockets
// (`with_ip_header`), else at the ICMP header (raw ICMPv6 sockets and ping sockets). ICMPv4 checksums are
// verified here (the kernel hands raw sockets packets before checking them); ICMPv6 checksums are checked by
// the kernel, or by find_icmpv6_message for packets read before its checks.
ParseResult parse_icmp(AddressFamily family, bool with_ip_header, std::span<const std::uint8_t> data);

// The ICMPv6 message of a whole IPv6 packet (`packet` starts at the IPv6 header), past any hop-by-hop,
// routing and destination-options headers, with its checksum checked over the packet's pseudo-header: for
// a reader that gets packets before the kernel has checked them (a packet socket's ring), where a raw
// ICMPv6 socket only ever gets checked ones. ok: `message` is the ICMPv6 message, as such a socket reads it;
// ignored: the packet holds none (another protocol, or a header chain cut short); malformed: the checksum
// fails.
struct Icmpv6Found {
  ParseStatus status = ParseStatus::ignored;
  std::span<const std::uint8_t> message;
};
Icmpv6Found find_icmpv6_message(std::span<const std::uint8_t> packet);

// Parses one of our own echo requests as a ping socket's error queue hands it back (ICMP header first).
std::optional<IcmpMessage> parse_own_request(AddressFamily family, std::span<const std::uint8_t> data);

// Finds one of our echo requests in a packet looped back with a transmit timestamp: the whole packet as the
// device got it, so an IP header, possibly after a link-layer header (none on TUN, 14 bytes on loopback and
// Ethernet). nullopt unless a request carrying our payload magic is found.
std::optional<IcmpMessage> parse_looped_request(AddressFamily family, std::span<const std::uint8_t> data);

}  // namespace semaphore::probe

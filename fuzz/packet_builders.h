#pragma once
// Packet builders shared by the seed-corpus writer (make_corpus.cpp) and the fuzz targets that build
// packets of their own (reply_matching_fuzz.cpp, trace_matching_fuzz.cpp): IPv4 and IPv6 headers, ICMPv4
// checksums, byte helpers, the made-up runs' host addresses, and a reader of the fuzzer's input.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <span>
#include <vector>

#include "core/ip_address.h"
#include "probe/icmp_packet.h"

namespace semaphore::fuzzing {

using Bytes = std::vector<std::uint8_t>;
using probe::internet_checksum;
using probe::kIpv6HeaderSize;

inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

inline void put16(Bytes& b, std::size_t at, std::uint16_t v) {
  b[at] = static_cast<std::uint8_t>(v >> 8);
  b[at + 1] = static_cast<std::uint8_t>(v & 0xff);
}

// An ICMPv4 message with its checksum filled in.
inline Bytes icmp4(Bytes message) {
  put16(message, 2, 0);
  put16(message, 2, internet_checksum(message));
  return message;
}

inline Bytes ipv4(std::size_t payload, std::array<std::uint8_t, 4> src, std::array<std::uint8_t, 4> dst,
                  std::size_t options = 0) {
  Bytes h(20 + options, 0);
  h[0] = static_cast<std::uint8_t>(0x40 | (5 + options / 4));
  put16(h, 2, static_cast<std::uint16_t>(h.size() + payload));
  h[8] = 64;
  h[9] = 1;
  std::memcpy(&h[12], src.data(), 4);
  std::memcpy(&h[16], dst.data(), 4);
  return h;
}

// An IPv6 header; `next` is the first next-header value, `payload` the bytes after the header.
inline Bytes ipv6(std::size_t payload, std::uint8_t next, std::uint8_t last_src, std::uint8_t last_dst) {
  Bytes h(kIpv6HeaderSize, 0);
  h[0] = 0x60;
  put16(h, 4, static_cast<std::uint16_t>(payload));
  h[6] = next;
  h[7] = 64;
  h[8] = 0x20, h[9] = 0x01, h[10] = 0x0d, h[11] = 0xb8, h[23] = last_src;
  h[24] = 0x20, h[25] = 0x01, h[26] = 0x0d, h[27] = 0xb8, h[39] = last_dst;
  return h;
}

// The fuzzer's input read a byte at a time; zeros once it runs out.
struct Input {
  std::span<const std::uint8_t> data;
  std::size_t at = 0;
  bool more() const { return at < data.size(); }
  std::uint8_t byte() { return at < data.size() ? data[at++] : 0; }
  std::span<const std::uint8_t> bytes(std::size_t n) {
    n = std::min(n, data.size() - at);
    const auto out = data.subspan(at, n);
    at += n;
    return out;
  }
};

// Host `host` of a made-up run: 192.0.2.(host + 1) or 2001:db8::(host + 1).
inline IpAddress host_address(AddressFamily family, std::uint32_t host) {
  IpAddress address;
  address.family = family;
  if (family == AddressFamily::v4) {
    address.bytes[0] = 192, address.bytes[1] = 0, address.bytes[2] = 2;
    address.bytes[3] = static_cast<std::uint8_t>(host + 1);
  } else {
    address.bytes[0] = 0x20, address.bytes[1] = 0x01, address.bytes[2] = 0x0d, address.bytes[3] = 0xb8;
    address.bytes[15] = static_cast<std::uint8_t>(host + 1);
  }
  return address;
}

// Flips a few of `packet`'s bytes as the input says: mostly none or few, so that genuine packets stay common.
inline void flip_bytes(Bytes& packet, Input& input) {
  const int flips = input.byte() % 4;
  for (int i = 0; i < flips && !packet.empty(); ++i) {
    const std::size_t at = input.byte() % packet.size();
    packet[at] ^= input.byte();
  }
}

inline std::array<std::uint8_t, 4> v4_bytes(const IpAddress& address) {
  return {address.bytes[0], address.bytes[1], address.bytes[2], address.bytes[3]};
}

}  // namespace semaphore::fuzzing

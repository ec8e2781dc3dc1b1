#include "probe/icmp_packet.h"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <vector>

namespace semaphore::probe {
namespace {

const EchoPayload kPayload{0x1122334455667788ull, 1'700'000'000'123'456'789, 4242};

std::vector<std::uint8_t> request(AddressFamily family, std::uint16_t id, std::uint16_t seq) {
  std::vector<std::uint8_t> out(kEchoRequestSize);
  EXPECT_EQ(encode_echo_request(family, id, seq, kPayload, out), kEchoRequestSize);
  return out;
}

// An IPv4 header (20 bytes) for a packet of `payload` bytes from src to dst.
std::vector<std::uint8_t> ipv4_header(std::size_t payload, std::array<std::uint8_t, 4> src,
                                      std::array<std::uint8_t, 4> dst) {
  std::vector<std::uint8_t> h(20, 0);
  h[0] = 0x45;
  h[2] = static_cast<std::uint8_t>((20 + payload) >> 8);
  h[3] = static_cast<std::uint8_t>((20 + payload) & 0xff);
  h[8] = 64;
  h[9] = 1;
  std::memcpy(&h[12], src.data(), 4);
  std::memcpy(&h[16], dst.data(), 4);
  return h;
}

// Turns our request into the reply a host would send: type 0, checksum fixed.
std::vector<std::uint8_t> as_v4_reply(std::vector<std::uint8_t> icmp) {
  icmp[0] = 0;
  icmp[2] = icmp[3] = 0;
  const std::uint16_t sum = internet_checksum(icmp);
  icmp[2] = static_cast<std::uint8_t>(sum >> 8);
  icmp[3] = static_cast<std::uint8_t>(sum & 0xff);
  return icmp;
}

TEST(IcmpPacket, ChecksumOfRfc1071Example) {
  const std::array<std::uint8_t, 8> data{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(internet_checksum(data), static_cast<std::uint16_t>(~0xddf2 & 0xffff));
}

TEST(IcmpPacket, V4RequestHasTypeIdSequenceAndValidChecksum) {
  const auto packet = request(AddressFamily::v4, 0xbeef, 0x0102);
  EXPECT_EQ(packet[0], 8);
  EXPECT_EQ(packet[4], 0xbe);
  EXPECT_EQ(packet[5], 0xef);
  EXPECT_EQ(packet[6], 0x01);
  EXPECT_EQ(packet[7], 0x02);
  EXPECT_EQ(internet_checksum(packet), 0);  // a valid checksum sums to zero
}

TEST(IcmpPacket, V6RequestLeavesChecksumToKernel) {
  const auto packet = request(AddressFamily::v6, 7, 9);
  EXPECT_EQ(packet[0], 128);
  EXPECT_EQ(packet[2], 0);
  EXPECT_EQ(packet[3], 0);
}

TEST(IcmpPacket, ParsesV4ReplyWithIpHeaderAndPayload) {
  const auto icmp = as_v4_reply(request(AddressFamily::v4, 0xbeef, 77));
  auto packet = ipv4_header(icmp.size(), {127, 0, 0, 1}, {127, 0, 0, 1});
  packet.insert(packet.end(), icmp.begin(), icmp.end());
  const ParseResult r = parse_icmp(AddressFamily::v4, true, packet);
  ASSERT_EQ(r.status, ParseStatus::ok);
  EXPECT_EQ(r.message.kind, IcmpKind::echo_reply);
  EXPECT_EQ(r.message.identifier, 0xbeef);
  EXPECT_EQ(r.message.sequence, 77);
  ASSERT_TRUE(r.message.payload);
  EXPECT_EQ(r.message.payload->cookie, kPayload.cookie);
  EXPECT_EQ(r.message.payload->send_ns, kPayload.send_ns);
  EXPECT_EQ(r.message.payload->serial, kPayload.serial);
}

TEST(IcmpPacket, BadV4ChecksumIsMalformed) {
  auto icmp = as_v4_reply(request(AddressFamily::v4, 1, 2));
  icmp[3] ^= 0x40;
  EXPECT_EQ(parse_icmp(AddressFamily::v4, false, icmp).status, ParseStatus::malformed);
}

TEST(IcmpPacket, TruncatedReplyHasNoPayload) {
  auto icmp = as_v4_reply(request(AddressFamily::v4, 1, 2));
  icmp.resize(12);
  icmp = as_v4_reply(icmp);
  const ParseResult r = parse_icmp(AddressFamily::v4, false, icmp);
  ASSERT_EQ(r.status, ParseStatus::ok);
  EXPECT_FALSE(r.message.payload);
}

TEST(IcmpPacket, ShorterThanHeaderIsMalformed) {
  const std::array<std::uint8_t, 5> tiny{0, 0, 0, 0, 0};
  EXPECT_EQ(parse_icmp(AddressFamily::v6, false, tiny).status, ParseStatus::malformed);
}

TEST(IcmpPacket, ForeignPayloadIsNotOurs) {
  auto icmp = as_v4_reply(request(AddressFamily::v4, 1, 2));
  icmp[30] ^= 0xff;  // inside the magic
  icmp = as_v4_reply(icmp);
  const ParseResult r = parse_icmp(AddressFamily::v4, false, icmp);
  ASSERT_EQ(r.status, ParseStatus::ok);
  EXPECT_FALSE(r.message.payload);
}

TEST(IcmpPacket, EchoRequestsAreIgnored) {
  const auto packet = request(AddressFamily::v4, 1, 2);
  EXPECT_EQ(parse_icmp(AddressFamily::v4, false, packet).status, ParseStatus::ignored);
}

TEST(IcmpPacket, V4UnreachableQuotesOurRequest) {
  const auto original = request(AddressFamily::v4, 0x1234, 5);
  auto inner = ipv4_header(original.size(), {10, 0, 0, 1}, {192, 0, 2, 9});
  inner.insert(inner.end(), original.begin(), original.end());
  std::vector<std::uint8_t> icmp{3, 1, 0, 0, 0, 0, 0, 0};
  icmp.insert(icmp.end(), inner.begin(), inner.end());
  const std::uint16_t sum = internet_checksum(icmp);
  icmp[2] = static_cast<std::uint8_t>(sum >> 8);
  icmp[3] = static_cast<std::uint8_t>(sum & 0xff);
  const ParseResult r = parse_icmp(AddressFamily::v4, false, icmp);
  ASSERT_EQ(r.status, ParseStatus::ok);
  EXPECT_EQ(r.message.kind, IcmpKind::unreachable);
  EXPECT_EQ(r.message.code, 1);
  EXPECT_EQ(r.message.identifier, 0x1234);
  EXPECT_EQ(r.message.sequence, 5);
  ASSERT_TRUE(r.message.quoted_destination);
  EXPECT_EQ(r.message.quoted_destination->to_string(), "192.0.2.9");
  ASSERT_TRUE(r.message.payload);
  EXPECT_EQ(r.message.payload->serial, kPayload.serial);
}

TEST(IcmpPacket, V6TimeExceededQuotesOurRequest) {
  const auto original = request(AddressFamily::v6, 0x4321, 6);
  std::vector<std::uint8_t> inner(40, 0);
  inner[0] = 0x60;
  inner[6] = 58;
  const auto dst = IpAddress::parse("2001:db8::7");
  std::memcpy(&inner[24], dst->bytes.data(), 16);
  inner.insert(inner.end(), original.begin(), original.end());
  std::vector<std::uint8_t> icmp{3, 0, 0, 0, 0, 0, 0, 0};
  icmp.insert(icmp.end(), inner.begin(), inner.end());
  const ParseResult r = parse_icmp(AddressFamily::v6, false, icmp);
  ASSERT_EQ(r.status, ParseStatus::ok);
  EXPECT_EQ(r.message.kind, IcmpKind::time_exceeded);
  EXPECT_EQ(r.message.identifier, 0x4321);
  EXPECT_EQ(r.message.sequence, 6);
  EXPECT_EQ(r.message.quoted_destination->to_string(), "2001:db8::7");
}

// A whole IPv6 packet from 2001:db8::1 to 2001:db8::2 carrying `icmp` (checksum filled in over the
// pseudo-header), after the extension headers in `extensions` (each 8 bytes, its first byte the next header).
std::vector<std::uint8_t> ipv6_packet(std::vector<std::uint8_t> icmp,
                                      const std::vector<std::uint8_t>& extension_types = {}) {
  std::vector<std::uint8_t> p(40, 0);
  p[0] = 0x60;
  const auto src = IpAddress::parse("2001:db8::1"), dst = IpAddress::parse("2001:db8::2");
  std::memcpy(&p[8], src->bytes.data(), 16);
  std::memcpy(&p[24], dst->bytes.data(), 16);
  std::uint32_t sum = 0;
  for (std::size_t i = 8; i < 40; i += 2) sum += static_cast<std::uint32_t>(p[i] << 8 | p[i + 1]);
  sum += static_cast<std::uint32_t>(icmp.size()) + 58;
  icmp[2] = icmp[3] = 0;
  const std::uint16_t checksum = internet_checksum(icmp, sum);
  icmp[2] = static_cast<std::uint8_t>(checksum >> 8);
  icmp[3] = static_cast<std::uint8_t>(checksum & 0xff);
  std::uint8_t* next = &p[6];
  for (const std::uint8_t type : extension_types) {
    *next = type;
    p.insert(p.end(), 8, 0);  // length 0: 8 bytes
    next = &p[p.size() - 8];
  }
  *next = 58;
  p.insert(p.end(), icmp.begin(), icmp.end());
  const std::size_t payload = p.size() - 40;
  p[4] = static_cast<std::uint8_t>(payload >> 8);
  p[5] = static_cast<std::uint8_t>(payload & 0xff);
  return p;
}

std::vector<std::uint8_t> v6_reply() {
  auto icmp = request(AddressFamily::v6, 0x1234, 5);
  icmp[0] = 129;
  return icmp;
}

TEST(IcmpPacket, Icmpv6MessageOfAWholePacketWithItsChecksumChecked) {
  const auto icmp = v6_reply();
  const auto packet = ipv6_packet(icmp);
  const Icmpv6Found found = find_icmpv6_message(packet);
  ASSERT_EQ(found.status, ParseStatus::ok);
  ASSERT_EQ(found.message.size(), icmp.size());
  EXPECT_EQ(found.message.data(), packet.data() + 40);
  const ParseResult r = parse_icmp(AddressFamily::v6, false, found.message);
  ASSERT_EQ(r.status, ParseStatus::ok);
  EXPECT_EQ(r.message.identifier, 0x1234);
}

TEST(IcmpPacket, Icmpv6MessageBehindExtensionHeaders) {
  const auto packet = ipv6_packet(v6_reply(), {0, 60});  // hop-by-hop, then destination options
  const Icmpv6Found found = find_icmpv6_message(packet);
  ASSERT_EQ(found.status, ParseStatus::ok);
  EXPECT_EQ(found.message.data(), packet.data() + 56);
  EXPECT_EQ(found.message[0], 129);
}

TEST(IcmpPacket, Icmpv6MessageWithABadChecksumIsMalformed) {
  auto packet = ipv6_packet(v6_reply());
  packet[43] ^= 0x55;
  EXPECT_EQ(find_icmpv6_message(packet).status, ParseStatus::malformed);
}

TEST(IcmpPacket, Ipv6PacketsWithoutAnIcmpv6MessageAreIgnored) {
  auto udp = ipv6_packet(v6_reply());
  udp[6] = 17;
  EXPECT_EQ(find_icmpv6_message(udp).status, ParseStatus::ignored);
  auto cut = ipv6_packet(v6_reply(), {0});
  cut.resize(41);  // the hop-by-hop header cut short
  cut[4] = 0;
  cut[5] = 1;
  EXPECT_EQ(find_icmpv6_message(cut).status, ParseStatus::ignored);
  EXPECT_EQ(find_icmpv6_message(std::span<const std::uint8_t>(udp).first(39)).status, ParseStatus::ignored);
}

TEST(IcmpPacket, OwnRequestFromErrorQueue) {
  const auto original = request(AddressFamily::v6, 11, 12);
  auto message = parse_own_request(AddressFamily::v6, original);
  ASSERT_TRUE(message);
  EXPECT_EQ(message->identifier, 11);
  EXPECT_EQ(message->sequence, 12);
  ASSERT_TRUE(message->payload);
  EXPECT_EQ(message->payload->cookie, kPayload.cookie);
}

}  // namespace
}  // namespace semaphore::probe

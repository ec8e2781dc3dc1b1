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

#include "probe/reply_ring.h"

#include <linux/if_packet.h>

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace semaphore::probe {
namespace {

// A ring frame as the kernel writes one for a SOCK_DGRAM packet socket: the packet at tp_net = 80.
struct Frame {
  alignas(TPACKET_ALIGNMENT) std::uint8_t bytes[kRingFrameSize] = {};

  Frame(const std::vector<std::uint8_t>& packet, std::uint8_t packet_type = PACKET_HOST) {
    auto* header = reinterpret_cast<tpacket2_hdr*>(bytes);
    auto* from = reinterpret_cast<sockaddr_ll*>(bytes + TPACKET_ALIGN(sizeof(tpacket2_hdr)));
    header->tp_status = TP_STATUS_USER;
    header->tp_len = header->tp_snaplen = static_cast<std::uint32_t>(packet.size());
    header->tp_mac = header->tp_net = 80;
    header->tp_sec = 1'700'000'000;
    header->tp_nsec = 123;
    from->sll_pkttype = packet_type;
    std::memcpy(bytes + 80, packet.data(), packet.size());
  }
};

std::vector<std::uint8_t> v4_reply_packet() {
  std::vector<std::uint8_t> icmp(kEchoRequestSize);
  encode_echo_request(AddressFamily::v4, 0xbeef, 7, EchoPayload{1, 2, 3}, icmp);
  icmp[0] = 0;  // echo reply
  icmp[2] = icmp[3] = 0;
  const std::uint16_t sum = internet_checksum(icmp);
  icmp[2] = static_cast<std::uint8_t>(sum >> 8);
  icmp[3] = static_cast<std::uint8_t>(sum & 0xff);
  std::vector<std::uint8_t> packet{0x45, 0, 0, 52, 0, 0, 0, 0, 64, 1, 0, 0, 192, 0, 2, 1, 10, 0, 0, 1};
  packet.insert(packet.end(), icmp.begin(), icmp.end());
  return packet;
}

TEST(ReadRingFrame, Ipv4PacketComesWholeWithItsSourceAndTime) {
  const auto packet = v4_reply_packet();
  const Frame frame(packet);
  Incoming in;
  ASSERT_EQ(read_ring_frame(AddressFamily::v4, frame.bytes, in), RingFrame::packet);
  EXPECT_EQ(in.data.data(), frame.bytes + 80);
  EXPECT_EQ(in.data.size(), packet.size());
  EXPECT_EQ(in.source.to_string(), "192.0.2.1");
  EXPECT_EQ(in.rx_ns, 1'700'000'000'000'000'123);
  const ParseResult parsed = parse_icmp(AddressFamily::v4, true, in.data);
  ASSERT_EQ(parsed.status, ParseStatus::ok);
  EXPECT_EQ(parsed.message.identifier, 0xbeef);
}

TEST(ReadRingFrame, PacketForAnotherHostIsSkipped) {
  const Frame frame(v4_reply_packet(), PACKET_OTHERHOST);
  Incoming in;
  EXPECT_EQ(read_ring_frame(AddressFamily::v4, frame.bytes, in), RingFrame::skipped);
}

TEST(ReadRingFrame, Ipv4PacketShorterThanItsHeaderIsMalformed) {
  auto packet = v4_reply_packet();
  packet.resize(19);
  const Frame frame(packet);
  Incoming in;
  EXPECT_EQ(read_ring_frame(AddressFamily::v4, frame.bytes, in), RingFrame::malformed);
}

TEST(ReadRingFrame, Ipv6PacketsAreCheckedAndStartAtTheIcmpv6Header) {
  std::vector<std::uint8_t> packet(40, 0);
  packet[0] = 0x60;
  packet[5] = kEchoRequestSize;
  packet[6] = 58;
  packet[8] = 0x20, packet[9] = 0x01, packet[10] = 0x0d, packet[11] = 0xb8, packet[23] = 1;
  std::vector<std::uint8_t> icmp(kEchoRequestSize);
  encode_echo_request(AddressFamily::v6, 0x1234, 5, EchoPayload{1, 2, 3}, icmp);
  icmp[0] = 129;
  std::uint32_t sum = kEchoRequestSize + 58;
  for (std::size_t i = 8; i < 40; i += 2) sum += static_cast<std::uint32_t>(packet[i] << 8 | packet[i + 1]);
  const std::uint16_t checksum = internet_checksum(icmp, sum);
  icmp[2] = static_cast<std::uint8_t>(checksum >> 8);
  icmp[3] = static_cast<std::uint8_t>(checksum & 0xff);
  packet.insert(packet.end(), icmp.begin(), icmp.end());

  const Frame good(packet);
  Incoming in;
  ASSERT_EQ(read_ring_frame(AddressFamily::v6, good.bytes, in), RingFrame::packet);
  EXPECT_EQ(in.data.data(), good.bytes + 80 + 40);
  EXPECT_EQ(in.data.size(), kEchoRequestSize);
  EXPECT_EQ(in.source.to_string(), "2001:db8::1");

  packet.back() ^= 1;
  const Frame bad(packet);
  EXPECT_EQ(read_ring_frame(AddressFamily::v6, bad.bytes, in), RingFrame::malformed);
  packet[6] = 17;  // UDP: not for the ICMPv6 reader at all
  const Frame udp(packet);
  EXPECT_EQ(read_ring_frame(AddressFamily::v6, udp.bytes, in), RingFrame::skipped);
}

}  // namespace
}  // namespace semaphore::probe

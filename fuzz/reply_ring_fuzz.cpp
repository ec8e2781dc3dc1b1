// Fuzzes the reply ring's frame reader (read_ring_frame in src/probe/reply_ring.h), then the parser the
// engine hands its packets to, as the engine does with them (IPv4 packets with their IP header, IPv6 from
// the ICMPv6 header).
//
// Input: a control byte (bit 0: the family; bits 1-3: the packet type, PACKET_HOST = 0 or another), 12
// bytes of receive time, then the packet as it arrived from its IP header. The frame is built the way the
// kernel writes one for a SOCK_DGRAM packet socket (tpacket_rcv): the packet at tp_net = 80, cut at the
// frame's end. The frame header's offsets are the kernel's, trusted by the reader, so they are not fuzzed: a
// frame the kernel cannot write would only show the reader trusting it.
#include <linux/if_packet.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "fuzz_check.h"
#include "probe/reply_ring.h"

namespace {

using semaphore::AddressFamily;
using namespace semaphore::probe;

// TPACKET2_HDRLEN (header and sockaddr_ll), then room for a 16-byte link-layer header, aligned: 80.
constexpr std::size_t kNetOffset = TPACKET_ALIGN(TPACKET2_HDRLEN + 16);
static_assert(kNetOffset == 80);

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 13) return 0;
  const AddressFamily family = (data[0] & 1) != 0 ? AddressFamily::v6 : AddressFamily::v4;
  const auto packet_type = static_cast<std::uint8_t>((data[0] >> 1) & 7);
  std::uint32_t sec = 0, nsec = 0;
  std::memcpy(&sec, data + 1, 4);
  std::memcpy(&nsec, data + 5, 4);
  const std::span<const std::uint8_t> packet(data + 13, size - 13);

  alignas(TPACKET_ALIGNMENT) std::uint8_t frame[kRingFrameSize] = {};
  auto* header = reinterpret_cast<tpacket2_hdr*>(frame);
  auto* from = reinterpret_cast<sockaddr_ll*>(frame + TPACKET_ALIGN(sizeof(tpacket2_hdr)));
  const std::size_t snap = std::min(packet.size(), kRingFrameSize - kNetOffset);
  header->tp_status = TP_STATUS_USER;
  header->tp_len = static_cast<std::uint32_t>(packet.size());
  header->tp_snaplen = static_cast<std::uint32_t>(snap);
  header->tp_mac = header->tp_net = static_cast<std::uint16_t>(kNetOffset);
  header->tp_sec = sec;
  header->tp_nsec = nsec % 1'000'000'000;
  from->sll_family = AF_PACKET;
  from->sll_pkttype = packet_type;
  std::memcpy(frame + kNetOffset, packet.data(), snap);

  Incoming in;
  const RingFrame verdict = read_ring_frame(family, frame, in);
  if (packet_type != PACKET_HOST) FUZZ_CHECK(verdict == RingFrame::skipped);
  if (verdict != RingFrame::packet) return 0;

  // What the engine reads next must lie inside the frame's packet (compared as offsets: raw pointers
  // would fill libFuzzer's dictionary with stack addresses), and come from the right family.
  const auto offset = static_cast<std::size_t>(in.data.data() - (frame + kNetOffset));
  FUZZ_CHECK(offset <= snap && in.data.size() <= snap - offset);
  FUZZ_CHECK(in.source.family == family);
  FUZZ_CHECK(in.rx_ns == static_cast<std::int64_t>(sec) * 1'000'000'000 + nsec % 1'000'000'000);
  const bool v4 = family == AddressFamily::v4;
  const ParseResult parsed = parse_icmp(family, v4, in.data);
  if (parsed.status == ParseStatus::ok && parsed.message.kind != IcmpKind::echo_reply) {
    FUZZ_CHECK(parsed.message.quoted_destination && parsed.message.quoted_destination->family == family);
  }
  return 0;
}

#include "probe/reply_ring.h"

#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <vector>

namespace semaphore::probe {
namespace {

constexpr std::size_t kBlockSize = 1 << 16;
// The extension headers the IPv6 filter lets through (find_icmpv6_message walks them).
constexpr std::uint8_t kIpv6HopByHop = 0, kIpv6Routing = 43, kIpv6DestinationOptions = 60;

sock_filter statement(std::uint16_t code, std::uint32_t k) {
  return sock_filter{code, 0, 0, k};
}
sock_filter jump(std::uint16_t code, std::uint32_t k, std::uint8_t if_true, std::uint8_t if_false) {
  return sock_filter{code, if_true, if_false, k};
}

// The kernel-side choice (classic BPF over the packet from its IP header): echo replies with our
// identifier, and ICMP packets too short to carry one (for the malformed count). Jumps count instructions
// skipped: the last two instructions are "accept" and "drop".
std::vector<sock_filter> ipv4_filter(std::uint16_t identifier) {
  return {
      statement(BPF_LD | BPF_B | BPF_ABS, 9),                  // 0: protocol
      jump(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_ICMP, 0, 11),    // 1: ICMP, else drop
      statement(BPF_LD | BPF_H | BPF_ABS, 6),                  // 2: flags and fragment offset
      jump(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 9, 0),          // 3: a later fragment: drop
      statement(BPF_LDX | BPF_B | BPF_MSH, 0),                 // 4: X = IP header length
      statement(BPF_LD | BPF_W | BPF_LEN, 0),                  // 5: A = packet length
      statement(BPF_ALU | BPF_SUB | BPF_X, 0),                 // 6: A = ICMP length
      jump(BPF_JMP | BPF_JGE | BPF_K, kIcmpHeaderSize, 0, 4),  // 7: too short for an identifier: accept
      statement(BPF_LD | BPF_B | BPF_IND, 0),                  // 8: type
      jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 3),                // 9: echo reply, else drop
      statement(BPF_LD | BPF_H | BPF_IND, 4),                  // 10: identifier
      jump(BPF_JMP | BPF_JEQ | BPF_K, identifier, 0, 1),       // 11: ours: accept, else drop
      statement(BPF_RET | BPF_K, 0xffff),                      // 12: accept
      statement(BPF_RET | BPF_K, 0),                           // 13: drop
  };
}

// IPv6: the same, plus packets whose first header is an extension header (walked here, in user space).
std::vector<sock_filter> ipv6_filter(std::uint16_t identifier) {
  return {
      statement(BPF_LD | BPF_B | BPF_ABS, 6),                          // 0: next header
      jump(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_ICMPV6, 0, 6),           // 1: ICMPv6, else (8)
      statement(BPF_LD | BPF_W | BPF_LEN, 0),                          // 2
      jump(BPF_JMP | BPF_JGE | BPF_K, kIpv6HeaderSize + 8, 0, 7),      // 3: short: accept
      statement(BPF_LD | BPF_B | BPF_ABS, kIpv6HeaderSize),            // 4: type
      jump(BPF_JMP | BPF_JEQ | BPF_K, 129, 0, 6),                      // 5: echo reply, else drop
      statement(BPF_LD | BPF_H | BPF_ABS, kIpv6HeaderSize + 4),        // 6: identifier
      jump(BPF_JMP | BPF_JEQ | BPF_K, identifier, 3, 4),               // 7: ours: accept, else drop
      jump(BPF_JMP | BPF_JEQ | BPF_K, kIpv6HopByHop, 2, 0),            // 8: extension headers: accept
      jump(BPF_JMP | BPF_JEQ | BPF_K, kIpv6Routing, 1, 0),             // 9
      jump(BPF_JMP | BPF_JEQ | BPF_K, kIpv6DestinationOptions, 0, 1),  // 10
      statement(BPF_RET | BPF_K, 0xffff),                              // 11: accept
      statement(BPF_RET | BPF_K, 0),                                   // 12: drop
  };
}

}  // namespace

RingFrame read_ring_frame(AddressFamily family, const std::uint8_t* frame, Incoming& in) {
  const auto* header = reinterpret_cast<const tpacket2_hdr*>(frame);
  const auto* from = reinterpret_cast<const sockaddr_ll*>(frame + TPACKET_ALIGN(sizeof(tpacket2_hdr)));
  if (from->sll_pkttype != PACKET_HOST) return RingFrame::skipped;  // not addressed to this host: never ours
  const std::span<const std::uint8_t> packet(frame + header->tp_net, header->tp_snaplen);
  in = Incoming{};
  in.rx_ns = static_cast<std::int64_t>(header->tp_sec) * 1'000'000'000 + header->tp_nsec;
  if (family == AddressFamily::v4) {
    if (packet.size() < kIpv4HeaderSize) return RingFrame::malformed;
    in.data = packet;  // whole, as a raw IPv4 socket reads it
    in.source.family = AddressFamily::v4;
    std::memcpy(in.source.bytes.data(), &packet[12], 4);
  } else {
    const Icmpv6Found found = find_icmpv6_message(packet);
    if (found.status == ParseStatus::ignored) return RingFrame::skipped;  // not ICMPv6 after all
    if (found.status == ParseStatus::malformed) return RingFrame::malformed;
    in.data = found.message;  // from the ICMPv6 header, as a raw IPv6 socket reads it
    in.source.family = AddressFamily::v6;
    std::memcpy(in.source.bytes.data(), &packet[8], 16);
  }
  return RingFrame::packet;
}

Result<std::unique_ptr<ReplyRing>> ReplyRing::open(AddressFamily family, std::uint16_t identifier,
                                                   std::size_t bytes) {
  const bool v4 = family == AddressFamily::v4;
  // Protocol 0: nothing is queued until the filter and the ring are in place and bind() names the protocol.
  const int fd = ::socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error(Errc::unavailable, std::string("packet socket: ") + std::strerror(errno));
  auto fail = [fd](const char* what) {
    const int error = errno;
    ::close(fd);
    return make_error(Errc::unavailable, std::string(what) + ": " + std::strerror(error));
  };
  std::vector<sock_filter> code = v4 ? ipv4_filter(identifier) : ipv6_filter(identifier);
  const sock_fprog program{static_cast<unsigned short>(code.size()), code.data()};
  if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) != 0) return fail("filter");
  const int version = TPACKET_V2;
  if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof version) != 0) return fail("version");
  const std::size_t blocks = std::max<std::size_t>(1, (bytes + kBlockSize - 1) / kBlockSize);
  tpacket_req request{};
  request.tp_block_size = kBlockSize;
  request.tp_block_nr = static_cast<unsigned>(blocks);
  request.tp_frame_size = kRingFrameSize;
  request.tp_frame_nr = static_cast<unsigned>(blocks * (kBlockSize / kRingFrameSize));
  if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &request, sizeof request) != 0) return fail("ring");
  void* map = ::mmap(nullptr, blocks * kBlockSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) return fail("mmap");
  sockaddr_ll address{};
  address.sll_family = AF_PACKET;
  address.sll_protocol = htons(v4 ? ETH_P_IP : ETH_P_IPV6);
  address.sll_ifindex = 0;  // every interface: a reply comes back on whichever the route says
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::munmap(map, blocks * kBlockSize);
    return fail("bind");
  }
  return std::unique_ptr<ReplyRing>(new ReplyRing(fd, family, kBlockSize, blocks, map));
}

ReplyRing::ReplyRing(int fd, AddressFamily family, std::size_t block_size, std::size_t blocks, void* map)
    : fd_(fd),
      family_(family),
      block_size_(block_size),
      blocks_(blocks),
      frames_(blocks * (block_size / kRingFrameSize)),
      map_(static_cast<std::uint8_t*>(map)),
      in_(new Incoming[kBatchSize]) {}

ReplyRing::~ReplyRing() {
  ::munmap(map_, block_size_ * blocks_);
  ::close(fd_);
}

void ReplyRing::release() {
  for (int i = taken_; i > 0; --i) {
    auto* header = reinterpret_cast<tpacket2_hdr*>(map_ + ((next_ + frames_ - i) % frames_) * kRingFrameSize);
    std::atomic_ref<std::uint32_t>(header->tp_status).store(TP_STATUS_KERNEL, std::memory_order_release);
  }
  taken_ = 0;
}

int ReplyRing::receive() {
  release();
  int n = 0;
  while (n < kBatchSize && static_cast<std::size_t>(taken_) < frames_) {
    std::uint8_t* frame = map_ + next_ * kRingFrameSize;
    auto* header = reinterpret_cast<tpacket2_hdr*>(frame);
    if ((std::atomic_ref<std::uint32_t>(header->tp_status).load(std::memory_order_acquire) &
         TP_STATUS_USER) == 0) {
      break;
    }
    next_ = (next_ + 1) % frames_;
    ++taken_;
    switch (read_ring_frame(family_, frame, in_[n])) {
      case RingFrame::packet:
        ++n;
        break;
      case RingFrame::malformed:
        ++malformed_;
        break;
      case RingFrame::skipped:
        break;
    }
  }
  return n;
}

std::uint32_t ReplyRing::drops() const {
  tpacket_stats stats{};
  socklen_t length = sizeof stats;
  if (getsockopt(fd_, SOL_PACKET, PACKET_STATISTICS, &stats, &length) == 0) drops_ += stats.tp_drops;
  return drops_;
}

}  // namespace semaphore::probe

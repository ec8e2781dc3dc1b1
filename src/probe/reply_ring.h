#pragma once
// ReplyRing: echo replies for one address family, read from a packet socket's receive ring (PACKET_RX_RING,
// TPACKET_V2) instead of one recvmmsg slot each from the raw ICMP socket.
//
// Why: reading a reply from the raw socket costs a message of a recvmmsg call (the dequeue, the copy, the
// timestamp and address control data): about a fifth of the engine's CPU per probe in the benchmark. A ring
// is filled by the kernel where the packet arrives, timestamps included, and read here with no system call
// per packet. The raw socket then blocks echo replies (IcmpSocket::pass_echo_replies) and keeps the ICMP
// errors, which are few; the ring takes only echo replies bearing our identifier, chosen by a classic BPF
// filter in the kernel, plus any ICMP packet too short to show its identifier, so that a truncated reply is
// still counted as malformed rather than lost. Every packet of the family that the host receives meets
// that filter (a few instructions): the price of the ring, paid only while a run that uses it lasts (the
// engine makes its rings per run, see IcmpPinger::plan_rings).
//
// Needs CAP_NET_RAW, like raw sockets: ping sockets (SOCK_DGRAM) keep reading replies the usual way.
// IPv4 packets come whole (IP header first, like a raw IPv4 socket's); IPv6 packets come from the ICMPv6
// header on, their source taken from the IPv6 header (as a raw IPv6 socket gives them).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>

#include "core/ip_address.h"
#include "core/result.h"
#include "probe/icmp_socket.h"

namespace semaphore::probe {

// Frames of 256 bytes: the ring's header and address take 80, which leaves 176 for the packet, more than an
// echo reply of ours needs (IPv4 header with options 60 + ICMP 8 + payload 24). Longer packets are cut
// short, which only someone else's reply can be.
inline constexpr std::size_t kRingFrameSize = 256;

// What read_ring_frame() made of a frame.
enum class RingFrame {
  packet,     // `in` holds the packet, as the ICMP socket of the family would have read it
  skipped,    // not for us: not addressed to this host, or not ICMPv6 after all (behind extension headers)
  malformed,  // an IPv4 packet too short for its header, an ICMPv6 checksum that fails
};

// Reads one frame the kernel handed over (a TPACKET_V2 header, its sockaddr_ll, the packet from the IP
// header at tp_net, tp_snaplen bytes of it). `frame` is kRingFrameSize bytes, aligned as the ring's frames
// are; the header's offsets are the kernel's and trusted. `in` points into the frame. A free function (not
// a member) so that the parsing can be tested and fuzzed without a packet socket: ReplyRing::receive() is
// the only other caller.
RingFrame read_ring_frame(AddressFamily family, const std::uint8_t* frame, Incoming& in);

class ReplyRing {
 public:
  // A ring of about `bytes` (whole blocks, at least one) for echo replies to `identifier`.
  static Result<std::unique_ptr<ReplyRing>> open(AddressFamily family, std::uint16_t identifier,
                                                 std::size_t bytes);
  ~ReplyRing();
  ReplyRing(const ReplyRing&) = delete;
  ReplyRing& operator=(const ReplyRing&) = delete;

  int fd() const { return fd_; }
  AddressFamily family() const { return family_; }
  std::size_t bytes() const { return block_size_ * blocks_; }

  // Hands the frames of the previous batch back to the kernel and takes up to kBatchSize new ones; returns
  // how many. Packet i is valid until the next receive().
  int receive();
  const Incoming& packet(int i) const { return in_[i]; }

  // Replies the kernel dropped because the ring was full, since it opened.
  std::uint32_t drops() const;
  // Packets receive() skipped as malformed (an ICMPv6 checksum that fails, an IPv4 packet cut short)
  // since the last call: the engine counts them with the ones it finds itself.
  std::uint32_t take_malformed() { return std::exchange(malformed_, 0); }

 private:
  ReplyRing(int fd, AddressFamily family, std::size_t block_size, std::size_t blocks, void* map);
  void release();

  int fd_;
  AddressFamily family_;
  std::size_t block_size_, blocks_, frames_;
  std::uint8_t* map_;
  std::size_t next_ = 0;             // the frame to look at next
  int taken_ = 0;                    // frames of the last batch, still ours: [next_ - taken_, next_)
  mutable std::uint32_t drops_ = 0;  // PACKET_STATISTICS resets on each read: the running sum
  std::uint32_t malformed_ = 0;
  std::unique_ptr<Incoming[]> in_;
};

}  // namespace semaphore::probe

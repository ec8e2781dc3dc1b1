#pragma once
// IcmpSocket: one ICMP socket for one address family, with preallocated batches for sendmmsg/recvmmsg.
//
// Two kinds: a raw socket (needs CAP_NET_RAW; we choose the identifier; IPv4 reads include the IP header)
// or an unprivileged ping socket (SOCK_DGRAM, allowed by net.ipv4.ping_group_range; the kernel picks the
// identifier and filters replies by it, and ICMP errors arrive on the error queue). Both are non-blocking,
// carry kernel receive timestamps in nanoseconds (SO_TIMESTAMPING's software stamps: the SO_TIMESTAMPNS
// stamp, in the same control message as the transmit stamps; SO_TIMESTAMPNS itself is the fallback) and
// count receive-queue drops (SO_RXQ_OVFL).
//
// Transmit times: a time taken in user space before sendmmsg is early by however long the kernel takes
// with the packets before it in the batch (up to 0.3 ms per batch of 64), which gave RTT error p99 1.4 ms
// in the benchmark. So the kernel's software transmit stamp (SO_TIMESTAMPING, read from the error queue)
// replaces it when it comes; send() still sets an interpolated time (t0 + (t1 - t0) * (i + 1) / n for
// packet i of n in one sendmmsg call) for a packet whose stamp never comes. By default the kernel queues a
// clone of every sent packet with its stamp; instead each packet carries its own stamp id (SCM_TS_OPT_ID,
// Linux 6.13) and the stamps come back alone (OPT_TSONLY): no packet copy to queue, copy out and parse
// (measured: within noise of the copies, under ~0.2 us per probe; each stamp still costs its own skb).
// Older kernels reject the control message (EINVAL): the socket then falls back to stamps with packets.
#include <sys/socket.h>

#include <cstdint>
#include <memory>
#include <span>

#include "core/ip_address.h"
#include "core/result.h"
#include "probe/icmp_packet.h"
#include "probe/pinger.h"

namespace semaphore::probe {

inline constexpr int kBatchSize = 128;

struct Outgoing {
  sockaddr_storage address{};
  socklen_t address_length = 0;
  std::uint8_t packet[kEchoRequestSize]{};
  std::uint32_t host = 0;  // the engine's bookkeeping: whose probe this is
  std::uint32_t serial = 0;
  std::uint16_t sequence = 0;
  std::int64_t tx_ns = 0;  // set by send(): when this packet left, interpolated over its sendmmsg call
};

struct Incoming {
  std::span<const std::uint8_t> data;
  IpAddress source;        // the sender (error queue: the quoted request's destination)
  std::int64_t rx_ns = 0;  // kernel receive time, CLOCK_REALTIME
  bool from_error_queue = false;
  std::uint8_t error_type = 0, error_code = 0;  // error queue: the ICMP error's type and code
  std::int64_t tx_ns = 0;  // error queue: a transmit timestamp, when not 0: of the packet in `data`, or
  std::uint32_t tx_id = 0;  // when the socket stamps by id, of the packet sent with stamp_id(...) == tx_id
};

// The id a packet's transmit stamp comes back with: its sequence and its serial's low 16 bits.
inline std::uint32_t stamp_id(std::uint16_t sequence, std::uint32_t serial) {
  return (serial << 16) | sequence;
}

class IcmpSocket {
 public:
  // Opens a socket of `kind` (raw or datagram, not automatic) with a receive buffer of `receive_buffer`
  // bytes (forced past rmem_max when privileged). Errors: permission_denied (EPERM/EACCES), unavailable.
  static Result<std::unique_ptr<IcmpSocket>> open(AddressFamily family, SocketKind kind, int receive_buffer,
                                                  std::uint16_t raw_identifier);
  ~IcmpSocket();
  IcmpSocket(const IcmpSocket&) = delete;
  IcmpSocket& operator=(const IcmpSocket&) = delete;

  int fd() const { return fd_; }
  AddressFamily family() const { return family_; }
  SocketKind kind() const { return kind_; }
  // The echo identifier replies will carry (a ping socket's is its kernel-chosen port).
  std::uint16_t identifier() const { return identifier_; }
  bool with_ip_header() const { return kind_ == SocketKind::raw && family_ == AddressFamily::v4; }

  // The send batch: fill slots [0, n) then call send(0, n).
  Outgoing& slot(int i) { return out_[i]; }
  struct SendOutcome {
    int sent = 0;   // slots [first, first + sent) went out
    int error = 0;  // errno of slot first + sent when that is < n (EAGAIN/ENOBUFS: retry later)
  };
  // Sends slots [first, n) with sendmmsg until done or one fails.
  SendOutcome send(int first, int n);

  // Resizes the receive buffer (forced past rmem_max when privileged).
  void set_receive_buffer(int bytes);

  // Reads up to kBatchSize packets without blocking; returns how many (0 when none, -1 on error). Packet i
  // is valid until the next receive call.
  int receive();
  // Reads up to kBatchSize entries of the error queue: transmit timestamps (both kinds; alone with their id,
  // or with the packet, link-layer header included) and ping sockets' ICMP errors.
  int receive_errors();
  const Incoming& packet(int i) const { return in_[i]; }

  // Whether transmit stamps come back alone with their ids (Incoming::tx_id) rather than with the packet.
  bool stamps_by_id() const { return stamps_by_id_; }

  // Packets the kernel dropped because the receive queue was full, since the socket opened.
  std::uint32_t drops() const { return drops_; }

 private:
  IcmpSocket(int fd, AddressFamily family, SocketKind kind, std::uint16_t identifier);
  void read_control(int i, bool error_queue);
  int receive_batch(int flags);
  void stamp_with_packets();


  struct Buffers;
  int fd_;
  AddressFamily family_;
  SocketKind kind_;
  std::uint16_t identifier_;
  std::uint32_t drops_ = 0;
  bool stamps_by_id_ = false;
  std::unique_ptr<Outgoing[]> out_;
  std::unique_ptr<Incoming[]> in_;
  std::unique_ptr<Buffers> buffers_;
};

}  // namespace semaphore::probe

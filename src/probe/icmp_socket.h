#pragma once
// IcmpSocket: one ICMP socket for one address family, with preallocated batches for sendmmsg/recvmmsg.
//
// Two kinds: a raw socket (needs CAP_NET_RAW; we choose the identifier; IPv4 reads include the IP header)
// or an unprivileged ping socket (SOCK_DGRAM, allowed by net.ipv4.ping_group_range; the kernel picks the
// identifier and filters replies by it, and ICMP errors arrive on the error queue). Both are non-blocking,
// carry kernel receive timestamps in nanoseconds (SO_TIMESTAMPING's software stamps: the SO_TIMESTAMPNS
// stamp, in the same control message as the transmit stamps; SO_TIMESTAMPNS itself is the fallback) and
// count receive-queue drops (SO_MEMINFO).
//
// Transmit times: a time taken in user space before sendmmsg is early by however long the kernel takes
// with the packets before it in the batch (up to 0.3 ms per batch of 64), which gave RTT error p99 1.4 ms
// in the benchmark. So the kernel's software transmit stamp (SO_TIMESTAMPING, read from the error queue)
// replaces it when it comes; send() still sets an interpolated time (t0 + (t1 - t0) * (i + 1) / n for
// packet i of n in one sendmmsg call) for a packet whose stamp never comes. Stamps come by id: a packet
// that wants one carries a SO_TIMESTAMPING control message (TX_SOFTWARE) and its own id (SCM_TS_OPT_ID,
// Linux 6.13), and the stamp comes back alone (OPT_TSONLY), with no packet copy. Only some packets of a
// call ask (one in stamp_every, see StampDensity; SequenceMap interpolates the others between stamps).
// Older kernels reject the control message (EINVAL): the socket then stamps every packet, with copies.
#include <sys/socket.h>

#include <cstdint>
#include <ctime>
#include <memory>
#include <span>
#include <string>

#include "core/ip_address.h"
#include "core/result.h"
#include "probe/icmp_packet.h"
#include "probe/pinger.h"

namespace semaphore::probe {

// The engine's one clock, CLOCK_REALTIME in nanoseconds: the clock of the kernel's packet timestamps.
inline std::int64_t realtime_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

inline constexpr int kBatchSize = 128;
// One packet in kStampEvery of a sendmmsg call (and its last) asks for a kernel transmit stamp; the others
// get times interpolated between their stamped neighbours'.
inline constexpr int kStampEvery = 16;

inline constexpr std::size_t kIpv4HeaderSize = 20;

struct Outgoing {
  sockaddr_storage address{};
  socklen_t address_length = 0;
  // Raw IPv4 sockets send the header too (IP_HDRINCL), written by send() right before the packet.
  std::uint8_t ip_header[kIpv4HeaderSize]{};
  std::uint8_t packet[kEchoRequestSize]{};
  std::uint32_t host = 0;  // the engine's bookkeeping: whose probe this is
  std::uint32_t serial = 0;
  std::uint16_t sequence = 0;
  std::int64_t tx_ns = 0;  // set by send(): when this packet left, interpolated over its sendmmsg call
  // Set by send(): for a packet that asked for a transmit stamp, how many slots back the previous one of
  // the same sendmmsg call is (0: none, or not stamped); see SequenceMap::record_send.
  std::uint16_t stamp_gap = 0;
};

struct Incoming {
  std::span<const std::uint8_t> data;
  IpAddress source;        // the sender (error queue: the quoted request's destination)
  std::int64_t rx_ns = 0;  // kernel receive time, CLOCK_REALTIME
  bool from_error_queue = false;
  std::uint8_t error_type = 0, error_code = 0;  // error queue: the ICMP error's type and code
  // Error queue, ICMP errors: the address that sent the error (SO_EE_OFFENDER: a router on the path for a
  // time exceeded); unset otherwise.
  IpAddress offender;
  std::int64_t tx_ns = 0;   // error queue: a transmit timestamp, when not 0: of the packet in `data`, or
  std::uint32_t tx_id = 0;  // when the socket stamps by id, of the packet sent with stamp_id(...) == tx_id
};

// The id a packet's transmit stamp comes back with: its sequence and its serial's low 16 bits.
inline std::uint32_t stamp_id(std::uint16_t sequence, std::uint32_t serial) {
  return (serial << 16) | sequence;
}

// Waits, up to `limit_ms`, until the kernel stamps the packets it receives, and says whether it does.
// The first socket to ask for receive stamps turns the kernel's stamping on through deferred work (a
// kworker), which a busy machine runs milliseconds late; replies received before then carry no stamp and
// would be timed when read. Checked with one UDP datagram to ourselves on 127.0.0.1.
bool wait_for_receive_stamps(int limit_ms);

class IcmpSocket;

// An engine's pair of ICMP sockets, as open_icmp_sockets() chose them.
struct IcmpSockets {
  std::unique_ptr<IcmpSocket> v4, v6;  // v6 null when IPv6 is unavailable (v6_error says why)
  std::string v6_error;
};

// Opens both families' sockets of `kind`: automatic honours $SEMAPHORE_ICMP_SOCKET, else raw then datagram
// (OpenOptions::socket). Without permission for either: Errc::permission_denied naming the fix (setcap or
// the ping_group_range sysctl). Shared by the ping engine (Pinger::open) and the traceroute engine.
Result<IcmpSockets> open_icmp_sockets(SocketKind kind, int receive_buffer);

// How long an engine waits, once open, for the kernel to stamp received packets (wait_for_receive_stamps).
inline constexpr int kReceiveStampsWaitMs = 500;

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

  // The TTL (IPv4) or hop limit (IPv6) of the packets sent from now on (the traceroute engine sets it before
  // each send call, whose packets all share one). Raw IPv4 writes it into the headers it builds; the others
  // set IP_TTL / IPV6_UNICAST_HOPS. False when the kernel refused it.
  bool set_hop_limit(int hops);

  // Resizes the receive buffer (forced past rmem_max when privileged).
  void set_receive_buffer(int bytes);

  // Reads up to kBatchSize packets without blocking; returns how many (0 when none, -1 on error). Packet i
  // is valid until the next receive call.
  int receive();
  // Reads up to kBatchSize entries of the error queue: transmit timestamps (both kinds; alone with their id,
  // or with the packet, link-layer header included) and ping sockets' ICMP errors.
  int receive_errors();
  const Incoming& packet(int i) const { return in_[i]; }

  // One packet in `every` of each send call (and its last) asks for a transmit stamp (StampDensity).
  void set_stamp_every(int every) { stamp_every_ = every; }

  // Whether transmit stamps come back alone with their ids (Incoming::tx_id) rather than with the packet.
  bool stamps_by_id() const { return stamps_by_id_; }

  // Packets the kernel dropped because the receive queue was full, since the socket opened.
  std::uint32_t drops() const;

  // Raw sockets: whether echo replies are queued here (the default) or only ICMP errors, when a ReplyRing
  // takes the replies.
  void pass_echo_replies(bool pass);

 private:
  IcmpSocket(int fd, AddressFamily family, SocketKind kind, std::uint16_t identifier);
  void read_control(int i, bool error_queue);
  int receive_batch(int flags);
  void stamp_with_packets();
  void plan_stamps(int from, int n);
  void write_ipv4_header(Outgoing& out) const;

  struct Buffers;
  int fd_;
  AddressFamily family_;
  SocketKind kind_;
  std::uint16_t identifier_;
  bool stamps_by_id_ = false;
  int header_ttl_ = 0;  // raw IPv4 with IP_HDRINCL: the TTL our headers carry; 0: the kernel builds them
  int stamp_every_ = kStampEvery;
  std::unique_ptr<Outgoing[]> out_;
  std::unique_ptr<Incoming[]> in_;
  std::unique_ptr<Buffers> buffers_;
};

}  // namespace semaphore::probe

#include "probe/icmp_socket.h"

#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <linux/sock_diag.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <ctime>
#include <string>

namespace semaphore::probe {
namespace {

constexpr int kIcmpFilter = 1;  // SOL_RAW ICMP_FILTER from <linux/icmp.h>, which clashes with netinet
constexpr std::size_t kPacketBuffer = 1536;
constexpr std::size_t kControlBuffer = 256;
#ifndef SCM_TS_OPT_ID
constexpr int SCM_TS_OPT_ID = 81;  // <asm-generic/socket.h> since Linux 6.13
#endif
constexpr int kStampFlags =
    SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;
// Stamps by id: receive stamps for every packet, transmit stamps only for the packets whose send asks for
// one (a SO_TIMESTAMPING control message with TX_SOFTWARE, next to SCM_TS_OPT_ID).
constexpr int kStampByIdFlags = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE |
                                SOF_TIMESTAMPING_OPT_ID | SOF_TIMESTAMPING_OPT_TSONLY;
constexpr std::uint32_t kStampRequest = SOF_TIMESTAMPING_TX_SOFTWARE;

// The software stamp of an SCM_TIMESTAMPING control message, in nanoseconds (0: the kernel had none).
std::int64_t software_stamp_ns(const cmsghdr* c) {
  scm_timestamping ts{};
  std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
  return static_cast<std::int64_t>(ts.ts[0].tv_sec) * 1'000'000'000 + ts.ts[0].tv_nsec;
}

// Raw sockets get a copy of every ICMP packet the host receives; the filter keeps only the types we read,
// so the kernel does not wake us for (or queue) echo requests, redirects and the like. Echo replies too,
// when a ReplyRing reads them instead.
void install_filter(int fd, AddressFamily family, bool echo_replies) {
  if (family == AddressFamily::v4) {
    std::uint32_t blocked = ~((echo_replies ? 1u << 0 : 0u) | (1u << 3) | (1u << 11));  // unreachable, TTL
    setsockopt(fd, SOL_RAW, kIcmpFilter, &blocked, sizeof blocked);
  } else {
    icmp6_filter filter{};
    ICMP6_FILTER_SETBLOCKALL(&filter);
    if (echo_replies) ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filter);
    ICMP6_FILTER_SETPASS(ICMP6_DST_UNREACH, &filter);
    ICMP6_FILTER_SETPASS(ICMP6_TIME_EXCEEDED, &filter);
    setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter);
  }
}

}  // namespace

bool wait_for_receive_stamps(int limit_ms) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const int flags = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;
  sockaddr_in self{};
  self.sin_family = AF_INET;
  self.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof self;
  bool stamped = false;
  if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof flags) == 0 &&
      ::bind(fd, reinterpret_cast<sockaddr*>(&self), sizeof self) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&self), &length) == 0) {
    for (int waited = 0; !stamped && waited <= limit_ms; ++waited) {
      const char byte = 0;
      if (::sendto(fd, &byte, 1, 0, reinterpret_cast<sockaddr*>(&self), sizeof self) != 1) break;
      char data = 0;
      iovec iov{&data, 1};
      alignas(cmsghdr) std::uint8_t control[kControlBuffer];
      msghdr m{};
      m.msg_iov = &iov;
      m.msg_iovlen = 1;
      m.msg_control = control;
      m.msg_controllen = sizeof control;
      if (::recvmsg(fd, &m, 0) == 1) {  // loopback delivers within sendto: already queued
        for (cmsghdr* c = CMSG_FIRSTHDR(&m); c != nullptr; c = CMSG_NXTHDR(&m, c)) {
          if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPING) continue;
          stamped = software_stamp_ns(c) != 0;
        }
      }
      if (!stamped) ::usleep(1000);
    }
  }
  ::close(fd);
  return stamped;
}

struct IcmpSocket::Buffers {
  mmsghdr send_headers[kBatchSize]{};
  iovec send_iov[kBatchSize]{};
  mmsghdr receive_headers[kBatchSize]{};
  iovec receive_iov[kBatchSize]{};
  sockaddr_storage names[kBatchSize]{};
  alignas(cmsghdr) std::uint8_t control[kBatchSize][kControlBuffer]{};
  alignas(cmsghdr) std::uint8_t send_control[kBatchSize][2 * CMSG_SPACE(sizeof(std::uint32_t))]{};
  std::uint8_t packets[kBatchSize][kPacketBuffer]{};
};

Result<std::unique_ptr<IcmpSocket>> IcmpSocket::open(AddressFamily family, SocketKind kind,
                                                     int receive_buffer, std::uint16_t raw_identifier) {
  const int domain = family == AddressFamily::v4 ? AF_INET : AF_INET6;
  const int protocol = family == AddressFamily::v4 ? int{IPPROTO_ICMP} : int{IPPROTO_ICMPV6};
  const int type = (kind == SocketKind::raw ? int{SOCK_RAW} : int{SOCK_DGRAM}) | SOCK_NONBLOCK | SOCK_CLOEXEC;
  const int fd = ::socket(domain, type, protocol);
  if (fd < 0) {
    const int error = errno;
    const std::string what = std::string(kind == SocketKind::raw ? "raw" : "ping") + " ICMP" +
                             (family == AddressFamily::v6 ? "v6" : "") + " socket: " + std::strerror(error);
    if (error == EPERM || error == EACCES) return make_error(Errc::permission_denied, what);
    return make_error(Errc::unavailable, what);
  }
  const int on = 1;
  // Kernel timestamps in nanoseconds on receive and on transmit, both in one control message
  // (SO_TIMESTAMPING; SO_TIMESTAMPNS as well would add a second, identical receive stamp to every packet).
  // Transmit stamps by id (see the header) when the kernel knows the options, else with the packet.
  bool by_id = true;
  if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &kStampByIdFlags, sizeof kStampByIdFlags) != 0) {
    by_id = false;
    if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &kStampFlags, sizeof kStampFlags) != 0) {
      setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);  // receive stamps at least
    }
  }
  if (family == AddressFamily::v4) {
    // Don't-fragment: our 52-byte packets never need fragmenting, and with DF the kernel skips hashing a
    // fresh IP identifier for every packet.
    const int pmtu = IP_PMTUDISC_DO;
    setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof pmtu);
  }
  // Raw IPv4: we write the IP header ourselves (IP_HDRINCL), which spares the kernel its general path for
  // building a datagram (ip_append_data and corking) on every probe. It still routes, fills in the source
  // address, the length, the identifier and the header checksum. The TTL is the system's default.
  int header_ttl = 0;
  if (kind == SocketKind::raw && family == AddressFamily::v4) {
    int ttl = 0;
    socklen_t length = sizeof ttl;
    if (getsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, &length) == 0 && ttl > 0 &&
        setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &on, sizeof on) == 0) {
      header_ttl = ttl;
    }
  }
  std::uint16_t identifier = raw_identifier;
  if (kind == SocketKind::raw) {
    install_filter(fd, family, true);
  } else {
    // Ping sockets report ICMP errors on the error queue; their identifier is the port bound here.
    if (family == AddressFamily::v4) {
      setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof on);
    } else {
      setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &on, sizeof on);
    }
    sockaddr_storage local{};
    socklen_t length = IpAddress{family, {}}.to_sockaddr(local, 0);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&local), length) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) != 0) {
      const std::string what = std::string("binding the ping socket: ") + std::strerror(errno);
      ::close(fd);
      return make_error(Errc::unavailable, what);
    }
    identifier = ntohs(family == AddressFamily::v4 ? reinterpret_cast<sockaddr_in*>(&local)->sin_port
                                                   : reinterpret_cast<sockaddr_in6*>(&local)->sin6_port);
  }
  std::unique_ptr<IcmpSocket> socket(new IcmpSocket(fd, family, kind, identifier));
  socket->stamps_by_id_ = by_id;
  socket->header_ttl_ = header_ttl;
  socket->set_receive_buffer(receive_buffer);
  return socket;
}

bool IcmpSocket::set_hop_limit(int hops) {
  if (hops < 1 || hops > 255) return false;
  if (header_ttl_ > 0) {
    header_ttl_ = hops;
    return true;
  }
  if (family_ == AddressFamily::v4) return setsockopt(fd_, IPPROTO_IP, IP_TTL, &hops, sizeof hops) == 0;
  return setsockopt(fd_, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof hops) == 0;
}

void IcmpSocket::set_receive_buffer(int bytes) {
  // SO_RCVBUFFORCE passes rmem_max when we hold CAP_NET_ADMIN; otherwise the capped SO_RCVBUF.
  if (setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) != 0) {
    setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
  }
}

IcmpSocket::IcmpSocket(int fd, AddressFamily family, SocketKind kind, std::uint16_t identifier)
    : fd_(fd),
      family_(family),
      kind_(kind),
      identifier_(identifier),
      out_(new Outgoing[kBatchSize]),
      in_(new Incoming[kBatchSize]),
      buffers_(new Buffers) {
  for (int i = 0; i < kBatchSize; ++i) {
    buffers_->receive_iov[i] = {buffers_->packets[i], kPacketBuffer};
  }
}

void IcmpSocket::stamp_with_packets() {
  stamps_by_id_ = false;
  setsockopt(fd_, SOL_SOCKET, SO_TIMESTAMPING, &kStampFlags, sizeof kStampFlags);
}

void IcmpSocket::pass_echo_replies(bool pass) {
  if (kind_ == SocketKind::raw) install_filter(fd_, family_, pass);
}

std::uint32_t IcmpSocket::drops() const {
  // The socket's drop count, read when asked rather than from a SO_RXQ_OVFL control message on every
  // packet received.
  std::uint32_t meminfo[SK_MEMINFO_VARS]{};
  socklen_t length = sizeof meminfo;
  if (getsockopt(fd_, SOL_SOCKET, SO_MEMINFO, meminfo, &length) != 0 || length <= SK_MEMINFO_DROPS * 4)
    return 0;
  return meminfo[SK_MEMINFO_DROPS];
}

IcmpSocket::~IcmpSocket() {
  ::close(fd_);
}

IcmpSocket::SendOutcome IcmpSocket::send(int first, int n) {
  SendOutcome outcome;
  Buffers& b = *buffers_;
  for (int i = first; i < n; ++i) {
    if (header_ttl_ > 0) {
      write_ipv4_header(out_[i]);
      b.send_iov[i] = {out_[i].ip_header, kIpv4HeaderSize + kEchoRequestSize};
    } else {
      b.send_iov[i] = {out_[i].packet, kEchoRequestSize};
    }
    msghdr& m = b.send_headers[i].msg_hdr;
    m = msghdr{};
    m.msg_name = &out_[i].address;
    m.msg_namelen = out_[i].address_length;
    m.msg_iov = &b.send_iov[i];
    m.msg_iovlen = 1;
  }
  while (first + outcome.sent < n) {
    const int done = first + outcome.sent;
    plan_stamps(done, n);
    const std::int64_t before = realtime_ns();
    const int r = ::sendmmsg(fd_, b.send_headers + done, static_cast<unsigned>(n - done), MSG_DONTWAIT);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno == EINVAL && stamps_by_id_) {  // a kernel before SCM_TS_OPT_ID: stamps with packets
        stamp_with_packets();
        continue;
      }
      outcome.error = errno;
      break;
    }
    const std::int64_t spent = realtime_ns() - before;
    for (int i = 0; i < r; ++i) out_[done + i].tx_ns = before + spent * (i + 1) / r;
    outcome.sent += r;
    if (r == 0) break;
  }
  return outcome;
}

void IcmpSocket::write_ipv4_header(Outgoing& out) const {
  static_assert(offsetof(Outgoing, packet) == offsetof(Outgoing, ip_header) + kIpv4HeaderSize);
  std::uint8_t* h = out.ip_header;
  std::memset(h, 0, kIpv4HeaderSize);
  h[0] = 0x45;  // version 4, 5 words: no options
  const std::uint16_t total = htons(kIpv4HeaderSize + kEchoRequestSize);
  std::memcpy(h + 2, &total, 2);
  const std::uint16_t dont_fragment = htons(0x4000);
  std::memcpy(h + 6, &dont_fragment, 2);
  h[8] = static_cast<std::uint8_t>(header_ttl_);
  h[9] = IPPROTO_ICMP;
  // Identifier, checksum and source stay 0: the kernel fills them in.
  std::memcpy(h + 16, &reinterpret_cast<const sockaddr_in*>(&out.address)->sin_addr, 4);
}

void IcmpSocket::plan_stamps(int from, int n) {
  Buffers& b = *buffers_;
  int previous = -1;
  for (int i = from; i < n; ++i) {
    msghdr& m = b.send_headers[i].msg_hdr;
    Outgoing& out = out_[i];
    // Stamped: the first and last packet of the call and every stamp_every_-th between (with stamps on
    // for the whole socket, as in the fallback, every packet brings its own).
    const bool stamped = stamps_by_id_ && ((i - from) % stamp_every_ == 0 || i == n - 1);
    out.stamp_gap = stamped && previous >= 0 ? static_cast<std::uint16_t>(i - previous) : 0;
    if (!stamped) {
      m.msg_control = nullptr;
      m.msg_controllen = 0;
      continue;
    }
    previous = i;
    m.msg_control = b.send_control[i];
    m.msg_controllen = sizeof b.send_control[i];
    cmsghdr* c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SO_TIMESTAMPING;
    c->cmsg_len = CMSG_LEN(sizeof kStampRequest);
    std::memcpy(CMSG_DATA(c), &kStampRequest, sizeof kStampRequest);
    c = CMSG_NXTHDR(&m, c);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_TS_OPT_ID;
    c->cmsg_len = CMSG_LEN(sizeof(std::uint32_t));
    const std::uint32_t id = stamp_id(out.sequence, out.serial);
    std::memcpy(CMSG_DATA(c), &id, sizeof id);
  }
}

void IcmpSocket::read_control(int i, bool error_queue) {
  Buffers& b = *buffers_;
  msghdr& m = b.receive_headers[i].msg_hdr;
  Incoming& in = in_[i];
  in.rx_ns = 0;
  in.from_error_queue = error_queue;
  in.error_type = in.error_code = 0;
  in.offender = IpAddress{};
  in.tx_ns = 0;
  in.tx_id = 0;
  std::int64_t stamped = 0;
  bool timestamping = false;
  for (cmsghdr* c = CMSG_FIRSTHDR(&m); c != nullptr; c = CMSG_NXTHDR(&m, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
      timespec ts{};
      std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
      in.rx_ns = static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
    } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPING) {
      stamped = software_stamp_ns(c);
    } else if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
               (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR)) {
      sock_extended_err error{};
      std::memcpy(&error, CMSG_DATA(c), sizeof error);
      if (error.ee_origin == SO_EE_ORIGIN_ICMP || error.ee_origin == SO_EE_ORIGIN_ICMP6) {
        in.error_type = error.ee_type;
        in.error_code = error.ee_code;
        // SO_EE_OFFENDER: the sockaddr right after the extended error in the control message.
        const auto* offender = reinterpret_cast<const sockaddr*>(CMSG_DATA(c) + sizeof error);
        in.offender = IpAddress::from_sockaddr(offender).value_or(IpAddress{});
      } else if (error.ee_origin == SO_EE_ORIGIN_TIMESTAMPING) {
        timestamping = true;
        in.tx_id = error.ee_data;
      }
    }
  }
  if (error_queue && timestamping) in.tx_ns = stamped;
  // An ICMP error on the error queue (ping sockets) carries the kernel's receive stamp of the error packet
  // like any packet (the traceroute engine times its hops by it); a transmit stamp's entry has none.
  if (in.rx_ns == 0) in.rx_ns = stamped != 0 && !timestamping ? stamped : realtime_ns();
  in.source = IpAddress::from_sockaddr(reinterpret_cast<const sockaddr*>(&b.names[i])).value_or(IpAddress{});
  in.data = {b.packets[i], b.receive_headers[i].msg_len};
}

int IcmpSocket::receive() {
  return receive_batch(0);
}

int IcmpSocket::receive_batch(int flags) {
  Buffers& b = *buffers_;
  for (int i = 0; i < kBatchSize; ++i) {
    msghdr& m = b.receive_headers[i].msg_hdr;
    m.msg_name = &b.names[i];
    m.msg_namelen = sizeof(sockaddr_storage);
    m.msg_iov = &b.receive_iov[i];
    m.msg_iovlen = 1;
    m.msg_control = b.control[i];
    m.msg_controllen = kControlBuffer;
    m.msg_flags = 0;
  }
  int r;
  do {
    r = ::recvmmsg(fd_, b.receive_headers, kBatchSize, MSG_DONTWAIT | flags, nullptr);
  } while (r < 0 && errno == EINTR);
  if (r < 0) return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
  for (int i = 0; i < r; ++i) read_control(i, flags != 0);
  return r;
}

int IcmpSocket::receive_errors() {
  return receive_batch(MSG_ERRQUEUE);
}

}  // namespace semaphore::probe

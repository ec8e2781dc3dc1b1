#pragma once
// TcpPinger: the Pinger behind Pinger::open_tcp(). TCP connect probes, many at once from one event loop on
// the calling thread (epoll), paced by the same token bucket and `rate` as the ICMP engine. A probe is one
// non-blocking socket and one connect(): the kernel sends the SYN inside the call; the answer is a SYN-ACK
// (the connection completes: the host is up, the port open) or a RST (ECONNREFUSED: the host is up, the
// port closed; counted as received, with its RTT, and marked refused); no answer by the timeout is a lost
// probe. ICMP errors the kernel reports for the SYN (EHOSTUNREACH, ...) end the probe as icmp_errors do.
//
// How a probe is timed (docs/architecture.md §5): Linux gives no packet timestamps for a connect (transmit
// stamps are for data a socket sends, receive stamps for data it reads; the handshake has neither). What it
// does give is the kernel's own RTT sample of the handshake: TCP_INFO's tcpi_rtt, after a SYN-ACK, is the
// first sample of the smoothed RTT, which is that sample itself, in microseconds, from the SYN's transmit
// time (stamped by TCP as it hands the SYN to IP) to the SYN-ACK's processing in the receive softirq. So a
// SYN-ACK's RTT is kernel-timed, and reading it a tick late costs nothing. A RST carries no RTT sample (the
// socket is reset before the ACK is processed), so its RTT is user-space: CLOCK_REALTIME right after
// connect() returns to the loop's wake-up by epoll; the loop therefore waits on epoll, not on a tick, and
// polls for events between sends. The same holds for a SYN-ACK that answers a SYN the kernel retransmitted
// (after 1 s; only with a timeout above that: with a timeout up to 1 s an unanswered socket is closed 30 ms
// before the retransmit, so a SYN goes out once): Karn's rule leaves no clean sample, so it is timed from
// the first SYN by our clock. Both kinds count in EngineCounters::user_space_rtts.
//
// Closing: every socket is closed as soon as its probe ends, with SO_LINGER {on, 0} set when it is made.
// Once connected, close() then sends a RST and frees the socket at once: no FIN handshake and no TIME_WAIT
// (60 s of a socket and a port per probe on our side; 10,000 hosts a minute would keep 10,000 of them).
// Still in SYN_SENT (a timeout, a stop), close() sends nothing. The far end sees a connection accepted and
// reset, with no data. A half-open design (a raw SYN, the kernel's own RST to the SYN-ACK) would spare the
// far end the accept but needs CAP_NET_RAW and its own matching; connect() needs no privilege.
//
// Bounded: at most max_open_sockets probes in flight (each one descriptor); a due probe waits for a socket
// to close. A socket() that fails for want of descriptors, or a connect() for want of a local port, is
// tried again 1 ms later, not counted. Every socket is closed on every path: answer, error, timeout, stop,
// and an exception out of the loop (the run's socket table closes what is left).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "probe/pinger.h"
#include "probe/resolver.h"

namespace semaphore::probe {

class TcpPinger final : public Pinger {
 public:
  TcpPinger(int epoll_fd, std::unique_ptr<Resolver> resolver, const TcpOpenOptions& options);
  ~TcpPinger() override;
  TcpPinger(const TcpPinger&) = delete;
  TcpPinger& operator=(const TcpPinger&) = delete;

  std::vector<HostResult> run(std::span<const PingRequest> requests, const PingOptions& options,
                              std::stop_token stop) override;
  std::unique_ptr<CompactResults> run_compact(const HostList& hosts, const PingOptions& options,
                                              std::stop_token stop) override;
  EngineCounters counters() const override { return counters_; }
  SocketKind socket_kind() const override { return SocketKind::tcp; }

  struct Run;  // one run's state (tcp_engine.cpp)

 private:
  void execute(Run& run, std::stop_token stop);
  void start_resolution(Run& run);
  void take_answers(Run& run, std::int64_t now_ns);
  void accept_address(Run& run, std::uint32_t host, const IpAddress& address, std::int64_t now_ns);
  void send_due(Run& run, std::int64_t now_ns);
  bool send_one(Run& run, std::uint32_t host, std::int64_t now_ns);
  void drain_events(Run& run);
  // Settles the probe in `slot` (connect()'s outcome `error`, seen at `now_ns`) and closes its socket.
  void finish(Run& run, std::uint32_t slot, int error, std::int64_t now_ns);
  void expire(Run& run, std::int64_t now_ns);
  void fail(Run& run, std::uint32_t host, HostError error, std::string detail);

  int epoll_fd_;
  std::unique_ptr<Resolver> resolver_;
  std::uint16_t port_;
  int max_open_;
  EngineCounters counters_;
};

}  // namespace semaphore::probe

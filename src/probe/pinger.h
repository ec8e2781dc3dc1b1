#pragma once
// The ping engine's public face, used by `semaphore ping` and by the ping service (src/monitor).
// CONTRACT (keep these names and meanings; fields may be added): one Pinger owns one ICMP socket per address
// family and a DNS resolver; run() pings a batch of hosts and returns one HostResult per request, in order.
// Pinger::open_tcp() gives the same interface over TCP connect probes (tcp_engine.h): a probe is a SYN, its
// answer a SYN-ACK (port open) or a RST (port closed: refused, still an answer), its loss a timeout.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "core/ip_address.h"
#include "core/result.h"
#include "core/rtt_stats.h"
#include "core/target.h"

namespace semaphore::probe {

enum class FamilyPreference { any, v4_only, v6_only };

inline constexpr int kEchoRequestBytes = 32;  // ICMP header and payload of each echo request we send

// Which ICMP sockets the engine uses: raw (CAP_NET_RAW) or unprivileged ping sockets (SOCK_DGRAM, allowed by
// net.ipv4.ping_group_range). automatic tries raw, then datagram.
// tcp: a TCP pinger's (Pinger::open_tcp), one non-blocking TCP socket per probe.
enum class SocketKind { automatic, raw, datagram, tcp };
const char* to_string(SocketKind kind);  // "automatic", "raw", "datagram", "tcp"

struct OpenOptions {
  // automatic honours $SEMAPHORE_ICMP_SOCKET ("raw" or "dgram") when set, so that tests and operators can
  // force one path; otherwise raw, then datagram.
  SocketKind socket = SocketKind::automatic;
  std::string
      dns_servers;  // empty: the system resolver (resolv.conf); else "127.0.0.1:5353,..." (c-ares CSV)
};

// What a TCP pinger needs beyond a resolver: the port it probes and how many sockets it may hold open.
struct TcpOpenOptions {
  std::uint16_t port = 443;  // the port of every probe whose PingRequest names none
  // At most this many probes in flight, each one socket (a descriptor) from its SYN to its answer or its
  // timeout: probes due beyond it wait for a socket to close. The process's other users of descriptors (the
  // web server's connections, the database, the ICMP engine) need theirs (see web/server/fd_budget.h), so
  // the default is small; `semaphore ping --tcp`, alone in its process, raises it from its open-file limit.
  int max_open_sockets = 128;
  std::string dns_servers;  // as OpenOptions::dns_servers
};

// Why a host has no (or not every) reply. Stored as text in ping_results.error by the service.
enum class HostError {
  none,             // at least one reply came back
  unresolvable,     // the name did not resolve (NXDOMAIN, no address of the wanted family, DNS timeout)
  refused_address,  // resolved to an address the target policy refuses (metadata, link-local, ...)
  unreachable,      // every probe got ICMP destination unreachable (or TTL exceeded)
  timeout,          // probes were sent and nothing came back in time
  send_failed,      // the kernel refused to send (no route, ...)
};
const char* to_string(HostError error);  // "unresolvable", "refused", "unreachable", "timeout", "send failed"

// What one run can hold: the engine names a host in 24 bits (its heap entries) and a probe in 32 (the
// serial in each payload, with one value kept for "none"). A larger run sends nothing and fails every host
// with send_failed and a detail saying why; callers that take user input check fits_one_run() first.
inline constexpr std::uint64_t kMaxHostsPerRun = std::uint64_t{1} << 24;
inline constexpr std::uint64_t kMaxProbesPerRun = 0xffffffffull - 1;
inline bool fits_one_run(std::uint64_t hosts, std::uint64_t probes_per_host) {
  return hosts <= kMaxHostsPerRun && hosts * probes_per_host <= kMaxProbesPerRun;
}
// Why a run that does not fit cannot run: "3 hosts x 2147483647 probes is more than one run can hold (...)".
std::string run_too_large(std::uint64_t hosts, std::uint64_t probes_per_host);

struct PingRequest {
  std::string host;  // a hostname or an IP literal
  // When this host's first probe may go out, counted from the start of run(); the service spreads a round's
  // hosts over its interval with it (a stable random phase per host).
  std::chrono::microseconds start_offset{0};
  std::uint16_t port = 0;  // TCP pingers: the port to probe; 0: the pinger's (TcpOpenOptions::port)
};

struct PingOptions {
  int count = 3;                                                         // probes per host
  std::chrono::microseconds per_host_interval{std::chrono::seconds(1)};  // between one host's probes
  std::chrono::microseconds timeout{std::chrono::seconds(1)};  // how long a probe waits for its reply
  double rate = 10000;                                         // global cap, probes per second
  FamilyPreference family = FamilyPreference::any;
  // When set, every resolved address is checked against it (on every resolution) and refused hosts get
  // HostError::refused_address without a probe sent.
  std::optional<TargetPolicy> policy;
  // The sockets' receive buffers; 0: room for a quarter second of replies at `rate` (1 to 32 MiB). A reply
  // that finds the buffer full is dropped by the kernel: counted in EngineCounters::receive_drops and
  // missing from its host's results.
  int receive_buffer_bytes = 0;
  // Raw sockets: whether echo replies are read from a packet socket's ring (ReplyRing) rather than one by
  // one from the ICMP socket. automatic: for runs of 1,024 probes and more, where it repays its setup.
  enum class ReplyRing { automatic, always, never };
  ReplyRing reply_ring = ReplyRing::automatic;
};

struct HostResult {
  std::string host;
  std::optional<IpAddress> address;  // what was pinged, when the name resolved
  HostError error = HostError::none;
  std::string error_detail;  // human text: the DNS error, the ICMP error, ...
  int sent = 0;
  int received = 0;
  std::vector<double> rtts_ms;  // one per probe sent, in order; NaN where that probe got no reply
  int late = 0;                 // replies that came after their probe's timeout (never counted as received)
  int duplicates = 0;           // extra replies to an already answered probe
  int icmp_errors = 0;          // unreachable / TTL exceeded answers
  int send_errors = 0;          // probes the kernel refused to send (not counted in sent)
  // TCP: answers that were a RST (the host is up, the port closed); counted in received, with their RTT.
  int refused = 0;
  std::vector<bool> refused_probes;  // TCP: one per rtts_ms entry, true where that answer was a RST

  // Summary of the replies that came back; nullopt when none did.
  std::optional<RttSummary> summary() const;
};

// Hostnames back to back in one buffer: about 4 bytes per host beyond the name itself, where a
// PingRequest takes 40. For run_compact(), whose hosts all start at once (no start_offset).
struct HostList {
  std::string names;
  std::vector<std::uint32_t> ends;  // name i is names[ends[i - 1], ends[i])

  std::size_t size() const { return ends.size(); }
  std::string_view name(std::size_t i) const {
    const std::uint32_t begin = i == 0 ? 0 : ends[i - 1];
    return std::string_view(names).substr(begin, ends[i] - begin);
  }
  void add(std::string_view name) {
    names.append(name);
    ends.push_back(static_cast<std::uint32_t>(names.size()));
  }
};

// What run_compact() returns: every host's result in flat arrays (tens of bytes per host), one HostResult
// built at a time, so that printing 100,000 hosts needs no vector<HostResult>.
class CompactResults {
 public:
  virtual ~CompactResults() = default;
  virtual std::size_t size() const = 0;
  // Host i's result, as run() would have returned it; `out`'s storage is reused.
  virtual void get(std::size_t i, HostResult& out) const = 0;
};

// Cumulative since open(); for the service's metrics.
struct EngineCounters {
  std::uint64_t sent = 0, received = 0, late = 0, duplicates = 0, malformed = 0, foreign = 0, icmp_errors = 0,
                send_errors = 0, receive_drops = 0, dns_failures = 0;
  // Replies whose RTT started from our own estimate of the send time, because no kernel transmit stamp
  // (its own or two neighbours' to interpolate between) came: less exact, by up to a send call's length.
  std::uint64_t estimated_send_times = 0;
  // Packets read from the reply rings (raw sockets: echo replies come through a packet socket's ring, see
  // ReplyRing); 0 when the replies come through the ICMP sockets.
  std::uint64_t ring_packets = 0;
  // ICMP errors about our probes that could not be verified (a quote too short to carry the payload, a
  // wrong cookie, sequence or send time): never matched, so that nobody can mark a probe failed by forging
  // one. icmp_errors counts the verified ones.
  std::uint64_t unverified_errors = 0;
  // TCP pingers: answers that were a RST (also in received); answers timed by the user-space clock (a RST
  // leaves the kernel's RTT unmeasured, see tcp_engine.h), and the most sockets open at once.
  std::uint64_t refused = 0, user_space_rtts = 0, open_sockets_peak = 0;
};

class Pinger {
 public:
  virtual ~Pinger() = default;

  // Opens the sockets: a raw ICMP socket (needs CAP_NET_RAW), else an unprivileged ping socket
  // (net.ipv4.ping_group_range). When neither is allowed: Errc::permission_denied whose message names the fix
  // (`setcap cap_net_raw+ep <binary>` or the sysctl).
  static Result<std::unique_ptr<Pinger>> open();
  static Result<std::unique_ptr<Pinger>> open(const OpenOptions& options);
  // A TCP connect pinger (tcp_engine.h): needs no privilege. Fails only when the event loop's epoll
  // instance or the resolver cannot be made.
  static Result<std::unique_ptr<Pinger>> open_tcp(const TcpOpenOptions& options);

  // Pings every request `options.count` times and blocks until each probe is answered or timed out.
  // A stop request ends the run early: probes not yet sent are not sent, and sent == what went out.
  virtual std::vector<HostResult> run(std::span<const PingRequest> requests, const PingOptions& options,
                                      std::stop_token stop = {}) = 0;

  // run() for large one-shot runs (`semaphore ping`): the same probes, the same results, with per-host
  // state kept compact. `hosts` must outlive the returned results. The default goes through run().
  virtual std::unique_ptr<CompactResults> run_compact(const HostList& hosts, const PingOptions& options,
                                                      std::stop_token stop = {});

  virtual EngineCounters counters() const = 0;

  // The kind of socket open() settled on (raw or datagram; tcp for open_tcp()).
  virtual SocketKind socket_kind() const = 0;
};

}  // namespace semaphore::probe

#include "probe/tcp_engine.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <limits>

#include "probe/engine_run.h"

namespace semaphore::probe {
namespace {

constexpr int kMaxDnsInFlight = 256;
constexpr std::int64_t kRetryNs = 1'000'000;  // after running out of descriptors or local ports
constexpr int kEventBatch = 256;
// Sends between two looks at the sockets' events: a RST is timed when the loop sees it, so the loop does
// not spend long sending while one waits (a connect() costs some microseconds).
constexpr int kSendsPerEventCheck = 4;
// A backlog of due probes is sent when this many tokens are there, not one wake-up per token.
constexpr double kSendBurst = 16;
// The kernel retransmits an unanswered SYN when its first RTO (TCP_TIMEOUT_INIT, 1 s) fires; the timer wheel
// fires it from one tick early (4 ms at HZ=250, 10 ms at HZ=100) to some ticks late. A probe whose timeout
// is at most that second is over before the retransmit: its socket is closed this long before the RTO, so
// that its SYN goes out once (bench/tcp_vs_peers found 1 probe in 8 sent twice at the default 1 s timeout).
constexpr std::int64_t kSynRtoNs = 1'000'000'000;
constexpr std::int64_t kSynRetransmitGuardNs = 30'000'000;

struct Later {
  bool operator()(std::uint64_t a, std::uint64_t b) const { return a > b; }
};

// A heap entry: microseconds since the run's start in the high 40 bits, the host in the low 24 (as the ICMP
// engine's Due).
constexpr int kHostBits = 24;
std::uint64_t due_key(std::int64_t due_ns, std::int64_t start_ns, std::uint32_t host) {
  const std::int64_t us = due_ns > start_ns ? (due_ns - start_ns) / 1000 : 0;
  const std::uint64_t capped = std::min<std::uint64_t>(static_cast<std::uint64_t>(us), (1ull << 40) - 1);
  return capped << kHostBits | host;
}
std::int64_t due_ns_of(std::uint64_t key, std::int64_t start_ns) {
  return start_ns + static_cast<std::int64_t>(key >> kHostBits) * 1000;
}
std::uint32_t host_of(std::uint64_t key) {
  return static_cast<std::uint32_t>(key & ((1u << kHostBits) - 1));
}

bool out_of_descriptors(int error) {
  return error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM;
}

}  // namespace

// One probe in flight: its socket and what its answer is matched to. The epoll event carries the slot and
// its generation, so an event can never be taken for a later probe's.
struct TcpSlot {
  int fd = -1;
  std::uint32_t serial = 0;
  std::uint32_t generation = 0;
  std::uint32_t host = 0;
  std::int64_t sent_ns = 0;  // CLOCK_REALTIME as connect() returned: the SYN has left
};

struct TcpPinger::Run {
  Run(const HostInput& h, std::span<const std::uint16_t> p, std::uint16_t default_port, HostTable& t,
      const PingOptions& o, int max_open, std::int64_t now)
      : hosts(h),
        ports(p),
        port(default_port),
        table(t),
        options(o),
        start_ns(now),
        bucket(
            o.rate > 0 ? o.rate : 1e12,
            std::clamp(4 * o.rate * static_cast<double>(send_tick_ns(o.rate)) / 1e9, 1.0, 4.0 * kBatchSize),
            now) {
    slots.resize(static_cast<std::size_t>(std::max(1, max_open)));
    free_slots.reserve(slots.size());
    for (std::size_t i = slots.size(); i-- > 0;) free_slots.push_back(static_cast<std::uint32_t>(i));
  }
  // Whatever is still open (an exception out of the loop): closed, so no run leaves a socket behind.
  ~Run() {
    for (TcpSlot& slot : slots) {
      if (slot.fd >= 0) ::close(slot.fd);
    }
  }
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;

  std::uint16_t port_of(std::uint32_t host) const {
    return host < ports.size() && ports[host] != 0 ? ports[host] : port;
  }

  const HostInput& hosts;
  std::span<const std::uint16_t> ports;  // per host (run()), or empty (run_compact(): the default)
  std::uint16_t port;
  HostTable& table;
  const PingOptions& options;
  std::int64_t start_ns;
  std::int64_t timeout_ns = 0, interval_ns = 0;
  std::int64_t close_after_ns = 0;  // an unanswered probe's socket lives this long (kSynRetransmitGuardNs)
  std::uint32_t count = 0;
  TokenBucket bucket;
  LocalBroadcasts broadcasts;
  std::vector<std::uint32_t> dns_queue;
  std::size_t dns_next = 0;
  std::vector<std::uint64_t> heap;
  std::vector<TcpSlot> slots;
  std::vector<std::uint32_t> free_slots;
  std::uint64_t in_flight = 0;
  // Probes in send order with their deadlines: one timeout for all, so the earliest is always in front.
  struct Deadline {
    std::int64_t at_ns;
    std::uint32_t slot, generation;
  };
  std::deque<Deadline> deadlines;
  std::int64_t blocked_until_ns = 0;  // no descriptor or local port until then
};

Result<std::unique_ptr<Pinger>> Pinger::open_tcp(const TcpOpenOptions& options) {
  if (options.port == 0) return make_error(Errc::invalid_argument, "TCP port 0 cannot be probed");
  const int epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd < 0)
    return make_error(Errc::unavailable, std::string("epoll_create1: ") + std::strerror(errno));
  auto resolver = Resolver::create(options.dns_servers);
  if (!resolver) {
    ::close(epoll_fd);
    return resolver.error();
  }
  return std::unique_ptr<Pinger>(new TcpPinger(epoll_fd, std::move(*resolver), options));
}

TcpPinger::TcpPinger(int epoll_fd, std::unique_ptr<Resolver> resolver, const TcpOpenOptions& options)
    : epoll_fd_(epoll_fd),
      resolver_(std::move(resolver)),
      port_(options.port),
      max_open_(std::max(1, options.max_open_sockets)) {}

TcpPinger::~TcpPinger() {
  ::close(epoll_fd_);
}

std::vector<HostResult> TcpPinger::run(std::span<const PingRequest> requests, const PingOptions& options,
                                       std::stop_token stop) {
  const RequestInput input(requests);
  std::vector<std::uint16_t> ports(requests.size());
  for (std::size_t i = 0; i < requests.size(); ++i) ports[i] = requests[i].port;
  HostTable table;
  {
    Run run(input, ports, port_, table, options, max_open_, realtime_ns());
    execute(run, std::move(stop));
  }
  std::vector<HostResult> results(requests.size());
  for (std::uint32_t i = 0; i < requests.size(); ++i) table.fill(i, requests[i].host, results[i]);
  return results;
}

std::unique_ptr<CompactResults> TcpPinger::run_compact(const HostList& hosts, const PingOptions& options,
                                                       std::stop_token stop) {
  const ListInput input(hosts);
  HostTable table;
  {
    Run run(input, {}, port_, table, options, max_open_, realtime_ns());
    execute(run, std::move(stop));
  }
  return std::make_unique<TableResults>(hosts, std::move(table));
}

void TcpPinger::fail(Run& run, std::uint32_t host, HostError error, std::string detail) {
  run.table.states[host].error = static_cast<std::uint8_t>(error);
  run.table.details[host] = std::move(detail);
}

void TcpPinger::execute(Run& run, std::stop_token stop) {
  const PingOptions& options = run.options;
  const std::size_t hosts = run.hosts.size();
  run.count = static_cast<std::uint32_t>(std::max(0, options.count));
  run.timeout_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(options.timeout).count();
  run.interval_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(options.per_host_interval).count();
  run.close_after_ns = run.timeout_ns <= kSynRtoNs
                           ? std::min(run.timeout_ns, kSynRtoNs - kSynRetransmitGuardNs)
                           : run.timeout_ns;
  if (run.count == 0 || hosts == 0) {
    run.table.reset(hosts, 0, true);
    return;
  }
  if (!fits_one_run(hosts, run.count)) {
    run.table.reset(hosts, 0, true);
    for (HostState& state : run.table.states) state.error = static_cast<std::uint8_t>(HostError::send_failed);
    run.table.run_detail = "not sent: " + run_too_large(hosts, run.count);
    return;
  }
  run.table.reset(hosts, run.count, true);
  if (options.policy) run.broadcasts = LocalBroadcasts::read();
  run.heap.reserve(hosts);
  for (std::uint32_t i = 0; i < hosts; ++i) {
    const std::string_view name = run.hosts.name(i);
    if (auto literal = IpAddress::parse(name)) {
      accept_address(run, i, *literal, run.start_ns);
      continue;
    }
    auto target = parse_target(name);
    if (!target) {
      fail(run, i, HostError::unresolvable, target.error().message);
      ++counters_.dns_failures;
    } else if (target->kind != TargetKind::hostname) {
      accept_address(run, i, *IpAddress::parse(target->text), run.start_ns);
    } else {
      run.dns_queue.push_back(i);
    }
  }

  constexpr int kPollFds = 16;  // the resolver's sockets, then the epoll instance
  pollfd fds[kPollFds];
  while (!stop.stop_requested()) {
    start_resolution(run);
    take_answers(run, realtime_ns());
    drain_events(run);
    expire(run, realtime_ns());
    send_due(run, realtime_ns());
    const std::int64_t now = realtime_ns();
    const bool resolving = run.dns_next < run.dns_queue.size() || resolver_->in_flight() > 0;
    if (!resolving && run.heap.empty() && run.in_flight == 0) break;

    std::int64_t wake = now + kIdleTickNs;
    if (!run.heap.empty() && !run.free_slots.empty()) {
      std::int64_t next = due_ns_of(run.heap.front(), run.start_ns);
      if (next <= now) {
        next = run.bucket.ready_ns(now, std::min<double>(kSendBurst, static_cast<double>(run.heap.size())));
      }
      wake = std::min(wake, std::max(next, run.blocked_until_ns));
    }
    if (!run.deadlines.empty()) wake = std::min(wake, run.deadlines.front().at_ns);
    const std::int64_t wait = resolver_->timeout_ns(std::max<std::int64_t>(0, wake - now));
    const int n = resolver_->fill_pollfds(fds, kPollFds - 1);
    fds[n] = pollfd{epoll_fd_, POLLIN, 0};
    const int polled = n + 1;
    const timespec ts{static_cast<time_t>(wait / 1'000'000'000), static_cast<long>(wait % 1'000'000'000)};
    if (::ppoll(fds, static_cast<nfds_t>(polled), &ts, nullptr) >= 0 || errno == EINTR) {
      if (fds[n].revents != 0) drain_events(run);  // first: a RST's time is when the loop sees it
      resolver_->process(fds, n);
    }
  }
  // Stopped or done: whatever is still in flight is closed now (a stopped run's probes count as lost).
  for (TcpSlot& slot : run.slots) {
    if (slot.fd < 0) continue;
    ::close(slot.fd);
    slot.fd = -1;
  }
  run.in_flight = 0;
  resolver_->cancel_all();
}

void TcpPinger::start_resolution(Run& run) {
  while (run.dns_next < run.dns_queue.size() && resolver_->in_flight() < kMaxDnsInFlight) {
    const std::uint32_t host = run.dns_queue[run.dns_next++];
    auto target = parse_target(run.hosts.name(host));
    resolver_->resolve(target->text, run.options.family, host);
  }
}

void TcpPinger::take_answers(Run& run, std::int64_t now_ns) {
  for (Resolver::Answer& answer : resolver_->answers()) {
    if (answer.address) {
      accept_address(run, answer.tag, *answer.address, now_ns);
    } else {
      fail(run, answer.tag, HostError::unresolvable, std::move(answer.error));
      ++counters_.dns_failures;
    }
  }
  resolver_->answers().clear();
}

void TcpPinger::accept_address(Run& run, std::uint32_t host, const IpAddress& resolved, std::int64_t now_ns) {
  const IpAddress address = resolved.unmapped();
  const FamilyPreference want = run.options.family;
  if ((want == FamilyPreference::v4_only && address.family != AddressFamily::v4) ||
      (want == FamilyPreference::v6_only && address.family != AddressFamily::v6)) {
    fail(run, host, HostError::unresolvable,
         want == FamilyPreference::v4_only ? "no IPv4 address" : "no IPv6 address");
    ++counters_.dns_failures;
    return;
  }
  run.table.addresses[host] = address;
  run.table.states[host].has_address = true;
  if (run.options.policy) {
    if (auto allowed = check_target_address(address, *run.options.policy); !allowed) {
      fail(run, host, HostError::refused_address, allowed.error().message);
      return;
    }
    if (const std::string* interface = run.broadcasts.interface_of(address)) {
      fail(run, host, HostError::refused_address,
           address.to_string() + " is the broadcast address of " + *interface + " and cannot be monitored");
      return;
    }
  }
  run.heap.push_back(due_key(std::max(now_ns, run.start_ns + run.hosts.offset_ns(host)), run.start_ns, host));
  std::push_heap(run.heap.begin(), run.heap.end(), Later{});
}

void TcpPinger::send_due(Run& run, std::int64_t now_ns) {
  if (now_ns < run.blocked_until_ns) return;
  std::int64_t budget = run.bucket.available(now_ns);
  int since_check = 0;
  while (budget > 0 && !run.heap.empty() && !run.free_slots.empty() &&
         due_ns_of(run.heap.front(), run.start_ns) <= now_ns) {
    const std::uint32_t host = host_of(run.heap.front());
    std::pop_heap(run.heap.begin(), run.heap.end(), Later{});
    run.heap.pop_back();
    if (!send_one(run, host, now_ns)) {  // no descriptor or port now: the same probe again shortly
      run.blocked_until_ns = now_ns + kRetryNs;
      run.heap.push_back(due_key(run.blocked_until_ns, run.start_ns, host));
      std::push_heap(run.heap.begin(), run.heap.end(), Later{});
      break;
    }
    --budget;
    run.bucket.take(1);
    if (++since_check == kSendsPerEventCheck) {
      since_check = 0;
      drain_events(run);
    }
  }
}

// Sends host's next probe; false when it could not be tried for want of a descriptor or a local port.
bool TcpPinger::send_one(Run& run, std::uint32_t host, std::int64_t now_ns) {
  HostTable& table = run.table;
  const std::uint32_t serial = host * run.count + table.states[host].attempts;
  const IpAddress& address = table.addresses[host];
  auto schedule_next = [&](std::int64_t from_ns) {
    if (++table.states[host].attempts >= run.count) return;
    run.heap.push_back(due_key(from_ns + run.interval_ns, run.start_ns, host));
    std::push_heap(run.heap.begin(), run.heap.end(), Later{});
  };
  auto send_failed = [&](const char* what, int error) {
    table.rtts_us[serial] = kSendFailed;
    ++counters_.send_errors;
    table.details[host] = std::string(what) + ": " + std::strerror(error);
    schedule_next(now_ns);
  };

  const int family = address.family == AddressFamily::v4 ? AF_INET : AF_INET6;
  const int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
  if (fd < 0) {
    if (out_of_descriptors(errno)) return false;
    send_failed("socket", errno);  // EAFNOSUPPORT: no IPv6 here
    return true;
  }
  // Abortive close: see tcp_engine.h (no TIME_WAIT on our side; a socket still in SYN_SENT sends nothing).
  const linger abortive{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive);
  const std::uint32_t index = run.free_slots.back();
  TcpSlot& slot = run.slots[index];
  ++slot.generation;
  epoll_event event{};
  event.events = EPOLLOUT;  // connected; an error (refused, unreachable) comes as EPOLLERR | EPOLLHUP
  event.data.u64 = static_cast<std::uint64_t>(slot.generation) << 32 | index;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) {
    const int error = errno;
    ::close(fd);
    if (out_of_descriptors(error)) return false;
    send_failed("epoll", error);
    return true;
  }
  sockaddr_storage to{};
  const socklen_t to_length = address.to_sockaddr(to);
  reinterpret_cast<sockaddr_in*>(&to)->sin_port = htons(run.port_of(host));  // same offset for sin6_port
  const std::int64_t before_ns = realtime_ns();
  const int connected = ::connect(fd, reinterpret_cast<const sockaddr*>(&to), to_length);
  const int error = connected == 0 ? 0 : errno;
  const std::int64_t after_ns = realtime_ns();
  if (connected != 0 && error != EINPROGRESS && error != ECONNREFUSED) {
    ::close(fd);
    if (error == EADDRNOTAVAIL || error == EAGAIN) return false;  // no local port free now
    send_failed("connect", error);
    return true;
  }
  // The SYN went out inside connect().
  run.free_slots.pop_back();
  slot.fd = fd;
  slot.serial = serial;
  slot.host = host;
  slot.sent_ns = after_ns;
  table.rtts_us[serial] = kPending;
  ++run.in_flight;
  counters_.open_sockets_peak = std::max<std::uint64_t>(counters_.open_sockets_peak, run.in_flight);
  ++counters_.sent;
  schedule_next(after_ns);
  run.deadlines.push_back({after_ns + run.close_after_ns, index, slot.generation});
  if (connected == 0 || error == ECONNREFUSED) {
    // Answered within the call (loopback: the whole handshake can run in connect()'s softirq). The error
    // is consumed by connect() (SO_ERROR would say 0 now): settled here, timed from the call's start.
    slot.sent_ns = before_ns;
    finish(run, index, error, after_ns);
  }
  return true;
}

void TcpPinger::drain_events(Run& run) {
  epoll_event events[kEventBatch];
  for (;;) {
    const int n = ::epoll_wait(epoll_fd_, events, kEventBatch, 0);
    const std::int64_t now_ns = realtime_ns();  // a RST's arrival, as near as user space can tell
    for (int i = 0; i < n; ++i) {
      const auto index = static_cast<std::uint32_t>(events[i].data.u64);
      const auto generation = static_cast<std::uint32_t>(events[i].data.u64 >> 32);
      if (index >= run.slots.size()) continue;
      TcpSlot& slot = run.slots[index];
      if (slot.fd < 0 || slot.generation != generation) continue;
      int error = 0;
      socklen_t length = sizeof error;
      ::getsockopt(slot.fd, SOL_SOCKET, SO_ERROR, &error, &length);
      if (error == EINPROGRESS || error == EALREADY) continue;  // not decided yet (not expected)
      finish(run, index, error, now_ns);
    }
    if (n < kEventBatch) return;
  }
}

void TcpPinger::finish(Run& run, std::uint32_t index, int error, std::int64_t now_ns) {
  TcpSlot& slot = run.slots[index];
  std::int64_t rtt_ns = now_ns - slot.sent_ns;
  bool kernel_time = false;
  if (error == 0) {
    // Connected: the kernel's RTT sample of the handshake (see tcp_engine.h), unless the SYN was
    // retransmitted (no clean sample then) or the kernel took none.
    tcp_info info{};
    socklen_t info_length = sizeof info;
    if (::getsockopt(slot.fd, IPPROTO_TCP, TCP_INFO, &info, &info_length) == 0 &&
        info.tcpi_total_retrans == 0 && info.tcpi_rtt > 0) {
      rtt_ns = static_cast<std::int64_t>(info.tcpi_rtt) * 1000;
      kernel_time = true;
    }
  }
  const std::uint32_t host = slot.host;
  HostState& state = run.table.states[host];
  std::uint32_t& rtt_slot = run.table.rtts_us[slot.serial];
  if (error == 0 || error == ECONNREFUSED) {
    if (rtt_ns > run.timeout_ns) {
      saturating_increment(state.late);
      ++counters_.late;
    } else {
      const std::int64_t us = (std::max<std::int64_t>(0, rtt_ns) + 500) / 1000;
      rtt_slot = static_cast<std::uint32_t>(std::min<std::int64_t>(us, kMaxRttUs));
      ++counters_.received;
      if (!kernel_time) ++counters_.user_space_rtts;
      if (error == ECONNREFUSED) {
        run.table.refused[slot.serial] = true;
        ++counters_.refused;
      }
    }
  } else if (error == ETIMEDOUT) {
    // The kernel gave up on its SYN retransmits before our timeout (timeouts of minutes): lost.
  } else {
    // An ICMP error about the SYN (EHOSTUNREACH, ENETUNREACH, ...), or a reset of what connected.
    rtt_slot = kIcmpError;
    ++counters_.icmp_errors;
    run.table.details[host] = std::string("connect: ") + std::strerror(error);
  }
  ::close(slot.fd);  // also leaves the epoll set; abortive (SO_LINGER {1, 0}): a RST if connected
  slot.fd = -1;
  run.free_slots.push_back(index);
  --run.in_flight;
}

void TcpPinger::expire(Run& run, std::int64_t now_ns) {
  while (!run.deadlines.empty() && run.deadlines.front().at_ns <= now_ns) {
    const Run::Deadline deadline = run.deadlines.front();
    run.deadlines.pop_front();
    TcpSlot& slot = run.slots[deadline.slot];
    if (slot.fd < 0 || slot.generation != deadline.generation) continue;  // answered already
    ::close(slot.fd);  // still in SYN_SENT: nothing is sent; the probe stays pending, that is lost
    slot.fd = -1;
    run.free_slots.push_back(deadline.slot);
    --run.in_flight;
  }
}

}  // namespace semaphore::probe

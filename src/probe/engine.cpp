#include "probe/engine.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <limits>

#include "probe/engine_run.h"

namespace semaphore::probe {
namespace {

constexpr int kMaxDnsInFlight = 256;
constexpr std::int64_t kRetryNs = 1'000'000;  // after EAGAIN/ENOBUFS on send
// Smaller runs read their replies from the sockets (see plan_rings).
constexpr std::uint64_t kRingMinProbes = 1024;

int family_index(AddressFamily family) {
  return family == AddressFamily::v4 ? 0 : 1;
}

// std heap functions build a max-heap: "later" as less-than makes the earliest due time the front.
struct Later {
  template <class T>
  bool operator()(const T& a, const T& b) const {
    return a.key > b.key;
  }
};

}  // namespace

IcmpPinger::IcmpPinger(std::unique_ptr<IcmpSocket> v4, std::unique_ptr<IcmpSocket> v6, std::string v6_error,
                       std::unique_ptr<Resolver> resolver)
    : v4_(std::move(v4)),
      v6_(std::move(v6)),
      v6_error_(std::move(v6_error)),
      resolver_(std::move(resolver)),
      sequences_{SequenceMap(0), SequenceMap(0)} {}

EngineCounters IcmpPinger::counters() const {
  EngineCounters c = counters_;
  c.receive_drops = (v4_ ? v4_->drops() : 0) + (v6_ ? v6_->drops() : 0) + retired_ring_drops_;
  for (const auto& ring : rings_) c.receive_drops += ring ? ring->drops() : 0;
  return c;
}

std::vector<HostResult> IcmpPinger::run(std::span<const PingRequest> requests, const PingOptions& options,
                                        std::stop_token stop) {
  const RequestInput input(requests);
  HostTable table;
  Run run(input, table, options, realtime_ns());
  execute(run, std::move(stop));
  std::vector<HostResult> results(requests.size());
  for (std::uint32_t i = 0; i < requests.size(); ++i) table.fill(i, requests[i].host, results[i]);
  return results;
}

std::unique_ptr<CompactResults> IcmpPinger::run_compact(const HostList& hosts, const PingOptions& options,
                                                        std::stop_token stop) {
  const ListInput input(hosts);
  HostTable table;
  Run run(input, table, options, realtime_ns());
  execute(run, std::move(stop));
  return std::make_unique<TableResults>(hosts, std::move(table));
}

void IcmpPinger::execute(Run& run, std::stop_token stop) {
  const PingOptions& options = run.options;
  const std::size_t hosts = run.hosts.size();
  run.count = static_cast<std::uint32_t>(std::max(0, options.count));
  run.timeout_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(options.timeout).count();
  run.interval_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(options.per_host_interval).count();
  static_assert(Due::kMaxHosts == kMaxHostsPerRun && kMaxProbesPerRun < SequenceMap::kNoProbe);
  if (run.count == 0 || hosts == 0) {
    run.table.reset(hosts, 0);
    return;
  }
  if (!fits_one_run(hosts, run.count)) {  // beyond what Due and the serials can name: said, not dropped
    run.table.reset(hosts, 0);
    for (HostState& state : run.table.states) state.error = static_cast<std::uint8_t>(HostError::send_failed);
    run.table.run_detail = "not sent: " + run_too_large(hosts, run.count);
    return;
  }
  run.table.reset(hosts, run.count);
  if (options.policy) run.broadcasts = LocalBroadcasts::read();  // interfaces change: read once per run
  // A sequence number stays bound for the timeout plus a grace longer than the loop ever waits between two
  // reads (kIdleTickNs), so a reply that came in time still finds its binding when it is read. Later
  // replies are "late" either way: by their RTT while still bound, by their payload's serial once rebound.
  // The ring then allows 65,536 / hold probes per second (about 60,000/s with a 1 s timeout).
  const std::int64_t hold = run.timeout_ns + std::max<std::int64_t>(run.timeout_ns / 10, 3 * kIdleTickNs);
  sequences_[0].reset(hold);
  sequences_[1].reset(hold);
  // Room for a quarter second of replies at the full rate: a stalled tick must not overflow the queue.
  const double buffer = options.receive_buffer_bytes > 0
                            ? options.receive_buffer_bytes
                            : std::clamp(options.rate * 0.25 * 1024, double{1 << 20}, double{32 << 20});
  for (auto* socket : {v4_.get(), v6_.get()}) {
    if (socket != nullptr) socket->set_receive_buffer(static_cast<int>(buffer));
  }
  plan_rings(static_cast<std::size_t>(buffer) / 4, hosts * run.count, options.reply_ring);
  heap_.clear();
  heap_.reserve(hosts);

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

  constexpr int kPollFds = 16;  // the resolver's sockets, then (see below) our ICMP sockets and rings
  pollfd fds[kPollFds];
  for (;;) {
    if (stop.stop_requested()) break;
    std::int64_t now = realtime_ns();
    start_resolution(run, now);
    receive_all(run);
    take_answers(run, now);
    send_due(run, now);
    now = realtime_ns();
    const bool resolving = run.dns_next < run.dns_queue.size() || resolver_->in_flight() > 0;
    if (!resolving && heap_.empty() && (run.outstanding == 0 || now >= run.last_send_ns + run.timeout_ns)) {
      receive_all(run);  // replies that arrived since the last drain still count
      break;
    }
    const std::int64_t wake = wake_time(run, now);
    const int n = resolver_->fill_pollfds(fds, kPollFds - 4);
    int polled = n;
    if (heap_.empty() && run.outstanding <= static_cast<std::uint64_t>(kBatchSize)) {
      // Everything is sent and only a few replies are awaited: wake as each comes rather than at the next
      // tick, so that a run of a few hosts ends as soon as they have answered (`semaphore ping -c 1` took
      // a 20 ms tick to see a loopback reply that came in 10 µs). Batching matters only while sending.
      for (auto* socket : {v4_.get(), v6_.get()}) {
        if (socket != nullptr) fds[polled++] = pollfd{socket->fd(), POLLIN, 0};
      }
      for (const auto& ring : rings_) {
        if (ring) fds[polled++] = pollfd{ring->fd(), POLLIN, 0};
      }
    }
    const std::int64_t wait = std::max<std::int64_t>(0, wake - now);
    const timespec ts{static_cast<time_t>(wait / 1'000'000'000), static_cast<long>(wait % 1'000'000'000)};
    if (::ppoll(fds, static_cast<nfds_t>(polled), &ts, nullptr) >= 0 || errno == EINTR) {
      resolver_->process(fds, n);
    }
  }
  resolver_->cancel_all();
  close_rings();
}

// A ring per raw socket for a run big enough to repay making one (about 0.5 ms a ring, against the
// recvmmsg work it saves on each reply), for that run only: while a ring exists, every packet of its family
// that the host receives meets its filter, so a service that pings for a few seconds a minute should not
// keep one between rounds. A ring frame holds what takes about 1 KB of a socket buffer (the skb's overhead
// included), hence a quarter of the run's receive buffer. Made just before the run's first send to its
// family, so that a run with no host of a family makes no ring for it (megabytes of kernel memory at high
// rates). A ring that cannot be made (no CAP_NET_RAW for packet sockets, say) leaves the replies to the
// socket, as before.
void IcmpPinger::plan_rings(std::size_t bytes, std::uint64_t probes, PingOptions::ReplyRing use) {
  using Use = PingOptions::ReplyRing;
  ring_bytes_ = use == Use::never || (use == Use::automatic && probes < kRingMinProbes) ? 0 : bytes;
  ring_tried_[0] = ring_tried_[1] = false;
}

void IcmpPinger::open_ring(int fi) {
  ring_tried_[fi] = true;
  IcmpSocket* socket = fi == 0 ? v4_.get() : v6_.get();
  if (ring_bytes_ == 0 || socket == nullptr || socket->kind() != SocketKind::raw) return;
  auto made = ReplyRing::open(socket->family(), socket->identifier(), ring_bytes_);
  if (!made) return;
  rings_[fi] = std::move(*made);
  socket->pass_echo_replies(false);
}

void IcmpPinger::close_rings() {
  for (int fi = 0; fi < 2; ++fi) {
    if (!rings_[fi]) continue;
    (fi == 0 ? v4_ : v6_)->pass_echo_replies(true);
    retired_ring_drops_ += rings_[fi]->drops();
    rings_[fi].reset();
  }
}

void IcmpPinger::fail(Run& run, std::uint32_t host, HostError error, std::string detail) {
  run.table.states[host].error = static_cast<std::uint8_t>(error);
  run.table.details[host] = std::move(detail);
}

void IcmpPinger::start_resolution(Run& run, std::int64_t now_ns) {
  while (run.dns_next < run.dns_queue.size() && resolver_->in_flight() < kMaxDnsInFlight) {
    const std::uint32_t host = run.dns_queue[run.dns_next++];
    auto target = parse_target(run.hosts.name(host));
    resolver_->resolve(target->text, run.options.family, host);
  }
  take_answers(run, now_ns);
}

void IcmpPinger::take_answers(Run& run, std::int64_t now_ns) {
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

void IcmpPinger::accept_address(Run& run, std::uint32_t host, const IpAddress& resolved,
                                std::int64_t now_ns) {
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
  if ((address.family == AddressFamily::v4 ? v4_ : v6_) == nullptr) {
    fail(run, host, HostError::send_failed,
         address.family == AddressFamily::v4 ? "no IPv4 socket" : "IPv6 unavailable: " + v6_error_);
    return;
  }
  heap_.push_back(Due::at(std::max(now_ns, run.start_ns + run.hosts.offset_ns(host)), run.start_ns, host));
  std::push_heap(heap_.begin(), heap_.end(), Later{});
}

void IcmpPinger::send_due(Run& run, std::int64_t now_ns) {
  std::int64_t budget = run.bucket.available(now_ns);
  while (budget > 0 && !heap_.empty() && heap_.front().due_ns(run.start_ns) <= now_ns) {
    const std::uint32_t host = heap_.front().host();
    const IpAddress& address = run.table.addresses[host];
    const int fi = family_index(address.family);
    IcmpSocket& socket = fi == 0 ? *v4_ : *v6_;
    if (run.batch[fi] == kBatchSize) flush(run, fi, now_ns);
    const std::uint32_t serial = host * run.count + run.table.states[host].attempts;
    const std::int64_t send_ns = realtime_ns();
    const auto sequence = sequences_[fi].acquire(serial, send_ns);
    if (!sequence) {
      run.blocked_until_ns = sequences_[fi].next_free_ns();
      break;
    }
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    heap_.pop_back();
    Outgoing& slot = socket.slot(run.batch[fi]++);
    slot.address_length = address.to_sockaddr(slot.address);
    slot.host = host;
    slot.serial = serial;
    slot.sequence = *sequence;
    encode_echo_request(address.family, socket.identifier(), *sequence,
                        EchoPayload{run.cookies.of(serial), send_ns, serial}, slot.packet);
    --budget;
    run.bucket.take(1);
  }
  flush(run, 0, now_ns);
  flush(run, 1, now_ns);
}

void IcmpPinger::flush(Run& run, int fi, std::int64_t now_ns) {
  const int n = run.batch[fi];
  run.batch[fi] = 0;
  if (n == 0) return;
  if (!ring_tried_[fi]) open_ring(fi);
  IcmpSocket& socket = fi == 0 ? *v4_ : *v6_;
  socket.set_stamp_every(
      stamp_density_.next(now_ns, sequences_[0].long_pauses() + sequences_[1].long_pauses(), n));
  auto schedule_next = [&](std::uint32_t host, std::int64_t due) {
    if (++run.table.states[host].attempts >= run.count) return;
    heap_.push_back(Due::at(due, run.start_ns, host));
    std::push_heap(heap_.begin(), heap_.end(), Later{});
  };
  int first = 0;
  while (first < n) {
    const IcmpSocket::SendOutcome outcome = socket.send(first, n);
    const std::int64_t sent_at = realtime_ns();
    for (int i = first; i < first + outcome.sent; ++i) {
      const Outgoing& slot = socket.slot(i);
      sequences_[fi].record_send(slot.sequence, slot.serial, slot.tx_ns, slot.stamp_gap);
      run.table.rtts_us[slot.serial] = kPending;
      ++run.outstanding;
      ++counters_.sent;
      schedule_next(slot.host, sent_at + run.interval_ns);
    }
    run.last_send_ns = sent_at;
    first += outcome.sent;
    if (first >= n) break;
    const Outgoing& failed = socket.slot(first);
    if (outcome.error == EAGAIN || outcome.error == EWOULDBLOCK || outcome.error == ENOBUFS) {
      for (int i = first; i < n; ++i) {  // the send queue is full: same probes again shortly
        heap_.push_back(Due::at(now_ns + kRetryNs, run.start_ns, socket.slot(i).host));
        std::push_heap(heap_.begin(), heap_.end(), Later{});
      }
      break;
    }
    run.table.rtts_us[failed.serial] = kSendFailed;
    ++counters_.send_errors;
    run.table.details[failed.host] = std::string("send: ") + std::strerror(outcome.error);
    schedule_next(failed.host, sent_at + run.interval_ns);
    ++first;
  }
}

std::int64_t IcmpPinger::wake_time(Run& run, std::int64_t now_ns) {
  std::int64_t wake = now_ns + (heap_.empty() ? kIdleTickNs : run.tick_ns);
  if (!heap_.empty()) {
    std::int64_t next = heap_.front().due_ns(run.start_ns);
    if (next <= now_ns) {
      // A backlog waits for a batch worth of tokens: paced sends leave in batches.
      next = run.bucket.ready_ns(now_ns, std::min<double>(kBatchSize, static_cast<double>(heap_.size())));
    } else if (heap_.size() > static_cast<std::size_t>(kBatchSize)) {
      next = std::max(next, now_ns + run.tick_ns);  // many hosts: gather a batch rather than wake per probe
    }
    wake = std::min(wake, std::max(next, run.blocked_until_ns));
  } else if (run.outstanding > 0) {
    wake = std::min(wake, run.last_send_ns + run.timeout_ns);
  }
  return now_ns + resolver_->timeout_ns(std::max<std::int64_t>(0, wake - now_ns));
}

}  // namespace semaphore::probe

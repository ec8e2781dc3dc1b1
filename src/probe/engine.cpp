#include "probe/engine.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <limits>
#include <random>

#include "probe/engine_run.h"

namespace semaphore::probe {
namespace {

constexpr int kMaxDnsInFlight = 256;
constexpr std::int64_t kRetryNs = 1'000'000;  // after EAGAIN/ENOBUFS on send

std::int64_t realtime_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

int family_index(AddressFamily family) {
  return family == AddressFamily::v4 ? 0 : 1;
}

// std heap functions build a max-heap: "later" as less-than makes the earliest due time the front.
struct Later {
  template <class T>
  bool operator()(const T& a, const T& b) const {
    return a.due_ns > b.due_ns || (a.due_ns == b.due_ns && a.host > b.host);
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
  c.receive_drops = (v4_ ? v4_->drops() : 0) + (v6_ ? v6_->drops() : 0);
  return c;
}

std::vector<HostResult> IcmpPinger::run(std::span<const PingRequest> requests, const PingOptions& options,
                                        std::stop_token stop) {
  Run run(requests, options, realtime_ns());
  run.count = static_cast<std::uint32_t>(std::max(0, options.count));
  run.timeout_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(options.timeout).count();
  run.interval_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(options.per_host_interval).count();
  run.cookie = (std::uint64_t{std::random_device{}()} << 32) ^ std::random_device{}();
  run.results.resize(requests.size());
  if (run.count == 0 || requests.empty() ||
      requests.size() * run.count >= std::uint64_t{SequenceMap::kNoProbe}) {
    for (std::size_t i = 0; i < requests.size(); ++i) run.results[i].host = requests[i].host;
    return std::move(run.results);
  }
  // A sequence number stays bound for the timeout plus a grace longer than the loop ever waits between two
  // reads (kIdleTickNs), so a reply that came in time still finds its binding when it is read. Later
  // replies are "late" either way: by their RTT while still bound, by their payload's serial once rebound.
  // The ring then allows 65,536 / hold probes per second (about 60,000/s with a 1 s timeout).
  const std::int64_t hold = run.timeout_ns + std::max<std::int64_t>(run.timeout_ns / 10, 3 * kIdleTickNs);
  sequences_[0].reset(hold);
  sequences_[1].reset(hold);
  // Room for a quarter second of replies at the full rate: a stalled tick must not overflow the queue.
  const double buffer = std::clamp(options.rate * 0.25 * 1024, double{1 << 20}, double{32 << 20});
  for (auto* socket : {v4_.get(), v6_.get()}) {
    if (socket != nullptr) socket->set_receive_buffer(static_cast<int>(buffer));
  }
  heap_.clear();
  heap_.reserve(requests.size());

  for (std::uint32_t i = 0; i < requests.size(); ++i) {
    HostResult& r = run.results[i];
    r.host = requests[i].host;
    r.rtts_ms.assign(run.count, kUnsent);
    if (auto literal = IpAddress::parse(r.host)) {
      accept_address(run, i, *literal, run.start_ns);
      continue;
    }
    auto target = parse_target(r.host);
    if (!target) {
      r.error = HostError::unresolvable;
      r.error_detail = target.error().message;
      ++counters_.dns_failures;
    } else if (target->kind != TargetKind::hostname) {
      accept_address(run, i, *IpAddress::parse(target->text), run.start_ns);
    } else {
      run.dns_queue.push_back(i);
    }
  }

  pollfd fds[16];
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
    const int n = resolver_->fill_pollfds(fds, 16);
    const std::int64_t wait = std::max<std::int64_t>(0, wake - now);
    const timespec ts{static_cast<time_t>(wait / 1'000'000'000), static_cast<long>(wait % 1'000'000'000)};
    if (::ppoll(fds, static_cast<nfds_t>(n), &ts, nullptr) >= 0 || errno == EINTR) {
      resolver_->process(fds, n);
    }
  }
  resolver_->cancel_all();
  finish(run);
  return std::move(run.results);
}

void IcmpPinger::start_resolution(Run& run, std::int64_t now_ns) {
  while (run.dns_next < run.dns_queue.size() && resolver_->in_flight() < kMaxDnsInFlight) {
    const std::uint32_t host = run.dns_queue[run.dns_next++];
    auto target = parse_target(run.results[host].host);
    resolver_->resolve(target->text, run.options.family, host);
  }
  take_answers(run, now_ns);
}

void IcmpPinger::take_answers(Run& run, std::int64_t now_ns) {
  for (Resolver::Answer& answer : resolver_->answers()) {
    if (answer.address) {
      accept_address(run, answer.tag, *answer.address, now_ns);
    } else {
      HostResult& r = run.results[answer.tag];
      r.error = HostError::unresolvable;
      r.error_detail = std::move(answer.error);
      ++counters_.dns_failures;
    }
  }
  resolver_->answers().clear();
}

void IcmpPinger::accept_address(Run& run, std::uint32_t host, const IpAddress& resolved,
                                std::int64_t now_ns) {
  HostResult& r = run.results[host];
  const IpAddress address = resolved.unmapped();
  const FamilyPreference want = run.options.family;
  if ((want == FamilyPreference::v4_only && address.family != AddressFamily::v4) ||
      (want == FamilyPreference::v6_only && address.family != AddressFamily::v6)) {
    r.error = HostError::unresolvable;
    r.error_detail = want == FamilyPreference::v4_only ? "no IPv4 address" : "no IPv6 address";
    ++counters_.dns_failures;
    return;
  }
  r.address = address;
  if (run.options.policy) {
    if (auto allowed = check_target_address(address, *run.options.policy); !allowed) {
      r.error = HostError::refused_address;
      r.error_detail = allowed.error().message;
      return;
    }
  }
  if ((address.family == AddressFamily::v4 ? v4_ : v6_) == nullptr) {
    r.error = HostError::send_failed;
    r.error_detail =
        address.family == AddressFamily::v4 ? "no IPv4 socket" : "IPv6 unavailable: " + v6_error_;
    return;
  }
  const auto offset = std::chrono::duration_cast<std::chrono::nanoseconds>(run.requests[host].start_offset);
  heap_.push_back(Due{std::max(now_ns, run.start_ns + offset.count()), host});
  std::push_heap(heap_.begin(), heap_.end(), Later{});
}

void IcmpPinger::send_due(Run& run, std::int64_t now_ns) {
  std::int64_t budget = run.bucket.available(now_ns);
  while (budget > 0 && !heap_.empty() && heap_.front().due_ns <= now_ns) {
    const std::uint32_t host = heap_.front().host;
    HostResult& r = run.results[host];
    const int fi = family_index(r.address->family);
    IcmpSocket& socket = fi == 0 ? *v4_ : *v6_;
    if (run.batch[fi] == kBatchSize) flush(run, fi, now_ns);
    const std::uint32_t attempt = static_cast<std::uint32_t>(r.sent + r.send_errors);
    const std::uint32_t serial = host * run.count + attempt;
    const std::int64_t send_ns = realtime_ns();
    const auto sequence = sequences_[fi].acquire(serial, send_ns);
    if (!sequence) {
      run.blocked_until_ns = sequences_[fi].next_free_ns();
      break;
    }
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    heap_.pop_back();
    Outgoing& slot = socket.slot(run.batch[fi]++);
    slot.address_length = r.address->to_sockaddr(slot.address);
    slot.host = host;
    slot.serial = serial;
    encode_echo_request(r.address->family, socket.identifier(), *sequence,
                        EchoPayload{run.cookie, send_ns, serial}, slot.packet);
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
  IcmpSocket& socket = fi == 0 ? *v4_ : *v6_;
  auto schedule_next = [&](std::uint32_t host, std::int64_t due) {
    const HostResult& r = run.results[host];
    if (static_cast<std::uint32_t>(r.sent + r.send_errors) >= run.count) return;
    heap_.push_back(Due{due, host});
    std::push_heap(heap_.begin(), heap_.end(), Later{});
  };
  int first = 0;
  while (first < n) {
    const IcmpSocket::SendOutcome outcome = socket.send(first, n);
    const std::int64_t sent_at = realtime_ns();
    for (int i = first; i < first + outcome.sent; ++i) {
      const Outgoing& slot = socket.slot(i);
      HostResult& r = run.results[slot.host];
      r.rtts_ms[slot.serial % run.count] = kPending;
      ++r.sent;
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
        heap_.push_back(Due{now_ns + kRetryNs, socket.slot(i).host});
        std::push_heap(heap_.begin(), heap_.end(), Later{});
      }
      break;
    }
    HostResult& r = run.results[failed.host];
    r.rtts_ms[failed.serial % run.count] = kSendFailed;
    ++r.send_errors;
    ++counters_.send_errors;
    r.error_detail = std::string("send: ") + std::strerror(outcome.error);
    schedule_next(failed.host, sent_at + run.interval_ns);
    ++first;
  }
}

std::int64_t IcmpPinger::wake_time(Run& run, std::int64_t now_ns) {
  std::int64_t wake = now_ns + (heap_.empty() ? kIdleTickNs : run.tick_ns);
  if (!heap_.empty()) {
    std::int64_t next = heap_.front().due_ns;
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

void IcmpPinger::finish(Run& run) {
  for (HostResult& r : run.results) {
    // Keep one entry per probe that went out, in order: drop unsent and failed attempts.
    std::erase_if(r.rtts_ms, [](double v) { return v == kUnsent || v == kSendFailed; });
    for (double& v : r.rtts_ms) {
      if (v == kIcmpError) v = kPending;
    }
    if (r.error != HostError::none) continue;
    if (r.received > 0) {
      r.error_detail.clear();
    } else if (r.icmp_errors > 0) {
      r.error = HostError::unreachable;
    } else if (r.sent > 0) {
      r.error = HostError::timeout;
      r.error_detail.clear();
    } else if (r.send_errors > 0) {
      r.error = HostError::send_failed;
    }
  }
}

}  // namespace semaphore::probe

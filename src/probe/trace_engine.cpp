#include "probe/trace_engine.h"

#include <poll.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>

#include "probe/local_broadcasts.h"
#include "probe/probe_cookie.h"
#include "probe/token_bucket.h"
#include "probe/trace_matching.h"

namespace semaphore::probe {
namespace {

constexpr int kInitialReceiveBuffer = 4 << 20;
constexpr int kMaxDnsInFlight = 256;
constexpr std::int64_t kTickNs = 5'000'000;  // while sending many: read and send in batches this often
constexpr std::int64_t kIdleTickNs = 20'000'000;
constexpr std::uint8_t kUnsent = 0, kPending = 1, kAnswered = 2, kFailed = 3;

int family_index(AddressFamily family) {
  return family == AddressFamily::v4 ? 0 : 1;
}

std::int64_t ns(std::chrono::microseconds us) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(us).count();
}

struct Later {
  bool operator()(const std::pair<std::int64_t, std::uint32_t>& a,
                  const std::pair<std::int64_t, std::uint32_t>& b) const {
    return a > b;
  }
};

}  // namespace

Result<std::unique_ptr<Tracer>> Tracer::open(const OpenOptions& options) {
  auto sockets = open_icmp_sockets(options.socket, kInitialReceiveBuffer);
  if (!sockets) return sockets.error();
  auto resolver = Resolver::create(options.dns_servers);
  if (!resolver) return resolver.error();
  const int epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd < 0)
    return make_error(Errc::unavailable, std::string("epoll_create1: ") + std::strerror(errno));
  for (IcmpSocket* socket : {sockets->v4.get(), sockets->v6.get()}) {
    if (socket == nullptr) continue;
    socket->set_stamp_every(1);  // every probe its own transmit stamp: a trace sends thousands, not millions
    epoll_event event{};
    event.events = EPOLLIN;  // EPOLLERR (the error queue: stamps, ping sockets' ICMP errors) always reported
    event.data.u32 = family_index(socket->family());
    ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, socket->fd(), &event);
  }
  wait_for_receive_stamps(kReceiveStampsWaitMs);
  return std::unique_ptr<Tracer>(new TraceEngine(std::move(*sockets), std::move(*resolver), epoll_fd));
}

TraceEngine::TraceEngine(IcmpSockets sockets, std::unique_ptr<Resolver> resolver, int epoll_fd)
    : sockets_(std::move(sockets)),
      resolver_(std::move(resolver)),
      epoll_fd_(epoll_fd),
      sequences_{SequenceMap(0), SequenceMap(0)} {}

TraceEngine::~TraceEngine() {
  ::close(epoll_fd_);
}

// One probe: its state, who answered and when. Indexed by serial.
struct TraceProbe {
  IpAddress from;
  std::uint32_t rtt_us = 0;
  std::uint8_t state = kUnsent;
  bool destination = false;
  bool short_quote = false;
};

struct TraceHost {
  IpAddress address;
  bool has_address = false;
  HostError error = HostError::none;
  std::string detail;
  int dest_ttl = INT_MAX;  // the lowest TTL the destination answered at
  int cycle = 0;           // the cycle being sent
  int next_ttl = 1;        // within it
  std::int64_t cycle_start_ns = 0;
  int send_failures = 0;
};

struct TraceEngine::Run {
  Run(std::span<const PingRequest> r, const TraceOptions& o, std::int64_t now)
      : requests(r),
        options(o),
        start_ns(now),
        bucket(o.rate > 0 ? o.rate : 1e12, std::clamp(o.rate * 0.02, 1.0, double{kBatchSize}), now) {}

  std::span<const PingRequest> requests;
  const TraceOptions& options;
  std::int64_t start_ns;
  std::int64_t timeout_ns = 0, interval_ns = 0;
  int max_hops = 30, cycles = 1;
  std::uint32_t per_host = 0;  // serials per host: cycles * max_hops
  std::vector<TraceHost> hosts;
  std::vector<TraceProbe> probes;
  std::vector<std::pair<std::int64_t, std::uint32_t>> heap;  // (due, host): a host's next cycle
  std::vector<std::uint32_t> dns_queue;
  std::size_t dns_next = 0;
  int forward_in_flight = 0;  // of the resolver's queries, those for the hosts' own addresses
  ProbeCookies cookies;
  LocalBroadcasts broadcasts;
  TokenBucket bucket;
  struct Send {
    int family_index;
    int ttl;
    std::uint32_t host, serial;
    std::uint16_t sequence;
    std::int64_t send_ns;
  };
  std::vector<Send> sends;  // chosen by send_due, sent by flush
  std::uint64_t outstanding = 0;
  std::int64_t last_send_ns = 0;
  std::int64_t blocked_until_ns = 0;
  // Reverse names: one lookup per distinct hop address.
  std::unordered_map<std::string, std::uint32_t> name_index;
  std::vector<std::string> names;
};

std::vector<TraceResult> TraceEngine::run(std::span<const PingRequest> requests, const TraceOptions& options,
                                          std::stop_token stop) {
  Run run(requests, options, realtime_ns());
  execute(run, std::move(stop));
  return results(run);
}

void TraceEngine::execute(Run& run, std::stop_token stop) {
  const TraceOptions& options = run.options;
  const std::size_t hosts = run.requests.size();
  run.max_hops = std::clamp(options.max_hops, 1, 255);
  run.cycles = std::max(1, options.cycles);
  run.timeout_ns = ns(options.timeout);
  run.interval_ns = ns(options.cycle_interval);
  run.hosts.resize(hosts);
  const std::uint64_t per_host =
      static_cast<std::uint64_t>(run.cycles) * static_cast<std::uint64_t>(run.max_hops);
  if (hosts == 0) return;
  if (!fits_one_run(hosts, per_host)) {
    for (TraceHost& host : run.hosts) {
      host.error = HostError::send_failed;
      host.detail = "not sent: " + run_too_large(hosts, per_host);
    }
    return;
  }
  run.per_host = static_cast<std::uint32_t>(per_host);
  run.probes.assign(hosts * per_host, TraceProbe{});
  // A sequence number stays bound for the timeout and a grace past the loop's longest wait (as the ping
  // engine's): an answer read a tick late still finds its probe.
  const std::int64_t hold = run.timeout_ns + std::max<std::int64_t>(run.timeout_ns / 10, 3 * kIdleTickNs);
  sequences_[0].reset(hold);
  sequences_[1].reset(hold);
  if (options.policy) run.broadcasts = LocalBroadcasts::read();
  for (std::uint32_t i = 0; i < hosts; ++i) {
    const std::string& name = run.requests[i].host;
    if (auto literal = IpAddress::parse(name)) {
      accept_address(run, i, *literal);
      continue;
    }
    auto target = parse_target(name);
    if (!target) {
      run.hosts[i].error = HostError::unresolvable;
      run.hosts[i].detail = target.error().message;
    } else if (target->kind != TargetKind::hostname) {
      accept_address(run, i, *IpAddress::parse(target->text));
    } else {
      run.dns_queue.push_back(i);
    }
  }

  constexpr int kPollFds = 16;
  pollfd fds[kPollFds];
  std::int64_t names_deadline = 0;  // once probing is over: how long reverse lookups may still take
  for (;;) {
    if (stop.stop_requested()) break;
    start_resolution(run);
    receive_all(run);
    std::int64_t now = realtime_ns();
    send_due(run, now);
    flush(run);
    take_answers(run);
    now = realtime_ns();
    const bool resolving = run.dns_next < run.dns_queue.size() || resolver_->in_flight() > 0;
    const bool probing = run.dns_next < run.dns_queue.size() || run.forward_in_flight > 0 ||
                         !run.heap.empty() || !run.sends.empty() ||
                         (run.outstanding > 0 && now < run.last_send_ns + run.timeout_ns);
    if (!probing) {
      if (names_deadline == 0) {
        receive_all(run);  // answers that arrived since the last drain still count
        names_deadline = now + run.timeout_ns;
      }
      if (!resolving || now >= names_deadline) break;
    }
    std::int64_t wake = now + (run.heap.empty() ? kIdleTickNs : kTickNs);
    if (!run.heap.empty()) {
      std::int64_t next = std::max(run.heap.front().first, run.blocked_until_ns);
      if (next <= now) next = run.bucket.next_token_ns(now);
      wake = std::min(wake, std::max(next, now + 100'000));
    } else if (run.outstanding > 0) {
      wake = std::min(wake, run.last_send_ns + run.timeout_ns);
    }
    if (names_deadline != 0) wake = std::min(wake, names_deadline);
    const std::int64_t wait = resolver_->timeout_ns(std::max<std::int64_t>(0, wake - now));
    const int n = resolver_->fill_pollfds(fds, kPollFds - 1);
    int polled = n;
    // While many probes are still to go out, answers are read on the tick (they carry kernel stamps, so
    // reading them late costs no accuracy); once everything is sent, as they come.
    if (run.heap.empty() || run.outstanding <= static_cast<std::uint64_t>(kBatchSize)) {
      fds[polled++] = pollfd{epoll_fd_, POLLIN, 0};
    }
    const timespec ts{static_cast<time_t>(wait / 1'000'000'000), static_cast<long>(wait % 1'000'000'000)};
    if (::ppoll(fds, static_cast<nfds_t>(polled), &ts, nullptr) >= 0 || errno == EINTR) {
      resolver_->process(fds, n);
    }
  }
  resolver_->cancel_all();
}

void TraceEngine::start_resolution(Run& run) {
  while (run.dns_next < run.dns_queue.size() && resolver_->in_flight() < kMaxDnsInFlight) {
    const std::uint32_t host = run.dns_queue[run.dns_next++];
    auto target = parse_target(run.requests[host].host);
    ++run.forward_in_flight;
    resolver_->resolve(target->text, run.options.family, host);
  }
  take_answers(run);
}

void TraceEngine::take_answers(Run& run) {
  for (Resolver::Answer& answer : resolver_->answers()) {
    --run.forward_in_flight;
    if (answer.address) {
      accept_address(run, answer.tag, *answer.address);
    } else {
      run.hosts[answer.tag].error = HostError::unresolvable;
      run.hosts[answer.tag].detail = std::move(answer.error);
    }
  }
  resolver_->answers().clear();
  for (Resolver::NameAnswer& answer : resolver_->names()) run.names[answer.tag] = std::move(answer.name);
  resolver_->names().clear();
}

void TraceEngine::accept_address(Run& run, std::uint32_t index, const IpAddress& resolved) {
  TraceHost& host = run.hosts[index];
  const IpAddress address = resolved.unmapped();
  const FamilyPreference want = run.options.family;
  if ((want == FamilyPreference::v4_only && address.family != AddressFamily::v4) ||
      (want == FamilyPreference::v6_only && address.family != AddressFamily::v6)) {
    host.error = HostError::unresolvable;
    host.detail = want == FamilyPreference::v4_only ? "no IPv4 address" : "no IPv6 address";
    return;
  }
  host.address = address;
  host.has_address = true;
  if (run.options.policy) {
    if (auto allowed = check_target_address(address, *run.options.policy); !allowed) {
      host.error = HostError::refused_address;
      host.detail = allowed.error().message;
      return;
    }
    if (const std::string* interface = run.broadcasts.interface_of(address)) {
      host.error = HostError::refused_address;
      host.detail =
          address.to_string() + " is the broadcast address of " + *interface + " and cannot be traced";
      return;
    }
  }
  if ((address.family == AddressFamily::v4 ? sockets_.v4 : sockets_.v6) == nullptr) {
    host.error = HostError::send_failed;
    host.detail =
        address.family == AddressFamily::v4 ? "no IPv4 socket" : "IPv6 unavailable: " + sockets_.v6_error;
    return;
  }
  const std::int64_t offset = ns(run.requests[index].start_offset);
  run.heap.emplace_back(std::max(realtime_ns(), run.start_ns + offset), index);
  std::push_heap(run.heap.begin(), run.heap.end(), Later{});
}

// Chooses the probes due now, within the rate: each host's cycle sends TTL 1, 2, ... up to max_hops, or up
// to the destination's TTL once the destination has answered (the TTLs above it are not probed again).
void TraceEngine::send_due(Run& run, std::int64_t now_ns) {
  std::int64_t budget = run.bucket.available(now_ns);
  while (budget > 0 && !run.heap.empty() && run.heap.front().first <= now_ns &&
         now_ns >= run.blocked_until_ns) {
    const std::uint32_t index = run.heap.front().second;
    TraceHost& host = run.hosts[index];
    const int limit = std::min(run.max_hops, host.dest_ttl);
    if (host.next_ttl > limit) {  // this cycle is out: the next one after the interval
      std::pop_heap(run.heap.begin(), run.heap.end(), Later{});
      run.heap.pop_back();
      if (++host.cycle < run.cycles) {
        host.next_ttl = 1;
        run.heap.emplace_back(host.cycle_start_ns + run.interval_ns, index);
        std::push_heap(run.heap.begin(), run.heap.end(), Later{});
      }
      continue;
    }
    const int fi = family_index(host.address.family);
    const std::uint32_t serial = index * run.per_host +
                                 static_cast<std::uint32_t>(host.cycle * run.max_hops) +
                                 static_cast<std::uint32_t>(host.next_ttl - 1);
    const std::int64_t send_ns = realtime_ns();
    const auto sequence = sequences_[fi].acquire(serial, send_ns);
    if (!sequence) {
      run.blocked_until_ns = sequences_[fi].next_free_ns();
      break;
    }
    if (host.next_ttl == 1) host.cycle_start_ns = send_ns;
    run.sends.push_back(Run::Send{fi, host.next_ttl, index, serial, *sequence, send_ns});
    ++host.next_ttl;
    --budget;
    run.bucket.take(1);
  }
}

// Sends what send_due chose, one call per (family, TTL): the TTL is the socket's for the call.
void TraceEngine::flush(Run& run) {
  if (run.sends.empty()) return;
  std::stable_sort(run.sends.begin(), run.sends.end(), [](const Run::Send& a, const Run::Send& b) {
    return a.family_index != b.family_index ? a.family_index < b.family_index : a.ttl < b.ttl;
  });
  std::size_t begin = 0;
  std::vector<Run::Send> retry;
  while (begin < run.sends.size()) {
    const int fi = run.sends[begin].family_index;
    const int ttl = run.sends[begin].ttl;
    std::size_t end = begin;
    while (end < run.sends.size() && end - begin < static_cast<std::size_t>(kBatchSize) &&
           run.sends[end].family_index == fi && run.sends[end].ttl == ttl) {
      ++end;
    }
    IcmpSocket& socket = fi == 0 ? *sockets_.v4 : *sockets_.v6;
    socket.set_hop_limit(ttl);
    const int n = static_cast<int>(end - begin);
    for (int i = 0; i < n; ++i) {
      const Run::Send& send = run.sends[begin + static_cast<std::size_t>(i)];
      Outgoing& slot = socket.slot(i);
      slot.address_length = run.hosts[send.host].address.to_sockaddr(slot.address);
      slot.host = send.host;
      slot.serial = send.serial;
      slot.sequence = send.sequence;
      encode_echo_request(socket.family(), socket.identifier(), send.sequence,
                          EchoPayload{run.cookies.of(send.serial), send.send_ns, send.serial}, slot.packet);
    }
    int first = 0;
    while (first < n) {
      const IcmpSocket::SendOutcome outcome = socket.send(first, n);
      for (int i = first; i < first + outcome.sent; ++i) {
        const Outgoing& slot = socket.slot(i);
        sequences_[fi].record_send(slot.sequence, slot.serial, slot.tx_ns, slot.stamp_gap);
        run.probes[slot.serial].state = kPending;
        ++run.outstanding;
        ++counters_.sent;
      }
      run.last_send_ns = realtime_ns();
      first += outcome.sent;
      if (first >= n) break;
      if (outcome.error == EAGAIN || outcome.error == EWOULDBLOCK || outcome.error == ENOBUFS) {
        // The queue is full: the rest again on the next pass (same sequences, same payloads).
        retry.insert(retry.end(), run.sends.begin() + static_cast<long>(begin) + first,
                     run.sends.begin() + static_cast<long>(end));
        break;
      }
      const Outgoing& failed = socket.slot(first);
      run.probes[failed.serial].state = kFailed;
      TraceHost& host = run.hosts[failed.host];
      ++host.send_failures;
      host.detail = std::string("send: ") + std::strerror(outcome.error);
      ++counters_.send_errors;
      ++first;
    }
    begin = end;
  }
  run.sends = std::move(retry);
}

void TraceEngine::receive_all(Run& run) {
  for (int fi = 0; fi < 2; ++fi) {
    IcmpSocket* socket = fi == 0 ? sockets_.v4.get() : sockets_.v6.get();
    if (socket == nullptr) continue;
    for (;;) {  // the error queue first: a probe's transmit stamp is queued before its answer can exist
      const int n = socket->receive_errors();
      for (int i = 0; i < n; ++i) handle_packet(run, fi, socket->packet(i));
      if (n < kBatchSize) break;
    }
    for (;;) {
      const int n = socket->receive();
      for (int i = 0; i < n; ++i) handle_packet(run, fi, socket->packet(i));
      if (n < kBatchSize) break;
    }
  }
}

void TraceEngine::handle_packet(Run& run, int fi, const Incoming& packet) {
  IcmpSocket& socket = fi == 0 ? *sockets_.v4 : *sockets_.v6;
  if (packet.from_error_queue && packet.tx_ns != 0) {
    if (socket.stamps_by_id()) {
      sequences_[fi].set_transmit_time_by_id(packet.tx_id, packet.tx_ns);
    } else if (auto request = parse_looped_request(socket.family(), packet.data)) {
      if (request->payload->cookie == run.cookies.of(request->payload->serial)) {
        sequences_[fi].set_transmit_time(request->sequence, request->payload->serial, packet.tx_ns);
      }
    }
    return;
  }
  if (packet.from_error_queue) {  // a ping socket's ICMP error: our own request, the router in the offender
    if (packet.error_type == 0) return;
    auto request = parse_own_request(socket.family(), packet.data);
    if (!request) {
      ++counters_.malformed;
      return;
    }
    request->type = packet.error_type;
    request->code = packet.error_code;
    match_error(run, fi, *request, packet.source, packet.offender, packet.rx_ns);
    return;
  }
  const ParseResult parsed = parse_icmp(socket.family(), socket.with_ip_header(), packet.data);
  if (parsed.status == ParseStatus::malformed) ++counters_.malformed;
  if (parsed.status != ParseStatus::ok) return;
  if (parsed.message.kind == IcmpKind::echo_reply) {
    match_reply(run, fi, parsed.message, packet);
  } else {
    match_error(run, fi, parsed.message, *parsed.message.quoted_destination, packet.source, packet.rx_ns);
  }
}

TraceMatchScope TraceEngine::match_scope(Run& run, int fi) const {
  const IcmpSocket& socket = fi == 0 ? *sockets_.v4 : *sockets_.v6;
  TraceMatchScope scope;
  scope.identifier = socket.identifier();
  scope.per_host = run.per_host;
  scope.hosts = static_cast<std::uint32_t>(run.hosts.size());
  scope.timeout_ns = run.timeout_ns;
  scope.cookies = &run.cookies;
  scope.sequences = &sequences_[fi];
  scope.address_of = [&run](std::uint32_t host) -> const IpAddress* {
    return run.hosts[host].has_address ? &run.hosts[host].address : nullptr;
  };
  scope.pending = [&run](std::uint32_t serial) { return run.probes[serial].state == kPending; };
  return scope;
}

void TraceEngine::match_reply(Run& run, int fi, const IcmpMessage& message, const Incoming& packet) {
  const TraceMatch match = match_trace_reply(match_scope(run, fi), message, packet.source, packet.rx_ns);
  take_match(run, match);
}

void TraceEngine::match_error(Run& run, int fi, const IcmpMessage& message, const IpAddress& destination,
                              const IpAddress& reporter, std::int64_t rx_ns) {
  const TraceMatch match = match_trace_error(match_scope(run, fi), message, destination, reporter, rx_ns);
  if (match.verdict == TraceVerdict::matched)
    ++(match.short_quote ? counters_.short_quotes : counters_.hop_answers);
  take_match(run, match);
}

void TraceEngine::take_match(Run& run, const TraceMatch& match) {
  switch (match.verdict) {
    case TraceVerdict::matched:
      answer(run, match.serial, match.from, match.rtt_ns, match.destination, match.short_quote);
      return;
    case TraceVerdict::foreign:
      ++counters_.foreign;
      return;
    case TraceVerdict::late:
      ++counters_.late;
      return;
    case TraceVerdict::unverified:
      ++counters_.unverified;
      return;
  }
}

void TraceEngine::answer(Run& run, std::uint32_t serial, const IpAddress& from, std::int64_t rtt_ns,
                         bool destination, bool short_quote) {
  TraceProbe& probe = run.probes[serial];
  if (probe.state == kAnswered) {
    ++counters_.duplicates;
    return;
  }
  if (probe.state != kPending) return;
  if (rtt_ns > run.timeout_ns) {
    ++counters_.late;
    return;
  }
  probe.state = kAnswered;
  probe.from = from;
  probe.rtt_us = static_cast<std::uint32_t>((std::max<std::int64_t>(0, rtt_ns) + 500) / 1000);
  probe.destination = destination;
  probe.short_quote = short_quote;
  --run.outstanding;
  if (destination) {
    ++counters_.replies;
    TraceHost& host = run.hosts[serial / run.per_host];
    const int ttl = static_cast<int>(serial % static_cast<std::uint32_t>(run.max_hops)) + 1;
    host.dest_ttl = std::min(host.dest_ttl, ttl);
  }
  if (run.options.resolve_names) {
    std::string key = from.to_string();
    if (run.name_index.find(key) == run.name_index.end()) {
      const auto tag = static_cast<std::uint32_t>(run.names.size());
      run.name_index.emplace(std::move(key), tag);
      run.names.emplace_back();
      resolver_->reverse(from, tag);
    }
  }
}

std::vector<TraceResult> TraceEngine::results(Run& run) {
  std::vector<TraceResult> out(run.requests.size());
  for (std::uint32_t h = 0; h < run.requests.size(); ++h) {
    const TraceHost& host = run.hosts[h];
    TraceResult& result = out[h];
    result.host = run.requests[h].host;
    if (host.has_address) result.address = host.address;
    result.error = host.error;
    result.error_detail = host.detail;
    if (host.error != HostError::none || run.per_host == 0) continue;
    result.reached = host.dest_ttl != INT_MAX;
    int last = 0;  // the TTLs to show: up to the destination's, else every TTL probed
    for (int ttl = 1; ttl <= run.max_hops; ++ttl) {
      for (int c = 0; c < run.cycles; ++c) {
        const auto serial = h * run.per_host + static_cast<std::uint32_t>(c * run.max_hops + ttl - 1);
        if (run.probes[serial].state != kUnsent) last = ttl;
      }
    }
    if (result.reached) last = std::min(last, host.dest_ttl);
    int sent_total = 0;
    for (int ttl = 1; ttl <= last; ++ttl) {
      TraceHop hop;
      hop.ttl = ttl;
      std::map<std::string, std::pair<int, IpAddress>> seen;  // by address: answers, address
      for (int c = 0; c < run.cycles; ++c) {
        const TraceProbe& probe =
            run.probes[h * run.per_host + static_cast<std::uint32_t>(c * run.max_hops + ttl - 1)];
        if (probe.state == kUnsent || probe.state == kFailed) continue;
        ++hop.sent;
        if (probe.state != kAnswered) {
          hop.rtts_ms.push_back(std::numeric_limits<double>::quiet_NaN());
          continue;
        }
        ++hop.received;
        if (probe.short_quote) ++hop.short_quotes;
        if (probe.destination) hop.is_destination = true;
        hop.rtts_ms.push_back(probe.rtt_us / 1000.0);
        auto& entry = seen[probe.from.to_string()];
        ++entry.first;
        entry.second = probe.from;
      }
      sent_total += hop.sent;
      int best = 0;
      for (const auto& [text, entry] : seen) {
        if (entry.first > best) {
          best = entry.first;
          hop.address = entry.second;
        }
      }
      for (const auto& [text, entry] : seen) {
        if (!(hop.address && *hop.address == entry.second)) hop.other_addresses.push_back(entry.second);
      }
      if (hop.address) {
        if (auto it = run.name_index.find(hop.address->to_string()); it != run.name_index.end()) {
          hop.name = run.names[it->second];
        }
      }
      result.hops.push_back(std::move(hop));
    }
    if (sent_total == 0 && host.send_failures > 0) result.error = HostError::send_failed;
  }
  return out;
}

}  // namespace semaphore::probe

#include "monitor/round_scheduler.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <thread>
#include <utility>

#include "core/text.h"
#include "store/lane.h"

namespace semaphore::monitor {

using std::chrono::milliseconds;

RoundScheduler::RoundScheduler(HostSource& source, probe::Pinger& pinger, probe::Pinger* tcp_pinger,
                               Deliver deliver, Metrics& metrics, SchedulerOptions options)
    : source_(source),
      pinger_(pinger),
      tcp_pinger_(tcp_pinger),
      deliver_(std::move(deliver)),
      metrics_(metrics),
      options_(std::move(options)) {
  metrics_.interval_ms = options_.timing.interval.count();
}

RoundScheduler::~RoundScheduler() {
  stop();
}

void RoundScheduler::start() {
  thread_.start([this](std::stop_token stop) { loop(std::move(stop)); });
}

void RoundScheduler::stop() {
  thread_.stop();
}

struct RoundScheduler::Tally {
  std::vector<store::PingResult> rows;
  std::uint64_t sent = 0, received = 0, late_replies = 0, duplicates = 0;
  std::uint64_t tcp_sent = 0, tcp_received = 0, tcp_refused = 0;
  std::size_t tcp_hosts = 0;
};

milliseconds RoundScheduler::run_round(EpochMs round_ts) {
  const auto& timing = options_.timing;
  // The round's start waits for its host list: read it in the interactive lane (store/lane.h), so that it
  // never queues behind the writer, the heartbeat or the alert senders while they wait out a held SQLite
  // write lock (the soak's outage: two rounds started late by that wait).
  auto hosts = [&] {
    store::InteractiveLane lane;
    return source_.hosts_for_round(round_ts);
  }();
  if (hosts) {
    hosts_ = std::move(*hosts);
    if (options_.on_hosts) options_.on_hosts(hosts_);
  } else {
    spdlog::warn("round {}: cannot list hosts ({}); pinging last round's {} hosts", format_iso8601(round_ts),
                 log_safe(hosts.error().message), hosts_.size());
  }

  const auto t0 = std::chrono::steady_clock::now();
  const auto margin = std::min(milliseconds(2000), timing.interval / 10);
  // Phases count from the boundary; a run counts offsets from its own start, a little later.
  const auto elapsed = [&] { return milliseconds(std::max<EpochMs>(0, now_epoch_ms() - round_ts)); };
  std::vector<bool> pinged(hosts_.size(), false);
  std::size_t arrived = 0;  // hosts the source gave while the round ran
  const auto take_more = [&](std::chrono::steady_clock::time_point until) {
    bool done = false;
    std::vector<store::Host> more = source_.more_hosts(until, done);
    arrived += more.size();
    for (store::Host& host : more) hosts_.push_back(std::move(host));
    pinged.resize(hosts_.size(), false);
    return !done;
  };
  Tally tally;
  std::vector<std::size_t> which;
  std::vector<milliseconds> offsets;
  // While the source is still claiming hosts (a worker's first round, or a dead worker's hosts to take
  // over: issue 17), the round goes on in slices of `margin`: each pings the hosts known by then whose phase
  // falls in the slice, at their phase, and then takes the hosts claimed meanwhile. The engine cannot take
  // hosts into a run in flight, so the hosts whose phase had passed when they arrived (or while a slice's
  // last probes were out) go to the last part, spread over the time left.
  for (bool more = take_more(std::chrono::steady_clock::now()); more;) {
    const milliseconds from = elapsed(), to = from + margin;
    which.clear();
    offsets.clear();
    for (std::size_t i = 0; i < hosts_.size(); ++i) {
      const milliseconds phase = host_phase(hosts_[i].id, timing.window);
      if (!pinged[i] && phase >= from && phase < to) {
        which.push_back(i);
        offsets.push_back(phase - from);
      }
    }
    if (!which.empty()) ping(which, offsets, round_ts, tally);
    for (const std::size_t i : which) pinged[i] = true;
    // Nothing to ping in this slice: wait for claims until its end instead.
    more = take_more(which.empty() ? std::chrono::steady_clock::now() + (to - from)
                                   : std::chrono::steady_clock::now());
  }

  // The rest (in a round with nothing claimed meanwhile, every host), each at its phase. A small delay
  // (listing hosts) just shifts the phases. A large one (claims, slices) would push the round past its end,
  // so the phases are then squeezed into the time left of the window.
  const milliseconds late = elapsed();
  which.clear();
  offsets.clear();
  for (std::size_t i = 0; i < hosts_.size(); ++i) {
    if (pinged[i]) continue;
    const milliseconds phase = host_phase(hosts_[i].id, timing.window);
    milliseconds offset = std::max(milliseconds(0), phase - late);
    if (late > margin && timing.window > late)
      offset = phase * (timing.window - late).count() / timing.window.count();
    if (late > margin && timing.window <= late) offset = milliseconds(0);
    which.push_back(i);
    offsets.push_back(offset);
  }
  if (!which.empty()) ping(which, offsets, round_ts, tally);
  if (arrived > 0 && options_.on_hosts) options_.on_hosts(hosts_);

  const std::chrono::duration<double> took_s = std::chrono::steady_clock::now() - t0;
  const auto took = std::chrono::duration_cast<milliseconds>(took_s);
  const std::size_t row_count = tally.rows.size();
  deliver_(std::move(tally.rows));
  source_.round_done(round_ts);

  metrics_.probes_sent += tally.sent;
  metrics_.probes_received += tally.received;
  metrics_.probes_late += tally.late_replies;
  metrics_.probes_duplicate += tally.duplicates;
  metrics_.probes_dropped += tally.sent - std::min(tally.sent, tally.received);
  metrics_.tcp_probes_sent += tally.tcp_sent;
  metrics_.tcp_probes_received += tally.tcp_received;
  metrics_.tcp_probes_refused += tally.tcp_refused;
  metrics_.tcp_probes_dropped += tally.tcp_sent - std::min(tally.tcp_sent, tally.tcp_received);
  metrics_.hosts = static_cast<std::int64_t>(hosts_.size());
  metrics_.tcp_hosts = static_cast<std::int64_t>(tally.tcp_hosts);
  metrics_.last_round_ms = took.count();
  metrics_.observe_round(took_s.count());
  metrics_.last_round_end = now_epoch_ms();
  ++metrics_.rounds;
  const std::uint64_t all_sent = tally.sent + tally.tcp_sent,
                      all_received = tally.received + tally.tcp_received;
  spdlog::info(
      "round {}: {} hosts ({} by TCP), {} rows, {} probes sent, {} received ({:.2f}% loss), {} late, {} ms; "
      "queue {}, written {}, spooled {}, replayed {}, dropped {}; write p99 {} ms, busy {} ms; {} hosts "
      "claimed during the round",
      format_iso8601(round_ts), hosts_.size(), tally.tcp_hosts, row_count, all_sent, all_received,
      all_sent ? 100.0 * static_cast<double>(all_sent - std::min(all_sent, all_received)) /
                     static_cast<double>(all_sent)
               : 0.0,
      tally.late_replies, took.count(), metrics_.queue_depth.load(), metrics_.results_written.load(),
      metrics_.results_spooled.load(), metrics_.results_replayed.load(), metrics_.results_dropped.load(),
      metrics_.write_latency_quantile(0.99), metrics_.write_busy_us.load() / 1000, arrived);
  return took;
}

void RoundScheduler::ping(const std::vector<std::size_t>& which, const std::vector<milliseconds>& offsets,
                          EpochMs round_ts, Tally& tally) {
  const auto& timing = options_.timing;
  // Each host's offset, the same for both kinds: a both host's ICMP and TCP probes go out together.
  std::vector<probe::PingRequest> icmp_requests, tcp_requests;
  std::vector<std::size_t> icmp_hosts, tcp_hosts;  // index into hosts_ of each request
  for (std::size_t k = 0; k < which.size(); ++k) {
    const std::size_t i = which[k];
    const auto& host = hosts_[i];
    if (probes_icmp(host.probe.method)) {
      icmp_requests.push_back({host.hostname, offsets[k]});
      icmp_hosts.push_back(i);
    }
    if (probes_tcp(host.probe.method)) {
      tcp_requests.push_back({host.hostname, offsets[k], host.probe.tcp_port});
      tcp_hosts.push_back(i);
    }
  }
  probe::PingOptions ping;
  ping.count = timing.probes;
  ping.per_host_interval = timing.spacing;
  ping.timeout = timing.timeout;
  ping.rate = options_.rate;
  ping.policy = options_.policy;
  // --rate is the process's cap: the two runs share it in proportion to their probes (each at least a
  // little, so that a handful of hosts of one kind among many of the other still keep their spacing).
  probe::PingOptions icmp_ping = ping, tcp_ping = ping;
  if (!icmp_requests.empty() && !tcp_requests.empty()) {
    const double share = static_cast<double>(tcp_requests.size()) /
                         static_cast<double>(icmp_requests.size() + tcp_requests.size());
    const double floor = std::min(options_.rate / 2, 50.0);
    tcp_ping.rate = std::max(floor, options_.rate * share);
    icmp_ping.rate = std::max(floor, options_.rate - tcp_ping.rate);
  }

  // No stop token: stop() lets the round in flight finish, so that its rows are complete. The TCP run goes on
  // a thread of its own meanwhile (each engine is one event loop on its caller's thread).
  std::vector<probe::HostResult> tcp_results;
  std::exception_ptr tcp_failure;
  std::thread tcp_thread;
  if (!tcp_requests.empty() && tcp_pinger_ != nullptr) {
    tcp_thread = std::thread([&] {
      try {
        tcp_results = tcp_pinger_->run(tcp_requests, tcp_ping);
      } catch (...) {
        tcp_failure = std::current_exception();
      }
    });
  }
  std::vector<probe::HostResult> icmp_results;
  std::exception_ptr icmp_failure;
  try {
    if (!icmp_requests.empty()) icmp_results = pinger_.run(icmp_requests, icmp_ping);
  } catch (...) {
    icmp_failure = std::current_exception();
  }
  if (tcp_thread.joinable()) tcp_thread.join();
  if (icmp_failure) std::rethrow_exception(icmp_failure);
  if (tcp_failure) std::rethrow_exception(tcp_failure);
  if (!tcp_requests.empty() && tcp_pinger_ == nullptr) {
    tcp_results.resize(tcp_requests.size());
    for (std::size_t i = 0; i < tcp_results.size(); ++i) {
      tcp_results[i].host = tcp_requests[i].host;
      tcp_results[i].error = probe::HostError::send_failed;
    }
  }

  for (std::size_t i = 0; i < icmp_hosts.size() && i < icmp_results.size(); ++i) {
    tally.rows.push_back(to_row(hosts_[icmp_hosts[i]].id, round_ts, icmp_results[i], ProbeKind::icmp));
    tally.sent += static_cast<std::uint64_t>(tally.rows.back().sent);
    tally.received += static_cast<std::uint64_t>(tally.rows.back().received);
    tally.late_replies += static_cast<std::uint64_t>(icmp_results[i].late);
    tally.duplicates += static_cast<std::uint64_t>(icmp_results[i].duplicates);
  }
  for (std::size_t i = 0; i < tcp_hosts.size() && i < tcp_results.size(); ++i) {
    tally.rows.push_back(to_row(hosts_[tcp_hosts[i]].id, round_ts, tcp_results[i], ProbeKind::tcp));
    tally.tcp_sent += static_cast<std::uint64_t>(tally.rows.back().sent);
    tally.tcp_received += static_cast<std::uint64_t>(tally.rows.back().received);
    tally.tcp_refused += static_cast<std::uint64_t>(tally.rows.back().refused);
  }
  tally.tcp_hosts += tcp_requests.size();
  if (icmp_results.size() != icmp_requests.size() || tcp_results.size() != tcp_requests.size()) {
    spdlog::error("round {}: the engines answered {} of {} ICMP and {} of {} TCP hosts",
                  format_iso8601(round_ts), icmp_results.size(), icmp_requests.size(), tcp_results.size(),
                  tcp_requests.size());
  }
}

void RoundScheduler::loop(std::stop_token stop) {
  const milliseconds interval = options_.timing.interval;
  const milliseconds margin = std::min(milliseconds(2000), interval / 10);
  EpochMs now = now_epoch_ms();
  EpochMs next = round_floor(now, interval);
  if (now - next > margin.count()) next += interval.count();

  for (;;) {
    {
      // Only a stop request ends the wait early; the round in flight (below) is never interrupted.
      StoppableThread::Lock lock(thread_.mutex());
      const auto wait = milliseconds(std::max<EpochMs>(0, next - now_epoch_ms()));
      thread_.wait_for(lock, stop, wait, [] { return false; });
      if (stop.stop_requested()) break;
    }
    const EpochMs round_ts = next;
    run_round(round_ts);
    now = now_epoch_ms();
    next = round_ts + interval.count();
    if (options_.on_round_end) options_.on_round_end(round_ts, now <= next);
    if (now > next) {
      // Overrun: say so, and start again at the next boundary rather than stretch or stack rounds.
      const EpochMs resume = round_floor(now, interval) + interval.count();
      const auto skipped = static_cast<std::uint64_t>((resume - next) / interval.count());
      ++metrics_.round_overruns;
      metrics_.rounds_skipped += skipped;
      spdlog::warn(
          "round {} overran its {} ms interval by {} ms ({} hosts); skipping {} round(s). Raise "
          "--interval or --rate, or add probe workers",
          format_iso8601(round_ts), interval.count(), now - next, metrics_.hosts.load(), skipped);
      next = resume;
    }
  }
}

}  // namespace semaphore::monitor

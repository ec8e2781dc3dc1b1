#include "monitor/round_scheduler.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/text.h"

namespace semaphore::monitor {

using std::chrono::milliseconds;

RoundScheduler::RoundScheduler(HostSource& source, probe::Pinger& pinger, Deliver deliver, Metrics& metrics,
                               SchedulerOptions options)
    : source_(source), pinger_(pinger), deliver_(std::move(deliver)), metrics_(metrics), options_(options) {
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

milliseconds RoundScheduler::run_round(EpochMs round_ts) {
  const auto& timing = options_.timing;
  if (auto hosts = source_.hosts_for_round(round_ts); hosts) {
    hosts_ = std::move(*hosts);
    if (options_.on_hosts) options_.on_hosts(hosts_);
  } else {
    spdlog::warn("round {}: cannot list hosts ({}); pinging last round's {} hosts", format_iso8601(round_ts),
                 log_safe(hosts.error().message), hosts_.size());
  }

  // Phases count from the boundary; run() counts offsets from its own start, a little later.
  const EpochMs started_ms = now_epoch_ms();
  const auto late = milliseconds(std::max<EpochMs>(0, started_ms - round_ts));
  std::vector<probe::PingRequest> requests;
  requests.reserve(hosts_.size());
  for (const auto& host : hosts_) {
    const milliseconds phase = host_phase(host.id, timing.window);
    // A small delay (listing hosts) just shifts the phases. A large one (a worker's first claim of many
    // leases) would push the round past its end, so the phases are then squeezed into the time left.
    const auto margin = std::min(milliseconds(2000), timing.interval / 10);
    milliseconds offset = std::max(milliseconds(0), phase - late);
    if (late > margin && timing.window > late)
      offset = phase * (timing.window - late).count() / timing.window.count();
    if (late > margin && timing.window <= late) offset = milliseconds(0);
    requests.push_back({host.hostname, offset});
  }
  probe::PingOptions ping;
  ping.count = timing.probes;
  ping.per_host_interval = timing.spacing;
  ping.timeout = timing.timeout;
  ping.rate = options_.rate;
  ping.policy = options_.policy;

  const auto t0 = std::chrono::steady_clock::now();
  // No stop token: stop() lets the round in flight finish, so that its rows are complete.
  const auto results = requests.empty() ? std::vector<probe::HostResult>{} : pinger_.run(requests, ping);
  const std::chrono::duration<double> took_s = std::chrono::steady_clock::now() - t0;
  const auto took = std::chrono::duration_cast<milliseconds>(took_s);

  std::vector<store::PingResult> rows;
  rows.reserve(hosts_.size());
  std::uint64_t sent = 0, received = 0, late_replies = 0, duplicates = 0;
  for (std::size_t i = 0; i < hosts_.size() && i < results.size(); ++i) {
    rows.push_back(to_row(hosts_[i].id, round_ts, results[i]));
    sent += static_cast<std::uint64_t>(rows.back().sent);
    received += static_cast<std::uint64_t>(rows.back().received);
    late_replies += static_cast<std::uint64_t>(results[i].late);
    duplicates += static_cast<std::uint64_t>(results[i].duplicates);
  }
  if (results.size() != hosts_.size()) {
    spdlog::error("round {}: the engine answered {} of {} hosts", format_iso8601(round_ts), results.size(),
                  hosts_.size());
  }
  const std::size_t row_count = rows.size();
  deliver_(std::move(rows));
  source_.round_done(round_ts);

  metrics_.probes_sent += sent;
  metrics_.probes_received += received;
  metrics_.probes_late += late_replies;
  metrics_.probes_duplicate += duplicates;
  metrics_.probes_dropped += sent - std::min(sent, received);
  metrics_.hosts = static_cast<std::int64_t>(row_count);
  metrics_.last_round_ms = took.count();
  metrics_.observe_round(took_s.count());
  metrics_.last_round_end = now_epoch_ms();
  ++metrics_.rounds;
  spdlog::info(
      "round {}: {} hosts, {} probes sent, {} received ({:.2f}% loss), {} late, {} ms; queue {}, "
      "written {}, spooled {}, replayed {}, dropped {}; write p99 {} ms, busy {} ms",
      format_iso8601(round_ts), row_count, sent, received,
      sent ? 100.0 * static_cast<double>(sent - std::min(sent, received)) / static_cast<double>(sent) : 0.0,
      late_replies, took.count(), metrics_.queue_depth.load(), metrics_.results_written.load(),
      metrics_.results_spooled.load(), metrics_.results_replayed.load(), metrics_.results_dropped.load(),
      metrics_.write_latency_quantile(0.99), metrics_.write_busy_us.load() / 1000);
  return took;
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

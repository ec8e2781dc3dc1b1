#include "monitor/metrics.h"

namespace semaphore::monitor {

void Metrics::observe_write_latency(double ms) {
  write_busy_us.fetch_add(static_cast<std::uint64_t>(ms * 1000), std::memory_order_relaxed);
  for (std::size_t i = 0; i < kBounds.size(); ++i) {
    if (ms <= kBounds[i]) {
      latency_buckets_[i].fetch_add(1, std::memory_order_relaxed);
      return;
    }
  }
}

double Metrics::write_latency_quantile(double quantile) const {
  std::uint64_t total = 0;
  for (const auto& bucket : latency_buckets_) total += bucket.load(std::memory_order_relaxed);
  if (total == 0) return 0;
  const auto wanted = static_cast<std::uint64_t>(quantile * static_cast<double>(total) + 0.999999);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBounds.size(); ++i) {
    seen += latency_buckets_[i].load(std::memory_order_relaxed);
    if (seen >= wanted) return i + 1 == kBounds.size() ? kBounds[i - 1] : kBounds[i];
  }
  return kBounds[kBounds.size() - 2];
}

std::map<std::string, double> Metrics::snapshot() const {
  auto v = [](const auto& atomic) { return static_cast<double>(atomic.load(std::memory_order_relaxed)); };
  return {
      {"rounds", v(rounds)},
      {"round_overruns", v(round_overruns)},
      {"rounds_skipped", v(rounds_skipped)},
      {"probes_sent", v(probes_sent)},
      {"probes_received", v(probes_received)},
      {"probes_late", v(probes_late)},
      {"probes_dropped", v(probes_dropped)},
      {"results_queued", v(results_queued)},
      {"results_written", v(results_written)},
      {"results_spooled", v(results_spooled)},
      {"results_replayed", v(results_replayed)},
      {"results_dropped", v(results_dropped)},
      {"write_batches", v(write_batches)},
      {"write_errors", v(write_errors)},
      {"write_busy_ms", v(write_busy_us) / 1000},
      {"write_latency_p50_ms", write_latency_quantile(0.5)},
      {"write_latency_p99_ms", write_latency_quantile(0.99)},
      {"rollup_runs", v(rollup_runs)},
      {"rows_pruned", v(rows_pruned)},
      {"maintenance_errors", v(maintenance_errors)},
      {"queue_depth", v(queue_depth)},
      {"spool_bytes", v(spool_bytes)},
      {"hosts", v(hosts)},
      {"last_round_ms", v(last_round_ms)},
      {"database_up", v(database_up)},
  };
}

}  // namespace semaphore::monitor

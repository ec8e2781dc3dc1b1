#pragma once
// The service's counters and gauges, shared by the scheduler, the writer and maintenance, read by logs and
// the /metrics endpoint. Counters are atomics so the hot paths never take a lock; write latencies go into a
// small fixed histogram (log-spaced buckets) because a p99 over every batch since start needs no samples
// kept.
#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <string>

namespace semaphore::monitor {

class Metrics {
 public:
  // Monotonic counters (names as exported).
  std::atomic<std::uint64_t> rounds{0};          // rounds completed
  std::atomic<std::uint64_t> round_overruns{0};  // rounds that did not finish inside their interval
  std::atomic<std::uint64_t> rounds_skipped{0};  // round starts missed because of an overrun
  std::atomic<std::uint64_t> probes_sent{0};
  std::atomic<std::uint64_t> probes_received{0};
  std::atomic<std::uint64_t> probes_late{0};
  std::atomic<std::uint64_t> probes_dropped{0};    // sent and never answered in time
  std::atomic<std::uint64_t> results_queued{0};    // results handed to the writer
  std::atomic<std::uint64_t> results_written{0};   // rows the database accepted (new rows)
  std::atomic<std::uint64_t> results_spooled{0};   // results appended to the spool
  std::atomic<std::uint64_t> results_replayed{0};  // spooled results written back to the database
  std::atomic<std::uint64_t> results_dropped{0};   // results lost: queue and spool both full or unwritable
  std::atomic<std::uint64_t> write_batches{0};
  std::atomic<std::uint64_t> write_errors{0};
  std::atomic<std::uint64_t> write_busy_us{
      0};  // time spent inside insert transactions (capacity = written / busy)
  std::atomic<std::uint64_t> rollup_runs{0};
  std::atomic<std::uint64_t> rows_pruned{0};
  std::atomic<std::uint64_t> maintenance_errors{0};

  // Gauges.
  std::atomic<std::int64_t> queue_depth{0};
  std::atomic<std::int64_t> spool_bytes{0};
  std::atomic<std::int64_t> hosts{0};          // hosts in the last round
  std::atomic<std::int64_t> last_round_ms{0};  // how long the last round's pinging took
  std::atomic<std::int64_t> database_up{1};

  // Records one insert transaction's latency.
  void observe_write_latency(double ms);
  // The latency below which `quantile` (0..1) of the recorded writes fell: a bucket's upper bound.
  double write_latency_quantile(double quantile) const;

  std::map<std::string, double> snapshot() const;

 private:
  // Bucket i holds latencies <= kBounds[i] ms; the last one everything above.
  static constexpr std::array<double, 16> kBounds = {0.5, 1,   2,    5,    10,   20,    50,    100,
                                                     200, 500, 1000, 2000, 5000, 10000, 30000, 1e300};
  std::array<std::atomic<std::uint64_t>, 16> latency_buckets_{};
};

}  // namespace semaphore::monitor

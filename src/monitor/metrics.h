#pragma once
// The service's counters, gauges and histograms, shared by the scheduler, the writer and maintenance, read by
// logs and the /metrics endpoint (write_prometheus). Counters are atomics and the histograms lock-free
// (core/prometheus_text.h), so the hot paths never take a lock.
#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <string>

#include "core/clock.h"
#include "core/prometheus_text.h"

namespace semaphore::monitor {

// Round durations (seconds): from a fraction of a second (a few hosts) to a long interval.
inline constexpr std::array<double, 14> kRoundSecondsBuckets = {0.05, 0.1, 0.25, 0.5, 1,   2.5, 5,
                                                                10,   15,  30,   60,  120, 300, 600};
// Insert transactions (seconds): a batch takes milliseconds; an outage waits up to the busy timeout.
inline constexpr std::array<double, 15> kInsertSecondsBuckets = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

class Metrics {
 public:
  // Monotonic counters.
  std::atomic<std::uint64_t> rounds{0};          // rounds completed
  std::atomic<std::uint64_t> round_overruns{0};  // rounds that did not finish inside their interval
  std::atomic<std::uint64_t> rounds_skipped{0};  // round starts missed because of an overrun
  std::atomic<std::uint64_t> probes_sent{0};
  std::atomic<std::uint64_t> probes_received{0};
  std::atomic<std::uint64_t> probes_late{0};       // replies after their probe's timeout
  std::atomic<std::uint64_t> probes_duplicate{0};  // extra replies to an already answered probe
  std::atomic<std::uint64_t> probes_dropped{0};    // sent and never answered in time
  // The TCP engine's probes (hosts probed by tcp or both): a SYN sent, answered by a SYN-ACK or a RST
  // (refused: the host up, the port closed; counted in received too), or dropped (no answer in time).
  std::atomic<std::uint64_t> tcp_probes_sent{0};
  std::atomic<std::uint64_t> tcp_probes_received{0};
  std::atomic<std::uint64_t> tcp_probes_refused{0};
  std::atomic<std::uint64_t> tcp_probes_dropped{0};
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
  std::atomic<std::int64_t> tcp_hosts{0};      // of them, probed by TCP (tcp and both hosts)
  std::atomic<std::int64_t> last_round_ms{0};  // how long the last round's pinging took
  std::atomic<EpochMs> last_round_end{0};      // when the last round ended (epoch ms; 0: none yet)
  std::atomic<std::int64_t> interval_ms{0};    // the round interval
  std::atomic<std::int64_t> database_up{1};    // 0 while the writer's inserts fail

  // Records one insert transaction's latency.
  void observe_write_latency(double ms);
  // The latency below which `quantile` (0..1) of the recorded writes fell: a bucket's upper bound (ms).
  double write_latency_quantile(double quantile) const;
  // Records one round's pinging time.
  void observe_round(double seconds);

  // Name -> value, for logs and tests.
  std::map<std::string, double> snapshot() const;
  // Every series in the Prometheus text format (semaphore_probes_sent_total, ...; README lists them).
  void write_prometheus(PrometheusText& out) const;

 private:
  AtomicHistogram insert_seconds_{kInsertSecondsBuckets};
  AtomicHistogram round_seconds_{kRoundSecondsBuckets};
};

}  // namespace semaphore::monitor

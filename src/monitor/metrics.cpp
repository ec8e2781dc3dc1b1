#include "monitor/metrics.h"

namespace semaphore::monitor {
namespace {

template <class T>
double value_of(const std::atomic<T>& atomic) {
  return static_cast<double>(atomic.load(std::memory_order_relaxed));
}

}  // namespace

void Metrics::observe_write_latency(double ms) {
  write_busy_us.fetch_add(static_cast<std::uint64_t>(ms * 1000), std::memory_order_relaxed);
  insert_seconds_.observe(ms / 1000);
}

double Metrics::write_latency_quantile(double quantile) const {
  return insert_seconds_.snapshot().quantile_bound(quantile) * 1000;
}

void Metrics::observe_round(double seconds) {
  round_seconds_.observe(seconds);
}

std::map<std::string, double> Metrics::snapshot() const {
  auto v = [](const auto& atomic) { return value_of(atomic); };
  return {
      {"rounds", v(rounds)},
      {"round_overruns", v(round_overruns)},
      {"rounds_skipped", v(rounds_skipped)},
      {"probes_sent", v(probes_sent)},
      {"probes_received", v(probes_received)},
      {"probes_late", v(probes_late)},
      {"probes_duplicate", v(probes_duplicate)},
      {"probes_dropped", v(probes_dropped)},
      {"tcp_probes_sent", v(tcp_probes_sent)},
      {"tcp_probes_received", v(tcp_probes_received)},
      {"tcp_probes_refused", v(tcp_probes_refused)},
      {"tcp_probes_dropped", v(tcp_probes_dropped)},
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
      {"tcp_hosts", v(tcp_hosts)},
      {"last_round_ms", v(last_round_ms)},
      {"database_up", v(database_up)},
  };
}

void Metrics::write_prometheus(PrometheusText& out) const {
  // Rounds.
  out.counter("semaphore_rounds_total", "Ping rounds completed.", value_of(rounds));
  out.counter("semaphore_round_overruns_total", "Rounds that did not finish inside their interval.",
              value_of(round_overruns));
  out.counter("semaphore_rounds_skipped_total", "Round starts skipped because the round before overran.",
              value_of(rounds_skipped));
  out.family("semaphore_round_duration_seconds", MetricType::histogram, "Time a round's pinging took.");
  out.histogram(round_seconds_.snapshot());
  out.gauge("semaphore_round_hosts", "Hosts pinged in the last round.", value_of(hosts));
  out.gauge("semaphore_round_tcp_hosts", "Of the hosts in the last round, those probed by TCP (tcp, both).",
            value_of(tcp_hosts));
  out.gauge("semaphore_round_interval_seconds", "The round interval (--interval).",
            value_of(interval_ms) / 1000);
  out.gauge("semaphore_last_round_end_timestamp_seconds",
            "When the last round finished, in seconds since the Unix epoch; 0 before the first.",
            value_of(last_round_end) / 1000);

  // The ping engine.
  out.counter("semaphore_probes_sent_total", "ICMP echo requests sent.", value_of(probes_sent));
  out.counter("semaphore_probes_received_total", "Echo replies received before their probe's timeout.",
              value_of(probes_received));
  out.counter("semaphore_probes_late_total",
              "Echo replies that came after their probe's timeout (not counted as received).",
              value_of(probes_late));
  out.counter("semaphore_probes_duplicate_total", "Extra echo replies to a probe already answered.",
              value_of(probes_duplicate));
  out.counter("semaphore_probes_dropped_total", "Echo requests sent that got no reply before their timeout.",
              value_of(probes_dropped));
  out.counter("semaphore_tcp_probes_sent_total", "TCP connect probes (SYNs) sent.",
              value_of(tcp_probes_sent));
  out.counter("semaphore_tcp_probes_received_total",
              "TCP probes answered before their timeout, by a SYN-ACK or a RST.",
              value_of(tcp_probes_received));
  out.counter("semaphore_tcp_probes_refused_total",
              "TCP probes answered by a RST (the host up, the port closed); also in received.",
              value_of(tcp_probes_refused));
  out.counter("semaphore_tcp_probes_dropped_total", "TCP probes that got no answer before their timeout.",
              value_of(tcp_probes_dropped));

  // The result writer.
  out.counter("semaphore_results_queued_total", "Results (one per host per round) handed to the writer.",
              value_of(results_queued));
  out.counter("semaphore_results_written_total", "Result rows the database accepted.",
              value_of(results_written));
  out.counter("semaphore_results_spooled_total",
              "Results written to the spool while the database failed or lagged.", value_of(results_spooled));
  out.counter("semaphore_results_replayed_total", "Spooled results written back to the database.",
              value_of(results_replayed));
  out.counter("semaphore_results_dropped_total",
              "Results lost: the queue and the spool were both full or unwritable.",
              value_of(results_dropped));
  out.counter("semaphore_write_batches_total", "Insert transactions committed.", value_of(write_batches));
  out.counter("semaphore_write_errors_total", "Insert transactions that failed (retried or spooled).",
              value_of(write_errors));
  out.counter("semaphore_write_busy_seconds_total", "Time spent inside insert transactions.",
              value_of(write_busy_us) / 1e6);
  out.family("semaphore_insert_duration_seconds", MetricType::histogram,
             "Time one insert transaction (a batch of results) took.");
  out.histogram(insert_seconds_.snapshot());
  out.gauge("semaphore_result_queue_depth", "Results waiting in the writer's queue.", value_of(queue_depth));
  out.gauge("semaphore_spool_bytes", "Bytes in the spool directory not yet replayed.", value_of(spool_bytes));
  out.gauge("semaphore_writer_database_up",
            "1 while the writer's inserts succeed, 0 during a database outage.", value_of(database_up));

  // Maintenance.
  out.counter("semaphore_rollup_runs_total", "Rollup refreshes completed.", value_of(rollup_runs));
  out.counter("semaphore_rows_pruned_total", "Result and rollup rows deleted by retention.",
              value_of(rows_pruned));
  out.counter("semaphore_maintenance_errors_total", "Rollup or retention passes that failed.",
              value_of(maintenance_errors));
}

}  // namespace semaphore::monitor

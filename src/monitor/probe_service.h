#pragma once
// The ping service: rounds of pings over every enabled host, results written without loss (DESIGN.md §5).
// CONTRACT used by `semaphore run` (web + service in one process) and `semaphore probe` (service alone):
// keep these names and meanings; fields and functions may be added.
//
// Inside: a RoundScheduler (round_scheduler.h) asks a HostSource (host_source.h: every enabled host on
// SQLite, leased hosts on PostgreSQL) for the round's hosts, pings them through the ICMP and TCP engines (by
// each host's probe method) and hands one row per host per probe kind to the ResultWriter (result_writer.h:
// queue, batches, retry, spool). A Maintenance thread (maintenance.h) keeps rollups fresh and prunes old
// rows. Metrics (metrics.h) counts everything.
//
// The service takes a plain ServiceOptions; the command line that fills it is src/cli/service_options.h.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/prometheus_text.h"
#include "core/result.h"
#include "core/target.h"
#include "monitor/heartbeat.h"
#include "store/monitor_store.h"

namespace semaphore::probe {
class Pinger;
class Tracer;
}  // namespace semaphore::probe

namespace semaphore::store {
class PathStore;
class LocationStore;
}  // namespace semaphore::store

namespace semaphore::monitor {

class HostSource;  // monitor/round_scheduler.h
class ResultSink;  // monitor/result_writer.h

struct ServiceOptions {
  std::chrono::milliseconds interval{std::chrono::seconds(60)};  // --interval (accepts 60s, 2s, 500ms, 1m)
  int probes = 5;                                                // --probes per host per round
  double rate = 10000;                                           // --rate probes per second, global
  std::string spool_dir = "spool";                               // --spool-dir
  // --probe-spacing: between one host's probes; 0 = auto: min(1 s, interval / (3 * probes)).
  std::chrono::milliseconds probe_spacing{0};
  // --timeout: how long a probe waits for its reply; 0 = auto: min(1 s, interval / 5).
  std::chrono::milliseconds timeout{0};
  TargetPolicy target_policy = TargetPolicy::allow_private;  // --targets private|public (core/target.h)
  // The TCP engine's probes in flight at most, each a descriptor (tcp and both hosts; issue 15). src/cli
  // sets it from the process's descriptor budget (cli/service_options.h: tcp_socket_budget).
  int tcp_max_sockets = 128;

  // Writer (DESIGN.md §5).
  int batch_size = 1000;                // --batch-size rows per insert transaction
  std::size_t queue_capacity = 200000;  // --queue-capacity results held in memory
  std::chrono::milliseconds spool_after{std::chrono::seconds(10)};  // --spool-after: oldest unwritten age
  std::int64_t spool_max_bytes = 1024LL * 1024 * 1024;  // --spool-max-mb: beyond it results are dropped

  // Leases (PostgreSQL only; SQLite runs one worker).
  std::string worker_id;   // --worker-id; empty = hostname:pid
  int lease_chunk = 1000;  // --lease-chunk hosts claimed per statement

  // Rollups and retention.
  std::chrono::hours retention_raw{24 * 30};      // --retention-raw (accepts 30d, 720h)
  std::chrono::hours retention_rollup{24 * 730};  // --retention-rollup
  std::chrono::milliseconds maintenance_every{std::chrono::minutes(5)};  // --maintenance-every
  int prune_batch_hosts = 50;                                            // hosts per pruning transaction

  // Paths (issue 15; monitor/path_scheduler.h): every host traced once per path_interval, and at once when it
  // changes state. 0 turns paths off.
  std::chrono::milliseconds path_interval{std::chrono::minutes(30)};  // --path-interval

  // The location this service reports as in its heartbeat (issue 16; monitor/heartbeat.h): `local`, which
  // migration 012 makes as id 1.
  std::int64_t location_id = 1;
  // For the log only: the location's name, and where results go ("database"; an agent's: "server").
  std::string location_name = "local";
  std::string results_destination = "database";
};

class ProbeService {
 public:
  virtual ~ProbeService() = default;

  // Opens the ping engines — ICMP (Errc::permission_denied naming the fix when ICMP is not allowed) and TCP
  // (Pinger::open_tcp, for the hosts probed by tcp or both; needs no privilege) — and, for SQLite,
  // refuses a second worker on the same database file with a clear message. With `evaluator` (the alerts:
  // alerts::StoreRoundEvaluator, which src/cli passes; it must outlive the service), every batch's rounds are
  // evaluated in the transaction that stores them; without, rounds are only stored.
  // With `paths` (the Store, which src/cli passes) and a path_interval above 0, it also opens the traceroute
  // engine and measures paths (monitor/path_scheduler.h); when the engine cannot open, the service logs why
  // and pings without paths.
  // With `locations` (the Store, which src/cli passes), the service records its heartbeat in the row of
  // options.location_id at its start and after each round (monitor/heartbeat.h), on a thread of its own.
  static Result<std::unique_ptr<ProbeService>> create(store::MonitorStore& store,
                                                      const ServiceOptions& options,
                                                      store::RoundEvaluator* evaluator = nullptr,
                                                      store::PathStore* paths = nullptr,
                                                      store::LocationStore* locations = nullptr);
  // The same with an ICMP engine given by the caller (tests and benchmarks); the TCP engine is opened as
  // create() does. Paths are measured when both `paths` and `tracer` are given and path_interval is above 0.
  static Result<std::unique_ptr<ProbeService>> create_with(
      store::MonitorStore& store, const ServiceOptions& options, std::unique_ptr<probe::Pinger> pinger,
      store::RoundEvaluator* evaluator = nullptr, store::PathStore* paths = nullptr,
      std::unique_ptr<probe::Tracer> tracer = nullptr, store::LocationStore* locations = nullptr);
  // The same with both engines given (`tcp_pinger` may be null: TCP rows then say "send failed").
  static Result<std::unique_ptr<ProbeService>> create_with(
      store::MonitorStore& store, const ServiceOptions& options, std::unique_ptr<probe::Pinger> pinger,
      std::unique_ptr<probe::Pinger> tcp_pinger, store::RoundEvaluator* evaluator,
      store::PathStore* paths = nullptr, std::unique_ptr<probe::Tracer> tracer = nullptr,
      store::LocationStore* locations = nullptr);

  // A service that never talks to the database itself: the agent's (src/agent). Its hosts come from
  // `source`, its rows go to `sink` (through the same writer and spool as a database-connected service's:
  // the spool under options.spool_dir) and its heartbeat to `record_heartbeat` (empty: none); it runs no
  // maintenance and measures no paths. `tcp_pinger` null: the TCP engine is opened as create() does.
  struct RemoteParts {
    std::unique_ptr<probe::Pinger> pinger;
    std::unique_ptr<probe::Pinger> tcp_pinger;
    std::unique_ptr<HostSource> source;
    std::unique_ptr<ResultSink> sink;
    HeartbeatRecorder record_heartbeat;
  };
  static Result<std::unique_ptr<ProbeService>> create_remote(const ServiceOptions& options,
                                                             RemoteParts parts);

  // Starts the round loop and the writer on their own threads; returns at once.
  virtual void start() = 0;
  // Finishes the round in flight, flushes every result (to the database or the spool), then returns.
  virtual void stop() = 0;

  // Counters for logs and tests: name -> value (probes_sent, rounds, results_spooled, ...).
  virtual std::map<std::string, double> metrics() const = 0;
  // The same and the histograms for /metrics, in the Prometheus text format (monitor/metrics.h).
  virtual void write_metrics(PrometheusText& out) const = 0;

  // Rows with ts >= `from` reached the database late (an agent's, through the server in the same process):
  // maintenance recomputes their rollups on its next pass. Nothing for a service without maintenance.
  virtual void mark_rollups_dirty(EpochMs from) = 0;

  // Whether the rounds keep up, for /readyz.
  struct RoundProgress {
    EpochMs started_at = 0;      // when start() was called; 0 while not running
    EpochMs last_round_end = 0;  // when the last round finished; 0 before the first
    std::chrono::milliseconds interval{0};
  };
  virtual RoundProgress progress() const = 0;
};

}  // namespace semaphore::monitor

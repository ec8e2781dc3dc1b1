// ProbeService: wires the engine, the host source, the round scheduler, the result writer (with its spool)
// and maintenance together. Owns nothing clever itself.
#include <unistd.h>

#include <atomic>

#include <spdlog/spdlog.h>

#include "core/process_name.h"
#include "core/version.h"
#include "monitor/heartbeat.h"
#include "monitor/host_source.h"
#include "monitor/maintenance.h"
#include "monitor/metrics.h"
#include "monitor/path_scheduler.h"
#include "monitor/probe_service.h"
#include "monitor/result_writer.h"
#include "monitor/round_scheduler.h"
#include "monitor/spool.h"
#include "probe/pinger.h"
#include "probe/tracer.h"

namespace semaphore::monitor {
namespace {

// File names may carry the worker id; keep them to a safe alphabet.
std::string file_safe(const std::string& text) {
  std::string out;
  for (char c : text) out += std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' ? c : '_';
  return out;
}

// What a Service is made of. A database-connected service (create_with) has a store: its sink is a
// StoreSink (with the alerts' evaluator), it runs maintenance and holds the worker lock. A remote one (the
// agent, create_remote) brings its own source, sink and heartbeat recorder, and has no store.
struct ServiceParts {
  store::MonitorStore* store = nullptr;
  std::unique_ptr<probe::Pinger> pinger;
  std::unique_ptr<probe::Pinger> tcp_pinger;
  std::unique_ptr<HostSource> source;
  std::unique_ptr<ResultSink> sink;  // null with a store: a StoreSink is made
  SchedulerOptions scheduler_options;
  std::string worker_id;
  std::unique_ptr<store::WorkerLock> lock;
  store::RoundEvaluator* evaluator = nullptr;
  store::PathStore* paths = nullptr;
  std::unique_ptr<probe::Tracer> tracer;
  HeartbeatRecorder record_heartbeat;  // empty: no heartbeat
};

class Service : public ProbeService {
 public:
  Service(const ServiceOptions& options, ServiceParts parts)
      : options_(options),
        worker_id_(std::move(parts.worker_id)),
        lock_(std::move(parts.lock)),
        maintenance_(parts.store ? std::make_unique<Maintenance>(*parts.store, metrics_,
                                                                 maintenance_options(options), parts.paths)
                                 : nullptr),
        pinger_(std::move(parts.pinger)),
        tcp_pinger_(std::move(parts.tcp_pinger)),
        source_(std::move(parts.source)),
        tracer_(std::move(parts.tracer)),
        paths_(parts.paths && tracer_ && options.path_interval.count() > 0
                   ? std::make_unique<PathScheduler>(*parts.paths, *tracer_, metrics_, path_options(options))
                   : nullptr),
        triggering_(paths_ && parts.evaluator
                        ? std::make_unique<PathTriggeringEvaluator>(*parts.evaluator, *paths_)
                        : nullptr),
        sink_(parts.sink ? std::move(parts.sink)
                         : std::make_unique<StoreSink>(*parts.store,
                                                       triggering_ ? triggering_.get() : parts.evaluator)),
        heartbeat_(parts.record_heartbeat ? std::make_unique<Heartbeat>(std::move(parts.record_heartbeat),
                                                                        heartbeat_options(options),
                                                                        [this] { return spool_backlog(); })
                                          : nullptr),
        spool_(options.spool_dir, "results-" + file_safe(worker_id_), options.spool_max_bytes),
        writer_(*sink_, spool_, metrics_, writer_options(options, maintenance_.get())),
        scheduler_(
            *source_, *pinger_, tcp_pinger_.get(),
            [this](std::vector<store::PingResult> rows) { writer_.push(std::move(rows)); }, metrics_,
            with_heartbeat(with_paths(std::move(parts.scheduler_options)))) {}

  ~Service() override { stop(); }

  void start() override {
    std::lock_guard lock(mutex_);
    if (running_) return;
    running_ = true;
    started_at_ = now_epoch_ms();
    spdlog::info(
        "probe service {}: interval {} ms, {} probes per host, rate {}/s, spool {}, TCP probes in flight at "
        "most {}",
        worker_id_, options_.interval.count(), options_.probes, options_.rate, options_.spool_dir,
        options_.tcp_max_sockets);
    writer_.start();
    if (heartbeat_) heartbeat_->start();
    scheduler_.start();
    if (maintenance_) maintenance_->start();
    if (paths_) {
      spdlog::info("paths: every host traced every {} s and at each state change",
                   options_.path_interval.count() / 1000);
      paths_->start();
    }
  }

  void stop() override {
    std::lock_guard lock(mutex_);
    if (!running_) return;
    running_ = false;
    started_at_ = 0;
    if (paths_) paths_->stop();  // a trace in flight ends early, unstored
    scheduler_.stop();           // the round in flight finishes and hands over its rows
    source_->close();
    writer_.stop();                      // every row reaches the database or the spool
    if (heartbeat_) heartbeat_->stop();  // the last rounds and the spool's backlog after the flush
    if (maintenance_) maintenance_->stop();
    const auto m = metrics_.snapshot();
    spdlog::info("probe service stopped: {} rounds, {} results written, {} spooled, {} dropped",
                 m.at("rounds"), m.at("results_written"), m.at("results_spooled"), m.at("results_dropped"));
  }

  std::map<std::string, double> metrics() const override { return metrics_.snapshot(); }
  void write_metrics(PrometheusText& out) const override { metrics_.write_prometheus(out); }
  void mark_rollups_dirty(EpochMs from) override {
    if (maintenance_) maintenance_->mark_dirty(from);
  }
  RoundProgress progress() const override {
    return {started_at_.load(), metrics_.last_round_end.load(), options_.interval};
  }

 private:
  static PathOptions path_options(const ServiceOptions& options) {
    PathOptions p;
    p.interval = options.path_interval;
    p.trace.policy = options.target_policy;
    return p;
  }

  // The round scheduler hands each round's host list to the path scheduler.
  SchedulerOptions with_paths(SchedulerOptions options) {
    if (paths_)
      options.on_hosts = [this](const std::vector<store::Host>& hosts) { paths_->set_hosts(hosts); };
    return options;
  }

  // The round scheduler tells the heartbeat each round's end (a count and a notify: never the database).
  SchedulerOptions with_heartbeat(SchedulerOptions options) {
    if (heartbeat_) {
      options.on_round_end = [this](EpochMs, bool on_time) { heartbeat_->round_ended(on_time); };
    }
    return options;
  }

  static HeartbeatOptions heartbeat_options(const ServiceOptions& options) {
    HeartbeatOptions h;
    h.location_id = options.location_id;
    h.location_name = options.location_name;
    h.version = kVersion;
    h.interval = options.interval;
    return h;
  }

  // The rows this process put in the spool and has not yet written back (a spool left by an earlier process
  // is not counted until replayed).
  std::int64_t spool_backlog() const {
    const auto spooled = static_cast<std::int64_t>(metrics_.results_spooled.load());
    const auto replayed = static_cast<std::int64_t>(metrics_.results_replayed.load());
    return std::max<std::int64_t>(0, spooled - replayed);
  }

  static MaintenanceOptions maintenance_options(const ServiceOptions& options) {
    MaintenanceOptions m;
    m.every = options.maintenance_every;
    m.retention_raw = options.retention_raw;
    m.retention_rollup = options.retention_rollup;
    m.hosts_per_batch = options.prune_batch_hosts;
    return m;
  }

  // Rows replayed from the spool landed late: maintenance (when this service runs it) recomputes their
  // buckets. An agent's server does that for the rows it receives.
  static WriterOptions writer_options(const ServiceOptions& options, Maintenance* maintenance) {
    WriterOptions w;
    if (maintenance != nullptr) {
      w.on_replayed = [maintenance](EpochMs oldest) { maintenance->mark_dirty(oldest); };
    }
    w.batch_size = static_cast<std::size_t>(options.batch_size);
    w.queue_capacity = options.queue_capacity;
    w.spool_after = options.spool_after;
    w.location_id = options.location_id;
    w.destination = options.results_destination;
    return w;
  }

  ServiceOptions options_;
  std::string worker_id_;
  std::unique_ptr<store::WorkerLock> lock_;
  Metrics metrics_;
  std::unique_ptr<Maintenance> maintenance_;
  std::unique_ptr<probe::Pinger> pinger_;
  std::unique_ptr<probe::Pinger> tcp_pinger_;
  std::unique_ptr<HostSource> source_;
  std::unique_ptr<probe::Tracer> tracer_;
  std::unique_ptr<PathScheduler> paths_;
  std::unique_ptr<PathTriggeringEvaluator> triggering_;
  std::unique_ptr<ResultSink> sink_;
  std::unique_ptr<Heartbeat> heartbeat_;
  Spool spool_;
  ResultWriter writer_;
  RoundScheduler scheduler_;
  std::mutex mutex_;
  bool running_ = false;
  std::atomic<EpochMs> started_at_{0};
};

}  // namespace

Result<std::unique_ptr<ProbeService>> ProbeService::create_with(
    store::MonitorStore& store, const ServiceOptions& options, std::unique_ptr<probe::Pinger> pinger,
    store::RoundEvaluator* evaluator, store::PathStore* paths, std::unique_ptr<probe::Tracer> tracer,
    store::LocationStore* locations) {
  probe::TcpOpenOptions tcp;
  tcp.max_open_sockets = std::max(1, options.tcp_max_sockets);
  auto tcp_pinger = probe::Pinger::open_tcp(tcp);
  if (!tcp_pinger) return tcp_pinger.error();
  return create_with(store, options, std::move(pinger), std::move(*tcp_pinger), evaluator, paths,
                     std::move(tracer), locations);
}

Result<std::unique_ptr<ProbeService>> ProbeService::create_with(
    store::MonitorStore& store, const ServiceOptions& options, std::unique_ptr<probe::Pinger> pinger,
    std::unique_ptr<probe::Pinger> tcp_pinger, store::RoundEvaluator* evaluator, store::PathStore* paths,
    std::unique_ptr<probe::Tracer> tracer, store::LocationStore* locations) {
  auto timing = derive_timing(options.interval, options.probes, options.probe_spacing, options.timeout);
  if (!timing) return timing.error();
  if (!(options.rate > 0)) return make_error(Errc::invalid_argument, "--rate must be positive");
  SchedulerOptions scheduler{*timing, options.rate, options.target_policy, {}, {}};
  const std::string worker_id = options.worker_id.empty() ? host_and_pid() : options.worker_id;

  auto lock = store.lock_single_worker(worker_id, options.location_id);
  if (!lock) return lock.error();
  std::unique_ptr<HostSource> source;
  if (store.leases_hosts()) {
    // Leases outlive one interval by half an interval (at least a second): renewed at every round start, they
    // never lapse under a live worker, and a dead worker's hosts are free at the second boundary after it
    // died.
    const auto ttl = options.interval + std::max(options.interval / 2, std::chrono::milliseconds(1000));
    // The round starts with the renewal and one batch; the rest is claimed while it runs, until the phase
    // window closes (a host claimed by then still gets its probes in before the round's end), and pinged in
    // the same round: every round, the first included, ends on time and covers what could be claimed.
    source =
        std::make_unique<LeaseHostSource>(store, worker_id, ttl, options.lease_chunk,
                                          std::chrono::milliseconds(0), timing->window, options.location_id);
  } else {
    source = std::make_unique<AllHostsSource>(store, options.location_id);
  }
  ServiceParts parts;
  parts.store = &store;
  parts.pinger = std::move(pinger);
  parts.tcp_pinger = std::move(tcp_pinger);
  parts.source = std::move(source);
  parts.scheduler_options = scheduler;
  parts.worker_id = worker_id;
  parts.lock = std::move(*lock);
  parts.evaluator = evaluator;
  parts.paths = paths;
  parts.tracer = std::move(tracer);
  if (locations != nullptr) {
    parts.record_heartbeat = [locations](const store::LocationHeartbeat& beat) {
      return locations->record_heartbeat(beat);
    };
  }
  return std::unique_ptr<ProbeService>(new Service(options, std::move(parts)));
}

Result<std::unique_ptr<ProbeService>> ProbeService::create_remote(const ServiceOptions& options,
                                                                  RemoteParts remote) {
  auto timing = derive_timing(options.interval, options.probes, options.probe_spacing, options.timeout);
  if (!timing) return timing.error();
  if (!(options.rate > 0)) return make_error(Errc::invalid_argument, "--rate must be positive");
  if (!remote.pinger || !remote.source || !remote.sink) {
    return make_error(Errc::invalid_argument, "a remote service needs an engine, a host source and a sink");
  }
  if (!remote.tcp_pinger) {
    probe::TcpOpenOptions tcp;
    tcp.max_open_sockets = std::max(1, options.tcp_max_sockets);
    auto opened = probe::Pinger::open_tcp(tcp);
    if (!opened) return opened.error();
    remote.tcp_pinger = std::move(*opened);
  }
  ServiceParts parts;
  parts.pinger = std::move(remote.pinger);
  parts.tcp_pinger = std::move(remote.tcp_pinger);
  parts.source = std::move(remote.source);
  parts.sink = std::move(remote.sink);
  parts.scheduler_options = SchedulerOptions{*timing, options.rate, options.target_policy, {}, {}};
  parts.worker_id = options.worker_id.empty() ? host_and_pid() : options.worker_id;
  parts.record_heartbeat = std::move(remote.record_heartbeat);
  return std::unique_ptr<ProbeService>(new Service(options, std::move(parts)));
}

}  // namespace semaphore::monitor

#include "cli/service_options.h"

#include <sys/resource.h>

#include <algorithm>

#include "cli/option_types.h"

namespace semaphore::cli {

int tcp_sockets_for(std::uint64_t open_file_limit, const web::FdBudget* web) {
  constexpr std::uint64_t kReserve = 256, kFewest = 16, kMost = 16384;
  std::uint64_t sockets = 0;
  if (web != nullptr) {
    const std::uint64_t connections = static_cast<std::uint64_t>(std::max(0, web->max_connections));
    const std::uint64_t taken = web->reserved + connections;
    const std::uint64_t unused = web->open_file_limit > taken ? web->open_file_limit - taken : 0;
    sockets = web->reserved / 2 + unused;
  } else {
    sockets = open_file_limit > kReserve ? open_file_limit - kReserve : open_file_limit / 2;
  }
  const std::uint64_t fewest = std::min(kFewest, std::max<std::uint64_t>(1, open_file_limit / 4));
  return static_cast<int>(std::clamp(sockets, fewest, kMost));
}

int tcp_socket_budget(const web::FdBudget* web) {
  if (web != nullptr) return tcp_sockets_for(web->open_file_limit, web);
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return tcp_sockets_for(1024, nullptr);
  if (limit.rlim_cur != RLIM_INFINITY &&
      (limit.rlim_max == RLIM_INFINITY || limit.rlim_cur < limit.rlim_max)) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return tcp_sockets_for(limit.rlim_cur == RLIM_INFINITY ? std::uint64_t{1} << 20 : limit.rlim_cur, nullptr);
}

void add_service_options(CLI::App& command, monitor::ServiceOptions& o, std::optional<TargetPolicy>& targets,
                         TargetsHelp targets_help) {
  add_duration_option(command, "--interval", o.interval, "time between rounds", "SEMAPHORE_INTERVAL")
      ->default_str(format_duration(o.interval));
  command.add_option("--probes", o.probes, "echo requests per host per round")
      ->envname("SEMAPHORE_PROBES")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  command.add_option("--rate", o.rate, "global cap on probes per second")
      ->envname("SEMAPHORE_RATE")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  add_duration_option(command, "--probe-spacing", o.probe_spacing,
                      "between one host's probes (0: min(1s, interval/3/probes))", "SEMAPHORE_PROBE_SPACING")
      ->default_str("0");
  add_duration_option(command, "--timeout", o.timeout,
                      "a probe's wait for its reply (0: min(1s, interval/5))", "SEMAPHORE_TIMEOUT")
      ->default_str("0");
  add_targets_option(command, targets, targets_help);
  command.add_option("--spool-dir", o.spool_dir, "where results wait while the database is down")
      ->envname("SEMAPHORE_SPOOL_DIR")
      ->capture_default_str();
  command
      .add_option_function<std::int64_t>(
          "--spool-max-mb", [&o](std::int64_t mb) { o.spool_max_bytes = mb * 1024 * 1024; },
          "spool size limit; beyond it results are dropped (and counted)")
      ->envname("SEMAPHORE_SPOOL_MAX_MB")
      ->check(CLI::PositiveNumber)
      ->default_str(std::to_string(o.spool_max_bytes / (1024 * 1024)));
  add_duration_option(command, "--spool-after", o.spool_after,
                      "how long a database outage lasts before results are spooled", "SEMAPHORE_SPOOL_AFTER")
      ->default_str(format_duration(o.spool_after));
  command.add_option("--batch-size", o.batch_size, "results per insert transaction")
      ->envname("SEMAPHORE_BATCH_SIZE")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  command.add_option("--queue-capacity", o.queue_capacity, "results held in memory before spooling")
      ->envname("SEMAPHORE_QUEUE_CAPACITY")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command.add_option("--worker-id", o.worker_id, "this worker's name in host leases (default HOSTNAME:PID)")
      ->envname("SEMAPHORE_WORKER_ID");
  command.add_option("--lease-chunk", o.lease_chunk, "hosts claimed per lease statement (PostgreSQL)")
      ->envname("SEMAPHORE_LEASE_CHUNK")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  add_duration_option(command, "--retention-raw", o.retention_raw, "how long per-round results are kept",
                      "SEMAPHORE_RETENTION_RAW")
      ->default_str(format_duration(o.retention_raw));
  add_duration_option(command, "--retention-rollup", o.retention_rollup,
                      "how long hourly and daily rollups are kept", "SEMAPHORE_RETENTION_ROLLUP")
      ->default_str(format_duration(o.retention_rollup));
  add_duration_option(command, "--maintenance-every", o.maintenance_every,
                      "how often rollups are refreshed and old rows pruned", "SEMAPHORE_MAINTENANCE_EVERY")
      ->default_str(format_duration(o.maintenance_every));
  add_duration_option(
      command, "--path-interval", o.path_interval,
      "how often every host's network path is traced (and at once on a state change); 0: never",
      "SEMAPHORE_PATH_INTERVAL")
      ->default_str(format_duration(o.path_interval));
}

}  // namespace semaphore::cli

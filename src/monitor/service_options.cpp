// The service's command-line options; every one also reads a SEMAPHORE_* environment variable.
#include <unistd.h>

#include <cctype>
#include <charconv>

#include "monitor/probe_service.h"

namespace semaphore::monitor {

std::optional<std::chrono::milliseconds> parse_duration(const std::string& text) {
  std::size_t digits = 0;
  while (digits < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.')) {
    ++digits;
  }
  if (digits == 0) return std::nullopt;
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + digits, value);
  if (ec != std::errc() || end != text.data() + digits || value < 0) return std::nullopt;
  const std::string unit = text.substr(digits);
  double ms = 0;
  if (unit.empty() || unit == "s") {
    ms = value * 1000;
  } else if (unit == "ms") {
    ms = value;
  } else if (unit == "m" || unit == "min") {
    ms = value * 60'000;
  } else if (unit == "h") {
    ms = value * 3'600'000;
  } else if (unit == "d") {
    ms = value * 86'400'000;
  } else {
    return std::nullopt;
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(ms + 0.5));
}

namespace {

// A duration option stored into `target` (any std::chrono duration), validated by parse_duration.
template <class Duration>
CLI::Option* add_duration(CLI::App& command, const std::string& name, Duration& target,
                          const std::string& help, const std::string& env) {
  auto* option = command.add_option_function<std::string>(
      name,
      [&target](const std::string& text) {
        target = std::chrono::duration_cast<Duration>(*parse_duration(text));
      },
      help);
  option->envname(env)->check(CLI::Validator(
      [](std::string& text) {
        return parse_duration(text) ? std::string() : "not a duration (use e.g. 500ms, 2s, 1m, 12h, 30d)";
      },
      "DURATION"));
  return option;
}

std::string default_text(std::chrono::milliseconds value) {
  const auto ms = value.count();
  if (ms % 86'400'000 == 0 && ms > 0) return std::to_string(ms / 86'400'000) + "d";
  if (ms % 3'600'000 == 0 && ms > 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

}  // namespace

void add_service_options(CLI::App& command, ServiceOptions& o) {
  using std::chrono::milliseconds;
  add_duration(command, "--interval", o.interval, "time between rounds", "SEMAPHORE_INTERVAL")
      ->default_str(default_text(o.interval));
  command.add_option("--probes", o.probes, "echo requests per host per round")
      ->envname("SEMAPHORE_PROBES")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  command.add_option("--rate", o.rate, "global cap on probes per second")
      ->envname("SEMAPHORE_RATE")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  add_duration(command, "--probe-spacing", o.probe_spacing,
               "between one host's probes (0: min(1s, interval/3/probes))", "SEMAPHORE_PROBE_SPACING")
      ->default_str("0");
  add_duration(command, "--timeout", o.timeout, "a probe's wait for its reply (0: min(1s, interval/5))",
               "SEMAPHORE_TIMEOUT")
      ->default_str("0");
  command
      .add_option("--targets", o.target_policy,
                  "private: loopback and private addresses may be pinged; public: refused")
      ->envname("SEMAPHORE_TARGETS")
      ->check(CLI::IsMember({"private", "public"}))
      ->capture_default_str();
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
  add_duration(command, "--spool-after", o.spool_after,
               "how long a database outage lasts before results are spooled", "SEMAPHORE_SPOOL_AFTER")
      ->default_str(default_text(o.spool_after));
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
  add_duration(command, "--retention-raw", o.retention_raw, "how long per-round results are kept",
               "SEMAPHORE_RETENTION_RAW")
      ->default_str(default_text(o.retention_raw));
  add_duration(command, "--retention-rollup", o.retention_rollup,
               "how long hourly and daily rollups are kept", "SEMAPHORE_RETENTION_ROLLUP")
      ->default_str(default_text(o.retention_rollup));
  add_duration(command, "--maintenance-every", o.maintenance_every,
               "how often rollups are refreshed and old rows pruned", "SEMAPHORE_MAINTENANCE_EVERY")
      ->default_str(default_text(o.maintenance_every));
}

}  // namespace semaphore::monitor

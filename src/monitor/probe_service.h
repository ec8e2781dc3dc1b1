#pragma once
// The ping service: rounds of pings over every enabled host, results written without loss (DESIGN.md §5).
// CONTRACT used by `semaphore run` (web + service in one process) and `semaphore probe` (service alone):
// keep these names and meanings; fields and functions may be added.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "core/result.h"
#include "store/store.h"

namespace semaphore::monitor {

struct ServiceOptions {
  std::chrono::milliseconds interval{std::chrono::seconds(60)};  // --interval (accepts 60s, 2s, 500ms, 1m)
  int probes = 5;                                                // --probes per host per round
  double rate = 10000;                                           // --rate probes per second, global
  std::string spool_dir = "spool";                               // --spool-dir
  // ... more: timeouts, retention, worker id, target policy
};

// Adds the service's options (each with a SEMAPHORE_* environment variable) to `command`.
void add_service_options(CLI::App& command, ServiceOptions& options);

class ProbeService {
 public:
  virtual ~ProbeService() = default;

  // Opens the ping engine (Errc::permission_denied naming the fix when ICMP is not allowed) and, for SQLite,
  // refuses a second worker on the same database file with a clear message.
  static Result<std::unique_ptr<ProbeService>> create(store::Store& store, const ServiceOptions& options);

  // Starts the round loop and the writer on their own threads; returns at once.
  virtual void start() = 0;
  // Finishes the round in flight, flushes every result (to the database or the spool), then returns.
  virtual void stop() = 0;

  // Counters for logs and the /metrics endpoint: name -> value (probes_sent, rounds, results_spooled, ...).
  virtual std::map<std::string, double> metrics() const = 0;
};

}  // namespace semaphore::monitor

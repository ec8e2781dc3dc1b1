// `semaphore probe`: the ping service alone (issue 4), for one or more probe workers. Runs until SIGINT or
// SIGTERM, then lets the round in flight finish, flushes its results (database or spool) and exits 0.
#include <pthread.h>
#include <signal.h>

#include <spdlog/spdlog.h>

#include <memory>

#include "alerts/round_evaluator.h"
#include "cli/cli_context.h"
#include "cli/service_options.h"
#include "cli/store_access.h"
#include "domain/locations.h"
#include "domain/target_choice.h"
#include "monitor/probe_service.h"
#include "store/result_location.h"

namespace semaphore::cli {
namespace {

// Blocks SIGINT and SIGTERM in this thread and, through inheritance, in every thread started after it; the
// signals are then taken synchronously with sigwait (no async-signal-safety puzzles).
sigset_t block_stop_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

// The id of the location `name` (`probe --location`, issue 16), looked up once at start: the heartbeat, the
// results and the leases of this worker all use it. An unknown name is an error that says how to make one.
store::Id resolve_location(store::LocationStore& locations, const std::string& name) {
  auto normalized = domain::normalize_location_name(name);
  if (!normalized) throw CommandExit{2, "probe: --location " + name + ": " + normalized.error().message};
  auto found = locations.find_location(*normalized);
  if (!found) {
    if (found.error().code == Errc::not_found) {
      throw CommandExit{2, "probe: there is no location named " + *normalized +
                               "; make it first with `semaphore location add " + *normalized +
                               "` (see `semaphore location list`)"};
    }
    throw CommandExit{1, "probe: cannot look up the location " + *normalized + ": " + found.error().message};
  }
  if (!store::valid_result_location(found->id)) {
    throw CommandExit{2, "probe: the location " + *normalized + " has an id too large to key results by"};
  }
  return found->id;
}

void run_probe(const GlobalOptions& global, const monitor::ServiceOptions& options,
               const std::string& location) {
  auto store = open_store(global);
  monitor::ServiceOptions with_location = options;
  if (!location.empty()) {
    with_location.location_id = resolve_location(*store, location);
    with_location.location_name = location;
    spdlog::info("probe: pinging as location {} (id {})", location, with_location.location_id);
  }

  const sigset_t signals = block_stop_signals();
  alerts::StoreRoundEvaluator alert_evaluator;  // the alerts, evaluated in each batch's transaction
  monitor::ServiceOptions with_budget = with_location;
  with_budget.tcp_max_sockets = tcp_socket_budget(nullptr);  // the process's descriptors, less a reserve
  auto service =
      monitor::ProbeService::create(*store, with_budget, &alert_evaluator, store.get(), store.get());
  if (!service) throw CommandExit{1, "probe: " + service.error().message};
  (*service)->start();

  int received = 0;
  sigwait(&signals, &received);
  spdlog::info("probe: {} received; finishing the round in flight",
               received == SIGINT ? "SIGINT" : "SIGTERM");
  (*service)->stop();
}

}  // namespace

void add_probe_command(CLI::App& app, const GlobalOptions& global) {
  auto* command = app.add_subcommand("probe", "run the ping service alone (one of several probe workers)");
  auto options = std::make_shared<monitor::ServiceOptions>();
  auto targets = std::make_shared<std::optional<TargetPolicy>>();
  auto location = std::make_shared<std::string>();
  add_service_options(*command, *options, *targets, TargetsHelp::probe);
  command
      ->add_option("--location", *location,
                   "the location this worker pings from (made with `semaphore location add NAME`): its "
                   "results, heartbeat and host leases are that location's (default: local)")
      ->envname("SEMAPHORE_LOCATION");
  command->callback([&global, options, targets, location] {
    const domain::TargetChoice choice = domain::choose_target_policy_without_signup(*targets);
    spdlog::info("{}", choice.reason);
    options->target_policy = choice.policy;
    run_probe(global, *options, *location);
  });
}

}  // namespace semaphore::cli

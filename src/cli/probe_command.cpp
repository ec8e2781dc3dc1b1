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
#include "domain/target_choice.h"
#include "monitor/probe_service.h"

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

void run_probe(const GlobalOptions& global, const monitor::ServiceOptions& options) {
  auto store = open_store(global);

  const sigset_t signals = block_stop_signals();
  alerts::StoreRoundEvaluator alert_evaluator;  // the alerts, evaluated in each batch's transaction
  monitor::ServiceOptions with_budget = options;
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
  add_service_options(*command, *options, *targets, TargetsHelp::probe);
  command->callback([&global, options, targets] {
    const domain::TargetChoice choice = domain::choose_target_policy_without_signup(*targets);
    spdlog::info("{}", choice.reason);
    options->target_policy = choice.policy;
    run_probe(global, *options);
  });
}

}  // namespace semaphore::cli

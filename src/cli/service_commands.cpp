// `semaphore serve` (web UI + API) and `semaphore run` (web UI + API + the ping service in one process).
// Both open the store, migrate it, serve on --listen and stop cleanly on SIGINT/SIGTERM (exit 0).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <memory>

#include "alerts/curl_sender.h"
#include "alerts/dispatcher.h"
#include "alerts/round_evaluator.h"
#include "cli/alert_options.h"
#include "cli/cli_context.h"
#include "cli/option_types.h"
#include "cli/service_options.h"
#include "cli/store_access.h"
#include "cli/web_options.h"
#include "core/allocator_tuning.h"
#include "core/process_name.h"
#include "domain/target_choice.h"
#include "monitor/maintenance.h"
#include "monitor/metrics.h"
#include "monitor/probe_service.h"
#include "web/app.h"
#include "web/housekeeping.h"
#include "web/location_watch.h"
#include "web/server/fd_budget.h"
#include "web/server/http_server.h"

namespace semaphore::cli {
namespace {

// With --tls-cert and --tls-key: the files must make a TLS context now (a one-line error naming the file and
// exit code 2, like any bad option value, before the database is opened), and the cookies become Secure.
void prepare_tls(web::WebOptions& options) {
  if (options.tls_cert.empty() && options.tls_key.empty()) return;
  if (auto checked = web::check_tls_files(options.tls_cert, options.tls_key); !checked) {
    throw CommandExit{2, checked.error().message};
  }
  options.secure_cookies = true;
}

// What `run` tells its agents (issue 16): to ping as its own service does.
domain::AgentSettings settings_of(const monitor::ServiceOptions& service) {
  return domain::AgentSettings{service.interval, service.probes, service.timeout, service.probe_spacing,
                               service.target_policy};
}

// Serves the web UI until a signal; with `service_options`, runs the ping service beside it. Alert
// notifications go out through `alert_options`' dispatcher, under the same target policy as the hosts.
// Agents (issue 16) are told `agent_settings`; their rows are evaluated by the same alerts as the service's.
void serve(const GlobalOptions& global, const web::WebOptions& web_options, const AlertOptions& alert_options,
           const monitor::ServiceOptions* service_options, domain::AgentSettings agent_settings) {
  keep_freed_memory_for_reuse();  // before any thread starts (core/allocator_tuning.h says why)
  auto store = open_store(global);
  // Notifications go out through libcurl under the web's --targets (link-local and metadata addresses
  // always refused): the dispatcher's, and the channels' Send test. It outlives the app and the dispatcher.
  alerts::CurlSenderOptions sender_options;
  sender_options.policy = web_options.hosts.targets;
  sender_options.connect_timeout = std::min(alert_options.send_timeout, std::chrono::milliseconds(5000));
  sender_options.total_timeout = alert_options.send_timeout;
  sender_options.ca_file = alert_options.ca_file;
  alerts::CurlSender sender(sender_options);
  std::unique_ptr<web::WebApp> app;
  try {
    app = std::make_unique<web::WebApp>(
        web::WebStores{*store, *store, *store, *store, *store, *store, *store, *store}, web_options);
  } catch (const std::exception& e) {
    throw CommandExit{1, std::string("web: ") + e.what()};
  }
  app->set_notification_sender(&sender);
  // The alerts' rules, run by the result writer in the transaction that stores each batch of rounds.
  alerts::StoreRoundEvaluator alert_evaluator;
  std::unique_ptr<monitor::ProbeService> service;
  if (service_options != nullptr) {
    // The TCP probes' descriptors come out of what the web server leaves (the same budget HttpServer::create
    // plans below: raising the limit twice changes nothing).
    const web::FdBudget budget = web::plan_fd_budget(web_options.max_connections);
    monitor::ServiceOptions options = *service_options;
    options.tcp_max_sockets = tcp_socket_budget(&budget);
    auto created = monitor::ProbeService::create(*store, options, &alert_evaluator, store.get(), store.get());
    if (!created) throw CommandExit{1, created.error().message};
    service = std::move(*created);
    monitor::ProbeService* probe = service.get();
    app->set_ping_service(web::InProcessService{
        [probe](PrometheusText& out) { probe->write_metrics(out); },
        [probe] {
          const auto progress = probe->progress();
          return web::RoundProgress{progress.started_at, progress.last_round_end, progress.interval};
        }});
    app->set_round_interval(std::chrono::duration_cast<std::chrono::seconds>(service_options->interval));
  }
  // Agents' rows that arrive too late for maintenance's regular pass (a spool replayed after an outage)
  // have their rollups recomputed: by the service's maintenance in `run`; in `serve` by a maintenance of its
  // own that never leads (the probe workers do the rest) and only recomputes those buckets.
  monitor::Metrics late_rollup_metrics;
  std::unique_ptr<monitor::Maintenance> late_rollups;
  web::AgentIngest ingest;
  ingest.results = store.get();
  ingest.evaluator = &alert_evaluator;
  agent_settings.targets = web_options.hosts.targets;
  ingest.settings = agent_settings;
  if (service) {
    monitor::ProbeService* probe = service.get();
    ingest.on_late_rows = [probe](EpochMs oldest) { probe->mark_rollups_dirty(oldest); };
  } else {
    monitor::MaintenanceOptions follower;
    follower.may_lead = false;
    late_rollups = std::make_unique<monitor::Maintenance>(*store, late_rollup_metrics, follower);
    monitor::Maintenance* maintenance = late_rollups.get();
    ingest.on_late_rows = [maintenance](EpochMs oldest) { maintenance->mark_dirty(oldest); };
    late_rollups->start();
  }
  app->set_agent_ingest(std::move(ingest));
  auto server = web::HttpServer::create(*app, global.listen, web_options);
  if (!server) throw CommandExit{1, server.error().message};
  spdlog::info("web UI on {}://{} ({} threads){}", web_options.tls_cert.empty() ? "http" : "https",
               global.listen, web_options.threads, service ? ", ping service running" : "");
  // Ended sessions, old sign-in failures and long-expired API tokens are deleted on a thread of their own,
  // off the I/O threads.
  web::Housekeeping housekeeping(
      *store, *store,
      web::HousekeepingOptions{web::SessionRules{web_options.session_idle, web_options.session_max}});
  housekeeping.start();
  // A location going silent, or coming back, is recorded and logged once (issue 16), off the I/O threads.
  web::LocationWatch location_watch(*store);
  location_watch.start();
  // Notifications: sent from the outbox by the dispatcher's own threads, never an I/O thread (a page's Send
  // test is the one send on a handler thread, throttled per user).
  alerts::Dispatcher dispatcher(*store, sender, alert_options.dispatcher, host_and_pid());
  if (alert_options.dispatcher.workers > 0) {
    dispatcher.start();
    spdlog::info("alert notifications: {} sender threads{}", alert_options.dispatcher.workers,
                 alert_options.dispatcher.public_url.empty()
                     ? "; notifications carry no link (set --public-url to the address people reach)"
                     : ", links to " + alert_options.dispatcher.public_url);
  } else {
    spdlog::info("alert notifications: not sent by this process (--alert-senders 0)");
  }
  if (service) service->start();
  (*server)->run_until_signal();
  dispatcher.stop();
  housekeeping.stop();
  if (late_rollups) late_rollups->stop();
  if (service) {
    spdlog::info("stopping the ping service");
    service->stop();
  }
  spdlog::info("stopped");
}

}  // namespace

void add_service_commands(CLI::App& app, const GlobalOptions& global) {
  auto serve_web = std::make_shared<web::WebOptions>();
  auto serve_targets = std::make_shared<std::optional<TargetPolicy>>();
  auto serve_alerts = std::make_shared<AlertOptions>();
  auto* serve_command = app.add_subcommand("serve", "the web UI and API only (replicas share the database)");
  add_web_options(*serve_command, *serve_web, serve_targets.get());
  add_alert_options(*serve_command, *serve_alerts);
  // What agents are told to do (issue 16); `run` tells them its own --interval and --probes instead.
  auto serve_agents = std::make_shared<domain::AgentSettings>();
  add_duration_option(*serve_command, "--agent-interval", serve_agents->interval,
                      "time between the rounds of remote agents (semaphore agent)",
                      "SEMAPHORE_AGENT_INTERVAL")
      ->default_str(format_duration(serve_agents->interval));
  serve_command->add_option("--agent-probes", serve_agents->probes, "echo requests per host per agent round")
      ->envname("SEMAPHORE_AGENT_PROBES")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  serve_command->callback([&global, serve_web, serve_targets, serve_alerts, serve_agents] {
    const domain::TargetChoice choice = domain::choose_target_policy(*serve_targets, serve_web->signup_open);
    spdlog::info("{}", choice.reason);
    serve_web->hosts.targets = choice.policy;
    prepare_tls(*serve_web);
    serve(global, *serve_web, *serve_alerts, nullptr, *serve_agents);
  });

  auto run_web = std::make_shared<web::WebOptions>();
  auto run_service = std::make_shared<monitor::ServiceOptions>();
  auto run_targets = std::make_shared<std::optional<TargetPolicy>>();
  auto run_alerts = std::make_shared<AlertOptions>();
  auto* run_command = app.add_subcommand("run", "the web UI, the API and the ping service in one process");
  // One --targets governs what is pinged and which hosts the web accepts.
  add_service_options(*run_command, *run_service, *run_targets, TargetsHelp::run_or_serve);
  add_web_options(*run_command, *run_web, nullptr);
  add_alert_options(*run_command, *run_alerts);
  run_command->callback([&global, run_web, run_service, run_targets, run_alerts] {
    const domain::TargetChoice choice = domain::choose_target_policy(*run_targets, run_web->signup_open);
    spdlog::info("{}", choice.reason);
    run_web->hosts.targets = choice.policy;
    run_service->target_policy = choice.policy;
    prepare_tls(*run_web);
    serve(global, *run_web, *run_alerts, run_service.get(), settings_of(*run_service));
  });
}

}  // namespace semaphore::cli

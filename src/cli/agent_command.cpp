// `semaphore agent` (issue 16): the ping service of a remote location, talking only to the server's
// /api/v1/agent/... over HTTPS (src/agent). Runs until SIGINT or SIGTERM, then lets the round in flight
// finish, hands its rows to the server or the spool, and exits 0.
#include <spdlog/spdlog.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <stop_token>

#include "agent/agent_runner.h"
#include "cli/cli_context.h"
#include "cli/interrupt_watch.h"
#include "cli/service_options.h"
#include "core/text.h"

namespace semaphore::cli {
namespace {

struct AgentCommandOptions {
  agent::AgentOptions agent;
  std::string token_file;
};

// The token from --token or, better (it stays out of `ps` and the shell's history), --token-file: the
// file's first line.
std::string read_token(const AgentCommandOptions& options) {
  if (!options.agent.client.token.empty() && !options.token_file.empty()) {
    throw CommandExit{2, "agent: give --token or --token-file, not both"};
  }
  if (options.token_file.empty()) {
    if (options.agent.client.token.empty()) {
      throw CommandExit{2,
                        "agent: the location's token is needed: --token-file FILE (or --token, "
                        "SEMAPHORE_AGENT_TOKEN); `semaphore location add NAME` prints it"};
    }
    return options.agent.client.token;
  }
  std::ifstream in(options.token_file);
  if (!in) throw CommandExit{2, "agent: cannot read --token-file " + options.token_file};
  std::string line;
  std::getline(in, line);
  return std::string(trim(line));
}

void run(const AgentCommandOptions& command) {
  agent::AgentOptions options = command.agent;
  options.client.token = read_token(command);
  options.tcp_max_sockets = tcp_socket_budget(nullptr);
  std::stop_source stop;
  Status done;
  {
    InterruptWatch watch(stop);
    done = agent::run_agent(options, stop.get_token());
  }
  if (!done) {
    const int code = done.error().code == Errc::invalid_argument ? 2 : 1;
    throw CommandExit{code, "agent: " + done.error().message};
  }
  spdlog::info("agent: stopped");
}

}  // namespace

void add_agent_command(CLI::App& app) {
  auto* command = app.add_subcommand(
      "agent", "ping from a remote location, reporting to a Semaphore server over HTTPS (no database)");
  auto options = std::make_shared<AgentCommandOptions>();
  agent::AgentOptions& o = options->agent;
  command
      ->add_option("--server", o.client.server, "the server's base URL, e.g. https://semaphore.example.com")
      ->envname("SEMAPHORE_SERVER")
      ->required();
  command->add_option("--token", o.client.token, "the location's agent token (prefer --token-file)")
      ->envname("SEMAPHORE_AGENT_TOKEN");
  command->add_option("--token-file", options->token_file, "a file whose first line is the agent token")
      ->envname("SEMAPHORE_AGENT_TOKEN_FILE");
  command
      ->add_option("--ca-file", o.client.ca_file,
                   "PEM CA certificates to verify the server with (a private CA; default: the system's)")
      ->envname("SEMAPHORE_CA_FILE");
  command
      ->add_option("--spool-dir", o.spool_dir,
                   "where results wait while the server is unreachable, and the last assignment")
      ->envname("SEMAPHORE_SPOOL_DIR")
      ->capture_default_str();
  command
      ->add_option_function<std::int64_t>(
          "--spool-max-mb", [&o](std::int64_t mb) { o.spool_max_bytes = mb * 1024 * 1024; },
          "spool size limit; beyond it results are dropped (and counted)")
      ->envname("SEMAPHORE_SPOOL_MAX_MB")
      ->check(CLI::PositiveNumber)
      ->default_str("1024");
  command->add_option("--rate", o.rate, "global cap on probes per second")
      ->envname("SEMAPHORE_RATE")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->add_option("--batch-size", o.batch_size, "results per POST to the server")
      ->envname("SEMAPHORE_BATCH_SIZE")
      ->check(CLI::Range(1, 4000))
      ->capture_default_str();
  command
      ->add_option("--worker-id", o.worker_id,
                   "this agent's name in its logs and spool (default HOSTNAME:PID)")
      ->envname("SEMAPHORE_WORKER_ID");
  command->callback([options] { run(*options); });
}

}  // namespace semaphore::cli

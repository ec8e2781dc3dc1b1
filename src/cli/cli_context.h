#pragma once
// What every subcommand shares: the global options (database, listen address, log level), parsed by main.
// Each command group registers itself with an add_*_commands function; main.cpp only wires them.
#include <CLI/CLI.hpp>

#include <string>

namespace semaphore::cli {

struct GlobalOptions {
  std::string db = "sqlite:semaphore.db";  // --db / SEMAPHORE_DB
  std::string listen = "127.0.0.1:5000";   // --listen / SEMAPHORE_LISTEN
  std::string log_level = "info";          // --log-level / SEMAPHORE_LOG_LEVEL
};

// A command's outcome becomes the process exit code. Commands print their own messages; usage errors
// (unknown options, bad values) exit 2 through CLI11.
struct ExitCode {
  int value = 0;
};

// Subcommand callbacks throw this to end the process with `code` after printing `message` (if any) to stderr.
struct CommandExit {
  int code = 0;
  std::string message;
};

void add_admin_commands(CLI::App& app,
                        const GlobalOptions& global);  // migrate, user, host, token, channel, backup, restore
void add_service_commands(CLI::App& app, const GlobalOptions& global);  // run, serve
void add_probe_command(CLI::App& app, const GlobalOptions& global);     // probe
void add_agent_command(CLI::App& app);                                  // agent
void add_ping_command(CLI::App& app, const GlobalOptions& global);      // ping
void add_trace_command(CLI::App& app, const GlobalOptions& global);     // trace

}  // namespace semaphore::cli

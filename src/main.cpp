// The semaphore binary: parses the global options and hands over to the subcommand. Wiring only.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <exception>

#include "cli/cli_context.h"
#include "core/version.h"

namespace {

int run(int argc, char** argv) {
  using namespace semaphore;
  CLI::App app{"Semaphore: a self-hosted latency monitor", "semaphore"};
  app.set_version_flag("--version", std::string("semaphore ") + kVersion);
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the subcommand: `semaphore migrate --db ...`

  cli::GlobalOptions global;
  app.add_option("--db", global.db, "database: sqlite:PATH or postgresql://...")
      ->envname("SEMAPHORE_DB")
      ->capture_default_str();
  app.add_option("--listen", global.listen, "web UI address ADDR:PORT")
      ->envname("SEMAPHORE_LISTEN")
      ->capture_default_str();
  app.add_option("--log-level", global.log_level, "trace|debug|info|warn|error|off")
      ->envname("SEMAPHORE_LOG_LEVEL")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
  // A configuration file with the options' own names as keys (the package's /etc/semaphore/semaphore.conf):
  // global ones at the top, a command's under its name (`[run]`, `[serve]`, `[probe]`); the command line
  // and the environment win over the file. Read only when named: no file is looked for implicitly.
  app.set_config("--config", "", "read options from this file (TOML: key = value, [run] for run's options)")
      ->check(CLI::ExistingFile);
  // A misspelt key is an error, not a setting silently left at its default (the commands made below inherit
  // this).
  app.allow_config_extras(CLI::config_extras_mode::error);
  app.parse_complete_callback([&] { spdlog::set_level(spdlog::level::from_str(global.log_level)); });

  cli::add_service_commands(app, global);
  cli::add_probe_command(app, global);
  cli::add_agent_command(app);
  cli::add_ping_command(app, global);
  cli::add_trace_command(app, global);
  cli::add_admin_commands(app, global);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line and exit code 2 for every usage error, as scripts expect.
    std::fprintf(stderr, "semaphore: %s (see semaphore --help)\n", e.what());
    return 2;
  } catch (const cli::CommandExit& e) {
    if (!e.message.empty()) std::fprintf(stderr, "semaphore: %s\n", e.message.c_str());
    return e.code;
  }
  return 0;
}

}  // namespace

// Every command reports its own failures; an exception that still escapes (out of memory, a bug) ends the
// process with one line on stderr and exit code 1, not std::terminate's abort.
int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "semaphore: unexpected error: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "semaphore: unexpected error\n");
  }
  return 1;
}

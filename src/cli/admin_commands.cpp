// `semaphore migrate | user | host`: placeholder.
#include "cli/cli_context.h"

namespace semaphore::cli {

void add_admin_commands(CLI::App& app, const GlobalOptions&) {
  for (const char* name : {"migrate", "user", "host"}) {
    auto* command = app.add_subcommand(name, "not implemented yet");
    command->callback([name] { throw CommandExit{3, std::string(name) + ": not implemented yet"}; });
  }
}

}  // namespace semaphore::cli

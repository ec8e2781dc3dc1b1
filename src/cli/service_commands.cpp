// `semaphore run | serve`: placeholders until the web UI lands (issue 5).
#include "cli/cli_context.h"

namespace semaphore::cli {

void add_service_commands(CLI::App& app, const GlobalOptions&) {
  for (const char* name : {"run", "serve"}) {
    auto* command = app.add_subcommand(name, "not implemented yet");
    command->callback([name] { throw CommandExit{3, std::string(name) + ": not implemented yet"}; });
  }
}

}  // namespace semaphore::cli

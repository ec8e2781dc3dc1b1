// `semaphore probe`: placeholder until the ping service lands (issue 4).
#include "cli/cli_context.h"

namespace semaphore::cli {

void add_probe_command(CLI::App& app, const GlobalOptions&) {
  auto* command = app.add_subcommand("probe", "not implemented yet");
  command->callback([] { throw CommandExit{3, "probe: not implemented yet"}; });
}

}  // namespace semaphore::cli

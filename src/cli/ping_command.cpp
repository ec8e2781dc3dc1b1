// `semaphore ping`: placeholder until the ICMP engine lands (issue 3).
#include "cli/cli_context.h"

namespace semaphore::cli {

void add_ping_command(CLI::App& app, const GlobalOptions&) {
  auto* ping = app.add_subcommand("ping", "ping hosts once and print their latency (fping-compatible)");
  ping->allow_extras();
  ping->callback([] { throw CommandExit{3, "ping: not implemented yet"}; });
}

}  // namespace semaphore::cli

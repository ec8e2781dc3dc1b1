#pragma once
#include "cli/cli_context.h"

namespace semaphore::cli {

// `semaphore host add --user EMAIL [--provider P] [--service S] [--label L] HOST...`,
// `semaphore host import --user EMAIL FILE` (FILE may be '-' for stdin) and `semaphore host list [--user
// EMAIL]`. Hosts are added through domain::HostService, under the web's rules: add and import take its
// --targets and --max-hosts-per-user (and their SEMAPHORE_* variables); --targets is private unless given.
void add_host_commands(CLI::App& app, const GlobalOptions& global);

}  // namespace semaphore::cli

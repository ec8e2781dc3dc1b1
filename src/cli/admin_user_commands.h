#pragma once
#include "cli/cli_context.h"

namespace semaphore::cli {

// `semaphore user add EMAIL [--password-file FILE]` (password from stdin otherwise) and `user list`.
void add_user_commands(CLI::App& app, const GlobalOptions& global);

}  // namespace semaphore::cli

#pragma once
#include "cli/cli_context.h"

namespace semaphore::cli {

// `semaphore token create --user EMAIL --name NAME [--scope read|write] [--expires 90d]` prints the new
// token, and only it, on stdout (what it did goes to stderr), so `TOKEN=$(semaphore token create ...)` works;
// `semaphore token list --user EMAIL` (a table; never the tokens themselves, which are not stored) and
// `semaphore token revoke --user EMAIL NAME`. Tokens are made by domain/api_tokens.h, as on /account.
void add_token_commands(CLI::App& app, const GlobalOptions& global);

}  // namespace semaphore::cli

#pragma once
#include "cli/cli_context.h"

namespace semaphore::cli {

// `semaphore backup FILE` and `semaphore restore FILE` (SQLite; on PostgreSQL they print the pg_dump and
// pg_restore commands to use instead).
void add_backup_commands(CLI::App& app, const GlobalOptions& global);

}  // namespace semaphore::cli

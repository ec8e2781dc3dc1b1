#pragma once
#include "cli/cli_context.h"

namespace semaphore::cli {

// `semaphore location add NAME [--label TEXT]` makes an agent location and prints its agent token, and only
// it, on stdout (what it did goes to stderr: the token is shown only now), so `TOKEN=$(semaphore location add
// ...)` works; `location list` (a table: name, label, kind, last seen, version, status); `location rename OLD
// NEW`; `location set NAME --label TEXT`; `location remove NAME` (not the local ping service's location,
// id 1). The rules are domain/locations.h's. Exit codes as the other admin commands: 2 for a bad argument,
// 1 for a refusal (unknown, duplicate, the local location) or a database failure.
void add_location_commands(CLI::App& app, const GlobalOptions& global);

}  // namespace semaphore::cli

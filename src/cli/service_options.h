#pragma once
// The ping service's command-line options (`semaphore run`, `semaphore probe`), each with a SEMAPHORE_*
// environment variable, filling the plain monitor::ServiceOptions the service takes.
#include <CLI/CLI.hpp>

#include <optional>

#include "cli/option_types.h"
#include "monitor/probe_service.h"

namespace semaphore::cli {

// Adds the options to `command`; they write into `options`, whose values are the defaults shown, except
// --targets, which goes to `targets` (empty unless given: the command chooses, domain/target_choice.h).
void add_service_options(CLI::App& command, monitor::ServiceOptions& options,
                         std::optional<TargetPolicy>& targets, TargetsHelp targets_help);

}  // namespace semaphore::cli

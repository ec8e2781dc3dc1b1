#pragma once
// The ping service's command-line options (`semaphore run`, `semaphore probe`), each with a SEMAPHORE_*
// environment variable, filling the plain monitor::ServiceOptions the service takes.
#include <CLI/CLI.hpp>

#include "monitor/probe_service.h"

namespace semaphore::cli {

// Adds the options to `command`; they write into `options`, whose values are the defaults shown.
void add_service_options(CLI::App& command, monitor::ServiceOptions& options);

}  // namespace semaphore::cli

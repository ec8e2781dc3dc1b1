#pragma once
// The web UI's command-line options (`semaphore serve`, `semaphore run`), each with a SEMAPHORE_*
// environment variable, filling the plain web::WebOptions the web app and its server take.
#include <CLI/CLI.hpp>

#include <optional>

#include "core/target.h"
#include "web/web_options.h"

namespace semaphore::cli {

// Adds the options to `command`; they write into `options`, whose values are the defaults shown. --targets
// goes to `own_targets` when given (`serve`); `run` passes nullptr: the ping service's --targets governs
// both what is pinged and which hosts the web accepts, and the caller copies the chosen policy.
void add_web_options(CLI::App& command, web::WebOptions& options, std::optional<TargetPolicy>* own_targets);

}  // namespace semaphore::cli

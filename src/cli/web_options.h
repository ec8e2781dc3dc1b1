#pragma once
// The web UI's command-line options (`semaphore serve`, `semaphore run`), each with a SEMAPHORE_*
// environment variable, filling the plain web::WebOptions the web app and its server take.
#include <CLI/CLI.hpp>

#include "web/web_options.h"

namespace semaphore::cli {

// Whether the command registers --targets for the web (`serve`), or has it from the ping service's options
// already (`run`: one option governs what is pinged and which hosts the web accepts; the caller copies it).
enum class WebTargets { own_option, from_service_options };

// Adds the options to `command`; they write into `options`, whose values are the defaults shown.
void add_web_options(CLI::App& command, web::WebOptions& options, WebTargets targets);

}  // namespace semaphore::cli

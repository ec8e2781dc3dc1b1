#pragma once
#include "cli/cli_context.h"

namespace semaphore::cli {

// `semaphore event list --user EMAIL [--host HOSTNAME] [--limit N]`: a user's alert events, newest first, one
// line each (time, host, from, to, notify or why quiet, reason), as on /alerts.
// `semaphore alert-rules show --user EMAIL` and `semaphore alert-rules set --user EMAIL [--down-after N]
// [--up-after N] [--degraded-after N] [--loss-percent X] [--median-ms Y|off] [--baseline-factor R|off]
// [--flap-changes F] [--flap-window-s W]`: the user's default rules (set changes only the rules given),
// checked by alerts::validate_rules as on the page and in the API.
void add_alert_commands(CLI::App& app, const GlobalOptions& global);

}  // namespace semaphore::cli

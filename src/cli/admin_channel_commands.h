#pragma once
#include "cli/cli_context.h"

namespace semaphore::cli {

// `semaphore channel add --user EMAIL --kind webhook|slack|discord|ntfy|email --url URL [--name NAME]
// [--email-from ADDRESS] [--email-to ADDRESS]... [--email-user LOGIN] [--email-tls starttls|tls|none]
// [--password-stdin]` prints `id=<id>` and, for a webhook, `secret=<signing secret>` (shown only now), one
// per line and nothing else on stdout; `semaphore channel list --user EMAIL` prints one tab-separated line
// per channel (id, name, kind, the URL's host, status, pending deliveries); `semaphore channel remove --user
// EMAIL NAME|ID`. Channels are checked by alerts/channel_service.h, as on /alerts and in the API.
void add_channel_commands(CLI::App& app, const GlobalOptions& global);

}  // namespace semaphore::cli

#pragma once
// The ping service's command-line options (`semaphore run`, `semaphore probe`), each with a SEMAPHORE_*
// environment variable, filling the plain monitor::ServiceOptions the service takes.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>

#include "cli/option_types.h"
#include "monitor/probe_service.h"
#include "web/server/fd_budget.h"

namespace semaphore::cli {

// Adds the options to `command`; they write into `options`, whose values are the defaults shown, except
// --targets, which goes to `targets` (empty unless given: the command chooses, domain/target_choice.h).
void add_service_options(CLI::App& command, monitor::ServiceOptions& options,
                         std::optional<TargetPolicy>& targets, TargetsHelp targets_help);

// How many TCP probes the ping service may keep in flight (ServiceOptions::tcp_max_sockets), each one
// descriptor. With `web` (`semaphore run`: the web server's budget in the same process, fd_budget.h), half
// of its reserve plus the descriptors its connection cap leaves unused; without (`semaphore probe`), the
// open-file limit less 256 for everything else (database pool, ICMP sockets, resolver, spool, logs), or half
// a limit below that. At least 16 (unless the limit leaves fewer), at most 16,384. Pure: tcp_socket_budget()
// passes the limit.
int tcp_sockets_for(std::uint64_t open_file_limit, const web::FdBudget* web);
// The same for this process: raises the soft open-file limit to the hard one first (as the web server
// does), then tcp_sockets_for().
int tcp_socket_budget(const web::FdBudget* web);

}  // namespace semaphore::cli

#pragma once
// How many connections the process can hold without starving its other users of file descriptors (issue
// 12). The ping service (ICMP sockets, reply rings, resolver sockets), the database pool, the spool, the log
// and the connections being turned away with a 503 all need descriptors too; when HTTP clients took every
// one, accept() failed with EMFILE and the ping service in the same process could not open a socket. So
// the soft open-file limit is raised to the hard one, and connections get what is left after a reserve.
#include <cstdint>

namespace semaphore::web {

struct FdBudget {
  std::uint64_t open_file_limit = 0;  // the soft RLIMIT_NOFILE after raising it
  std::uint64_t reserved = 0;         // kept for everything but HTTP connections
  int max_connections = 0;            // min(wanted, limit - reserved), at least 1
};

// Descriptors kept back from HTTP connections (halved when the limit is below twice this).
constexpr std::uint64_t kReservedDescriptors = 256;

// The budget for a given soft limit (pure: tested on its own).
FdBudget fd_budget_for(std::uint64_t open_file_limit, int wanted_connections);

// Raises this process's soft open-file limit to its hard limit (as far as the kernel allows) and returns the
// budget for it.
FdBudget plan_fd_budget(int wanted_connections);

}  // namespace semaphore::web

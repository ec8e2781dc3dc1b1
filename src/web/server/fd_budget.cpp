#include "web/server/fd_budget.h"

#include <sys/resource.h>

#include <algorithm>

namespace semaphore::web {

FdBudget fd_budget_for(std::uint64_t open_file_limit, int wanted_connections) {
  FdBudget budget;
  budget.open_file_limit = open_file_limit;
  budget.reserved = std::min(kReservedDescriptors, open_file_limit / 2);
  const std::uint64_t available = open_file_limit - budget.reserved;
  const std::uint64_t wanted = static_cast<std::uint64_t>(std::max(1, wanted_connections));
  budget.max_connections = static_cast<int>(std::max<std::uint64_t>(1, std::min(wanted, available)));
  return budget;
}

FdBudget plan_fd_budget(int wanted_connections) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return fd_budget_for(1024, wanted_connections);
  if (limit.rlim_cur != RLIM_INFINITY &&
      (limit.rlim_max == RLIM_INFINITY || limit.rlim_cur < limit.rlim_max)) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    // The kernel caps it at fs.nr_open; if it refuses, the current limit stands.
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  const std::uint64_t soft = limit.rlim_cur == RLIM_INFINITY ? std::uint64_t{1} << 20 : limit.rlim_cur;
  return fd_budget_for(soft, wanted_connections);
}

}  // namespace semaphore::web

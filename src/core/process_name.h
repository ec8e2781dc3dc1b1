#pragma once
// "HOSTNAME:PID": how a process names itself where several processes share one database (host leases of
// probe workers, the alert dispatcher's channel claims). Unique among live processes.
#include <string>

namespace semaphore {

std::string host_and_pid();

}  // namespace semaphore

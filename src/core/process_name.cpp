#include "core/process_name.h"

#include <unistd.h>

namespace semaphore {

std::string host_and_pid() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) name[0] = '\0';
  return std::string(name[0] ? name : "process") + ":" + std::to_string(::getpid());
}

}  // namespace semaphore

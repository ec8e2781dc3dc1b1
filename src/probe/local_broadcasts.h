#pragma once
// The broadcast addresses of this machine's IPv4 interfaces (192.168.1.255 for 192.168.1.10/24, say). A ping
// to one is answered by every host on that subnet that answers broadcasts, so it is never a target the
// service pings, under any policy. They depend on the machine's interfaces, which core/target cannot know:
// the engine reads them (getifaddrs) at the start of each run that has a target policy.
#include <string>
#include <utility>
#include <vector>

#include "core/ip_address.h"

namespace semaphore::probe {

class LocalBroadcasts {
 public:
  // The interfaces as they are now; empty when they cannot be read.
  static LocalBroadcasts read();

  // The name of the interface whose broadcast address `address` is, or nullptr.
  const std::string* interface_of(const IpAddress& address) const;

 private:
  std::vector<std::pair<IpAddress, std::string>> broadcasts_;  // a handful: a linear search is fastest
};

}  // namespace semaphore::probe

#include "probe/local_broadcasts.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <cstring>

namespace semaphore::probe {

LocalBroadcasts LocalBroadcasts::read() {
  LocalBroadcasts out;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return out;
  for (const ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
    if ((i->ifa_flags & IFF_BROADCAST) == 0 || i->ifa_broadaddr == nullptr) continue;
    if (i->ifa_broadaddr->sa_family != AF_INET) continue;
    IpAddress address;
    address.family = AddressFamily::v4;
    const auto* in = reinterpret_cast<const sockaddr_in*>(i->ifa_broadaddr);
    std::memcpy(address.bytes.data(), &in->sin_addr, 4);
    out.broadcasts_.emplace_back(address, i->ifa_name);
  }
  ::freeifaddrs(list);
  return out;
}

const std::string* LocalBroadcasts::interface_of(const IpAddress& address) const {
  for (const auto& [broadcast, name] : broadcasts_) {
    if (broadcast == address) return &name;
  }
  return nullptr;
}

}  // namespace semaphore::probe

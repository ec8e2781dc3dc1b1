#pragma once
// Paths for the tests, written as one string per hop: "10.0.0.1 0/10 1.0" is a router at 10.0.0.1 that lost 0
// of 10 probes with a median of 1.0 ms; "??? 10/10" a hop with no answer; "10.0.0.9* 0/10 8.0" the host
// itself (the last hop, reached); "10.0.0.4|10.0.1.4 0/10 3.0" a hop with a load-balanced alternative;
// "10.0.0.6@ae-1.example 0/10 6.0" a hop with a reverse name.
#include <sstream>
#include <string>
#include <vector>

#include "paths/path.h"

namespace semaphore::paths::testing {

inline PathHop hop_from(const std::string& spec, int ttl) {
  std::istringstream in(spec);
  std::string address, counts;
  double median = -1;
  in >> address >> counts >> median;
  PathHop hop;
  hop.ttl = ttl;
  if (!address.empty() && address.back() == '*') {
    hop.is_destination = true;
    address.pop_back();
  }
  if (const auto at = address.find('@'); at != std::string::npos) {
    hop.name = address.substr(at + 1);
    address.resize(at);
  }
  if (address != "???") {
    const auto bar = address.find('|');
    hop.address = address.substr(0, bar);
    if (bar != std::string::npos) hop.other_addresses.push_back(address.substr(bar + 1));
  }
  const auto slash = counts.find('/');
  const int lost = std::stoi(counts.substr(0, slash));
  hop.sent = std::stoi(counts.substr(slash + 1));
  hop.received = hop.sent - lost;
  if (hop.received > 0 && median >= 0) {
    hop.median_ms = median;
    hop.min_ms = median * 0.9;
    hop.avg_ms = median;
    hop.max_ms = median * 1.2;
  }
  return hop;
}

inline Path path_of(const std::vector<std::string>& specs) {
  Path path;
  int ttl = 1;
  for (const auto& spec : specs) {
    path.hops.push_back(hop_from(spec, ttl++));
    if (path.hops.back().is_destination && !path.hops.back().silent()) path.reached = true;
  }
  return path;
}

}  // namespace semaphore::paths::testing

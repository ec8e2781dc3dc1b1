#pragma once
// A host's path as Semaphore keeps it (issue 15): one entry per TTL from 1 to the destination (or to the
// last TTL probed), each with the address that answered most often, its reverse name, the probes sent and
// answered, and min/avg/max/median RTT of the answers. Made from a probe::TraceResult by the ping service
// (monitor/path_scheduler.cpp), stored as compact JSON text (encode_hops / decode_hops) in host_paths.hops.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace semaphore::paths {

struct PathHop {
  int ttl = 0;
  std::string address;                       // "" when nothing answered at this TTL ("???" in mtr)
  std::vector<std::string> other_addresses;  // others that answered at this TTL (load-balanced paths)
  std::string name;                          // reverse name; "" when none
  int sent = 0;
  int received = 0;
  std::optional<double> min_ms, avg_ms, max_ms, median_ms;  // of the answers; nullopt when none
  bool is_destination = false;                              // the destination itself answered here

  double loss() const { return sent > 0 ? 1.0 - static_cast<double>(received) / sent : 0.0; }
  bool silent() const { return received == 0; }
  // Whether `addr` is this hop's address or one of its load-balanced alternatives.
  bool has_address(std::string_view addr) const;
};

struct Path {
  std::vector<PathHop> hops;  // hops[i].ttl == i + 1
  bool reached = false;       // the destination answered at some TTL

  // The index of the last hop that answered, or -1.
  int last_answering() const;
};

// Hop lists as JSON text: [{"t":1,"a":"10.0.0.1","o":["10.0.1.1"],"n":"gw.example","s":10,"r":10,
// "mn":0.4,"av":0.5,"mx":0.9,"md":0.5,"d":1}, ...] with empty and absent values left out. decode_hops takes
// at most kMaxStoredHops hops and rejects anything else (Errc::invalid_argument).
inline constexpr std::size_t kMaxStoredHops = 64;
std::string encode_hops(const std::vector<PathHop>& hops);
Result<std::vector<PathHop>> decode_hops(std::string_view json);

// "ae-1.r01.fra03.example (10.0.0.6)", "10.0.0.6" without a name, "no answer" without an address.
std::string hop_label(const PathHop& hop);

}  // namespace semaphore::paths

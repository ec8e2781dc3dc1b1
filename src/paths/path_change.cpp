#include "paths/path_change.h"

#include <algorithm>

namespace semaphore::paths {
namespace {

bool same_hop(const PathHop& a, const PathHop& b) {
  if (a.has_address(b.address)) return true;
  return std::any_of(b.other_addresses.begin(), b.other_addresses.end(),
                     [&](const std::string& other) { return a.has_address(other); });
}

// The TTLs a trace tells anything about: up to its destination when it reached it, else every TTL it probed.
std::size_t known_length(const Path& path) {
  if (!path.reached) return path.hops.size();
  for (std::size_t i = 0; i < path.hops.size(); ++i) {
    if (path.hops[i].is_destination) return i + 1;
  }
  return path.hops.size();
}

}  // namespace

std::optional<PathDifference> compare_paths(const Path& before, const Path& after) {
  const std::size_t length_before = known_length(before), length_after = known_length(after);
  const std::size_t length = std::max(length_before, length_after);
  for (std::size_t i = 0; i < length; ++i) {
    const bool in_before = i < length_before, in_after = i < length_after;
    const int ttl = static_cast<int>(i) + 1;
    if (in_before && in_after) {
      const PathHop &a = before.hops[i], &b = after.hops[i];
      if (a.silent() || b.silent()) continue;  // "???" in one or both: unknown, not different
      if (!same_hop(a, b)) return PathDifference{ttl, hop_label(a), hop_label(b)};
      continue;
    }
    // Past the end of one trace: a change only if that trace reached its destination and the other has a
    // router answering here.
    const Path& ended = in_before ? after : before;
    const PathHop& hop = in_before ? before.hops[i] : after.hops[i];
    if (!ended.reached || hop.silent()) continue;
    return in_before ? PathDifference{ttl, hop_label(hop), "no hop"}
                     : PathDifference{ttl, "no hop", hop_label(hop)};
  }
  // (Two traces that reached at different TTLs differ at the shorter one's end or past it: the longer one's
  // destination answers past the shorter one's end.)
  return std::nullopt;
}

}  // namespace semaphore::paths

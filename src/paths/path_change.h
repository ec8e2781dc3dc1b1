#pragma once
// What counts as a path change (issue 15). Two paths are compared TTL by TTL:
//  - a TTL silent in both paths ("???" in both) is ignored;
//  - a TTL silent in only one of them is not a change either: a router that answers some traces and not
//    others (ICMP rate limits, a busy control plane) would otherwise make every trace "a new path". A real
//    reroute shows in the TTLs that do answer (the service also compares each trace with the path its
//    current route was first seen on, so a hop silent in the latest trace cannot hide a reroute there);
//  - load-balanced alternatives: a hop is the same when the two hops share any address (the one that answered
//    most or one of the others that answered at that TTL), so an ECMP pair seen in either order is one path;
//  - length: when both traces reached the destination at different TTLs, the path changed. A TTL beyond the
//    end of a trace that reached its destination, answered by a router in the other trace, is a change; a TTL
//    beyond the end of a trace that did not reach the destination tells nothing (unknown, not different).
#include <optional>

#include "paths/path.h"

namespace semaphore::paths {

struct PathDifference {
  int hop = 0;                // the first TTL (1-based) at which the paths differ
  std::string before, after;  // the two hops' labels there ("10.0.0.5", "no hop" past a path's end)
};

// nullopt when `after` is the same path as `before` by the rules above.
std::optional<PathDifference> compare_paths(const Path& before, const Path& after);

}  // namespace semaphore::paths

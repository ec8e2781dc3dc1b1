#pragma once
// "Where the trouble is" (issue 15): from the path measured when a host changed state and the last good path
// before it, one verdict, in words and as data. Pure and deterministic: the same paths give the same verdict.
//
// The rules, in order (the first that holds is the verdict):
//  1. loss_from_hop: the host loses probes (it was not reached, or its own hop is lossy) and the loss starts
//     at a router, hop k < the host's: every hop from k to the host is lossy. "the loss starts at hop 6,
//     ae-1.r01.fra03.example (10.0.0.6), and continues to the host".
//  2. loss_at_host: the host loses probes and no router before it does: "the host or its firewall".
//  3. latency_at_hop: against the last good path, the median RTT rises at hop k and stays up at every hop
//     after it that answers, up to the host.
//  4. rate_limited_hop: a router loses probes but the hops after it do not: it rate-limits ICMP (or answers
//     TTL expiry with low priority); not a problem.
//  5. path_changed: nothing of the above, but the path differs from the last good path.
//  6. no_trouble.
// Whatever the kind, `path_changed` says whether the path differs from the last good one, and the text says
// so ("...; the path changed at hop 5 since the last good path: 10.0.0.5 → 10.9.0.5").
//
// Thresholds (VerdictOptions), chosen for small samples (the service traces 10 cycles per hop): a hop is
// lossy when it lost at least `min_lost_probes` (2) and at least `min_loss` (20%) of its probes, so one lost
// probe in 10 is noise, never a verdict. Hops silent in both paths (routers that never answer) are left out
// of every rule; a hop silent now that answered in the last good path is 100% lossy. Latency: the median of a
// hop's answers (robust to one slow answer) must rise by at least `min_added_ms` (5 ms) and by at least
// `min_added_share` (25%) of that hop's last good median, at hop k and at every later hop with answers in
// both paths; hops matched by TTL. Without a last good path, rules 3 and 5 cannot apply.
#include <optional>
#include <string>

#include "paths/path.h"
#include "paths/path_change.h"

namespace semaphore::paths {

enum class VerdictKind {
  no_trouble,
  loss_from_hop,
  loss_at_host,
  latency_at_hop,
  rate_limited_hop,
  path_changed
};

// "no_trouble", "loss_from_hop", "loss_at_host", "latency_at_hop", "rate_limited_hop", "path_changed".
const char* to_string(VerdictKind kind);
std::optional<VerdictKind> parse_verdict_kind(std::string_view text);

struct VerdictOptions {
  int min_lost_probes = 2;
  double min_loss = 0.2;
  double min_added_ms = 5.0;
  double min_added_share = 0.25;
};

struct Verdict {
  VerdictKind kind = VerdictKind::no_trouble;
  std::optional<int> hop;  // the hop (TTL, 1-based) the verdict names; nullopt for no_trouble
  bool path_changed = false;
  std::optional<PathDifference> change;  // where the path differs from the last good one
  std::string text;                      // one sentence for people
};

Verdict judge_path(const Path& now, const std::optional<Path>& last_good, const VerdictOptions& options = {});

// Whether a path is good enough to compare later ones with: the host answered, without loss by the rule
// above.
bool is_good_path(const Path& path, const VerdictOptions& options = {});

}  // namespace semaphore::paths

#pragma once
// Summary statistics of one host's round-trip times, as stored per round (DESIGN.md §3).
// The original service stored the 1st, 2nd and 3rd RTT as "min", "avg" and "max": these are computed from
// every reply, and a lost probe is absent from the samples (never a 0 ms RTT).
//
// One home for the rule, because three places summarize a host's RTTs (HostResult::summary, the rows the
// service stores, `semaphore ping`'s reports) and each had its own "drop the lost probes, then summarize".
#include <cmath>
#include <limits>
#include <optional>
#include <span>
#include <vector>

namespace semaphore {

// A probe that got no reply, in a list of RTTs with one entry per probe sent (HostResult::rtts_ms).
inline constexpr double kNoReply = std::numeric_limits<double>::quiet_NaN();
inline bool is_reply(double rtt_ms) {
  return !std::isnan(rtt_ms);
}

struct RttSummary {
  int replies = 0;  // the samples: how many entries were replies
  double min_ms = 0;
  double avg_ms = 0;
  double max_ms = 0;
  double median_ms = 0;  // the middle sample, or the mean of the two middle ones
  double stddev_ms = 0;  // population standard deviation: the jitter over the round's replies
};

// The summary of the replies in `rtts_ms`, skipping lost probes (kNoReply); nullopt when none is a reply.
std::optional<RttSummary> summarize_rtts(std::span<const double> rtts_ms);
// The same, sorting a copy of the replies in `scratch`, whose storage is reused from call to call (`semaphore
// ping` summarizes up to millions of hosts one after the other).
std::optional<RttSummary> summarize_rtts(std::span<const double> rtts_ms, std::vector<double>& scratch);

}  // namespace semaphore

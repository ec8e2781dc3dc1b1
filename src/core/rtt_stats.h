#pragma once
// Summary statistics of one host's round-trip times, as stored per round (DESIGN.md §3).
// The original service stored the 1st, 2nd and 3rd RTT as "min", "avg" and "max": these are computed from
// every reply, and a lost probe is absent from the samples (never a 0 ms RTT).
#include <optional>
#include <span>

namespace semaphore {

struct RttSummary {
  double min_ms = 0;
  double avg_ms = 0;
  double max_ms = 0;
  double median_ms = 0;  // the middle sample, or the mean of the two middle ones
  double stddev_ms = 0;  // population standard deviation: the jitter over the round's replies
};

// nullopt when there are no samples (every probe was lost).
std::optional<RttSummary> summarize_rtts(std::span<const double> rtts_ms);

}  // namespace semaphore

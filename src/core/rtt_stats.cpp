#include "core/rtt_stats.h"

#include <algorithm>

namespace semaphore {

std::optional<RttSummary> summarize_rtts(std::span<const double> rtts_ms) {
  std::vector<double> scratch;
  return summarize_rtts(rtts_ms, scratch);
}

std::optional<RttSummary> summarize_rtts(std::span<const double> rtts_ms, std::vector<double>& scratch) {
  auto& sorted = scratch;
  sorted.clear();
  sorted.reserve(rtts_ms.size());
  for (const double rtt : rtts_ms) {
    if (is_reply(rtt)) sorted.push_back(rtt);
  }
  if (sorted.empty()) return std::nullopt;
  std::sort(sorted.begin(), sorted.end());
  const std::size_t n = sorted.size();

  RttSummary summary;
  summary.replies = static_cast<int>(n);
  summary.min_ms = sorted.front();
  summary.max_ms = sorted.back();
  summary.median_ms = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;

  double sum = 0;
  for (double rtt : sorted) sum += rtt;
  summary.avg_ms = sum / static_cast<double>(n);

  double squares = 0;
  for (double rtt : sorted) squares += (rtt - summary.avg_ms) * (rtt - summary.avg_ms);
  summary.stddev_ms = std::sqrt(squares / static_cast<double>(n));
  return summary;
}

}  // namespace semaphore

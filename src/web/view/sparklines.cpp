#include "web/view/sparklines.h"

#include <algorithm>
#include <cstdio>

#include "web/view/series.h"

namespace semaphore::web {

int loss_level(int sent, int received) {
  if (sent <= 0) return 0;
  if (received <= 0) return 4;
  const double loss = 1.0 - static_cast<double>(received) / sent;
  if (loss <= 0) return 0;
  if (loss <= 0.05) return 1;
  if (loss <= 0.20) return 2;
  return 3;
}

std::optional<Sparkline> SparklineCache::get(store::HostStore& store, store::Id user_id, store::Id host_id,
                                             ProbeKind kind, EpochMs now) {
  {
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(host_id);
    if (it != entries_.end() && it->second.user_id == user_id && it->second.kind == kind &&
        now - it->second.built_at < ttl_.count()) {
      return it->second.value;
    }
  }
  constexpr EpochMs kDay = 86'400'000;
  constexpr int kBuckets = 24;
  RangeSpec day{"24h", kDay, 3600};  // hourly points: rollups, else bucketed rounds
  auto series = load_series(store, user_id, host_id, day, now, kind);
  if (!series) return std::nullopt;  // not cached: the next view tries again

  std::optional<Sparkline> result;
  double top = 0;
  for (const auto& point : series->points) {
    if (point.median_ms) top = std::max(top, *point.median_ms);
  }
  if (top > 0) {
    Sparkline spark;
    const EpochMs from = now - kDay;
    const double width = 120.0 / kBuckets;
    char text[48];
    for (const auto& point : series->points) {
      const double x = std::clamp(static_cast<double>(point.ts - from) / kDay * 120.0, 0.0, 120.0);
      if (point.median_ms) {
        const double y = 20.0 - (*point.median_ms / top) * 18.0;
        std::snprintf(text, sizeof text, "%s%.1f,%.1f", spark.line.empty() ? "" : " ", x, y);
        spark.line += text;
      }
      if (const int level = loss_level(point.sent, point.received); level > 0) {
        spark.loss.push_back({static_cast<int>(x), std::max(1, static_cast<int>(width)), level});
      }
    }
    if (spark.line.find(' ') == std::string::npos && !spark.line.empty()) {
      // One point (a host added within the hour) draws nothing as a polyline: make it a short dash.
      const auto comma = spark.line.find(',');
      const double x = std::stod(spark.line.substr(0, comma));
      std::snprintf(text, sizeof text, " %.1f,%s", std::min(120.0, x + 3),
                    spark.line.substr(comma + 1).c_str());
      spark.line += text;
    }
    result = std::move(spark);
  }
  std::lock_guard lock(mutex_);
  if (entries_.size() > 100'000) entries_.clear();
  // An empty sparkline is kept for a few seconds only: the host's first round is about to come.
  const EpochMs built_at = result ? now : now - ttl_.count() + 5000;
  entries_[host_id] = Entry{user_id, kind, built_at, result};
  return result;
}

}  // namespace semaphore::web

#include "web/view/sparklines.h"

#include <algorithm>
#include <cstdio>
#include <unordered_map>

#include "web/view/series.h"

namespace semaphore::web {
namespace {

constexpr EpochMs kDay = 86'400'000;

// The line and loss marks of a day's hourly points (oldest first); nullopt when none has a median.
std::optional<Sparkline> draw(const std::vector<SeriesPoint>& points, EpochMs now) {
  constexpr int kBuckets = 24;
  double top = 0;
  for (const auto& point : points) {
    if (point.median_ms) top = std::max(top, *point.median_ms);
  }
  if (top <= 0) return std::nullopt;
  Sparkline spark;
  const EpochMs from = now - kDay;
  const double width = 120.0 / kBuckets;
  char text[48];
  for (const auto& point : points) {
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
  return spark;
}

}  // namespace

int loss_level(int sent, int received) {
  if (sent <= 0) return 0;
  if (received <= 0) return 4;
  const double loss = 1.0 - static_cast<double>(received) / sent;
  if (loss <= 0) return 0;
  if (loss <= 0.05) return 1;
  if (loss <= 0.20) return 2;
  return 3;
}

std::optional<std::optional<Sparkline>> SparklineCache::kept(store::Id user_id, store::Id host_id,
                                                             store::Id location_id, ProbeKind kind,
                                                             EpochMs now) {
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(host_id);
  if (it != entries_.end() && it->second.user_id == user_id && it->second.location_id == location_id &&
      it->second.kind == kind && now - it->second.built_at < ttl_.count()) {
    return it->second.value;
  }
  return std::nullopt;
}

void SparklineCache::keep(store::Id user_id, store::Id host_id, store::Id location_id, ProbeKind kind,
                          EpochMs now, const std::optional<Sparkline>& value) {
  std::lock_guard lock(mutex_);
  if (entries_.size() > 100'000) entries_.clear();
  // An empty sparkline is kept for a few seconds only: the host's first round is about to come.
  const EpochMs built_at = value ? now : now - ttl_.count() + 5000;
  entries_[host_id] = Entry{user_id, location_id, kind, built_at, value};
}

std::optional<Sparkline> SparklineCache::get(store::HostStore& store, store::Id user_id, store::Id host_id,
                                             store::Id location_id, ProbeKind kind, EpochMs now) {
  if (auto value = kept(user_id, host_id, location_id, kind, now)) return *value;
  RangeSpec day{"24h", kDay, 3600};  // hourly points: rollups, else bucketed rounds
  auto series = load_series(store, user_id, host_id, location_id, day, now, kind);
  if (!series) return std::nullopt;  // not cached: the next view tries again
  std::optional<Sparkline> result = draw(series->points, now);
  keep(user_id, host_id, location_id, kind, now, result);
  return result;
}

std::vector<std::optional<Sparkline>> SparklineCache::get_page(store::HostStore& store, store::Id user_id,
                                                               store::Id location_id,
                                                               std::span<const Wanted> hosts, EpochMs now) {
  std::vector<std::optional<Sparkline>> result(hosts.size());
  std::vector<std::size_t> missing;  // indexes into hosts
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    if (auto value = kept(user_id, hosts[i].host_id, location_id, hosts[i].kind, now)) {
      result[i] = std::move(*value);
    } else {
      missing.push_back(i);
    }
  }
  for (std::size_t first = 0; first < missing.size(); first += store::HostStore::kMaxHostsPerRead) {
    const std::size_t last = std::min(missing.size(), first + store::HostStore::kMaxHostsPerRead);
    std::vector<store::Id> ids;
    ids.reserve(last - first);
    for (std::size_t k = first; k < last; ++k) ids.push_back(hosts[missing[k]].host_id);
    auto rollups = store.rollups_of_hosts(user_id, ids, location_id, 3600, now - kDay, now + 1);
    if (!rollups) continue;  // nullopt for these, not kept
    // Ordered by host: each host's points, of every kind (the wanted kind is picked below).
    std::unordered_map<store::Id, std::vector<SeriesPoint>> points;
    for (const auto& rollup : *rollups) points[rollup.host_id].push_back(point_of_rollup(rollup));
    for (std::size_t k = first; k < last; ++k) {
      const Wanted& wanted = hosts[missing[k]];
      const auto found = points.find(wanted.host_id);
      if (found == points.end()) {  // no rollup yet (or not the user's host: get() says not found)
        result[missing[k]] = get(store, user_id, wanted.host_id, location_id, wanted.kind, now);
        continue;
      }
      std::erase_if(found->second, [&](const SeriesPoint& point) { return point.method != wanted.kind; });
      result[missing[k]] = draw(found->second, now);
      keep(user_id, wanted.host_id, location_id, wanted.kind, now, result[missing[k]]);
    }
  }
  return result;
}

}  // namespace semaphore::web

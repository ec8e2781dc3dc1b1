#pragma once
// 24-hour sparklines for the report, as SVG polyline coordinates. Built from hourly points (rollups, else
// bucketed rounds) and kept for a minute per host, so that a report of 100 hosts refreshed by many browsers
// reads the database once a minute per host, not once per view.
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/probe_method.h"
#include "store/host_store.h"

namespace semaphore::web {

struct Sparkline {
  std::string line;  // "x,y x,y ..." in a 120 x 24 box (y: 0..20, median latency scaled to the day's max)
  struct LossMark {
    int x = 0, width = 0, level = 0;  // level 1..4 as in the chart legend
  };
  std::vector<LossMark> loss;
};

// The chart legend's loss levels: 0 none, 1 up to 5%, 2 up to 20%, 3 more, 4 all lost.
int loss_level(int sent, int received);

class SparklineCache {
 public:
  explicit SparklineCache(std::chrono::milliseconds ttl = std::chrono::minutes(1)) : ttl_(ttl) {}

  // The host's `kind` of rows (its primary kind: series.h); nullopt when it has no median in the last 24 h
  // (or the database failed). Kept per host with its kind, so a method changed to another kind is read anew.
  std::optional<Sparkline> get(store::HostStore& store, store::Id user_id, store::Id host_id, ProbeKind kind,
                               EpochMs now);

 private:
  struct Entry {
    store::Id user_id = 0;
    ProbeKind kind = ProbeKind::icmp;
    EpochMs built_at = 0;
    std::optional<Sparkline> value;
  };
  std::chrono::milliseconds ttl_;
  std::mutex mutex_;
  std::unordered_map<store::Id, Entry> entries_;
};

}  // namespace semaphore::web

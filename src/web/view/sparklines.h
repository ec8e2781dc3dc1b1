#pragma once
// 24-hour sparklines for the report, as SVG polyline coordinates. Built from hourly rollups (the maintenance
// thread refreshes the current hour's every 5 minutes) and kept for a minute per host, so that a report page
// refreshed by many browsers reads the database at most once a minute, and then once for the whole page:
// get_page reads the hourly rollups of every host of the page it does not hold in one indexed read.
#include <chrono>
#include <mutex>
#include <optional>
#include <span>
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

  // The host's `kind` of rows (its primary kind: series.h) from `location_id`; nullopt when it has no median
  // in the last 24 h (or the database failed). Kept per host with its kind and location, so a method changed
  // to another kind, or a page that shows another location, is read anew.
  std::optional<Sparkline> get(store::HostStore& store, store::Id user_id, store::Id host_id,
                               store::Id location_id, ProbeKind kind, EpochMs now);

  // The sparklines of a page of hosts, in the order asked: the ones kept as they are, the others from one
  // read of their hourly rollups (HostStore::rollups_of_hosts). A host without any rollup in the last day
  // (its first hour, before maintenance has rolled it up) is read alone by get(), from its raw rounds. A
  // database failure gives nullopt for the hosts it concerns (not kept: the next view tries again).
  struct Wanted {
    store::Id host_id = 0;
    ProbeKind kind = ProbeKind::icmp;
  };
  std::vector<std::optional<Sparkline>> get_page(store::HostStore& store, store::Id user_id,
                                                 store::Id location_id, std::span<const Wanted> hosts,
                                                 EpochMs now);

 private:
  struct Entry {
    store::Id user_id = 0;
    store::Id location_id = store::kLocalLocationId;
    ProbeKind kind = ProbeKind::icmp;
    EpochMs built_at = 0;
    std::optional<Sparkline> value;
  };
  std::optional<std::optional<Sparkline>> kept(store::Id user_id, store::Id host_id, store::Id location_id,
                                               ProbeKind kind, EpochMs now);
  void keep(store::Id user_id, store::Id host_id, store::Id location_id, ProbeKind kind, EpochMs now,
            const std::optional<Sparkline>& value);

  std::chrono::milliseconds ttl_;
  std::mutex mutex_;
  std::unordered_map<store::Id, Entry> entries_;
};

}  // namespace semaphore::web

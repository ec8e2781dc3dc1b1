#pragma once
// The rounds of one host over a chart range, from raw results for short ranges and from rollups for long
// ones (so a month-long chart never scans 43,200 rows per host). When the rollups of a range are missing (the
// ping service has not built them yet), ranges up to 30 days are bucketed here from the raw rows instead.
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "store/host_store.h"

namespace semaphore::web {

struct RangeSpec {
  std::string_view name;  // "1h", "6h", "24h", "7d", "30d", "1y"
  EpochMs span_ms = 0;
  int rollup_period_s = 0;  // 0: raw rounds; 3600 or 86400: rollups
};

// The ranges in display order.
const std::vector<RangeSpec>& all_ranges();
// nullopt for an unknown name; "" gives the default (24h).
std::optional<RangeSpec> parse_range(std::string_view name);

// One point of a series: a raw round, or a bucket of rounds.
struct SeriesPoint {
  EpochMs ts = 0;
  int rounds = 1;
  int sent = 0;
  int received = 0;
  std::optional<double> min_ms, avg_ms, max_ms, median_ms, stddev_ms;
  std::string error;
  ProbeKind method = ProbeKind::icmp;  // what it measured (a both host has a point of each per round)
  int refused = 0;                     // TCP: answers that were a RST, among received (raw rounds only)
};

struct Series {
  RangeSpec range;
  EpochMs from = 0, to = 0;
  std::vector<SeriesPoint> points;  // oldest first
  // Until this time a later `now` gives the same points unless the database changes: then the oldest point
  // leaves the range, or the rounds after the last rollup stop being read.
  EpochMs same_until = 0;
};

// Errc::not_found when the host is not the user's; Errc::unavailable on database trouble.
Result<Series> load_series(store::HostStore& store, store::Id user_id, store::Id host_id,
                           const RangeSpec& range, EpochMs now);

// One page of a host's points with from <= ts < to (the API's results): raw rounds (`period_s` 0), or
// buckets of 3600 or 86400 s — the rollups, and after the last rollup buckets made here from the raw rounds
// (the hour or day not rolled up yet, or every bucket when the ping service has built none). `from` is taken
// down to its bucket's start. At most `limit` points, except that a both host's icmp and tcp points of one
// round or bucket are never split over two pages (a page may then hold one more, and the buckets made from
// raw rounds count one per period, with a point per method); `next_from` is where the next page starts
// (nullopt after the last page). A page may hold fewer than `limit` points and still have a next one.
struct SeriesPage {
  std::vector<SeriesPoint> points;
  std::optional<EpochMs> next_from;
};
// The raw rounds read at most to build one page's buckets (a bucket that would need more waits for the next
// page).
inline constexpr std::size_t kMaxRoundsPerPage = 200'000;
Result<SeriesPage> load_series_page(store::HostStore& store, store::Id user_id, store::Id host_id,
                                    EpochMs from, EpochMs to, int period_s, std::size_t limit);

// Buckets raw rounds into periods of `period_s` (min of mins, max of maxes, received-weighted mean,
// median of medians), one point per period and method (icmp before tcp), never mixing methods.
std::vector<SeriesPoint> bucket_rounds(const std::vector<store::PingResult>& rounds, int period_s);

}  // namespace semaphore::web

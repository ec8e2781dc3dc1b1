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
#include "core/probe_method.h"
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

// One point of a series: a raw round, or a bucket of rounds, of one probe kind.
struct SeriesPoint {
  EpochMs ts = 0;
  int rounds = 1;
  int sent = 0;
  int received = 0;
  std::optional<double> min_ms, avg_ms, max_ms, median_ms, stddev_ms;
  std::string error;
  ProbeKind method = ProbeKind::icmp;
  int refused = 0;  // TCP answers that were a RST, among received (raw rounds and buckets of them; rollups
                    // keep no count: 0)
};

// The kind a host's single series shows: ICMP for icmp and both hosts, TCP for tcp hosts.
ProbeKind primary_kind(ProbeMethod method);
// The kinds a host's chart and tables show, primary first: {icmp}, {tcp} or {icmp, tcp}.
std::vector<ProbeKind> kinds_of(ProbeMethod method);

// A series is one probe kind's: the store returns every kind of row (a `both` host has an icmp and a tcp
// row each round, and a host whose method changed keeps its older rows); everything below keeps `kind`'s.
struct Series {
  ProbeKind kind = ProbeKind::icmp;
  store::Id location_id = store::kLocalLocationId;  // where the points were measured from (issue 16)
  RangeSpec range;
  EpochMs from = 0, to = 0;
  std::vector<SeriesPoint> points;  // oldest first
  // Until this time a later `now` gives the same points unless the database changes: then the oldest point
  // leaves the range, or the rounds after the last rollup stop being read.
  EpochMs same_until = 0;
};

// The points of `kind` measured from `location_id`. Errc::not_found when the host is not the user's;
// Errc::unavailable on database trouble.
Result<Series> load_series(store::HostStore& store, store::Id user_id, store::Id host_id,
                           store::Id location_id, const RangeSpec& range, EpochMs now,
                           ProbeKind kind = ProbeKind::icmp);

// One page of a host's points of `kind` from `location_id` with from <= ts < to (the API's results): raw
// rounds (`period_s` 0),
// or buckets of 3600 or 86400 s — the rollups, and after the last rollup buckets made here from the raw
// rounds (the hour or day not rolled up yet, or every bucket when the ping service has built none). `from` is
// taken down to its bucket's start. At most `limit` points; `next_from` is where the next page starts
// (nullopt after the last page). A page may hold fewer than `limit` points and still have a next one.
struct SeriesPage {
  std::vector<SeriesPoint> points;
  std::optional<EpochMs> next_from;
};
// The raw rounds read at most to build one page's buckets (a bucket that would need more waits for the next
// page).
inline constexpr std::size_t kMaxRoundsPerPage = 200'000;
Result<SeriesPage> load_series_page(store::HostStore& store, store::Id user_id, store::Id host_id,
                                    store::Id location_id, EpochMs from, EpochMs to, int period_s,
                                    std::size_t limit, ProbeKind kind = ProbeKind::icmp);

// A rollup as a point of a series (its kind, its figures, `rounds` rounds).
SeriesPoint point_of_rollup(const store::Rollup& rollup);

// Buckets raw rounds of one kind into periods of `period_s` (min of mins, max of maxes, received-weighted
// mean, median of medians, sums of sent, received and refused); the points carry the first round's kind.
std::vector<SeriesPoint> bucket_rounds(const std::vector<store::PingResult>& rounds, int period_s);

}  // namespace semaphore::web

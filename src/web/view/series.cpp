#include "web/view/series.h"

#include <algorithm>
#include <limits>

namespace semaphore::web {
namespace {

constexpr EpochMs kHour = 3'600'000;
constexpr EpochMs kDay = 24 * kHour;

// The figures a raw round and a rollup have in common, copied in one place for both.
template <class Row>
SeriesPoint point_of(const Row& row, EpochMs ts, int rounds) {
  SeriesPoint point;
  point.ts = ts;
  point.rounds = rounds;
  point.sent = row.sent;
  point.received = row.received;
  point.min_ms = row.min_ms;
  point.avg_ms = row.avg_ms;
  point.max_ms = row.max_ms;
  point.median_ms = row.median_ms;
  return point;
}

SeriesPoint from_round(const store::PingResult& round) {
  SeriesPoint point = point_of(round, round.ts, 1);
  point.stddev_ms = round.stddev_ms;  // only a round has these
  point.error = round.error;
  point.method = round.method;
  point.refused = round.refused;
  return point;
}

SeriesPoint from_rollup(const store::Rollup& rollup) {
  SeriesPoint point = point_of(rollup, rollup.bucket_start, rollup.rounds);
  point.method = rollup.method;
  return point;
}

// The store's rows are of every kind (host_store.h); a series keeps one.
template <class Row>
void keep_kind(std::vector<Row>& rows, ProbeKind kind) {
  std::erase_if(rows, [kind](const Row& row) { return row.method != kind; });
}

// How many rows of every kind to read for a page of `limit` rows of one: a round (or bucket) has at most
// one row per kind, so twice as many and a round more always give a complete round to stop after.
std::size_t rows_to_read(std::size_t limit) {
  constexpr std::size_t kKinds = 2;
  return limit >= (std::numeric_limits<std::size_t>::max() - kKinds) / kKinds ? limit
                                                                              : limit * kKinds + kKinds;
}

// When `rows` filled the read (`read` rows asked for), the rows of its last time may be missing some kind:
// they are dropped, and that time returned (where the next page starts); nullopt when the read was complete.
template <class Row, class Time>
std::optional<EpochMs> drop_last_time(std::vector<Row>& rows, std::size_t read, Time time_of) {
  if (rows.empty() || rows.size() < read) return std::nullopt;
  const EpochMs last = time_of(rows.back());
  std::erase_if(rows, [&](const Row& row) { return time_of(row) >= last; });
  return last;
}

std::optional<double> median_of(std::vector<double>& values) {
  if (values.empty()) return std::nullopt;
  const auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), middle, values.end());
  if (values.size() % 2 == 1) return *middle;
  const double upper = *middle;
  const double lower = *std::max_element(values.begin(), middle);
  return (lower + upper) / 2;
}

}  // namespace

ProbeKind primary_kind(ProbeMethod method) {
  return method == ProbeMethod::tcp ? ProbeKind::tcp : ProbeKind::icmp;
}

std::vector<ProbeKind> kinds_of(ProbeMethod method) {
  switch (method) {
    case ProbeMethod::icmp:
      return {ProbeKind::icmp};
    case ProbeMethod::tcp:
      return {ProbeKind::tcp};
    case ProbeMethod::both:
      break;
  }
  return {ProbeKind::icmp, ProbeKind::tcp};
}

const std::vector<RangeSpec>& all_ranges() {
  static const std::vector<RangeSpec> ranges = {
      {"1h", kHour, 0},       {"6h", 6 * kHour, 0},     {"24h", kDay, 0},
      {"7d", 7 * kDay, 3600}, {"30d", 30 * kDay, 3600}, {"1y", 365 * kDay, 86400},
  };
  return ranges;
}

std::optional<RangeSpec> parse_range(std::string_view name) {
  if (name.empty()) name = "24h";
  for (const RangeSpec& range : all_ranges()) {
    if (range.name == name) return range;
  }
  return std::nullopt;
}

SeriesPoint point_of_rollup(const store::Rollup& rollup) {
  return from_rollup(rollup);
}

std::vector<SeriesPoint> bucket_rounds(const std::vector<store::PingResult>& rounds, int period_s) {
  std::vector<SeriesPoint> points;
  const EpochMs period_ms = EpochMs{period_s} * 1000;
  std::size_t i = 0;
  std::vector<double> medians;
  while (i < rounds.size()) {
    SeriesPoint point;
    point.ts = rounds[i].ts - rounds[i].ts % period_ms;
    point.rounds = 0;
    point.method = rounds[i].method;
    double weighted_sum = 0;
    medians.clear();
    for (; i < rounds.size() && rounds[i].ts < point.ts + period_ms; ++i) {
      const auto& round = rounds[i];
      ++point.rounds;
      point.sent += round.sent;
      point.received += round.received;
      point.refused += round.refused;
      if (round.min_ms) point.min_ms = point.min_ms ? std::min(*point.min_ms, *round.min_ms) : *round.min_ms;
      if (round.max_ms) point.max_ms = point.max_ms ? std::max(*point.max_ms, *round.max_ms) : *round.max_ms;
      if (round.avg_ms) weighted_sum += *round.avg_ms * round.received;
      if (round.median_ms) medians.push_back(*round.median_ms);
    }
    if (point.received > 0 && weighted_sum > 0) point.avg_ms = weighted_sum / point.received;
    point.median_ms = median_of(medians);
    points.push_back(std::move(point));
  }
  return points;
}

namespace {

// See Series::same_until: a point at `ts` is in the range while now - span <= ts.
void limit_by_oldest_point(Series& series) {
  if (!series.points.empty()) {
    series.same_until = std::min(series.same_until, series.points.front().ts + series.range.span_ms);
  }
}

}  // namespace

Result<Series> load_series(store::HostStore& store, store::Id user_id, store::Id host_id,
                           store::Id location_id, const RangeSpec& range, EpochMs now, ProbeKind kind) {
  Series series;
  series.kind = kind;
  series.location_id = location_id;
  series.range = range;
  series.to = now + 1;
  series.from = now - range.span_ms;
  series.same_until = std::numeric_limits<EpochMs>::max();
  if (range.rollup_period_s == 0) {
    auto rounds = store.results_between(user_id, host_id, location_id, series.from, series.to);
    if (!rounds) return rounds.error();
    keep_kind(*rounds, kind);
    series.points.reserve(rounds->size());
    for (const auto& round : *rounds) series.points.push_back(from_round(round));
    limit_by_oldest_point(series);
    return series;
  }
  auto rollups =
      store.rollups_between(user_id, host_id, location_id, range.rollup_period_s, series.from, series.to);
  if (!rollups) return rollups.error();
  keep_kind(*rollups, kind);
  if (rollups->empty() && range.span_ms <= 30 * kDay) {
    auto rounds = store.results_between(user_id, host_id, location_id, series.from, series.to);
    if (!rounds) return rounds.error();
    keep_kind(*rounds, kind);
    series.points = bucket_rounds(*rounds, range.rollup_period_s);
    limit_by_oldest_point(series);
    return series;
  }
  series.points.reserve(rollups->size() + 2);
  for (const auto& rollup : *rollups) series.points.push_back(from_rollup(rollup));
  // The buckets not rolled up yet (the current hour or day): from the raw rounds.
  const EpochMs rolled_until =
      rollups->empty() ? series.from : rollups->back().bucket_start + EpochMs{range.rollup_period_s} * 1000;
  if (rolled_until < series.to && series.to - rolled_until <= 2 * kDay) {
    auto recent = store.results_between(user_id, host_id, location_id, rolled_until, series.to);
    if (!recent) return recent.error();
    keep_kind(*recent, kind);
    for (auto& point : bucket_rounds(*recent, range.rollup_period_s))
      series.points.push_back(std::move(point));
  }
  // The rounds after the last rollup are read while they are at most 2 days behind.
  series.same_until = rollups->empty() ? now + 1 : std::min(series.same_until, rolled_until + 2 * kDay);
  limit_by_oldest_point(series);
  return series;
}

Result<SeriesPage> load_series_page(store::HostStore& store, store::Id user_id, store::Id host_id,
                                    store::Id location_id, EpochMs from, EpochMs to, int period_s,
                                    std::size_t limit, ProbeKind kind) {
  SeriesPage page;
  if (limit == 0 || from >= to) return page;
  const std::size_t read = rows_to_read(limit);
  if (period_s == 0) {
    auto rounds = store.results_between(user_id, host_id, location_id, from, to, read);
    if (!rounds) return rounds.error();
    const auto cut = drop_last_time(*rounds, read, [](const store::PingResult& round) { return round.ts; });
    keep_kind(*rounds, kind);
    const bool more = rounds->size() > limit;
    if (more) rounds->resize(limit);
    page.points.reserve(rounds->size());
    for (const auto& round : *rounds) page.points.push_back(from_round(round));
    if (more) {
      page.next_from = page.points.back().ts + 1;
    } else if (cut) {
      page.next_from = *cut;
    }
    return page;
  }
  const EpochMs period_ms = EpochMs{period_s} * 1000;
  from -= ((from % period_ms) + period_ms) % period_ms;  // down to the bucket's start, also before 1970
  auto rollups = store.rollups_between(user_id, host_id, location_id, period_s, from, to, read);
  if (!rollups) return rollups.error();
  const auto rollups_cut =
      drop_last_time(*rollups, read, [](const store::Rollup& rollup) { return rollup.bucket_start; });
  keep_kind(*rollups, kind);
  if (rollups->size() > limit) {
    rollups->resize(limit);
    for (const auto& rollup : *rollups) page.points.push_back(from_rollup(rollup));
    page.next_from = page.points.back().ts + period_ms;
    return page;
  }
  for (const auto& rollup : *rollups) page.points.push_back(from_rollup(rollup));
  if (rollups_cut) {  // more rollups may follow: the next page goes on from them
    page.next_from = *rollups_cut;
    return page;
  }
  // The buckets after the last rollup, from the raw rounds: as many as the page has room for.
  const EpochMs tail_from = rollups->empty() ? from : rollups->back().bucket_start + period_ms;
  const auto room = static_cast<EpochMs>(limit - page.points.size());
  const EpochMs tail_to = (to - tail_from) / period_ms < room ? to : tail_from + room * period_ms;
  if (tail_from >= tail_to) return page;
  auto rounds =
      store.results_between(user_id, host_id, location_id, tail_from, tail_to, kMaxRoundsPerPage + 1);
  if (!rounds) return rounds.error();
  std::optional<EpochMs> cut_bucket;
  if (rounds->size() > kMaxRoundsPerPage) {
    // The last bucket may be missing rounds: the next page starts with it.
    const EpochMs last = rounds->back().ts;
    cut_bucket = last - ((last % period_ms) + period_ms) % period_ms;
    std::erase_if(*rounds, [&](const store::PingResult& round) { return round.ts >= *cut_bucket; });
  }
  keep_kind(*rounds, kind);
  for (auto& bucket : bucket_rounds(*rounds, period_s)) page.points.push_back(std::move(bucket));
  if (cut_bucket) {
    page.next_from = *cut_bucket;
  } else if (tail_to < to) {
    page.next_from = tail_to;
  }
  return page;
}

}  // namespace semaphore::web

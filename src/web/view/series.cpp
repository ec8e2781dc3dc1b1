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
  point.method = row.method;
  return point;
}

SeriesPoint from_round(const store::PingResult& round) {
  SeriesPoint point = point_of(round, round.ts, 1);
  point.stddev_ms = round.stddev_ms;  // only a round has these
  point.error = round.error;
  point.refused = round.refused;
  return point;
}

SeriesPoint from_rollup(const store::Rollup& rollup) {
  return point_of(rollup, rollup.bucket_start, rollup.rounds);
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

std::vector<SeriesPoint> bucket_rounds(const std::vector<store::PingResult>& rounds, int period_s) {
  std::vector<SeriesPoint> points;
  const EpochMs period_ms = EpochMs{period_s} * 1000;
  std::size_t i = 0;
  std::vector<double> medians;
  while (i < rounds.size()) {
    const EpochMs bucket = rounds[i].ts - rounds[i].ts % period_ms;
    std::size_t end = i;
    while (end < rounds.size() && rounds[end].ts < bucket + period_ms) ++end;
    for (const ProbeKind kind : {ProbeKind::icmp, ProbeKind::tcp}) {
      SeriesPoint point;
      point.ts = bucket;
      point.rounds = 0;
      point.method = kind;
      double weighted_sum = 0;
      medians.clear();
      for (std::size_t k = i; k < end; ++k) {
        const auto& round = rounds[k];
        if (round.method != kind) continue;
        ++point.rounds;
        point.sent += round.sent;
        point.received += round.received;
        if (round.min_ms)
          point.min_ms = point.min_ms ? std::min(*point.min_ms, *round.min_ms) : *round.min_ms;
        if (round.max_ms)
          point.max_ms = point.max_ms ? std::max(*point.max_ms, *round.max_ms) : *round.max_ms;
        if (round.avg_ms) weighted_sum += *round.avg_ms * round.received;
        if (round.median_ms) medians.push_back(*round.median_ms);
      }
      if (point.rounds == 0) continue;
      if (point.received > 0 && weighted_sum > 0) point.avg_ms = weighted_sum / point.received;
      point.median_ms = median_of(medians);
      points.push_back(std::move(point));
    }
    i = end;
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
                           const RangeSpec& range, EpochMs now) {
  Series series;
  series.range = range;
  series.to = now + 1;
  series.from = now - range.span_ms;
  series.same_until = std::numeric_limits<EpochMs>::max();
  if (range.rollup_period_s == 0) {
    auto rounds = store.results_between(user_id, host_id, series.from, series.to);
    if (!rounds) return rounds.error();
    series.points.reserve(rounds->size());
    for (const auto& round : *rounds) series.points.push_back(from_round(round));
    limit_by_oldest_point(series);
    return series;
  }
  auto rollups = store.rollups_between(user_id, host_id, range.rollup_period_s, series.from, series.to);
  if (!rollups) return rollups.error();
  if (rollups->empty() && range.span_ms <= 30 * kDay) {
    auto rounds = store.results_between(user_id, host_id, series.from, series.to);
    if (!rounds) return rounds.error();
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
    auto recent = store.results_between(user_id, host_id, rolled_until, series.to);
    if (!recent) return recent.error();
    for (auto& point : bucket_rounds(*recent, range.rollup_period_s))
      series.points.push_back(std::move(point));
  }
  // The rounds after the last rollup are read while they are at most 2 days behind.
  series.same_until = rollups->empty() ? now + 1 : std::min(series.same_until, rolled_until + 2 * kDay);
  limit_by_oldest_point(series);
  return series;
}

Result<SeriesPage> load_series_page(store::HostStore& store, store::Id user_id, store::Id host_id,
                                    EpochMs from, EpochMs to, int period_s, std::size_t limit) {
  SeriesPage page;
  if (limit == 0 || from >= to) return page;
  if (period_s == 0) {
    auto rounds = store.results_between(user_id, host_id, from, to, limit + 2);
    if (!rounds) return rounds.error();
    // A round's icmp and tcp rows stay on one page (the next page starts after the last round's ts).
    std::size_t keep = std::min(limit, rounds->size());
    if (keep < rounds->size() && (*rounds)[keep].ts == (*rounds)[keep - 1].ts) ++keep;
    const bool more = rounds->size() > keep;
    if (more) rounds->resize(keep);
    page.points.reserve(rounds->size());
    for (const auto& round : *rounds) page.points.push_back(from_round(round));
    if (more) page.next_from = page.points.back().ts + 1;
    return page;
  }
  const EpochMs period_ms = EpochMs{period_s} * 1000;
  from -= ((from % period_ms) + period_ms) % period_ms;  // down to the bucket's start, also before 1970
  auto rollups = store.rollups_between(user_id, host_id, period_s, from, to, limit + 2);
  if (!rollups) return rollups.error();
  std::size_t keep = std::min(limit, rollups->size());
  if (keep < rollups->size() && (*rollups)[keep].bucket_start == (*rollups)[keep - 1].bucket_start) ++keep;
  if (rollups->size() > keep) {
    rollups->resize(keep);
    for (const auto& rollup : *rollups) page.points.push_back(from_rollup(rollup));
    page.next_from = page.points.back().ts + period_ms;
    return page;
  }
  for (const auto& rollup : *rollups) page.points.push_back(from_rollup(rollup));
  // The buckets after the last rollup, from the raw rounds: as many as the page has room for.
  const EpochMs tail_from = rollups->empty() ? from : rollups->back().bucket_start + period_ms;
  const auto room = static_cast<EpochMs>(limit - std::min(limit, page.points.size()));
  const EpochMs tail_to = (to - tail_from) / period_ms < room ? to : tail_from + room * period_ms;
  if (tail_from >= tail_to) return page;
  auto rounds = store.results_between(user_id, host_id, tail_from, tail_to, kMaxRoundsPerPage + 1);
  if (!rounds) return rounds.error();
  const bool cut = rounds->size() > kMaxRoundsPerPage;
  std::vector<SeriesPoint> buckets = bucket_rounds(*rounds, period_s);
  if (cut) {
    // The last bucket may be missing rounds: the next page starts with it.
    const EpochMs last = buckets.back().ts;
    page.next_from = last;
    while (!buckets.empty() && buckets.back().ts == last) buckets.pop_back();  // each method's point
  } else if (tail_to < to) {
    page.next_from = tail_to;
  }
  for (auto& bucket : buckets) page.points.push_back(std::move(bucket));
  return page;
}

}  // namespace semaphore::web

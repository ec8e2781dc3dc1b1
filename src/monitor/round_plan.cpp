#include "monitor/round_plan.h"

#include <algorithm>

namespace semaphore::monitor {

using std::chrono::milliseconds;

Result<RoundTiming> derive_timing(milliseconds interval, int probes, milliseconds spacing,
                                  milliseconds timeout) {
  if (interval < milliseconds(100))
    return make_error(Errc::invalid_argument, "--interval must be at least 100ms");
  if (probes < 1 || probes > 100)
    return make_error(Errc::invalid_argument, "--probes must be between 1 and 100");
  RoundTiming timing;
  timing.interval = interval;
  timing.probes = probes;
  timing.spacing = spacing.count() > 0 ? spacing : std::min(milliseconds(1000), interval / (3 * probes));
  timing.timeout = timeout.count() > 0 ? timeout : std::min(milliseconds(1000), interval / 5);
  const milliseconds margin = std::min(milliseconds(2000), interval / 10);
  const milliseconds left = interval - margin - timing.host_span();
  if (left.count() <= 0) {
    return make_error(Errc::invalid_argument,
                      "one host's probes (" + std::to_string(probes) + " x " +
                          std::to_string(timing.spacing.count()) + " ms apart, then a " +
                          std::to_string(timing.timeout.count()) + " ms timeout) do not fit in the " +
                          std::to_string(interval.count()) +
                          " ms interval: lower --probes, --probe-spacing or --timeout, or raise --interval");
  }
  timing.window = left;
  return timing;
}

milliseconds host_phase(store::Id host_id, milliseconds window) {
  if (window.count() <= 0) return milliseconds(0);
  // splitmix64: consecutive ids land far apart.
  std::uint64_t z = static_cast<std::uint64_t>(host_id) + 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return milliseconds(static_cast<std::int64_t>(z % static_cast<std::uint64_t>(window.count())));
}

EpochMs round_floor(EpochMs now, milliseconds interval) {
  const EpochMs step = interval.count();
  return now - ((now % step) + step) % step;
}

store::PingResult to_row(store::Id host_id, EpochMs round_ts, const probe::HostResult& result,
                         ProbeKind kind) {
  store::PingResult row;
  row.host_id = host_id;
  row.ts = round_ts;
  row.method = kind;
  row.sent = result.sent;
  if (const auto summary = result.summary()) {
    // The replies are the samples: never trust a separate count to agree with them.
    row.received = summary->replies;
    row.min_ms = summary->min_ms;
    row.avg_ms = summary->avg_ms;
    row.max_ms = summary->max_ms;
    row.median_ms = summary->median_ms;
    row.stddev_ms = summary->stddev_ms;
    row.refused = kind == ProbeKind::tcp ? std::clamp(result.refused, 0, row.received) : 0;
  } else {
    // Nothing came back: say why. An engine that reports no error for a silent host means a timeout.
    row.received = 0;
    row.error = result.error == probe::HostError::none ? "timeout" : probe::to_string(result.error);
  }
  return row;
}

}  // namespace semaphore::monitor

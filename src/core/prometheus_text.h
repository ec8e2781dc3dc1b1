#pragma once
// The Prometheus text exposition format (version 0.0.4), written by the web app's /metrics and by the ping
// service (which the web module may not include, so both meet here, in core), and a lock-free histogram to
// feed it.
//
// PrometheusText writes metric families: "# HELP", "# TYPE", then the family's samples, each family once and
// its samples together (the format requires both). Label values and help texts are escaped as the format says
// (backslash, double quote, newline). Naming follows the Prometheus conventions, which the writer does not
// enforce but `promtool check metrics` (run on a live scrape by the integration tests) does: base units
// (seconds, bytes) in the name, counters ending in _total, no _total/_count/_sum/_bucket on gauges.
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace semaphore {

enum class MetricType { counter, gauge, histogram };

using MetricLabels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

// A histogram's state at one moment: per-bucket counts (not cumulative), the last one for values above every
// bound (+Inf), and the sum of the values observed.
struct HistogramSnapshot {
  std::span<const double> bounds;  // ascending upper bounds, inclusive ("le")
  std::vector<std::uint64_t> counts;
  double sum = 0;

  std::uint64_t count() const;
  // An upper bound of the value below which `quantile` (0..1) of the observations fell: the bound of the
  // bucket that reaches it (the last finite bound for the overflow bucket); 0 without observations. For logs.
  double quantile_bound(double quantile) const;
};

// A fixed-bucket histogram that any thread may observe into without a lock (one relaxed atomic add for the
// bucket, one for the sum). `Bounds` must outlive it; use a static constexpr array.
class AtomicHistogram {
 public:
  explicit AtomicHistogram(std::span<const double> bounds);
  AtomicHistogram(const AtomicHistogram&) = delete;
  AtomicHistogram& operator=(const AtomicHistogram&) = delete;

  void observe(double value);
  HistogramSnapshot snapshot() const;

 private:
  std::span<const double> bounds_;
  std::vector<std::atomic<std::uint64_t>> counts_;  // bounds_.size() + 1: the last is +Inf
  std::atomic<double> sum_{0};
};

class PrometheusText {
 public:
  // Starts a family. Throws std::logic_error when `name` was written already: a family must appear once.
  void family(std::string_view name, MetricType type, std::string_view help);
  // A sample of the current counter or gauge family (name = the family's).
  void sample(double value, MetricLabels labels = {});
  // The samples of the current histogram family: name_bucket{...,le="..."} (cumulative, ending with +Inf),
  // name_sum, name_count.
  void histogram(const HistogramSnapshot& histogram, MetricLabels labels = {});

  // A family with one unlabelled sample.
  void counter(std::string_view name, std::string_view help, double value);
  void gauge(std::string_view name, std::string_view help, double value);

  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }

  // The text format's escaping of a label value ("\\", "\"", "\n") and of a help text ("\\", "\n").
  static std::string escape_label_value(std::string_view value);
  static std::string escape_help(std::string_view help);
  // A sample value: integers without a fraction, others in the shortest form that reads back the same;
  // NaN, +Inf, -Inf as the format spells them.
  static std::string format_value(double value);

 private:
  void write_labels(MetricLabels labels, std::string_view le = {});

  std::string out_;
  std::string current_;
  MetricType current_type_ = MetricType::gauge;
  std::vector<std::string> written_;
};

// Bucket bounds (seconds) for the latency of short operations: HTTP requests, database inserts.
inline constexpr std::array<double, 14> kLatencySecondsBuckets = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

}  // namespace semaphore

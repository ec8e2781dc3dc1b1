// The Prometheus text writer: escaping, family layout (HELP, TYPE, then the samples, each family once),
// cumulative histogram buckets ending with +Inf, value formatting, and the lock-free histogram.
#include "core/prometheus_text.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <thread>
#include <vector>

namespace semaphore {
namespace {

TEST(PrometheusText, EscapesLabelValuesAsTheFormatSays) {
  // Backslash, double quote and newline are escaped; everything else (UTF-8 included) goes through as is.
  EXPECT_EQ(PrometheusText::escape_label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  EXPECT_EQ(PrometheusText::escape_label_value("Café {x}=1,y"), "Café {x}=1,y");
  PrometheusText out;
  out.family("test_hosts", MetricType::gauge, "Hosts.");
  out.sample(1, {{"service", "say \"hi\"\\\nbye"}, {"hostname", "a.example"}});
  EXPECT_EQ(out.text(),
            "# HELP test_hosts Hosts.\n"
            "# TYPE test_hosts gauge\n"
            "test_hosts{service=\"say \\\"hi\\\"\\\\\\nbye\",hostname=\"a.example\"} 1\n");
}

TEST(PrometheusText, EscapesHelpTexts) {
  // A help text escapes backslash and newline, but not quotes.
  EXPECT_EQ(PrometheusText::escape_help("one\\two\n\"three\""), "one\\\\two\\n\"three\"");
}

TEST(PrometheusText, WritesHelpThenTypeThenTheSamples) {
  PrometheusText out;
  out.counter("test_requests_total", "Requests.", 42);
  out.gauge("test_queue_depth", "Queued.", 0.5);
  out.family("test_by_code_total", MetricType::counter, "By code.");
  out.sample(3, {{"code", "200"}});
  out.sample(1, {{"code", "404"}});
  EXPECT_EQ(out.text(),
            "# HELP test_requests_total Requests.\n"
            "# TYPE test_requests_total counter\n"
            "test_requests_total 42\n"
            "# HELP test_queue_depth Queued.\n"
            "# TYPE test_queue_depth gauge\n"
            "test_queue_depth 0.5\n"
            "# HELP test_by_code_total By code.\n"
            "# TYPE test_by_code_total counter\n"
            "test_by_code_total{code=\"200\"} 3\n"
            "test_by_code_total{code=\"404\"} 1\n");
}

TEST(PrometheusText, AFamilyAppearsOnce) {
  PrometheusText out;
  out.counter("test_total", "Once.", 1);
  EXPECT_THROW(out.counter("test_total", "Twice.", 2), std::logic_error);
  EXPECT_THROW(out.family("test_total", MetricType::gauge, "Again."), std::logic_error);
}

TEST(PrometheusText, SamplesBelongToAFamilyOfTheirKind) {
  PrometheusText out;
  EXPECT_THROW(out.sample(1), std::logic_error);  // no family yet
  out.family("test_seconds", MetricType::histogram, "A histogram.");
  EXPECT_THROW(out.sample(1), std::logic_error);
  out.family("test_up", MetricType::gauge, "A gauge.");
  EXPECT_THROW(out.histogram(HistogramSnapshot{}), std::logic_error);
}

TEST(PrometheusText, HistogramBucketsAreCumulativeAndEndWithInf) {
  static constexpr std::array<double, 3> kBounds = {0.125, 0.5, 2};
  AtomicHistogram histogram(kBounds);
  histogram.observe(0.0625);
  histogram.observe(0.125);  // a bound is inclusive ("le")
  histogram.observe(0.25);
  histogram.observe(8);  // above every bound: only +Inf
  PrometheusText out;
  out.family("test_duration_seconds", MetricType::histogram, "Durations.");
  out.histogram(histogram.snapshot());
  EXPECT_EQ(out.text(),
            "# HELP test_duration_seconds Durations.\n"
            "# TYPE test_duration_seconds histogram\n"
            "test_duration_seconds_bucket{le=\"0.125\"} 2\n"
            "test_duration_seconds_bucket{le=\"0.5\"} 3\n"
            "test_duration_seconds_bucket{le=\"2\"} 3\n"
            "test_duration_seconds_bucket{le=\"+Inf\"} 4\n"
            "test_duration_seconds_sum 8.4375\n"
            "test_duration_seconds_count 4\n");
}

TEST(PrometheusText, LabelledHistogramsPutLeLast) {
  static constexpr std::array<double, 1> kBounds = {1};
  AtomicHistogram histogram(kBounds);
  histogram.observe(2);
  PrometheusText out;
  out.family("test_seconds", MetricType::histogram, "By route.");
  out.histogram(histogram.snapshot(), {{"route", "/a/{id}"}});
  out.histogram(HistogramSnapshot{kBounds, {0, 0}, 0}, {{"route", "/b"}});
  EXPECT_EQ(out.text(),
            "# HELP test_seconds By route.\n"
            "# TYPE test_seconds histogram\n"
            "test_seconds_bucket{route=\"/a/{id}\",le=\"1\"} 0\n"
            "test_seconds_bucket{route=\"/a/{id}\",le=\"+Inf\"} 1\n"
            "test_seconds_sum{route=\"/a/{id}\"} 2\n"
            "test_seconds_count{route=\"/a/{id}\"} 1\n"
            "test_seconds_bucket{route=\"/b\",le=\"1\"} 0\n"
            "test_seconds_bucket{route=\"/b\",le=\"+Inf\"} 0\n"
            "test_seconds_sum{route=\"/b\"} 0\n"
            "test_seconds_count{route=\"/b\"} 0\n");
}

TEST(PrometheusText, FormatsValues) {
  EXPECT_EQ(PrometheusText::format_value(0), "0");
  EXPECT_EQ(PrometheusText::format_value(12345678901234), "12345678901234");
  EXPECT_EQ(PrometheusText::format_value(-3), "-3");
  EXPECT_EQ(PrometheusText::format_value(0.0005), "0.0005");
  EXPECT_EQ(PrometheusText::format_value(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(PrometheusText::format_value(1e20), "1e+20");
  EXPECT_EQ(PrometheusText::format_value(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(PrometheusText::format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(PrometheusText::format_value(-std::numeric_limits<double>::infinity()), "-Inf");
}

TEST(AtomicHistogram, CountsEveryObservationFromManyThreads) {
  static constexpr std::array<double, 2> kBounds = {1, 10};
  AtomicHistogram histogram(kBounds);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) histogram.observe(i % 2 == 0 ? 0.5 : 5);
    });
  }
  for (auto& thread : threads) thread.join();
  const HistogramSnapshot snapshot = histogram.snapshot();
  EXPECT_EQ(snapshot.count(), 40000u);
  EXPECT_EQ(snapshot.counts[0], 20000u);
  EXPECT_EQ(snapshot.counts[1], 20000u);
  EXPECT_EQ(snapshot.counts[2], 0u);
  EXPECT_DOUBLE_EQ(snapshot.sum, 20000 * 0.5 + 20000 * 5);
}

TEST(AtomicHistogram, QuantileBoundIsTheBucketThatReachesIt) {
  static constexpr std::array<double, 3> kBounds = {0.001, 0.01, 0.1};
  AtomicHistogram histogram(kBounds);
  EXPECT_EQ(histogram.snapshot().quantile_bound(0.99), 0);  // nothing observed
  for (int i = 0; i < 98; ++i) histogram.observe(0.0005);
  histogram.observe(0.005);
  histogram.observe(5);  // overflow: reported as the last finite bound
  const HistogramSnapshot snapshot = histogram.snapshot();
  EXPECT_DOUBLE_EQ(snapshot.quantile_bound(0.5), 0.001);
  EXPECT_DOUBLE_EQ(snapshot.quantile_bound(0.99), 0.01);
  EXPECT_DOUBLE_EQ(snapshot.quantile_bound(1.0), 0.1);
}

}  // namespace
}  // namespace semaphore

#include "core/rtt_stats.h"

#include <gtest/gtest.h>

#include <vector>

namespace semaphore {
namespace {

TEST(SummarizeRtts, NoSamplesMeansNoSummary) {
  EXPECT_FALSE(summarize_rtts({}).has_value());
}

TEST(SummarizeRtts, ComputesEveryFigureFromAllSamples) {
  const std::vector<double> rtts = {3.0, 1.0, 2.0, 10.0};
  const auto summary = summarize_rtts(rtts);
  ASSERT_TRUE(summary.has_value());
  EXPECT_DOUBLE_EQ(summary->min_ms, 1.0);
  EXPECT_DOUBLE_EQ(summary->max_ms, 10.0);
  EXPECT_DOUBLE_EQ(summary->avg_ms, 4.0);
  EXPECT_DOUBLE_EQ(summary->median_ms, 2.5);
  EXPECT_NEAR(summary->stddev_ms, 3.5355339, 1e-6);  // population sd of {1,2,3,10}
}

TEST(SummarizeRtts, OddCountMedianIsTheMiddleSample) {
  const std::vector<double> rtts = {5.0, 1.0, 9.0};
  EXPECT_DOUBLE_EQ(summarize_rtts(rtts)->median_ms, 5.0);
  const std::vector<double> one = {7.5};
  EXPECT_DOUBLE_EQ(summarize_rtts(one)->stddev_ms, 0.0);
}

}  // namespace
}  // namespace semaphore

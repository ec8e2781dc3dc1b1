#include "core/rtt_stats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <utility>
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

TEST(SummarizeRtts, LostProbesAreNotSamples) {
  // One entry per probe sent, kNoReply for a lost one (HostResult::rtts_ms): a lost first probe is not a
  // 0 ms ping, and the count of replies comes from the samples themselves.
  const std::vector<double> rtts = {kNoReply, 10.0, 30.0, kNoReply, 20.0};
  const auto summary = summarize_rtts(rtts);
  ASSERT_TRUE(summary.has_value());
  EXPECT_EQ(summary->replies, 3);
  EXPECT_DOUBLE_EQ(summary->min_ms, 10.0);
  EXPECT_DOUBLE_EQ(summary->avg_ms, 20.0);
  EXPECT_DOUBLE_EQ(summary->max_ms, 30.0);
  EXPECT_DOUBLE_EQ(summary->median_ms, 20.0);
  EXPECT_NEAR(summary->stddev_ms, std::sqrt(200.0 / 3.0), 1e-12);
  const std::vector<double> all_lost(4, kNoReply);
  EXPECT_FALSE(summarize_rtts(all_lost).has_value());
  EXPECT_FALSE(is_reply(kNoReply));
  EXPECT_TRUE(is_reply(0.0));
}

TEST(SummarizeRtts, ReusedScratchGivesTheSameSummary) {
  std::vector<double> scratch = {99.0, 98.0, 97.0, 96.0, 95.0, 94.0};  // left over from a previous host
  const std::vector<double> rtts = {3.0, kNoReply, 1.0};
  const auto reused = summarize_rtts(rtts, scratch);
  const auto fresh = summarize_rtts(rtts);
  ASSERT_TRUE(reused && fresh);
  EXPECT_EQ(reused->replies, 2);
  EXPECT_EQ(fresh->replies, 2);
  for (const auto& [a, b] :
       {std::pair{reused->min_ms, fresh->min_ms}, std::pair{reused->avg_ms, fresh->avg_ms},
        std::pair{reused->max_ms, fresh->max_ms}, std::pair{reused->median_ms, fresh->median_ms},
        std::pair{reused->stddev_ms, fresh->stddev_ms}}) {
    EXPECT_EQ(a, b);
  }
  EXPECT_DOUBLE_EQ(reused->median_ms, 2.0);
}

}  // namespace
}  // namespace semaphore

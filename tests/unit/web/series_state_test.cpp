#include <gtest/gtest.h>

#include "web/view/host_state.h"
#include "web/view/series.h"
#include "web/view/sparklines.h"

namespace semaphore::web {
namespace {

store::PingResult round_at(EpochMs ts, int sent, int received, std::optional<double> median) {
  store::PingResult result;
  result.ts = ts;
  result.sent = sent;
  result.received = received;
  if (median) {
    result.min_ms = *median - 1;
    result.max_ms = *median + 1;
    result.avg_ms = *median;
    result.median_ms = median;
  }
  return result;
}

TEST(HostState, FromTheLatestRound) {
  const auto stale = std::chrono::seconds(300);
  const EpochMs now = 1'000'000'000;
  EXPECT_EQ(classify(std::nullopt, now, stale), HostState::unknown);
  EXPECT_EQ(classify(round_at(now - 1000, 5, 5, 1.0), now, stale), HostState::up);
  EXPECT_EQ(classify(round_at(now - 1000, 5, 3, 1.0), now, stale), HostState::degraded);
  EXPECT_EQ(classify(round_at(now - 1000, 5, 0, std::nullopt), now, stale), HostState::down);
  EXPECT_EQ(classify(round_at(now - 301'000, 5, 5, 1.0), now, stale), HostState::unknown);
  auto unresolvable = round_at(now, 0, 0, std::nullopt);
  unresolvable.error = "unresolvable";
  EXPECT_EQ(classify(unresolvable, now, stale), HostState::down);
  EXPECT_GT(severity(HostState::down), severity(HostState::degraded));
  EXPECT_EQ(parse_host_state("degraded"), HostState::degraded);
  EXPECT_FALSE(parse_host_state("bogus"));
}

TEST(HostState, Formatting) {
  EXPECT_EQ(format_ms(std::nullopt), "—");
  EXPECT_EQ(format_ms(0.0451), "0.045 ms");
  EXPECT_EQ(format_ms(12.34), "12.3 ms");
  EXPECT_EQ(format_ms(345.6), "346 ms");
  EXPECT_EQ(format_loss(5, 3), "40%");
  EXPECT_EQ(format_loss(0, 0), "—");
  EXPECT_EQ(format_age(0, 12'000), "12 s ago");
  EXPECT_EQ(format_age(0, 600'000), "10 min ago");
}

TEST(Series, Ranges) {
  EXPECT_EQ(parse_range("")->name, "24h");
  EXPECT_EQ(parse_range("30d")->rollup_period_s, 3600);
  EXPECT_EQ(parse_range("1y")->rollup_period_s, 86400);
  EXPECT_EQ(parse_range("1h")->rollup_period_s, 0);
  EXPECT_FALSE(parse_range("2w"));
}

TEST(Series, BucketsRounds) {
  const EpochMs hour = 3'600'000;
  std::vector<store::PingResult> rounds = {round_at(0, 5, 5, 10.0), round_at(60'000, 5, 4, 20.0),
                                           round_at(120'000, 5, 0, std::nullopt),
                                           round_at(hour + 5, 5, 5, 30.0)};
  const auto points = bucket_rounds(rounds, 3600);
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(points[0].ts, 0);
  EXPECT_EQ(points[0].rounds, 3);
  EXPECT_EQ(points[0].sent, 15);
  EXPECT_EQ(points[0].received, 9);
  EXPECT_DOUBLE_EQ(*points[0].min_ms, 9.0);
  EXPECT_DOUBLE_EQ(*points[0].max_ms, 21.0);
  EXPECT_DOUBLE_EQ(*points[0].median_ms, 15.0);
  EXPECT_NEAR(*points[0].avg_ms, (10.0 * 5 + 20.0 * 4) / 9, 1e-9);
  EXPECT_EQ(points[1].ts, hour);
  EXPECT_EQ(points[1].rounds, 1);
}

TEST(Sparklines, LossLevels) {
  EXPECT_EQ(loss_level(5, 5), 0);
  EXPECT_EQ(loss_level(100, 96), 1);
  EXPECT_EQ(loss_level(5, 4), 2);
  EXPECT_EQ(loss_level(5, 1), 3);
  EXPECT_EQ(loss_level(5, 0), 4);
}

}  // namespace
}  // namespace semaphore::web

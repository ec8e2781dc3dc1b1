#include "web/security/rate_limiter.h"

#include <string>

#include <gtest/gtest.h>

namespace semaphore::web {
namespace {

// 1 token a second, a burst of 3.
RateLimiter limiter(std::size_t max_keys = 10'000) {
  return RateLimiter(1.0, 3.0, max_keys);
}

TEST(RateLimiterTest, AKeySpendsItsBurstThenWaitsForTheRate) {
  auto limits = limiter();
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(limits.take("a", 0)) << i;
  const auto wait = limits.take("a", 0);
  ASSERT_TRUE(wait);
  EXPECT_EQ(wait->count(), 1000);
  EXPECT_TRUE(limits.take("a", 999));
  EXPECT_FALSE(limits.take("a", 1000));
  EXPECT_FALSE(limits.take("b", 1000)) << "keys are counted apart";
}

TEST(RateLimiterTest, WaitTakesNothingAndMakesNoBucket) {
  auto limits = limiter();
  EXPECT_FALSE(limits.wait("a", 0));
  EXPECT_EQ(limits.keys(), 0u);
  for (int i = 0; i < 3; ++i) ASSERT_FALSE(limits.take("a", 0));
  EXPECT_TRUE(limits.wait("a", 0));
  EXPECT_TRUE(limits.wait("a", 0));
  EXPECT_FALSE(limits.wait("a", 1000));
}

TEST(RateLimiterTest, AFullTableDropsTheBucketsThatHaveFilledUpAgain) {
  auto limits = limiter(4);
  for (const std::string key : {"a", "b", "c", "d"}) ASSERT_FALSE(limits.take(key, 0));
  for (int i = 0; i < 2; ++i) ASSERT_FALSE(limits.take("a", 0));
  ASSERT_TRUE(limits.take("a", 0)) << "a is spent";
  // At 1 s, b, c and d (one token down) are full again; a (three down) has one of three.
  EXPECT_FALSE(limits.take("e", 1000));
  EXPECT_EQ(limits.keys(), 2u);
  EXPECT_FALSE(limits.take("a", 1000));
  EXPECT_TRUE(limits.take("a", 1000)) << "a's bucket survived: it was not handed a new burst";
}

TEST(RateLimiterTest, ManyNewKeysCannotResetTheBucketsThatAreHoldingSomeoneBack) {
  auto limits = limiter(100);
  for (int i = 0; i < 3; ++i) ASSERT_FALSE(limits.take("attacker", 0));
  ASSERT_TRUE(limits.take("attacker", 0));
  // Fill the table many times over with keys that each spend a token and never come back (no time passes,
  // so none fills up again).
  for (int i = 0; i < 1000; ++i) ASSERT_FALSE(limits.take("k" + std::to_string(i), 0));
  EXPECT_LE(limits.keys(), 100u);
  EXPECT_TRUE(limits.take("attacker", 0)) << "the spent bucket must still be spent";
}

TEST(RateLimiterTest, RetryAfterIsWholeSecondsRoundedUpAtLeastOne) {
  EXPECT_EQ(retry_after_seconds(std::chrono::milliseconds(0)), "1");
  EXPECT_EQ(retry_after_seconds(std::chrono::milliseconds(1000)), "1");
  EXPECT_EQ(retry_after_seconds(std::chrono::milliseconds(1001)), "2");
}

}  // namespace
}  // namespace semaphore::web

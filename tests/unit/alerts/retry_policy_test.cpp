// The notification retry schedule: doubling from the first delay, capped, the last try at 24 h, then give up.
#include "alerts/retry_policy.h"
#include "support/durations.h"

#include <gtest/gtest.h>

namespace semaphore::alerts {
namespace {

using testing::kHour;
using testing::kSecond;
constexpr EpochMs kCreated = 1'700'000'000'000;

TEST(RetryPolicy, DoublesFromTheFirstDelay) {
  const RetryPolicy policy;  // 15 s, doubling, at most 1 h, for 24 h
  EXPECT_EQ(next_attempt_at(policy, 1, kCreated, kCreated), kCreated + 15 * kSecond);
  EXPECT_EQ(next_attempt_at(policy, 2, kCreated, kCreated + 100), kCreated + 100 + 30 * kSecond);
  EXPECT_EQ(next_attempt_at(policy, 3, kCreated, kCreated), kCreated + 60 * kSecond);
  EXPECT_EQ(next_attempt_at(policy, 8, kCreated, kCreated), kCreated + 15 * 128 * kSecond);
}

TEST(RetryPolicy, CapsTheDelay) {
  const RetryPolicy policy;
  EXPECT_EQ(next_attempt_at(policy, 9, kCreated, kCreated), kCreated + kHour);     // 15 s * 256 > 1 h
  EXPECT_EQ(next_attempt_at(policy, 1000, kCreated, kCreated), kCreated + kHour);  // no overflow
}

TEST(RetryPolicy, PlacesTheLastTryAtTheDeadlineThenGivesUp) {
  const RetryPolicy policy;
  const EpochMs deadline = kCreated + 24 * kHour;
  EXPECT_EQ(next_attempt_at(policy, 30, kCreated, deadline - 10 * kSecond), deadline);
  EXPECT_EQ(next_attempt_at(policy, 31, kCreated, deadline), std::nullopt);
  EXPECT_EQ(next_attempt_at(policy, 1, kCreated, deadline + 1), std::nullopt);
}

TEST(RetryPolicy, FollowsItsSettings) {
  RetryPolicy policy;
  policy.first_delay = std::chrono::milliseconds(100);
  policy.max_delay = std::chrono::milliseconds(250);
  policy.give_up_after = std::chrono::milliseconds(1000);
  EXPECT_EQ(next_attempt_at(policy, 1, 0, 0), 100);
  EXPECT_EQ(next_attempt_at(policy, 2, 0, 0), 200);
  EXPECT_EQ(next_attempt_at(policy, 3, 0, 0), 250);
  EXPECT_EQ(next_attempt_at(policy, 3, 0, 900), 1000);
  EXPECT_EQ(next_attempt_at(policy, 4, 0, 1000), std::nullopt);
}

}  // namespace
}  // namespace semaphore::alerts

#include "probe/token_bucket.h"

#include <gtest/gtest.h>

namespace semaphore::probe {
namespace {

TEST(TokenBucket, StartsFullAndRefillsAtTheRate) {
  TokenBucket bucket(1000, 10, 0);  // 1000/s: one token per millisecond
  EXPECT_EQ(bucket.available(0), 10);
  bucket.take(10);
  EXPECT_EQ(bucket.available(0), 0);
  EXPECT_EQ(bucket.available(3'000'000), 3);
  EXPECT_EQ(bucket.available(100'000'000), 10);  // never more than the burst
}

TEST(TokenBucket, PacesALongRunAtTheRate) {
  TokenBucket bucket(10000, 10, 0);
  std::int64_t sent = 0;
  for (std::int64_t now = 0; now <= 1'000'000'000; now += 250'000) {  // polled every 0.25 ms for 1 s
    const std::int64_t n = bucket.available(now);
    bucket.take(n);
    sent += n;
  }
  EXPECT_NEAR(sent, 10000 + 10, 2);  // the rate over one second, plus the initial burst
}

TEST(TokenBucket, SaysWhenTheNextTokenAndAFullBucketAreDue) {
  TokenBucket bucket(1000, 4, 0);
  bucket.take(4);
  EXPECT_NEAR(bucket.next_token_ns(0), 1'000'000, 2);
  EXPECT_NEAR(bucket.ready_ns(0, 4), 4'000'000, 2);
  EXPECT_NEAR(bucket.ready_ns(0, 100), 4'000'000, 2);  // never more than the burst
  EXPECT_NEAR(bucket.ready_ns(0, 2), 2'000'000, 2);
  EXPECT_EQ(bucket.next_token_ns(5'000'000), 5'000'000);
}

}  // namespace
}  // namespace semaphore::probe

#include "probe/sequence_map.h"

#include <gtest/gtest.h>

namespace semaphore::probe {
namespace {

constexpr std::int64_t kHold = 1'000'000'000;

TEST(SequenceMap, HandsOutNumbersInOrderAndRemembersTheProbe) {
  SequenceMap map(kHold);
  EXPECT_EQ(map.acquire(10, 100), 0);
  EXPECT_EQ(map.acquire(11, 200), 1);
  EXPECT_EQ(map.lookup(0).serial, 10u);
  EXPECT_EQ(map.lookup(0).sent_ns, 100);
  EXPECT_EQ(map.lookup(1).serial, 11u);
  EXPECT_EQ(map.lookup(2).serial, SequenceMap::kNoProbe);
}

TEST(SequenceMap, RefusesToReuseAHeldNumberAndSaysWhenItFrees) {
  SequenceMap map(kHold);
  for (std::uint32_t i = 0; i < SequenceMap::kSize; ++i) ASSERT_TRUE(map.acquire(i, 1000 + i));
  // All 65,536 numbers are bound and younger than the hold: the next one must wait.
  EXPECT_FALSE(map.acquire(70000, 2000));
  EXPECT_EQ(map.next_free_ns(), 1000 + kHold);
  EXPECT_EQ(map.lookup(0).serial, 0u);  // the refused acquire changed nothing
}

TEST(SequenceMap, ARunIsNotCappedAt65536Probes) {
  SequenceMap map(kHold);
  std::int64_t now = 0;
  // 200,000 probes at 20,000 per second: every number is reused, each only after the hold.
  for (std::uint32_t serial = 0; serial < 200'000; ++serial) {
    now = static_cast<std::int64_t>(serial) * 50'000;
    const auto sequence = map.acquire(serial, now);
    ASSERT_TRUE(sequence) << serial;
    EXPECT_EQ(*sequence, serial % SequenceMap::kSize);
    EXPECT_EQ(map.lookup(*sequence).serial, serial);
  }
}

TEST(SequenceMap, AStaleReplyIsRecognisedAfterReuse) {
  SequenceMap map(kHold);
  for (std::uint32_t i = 0; i < SequenceMap::kSize; ++i) ASSERT_TRUE(map.acquire(i, 0));
  ASSERT_EQ(map.acquire(SequenceMap::kSize, kHold), 0);  // number 0 now stands for a new probe
  EXPECT_NE(map.lookup(0).serial, 0u);                   // a late reply naming probe 0 will not match
}

TEST(SequenceMap, ResetFreesEverything) {
  SequenceMap map(kHold);
  ASSERT_TRUE(map.acquire(1, 5));
  map.reset(kHold);
  EXPECT_EQ(map.lookup(0).serial, SequenceMap::kNoProbe);
  EXPECT_EQ(map.acquire(2, 6), 0);
}

}  // namespace
}  // namespace semaphore::probe

#include "probe/sequence_map.h"

#include <gtest/gtest.h>

#include "probe/icmp_socket.h"
#include "probe/stamp_density.h"

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

// One sendmmsg call of 9 packets (sequences 0-8) in which only 0, 4 and 8 asked for kernel stamps.
void record_call(SequenceMap& map) {
  for (std::uint32_t serial = 0; serial < 9; ++serial) ASSERT_TRUE(map.acquire(serial, 1000));
  for (std::uint16_t sequence = 0; sequence < 9; ++sequence) {
    const std::uint16_t gap = sequence == 4 || sequence == 8 ? 4 : 0;
    map.record_send(sequence, sequence, 2000 + sequence * 100, gap);  // the call-wide estimate
  }
}

TEST(SequenceMap, TimesBetweenTwoKernelStampsAreInterpolatedBetweenThem) {
  SequenceMap map(kHold);
  record_call(map);
  map.set_transmit_time_by_id(stamp_id(0, 0), 10'000);
  map.set_transmit_time_by_id(stamp_id(4, 4), 10'400);
  for (std::uint16_t k = 0; k <= 4; ++k) {
    EXPECT_EQ(map.lookup(k).tx_ns, 10'000 + k * 100) << k;
    EXPECT_TRUE(map.lookup(k).kernel_time) << k;
  }
  // 5-7 wait for the stamp of 8, keeping the estimate until it comes.
  EXPECT_EQ(map.lookup(6).tx_ns, 2600);
  EXPECT_FALSE(map.lookup(6).kernel_time);
  map.set_transmit_time(8, 8, 11'200);  // by packet (the fallback): the same filling
  EXPECT_EQ(map.lookup(6).tx_ns, 10'400 + 2 * 200);
  EXPECT_TRUE(map.lookup(6).kernel_time);
}

TEST(SequenceMap, WithoutTheEarlierStampTheEstimatesStay) {
  SequenceMap map(kHold);
  record_call(map);
  map.set_transmit_time_by_id(stamp_id(4, 4), 10'400);  // the stamp of 0 never came
  EXPECT_EQ(map.lookup(4).tx_ns, 10'400);
  for (std::uint16_t k = 1; k < 4; ++k) {
    EXPECT_EQ(map.lookup(k).tx_ns, 2000 + k * 100) << k;
    EXPECT_FALSE(map.lookup(k).kernel_time) << k;
  }
}

TEST(SequenceMap, AStampForAnotherProbeChangesNothing) {
  SequenceMap map(kHold);
  record_call(map);
  map.set_transmit_time_by_id(stamp_id(0, 0), 10'000);
  map.set_transmit_time_by_id(stamp_id(4, 99), 10'400);  // sequence 4, but not serial 4's
  EXPECT_EQ(map.lookup(4).tx_ns, 2400);
  EXPECT_EQ(map.lookup(2).tx_ns, 2200);
}

TEST(SequenceMap, APauseBetweenTwoStampsLeavesEstimatesWithinHalfThePause) {
  SequenceMap map(kHold);
  record_call(map);
  // 0 and 4 were stamped 1 ms apart: four packets take microseconds, so the call paused somewhere between.
  map.set_transmit_time_by_id(stamp_id(0, 0), 10'000);
  map.set_transmit_time_by_id(stamp_id(4, 4), 1'010'000);
  EXPECT_EQ(map.stalled_spans(), 1u);
  EXPECT_EQ(map.long_pauses(), 1u);  // a preemption: StampDensity stamps every packet for a while
  for (std::uint16_t k = 1; k < 4; ++k) {
    const std::int64_t earliest = 10'000 + k * 5'000, latest = 1'010'000 - (4 - k) * 5'000;  // at pace
    EXPECT_EQ(map.lookup(k).tx_ns, (earliest + latest) / 2) << k;
    EXPECT_FALSE(map.lookup(k).kernel_time) << k;  // an estimate: counted as one when a reply uses it
  }
  EXPECT_TRUE(map.lookup(4).kernel_time);
}

TEST(SequenceMap, AShortPauseLeavesEstimatesButIsNoLongPause) {
  SequenceMap map(kHold);
  record_call(map);
  // 100 µs beyond the four packets' pace: an interrupt, say. Still an estimate, within half the pause.
  map.set_transmit_time_by_id(stamp_id(0, 0), 10'000);
  map.set_transmit_time_by_id(stamp_id(4, 4), 10'000 + 4 * 5'000 + 100'000);
  EXPECT_EQ(map.stalled_spans(), 1u);
  EXPECT_EQ(map.long_pauses(), 0u);
  EXPECT_FALSE(map.lookup(2).kernel_time);
  EXPECT_EQ(map.lookup(2).tx_ns, 10'000 + 2 * 5'000 + 50'000);
}

TEST(SequenceMap, APauseBetweenTwoNeighboursIsNoStall) {
  // Every packet stamped (gap 1): a pause between two of them misplaces nothing.
  SequenceMap map(kHold);
  ASSERT_TRUE(map.acquire(0, 1000));
  ASSERT_TRUE(map.acquire(1, 1000));
  map.record_send(0, 0, 2000, 0);
  map.record_send(1, 1, 2100, 1);
  map.set_transmit_time_by_id(stamp_id(0, 0), 10'000);
  map.set_transmit_time_by_id(stamp_id(1, 1), 5'010'000);
  EXPECT_EQ(map.stalled_spans(), 0u);
  EXPECT_EQ(map.lookup(1).tx_ns, 5'010'000);
  EXPECT_TRUE(map.lookup(1).kernel_time);
}

TEST(StampDensity, EveryPacketForTheFirstPacketsAndForAWhileAfterALongPause) {
  StampDensity density;
  constexpr std::int64_t s = 1'000'000'000;
  constexpr int warm_up = static_cast<int>(StampDensity::kWarmUpPackets);
  EXPECT_EQ(density.next(5 * s, 0, warm_up - 1), 1);    // the first packets of the pinger's life
  EXPECT_EQ(density.next(9 * s, 0, 100), 1);            // a call that starts inside the warm-up: dense whole
  EXPECT_EQ(density.next(9 * s, 0, 100), kStampEvery);  // however long the warm-up took
  EXPECT_EQ(density.next(10 * s, 1, 100), 1);           // a stalled span
  EXPECT_EQ(density.next(10 * s + StampDensity::kDenseForNs - 1, 1, 100), 1);
  EXPECT_EQ(density.next(10 * s + StampDensity::kDenseForNs, 1, 100), kStampEvery);
  EXPECT_EQ(density.next(18 * s, 3, 100), 1);
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

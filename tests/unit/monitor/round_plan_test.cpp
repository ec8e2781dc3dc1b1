#include "monitor/round_plan.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>

#include "store/result_error.h"

namespace semaphore::monitor {
namespace {

using std::chrono::milliseconds;

TEST(RoundPlan, AutoTimingFitsTheInterval) {
  auto timing = derive_timing(milliseconds(60000), 5, milliseconds(0), milliseconds(0));
  ASSERT_TRUE(timing);
  EXPECT_EQ(timing->spacing, milliseconds(1000));
  EXPECT_EQ(timing->timeout, milliseconds(1000));
  EXPECT_EQ(timing->host_span(), milliseconds(5000));
  EXPECT_EQ(timing->window, milliseconds(60000 - 2000 - 5000));

  auto fast = derive_timing(milliseconds(2000), 5, milliseconds(0), milliseconds(0));
  ASSERT_TRUE(fast);
  EXPECT_EQ(fast->spacing, milliseconds(133));
  EXPECT_EQ(fast->timeout, milliseconds(400));
  EXPECT_GT(fast->window.count(), 0);
  EXPECT_LE(fast->window + fast->host_span(), milliseconds(2000));
}

TEST(RoundPlan, RefusesProbesThatCannotFit) {
  auto timing = derive_timing(milliseconds(1000), 5, milliseconds(300), milliseconds(500));
  ASSERT_FALSE(timing);
  EXPECT_EQ(timing.error().code, Errc::invalid_argument);
  EXPECT_NE(timing.error().message.find("--interval"), std::string::npos);
  EXPECT_FALSE(derive_timing(milliseconds(1000), 0, milliseconds(0), milliseconds(0)));
}

TEST(RoundPlan, PhaseIsStableInsideTheWindowAndSpread) {
  const milliseconds window(54000);
  std::array<int, 10> deciles{};
  for (store::Id id = 1; id <= 10000; ++id) {
    const auto phase = host_phase(id, window);
    ASSERT_EQ(phase, host_phase(id, window));
    ASSERT_GE(phase.count(), 0);
    ASSERT_LT(phase, window);
    ++deciles[static_cast<std::size_t>(phase.count() * 10 / window.count())];
  }
  // Consecutive ids spread evenly: every tenth of the window holds about a tenth of the hosts.
  for (int count : deciles) EXPECT_NEAR(count, 1000, 150);
  EXPECT_EQ(host_phase(7, milliseconds(0)), milliseconds(0));
}

TEST(RoundPlan, RoundsAlignToTheInterval) {
  EXPECT_EQ(round_floor(1'700'000'059'999, milliseconds(60000)), 1'700'000'040'000);
  EXPECT_EQ(round_floor(1'700'000'040'000, milliseconds(60000)), 1'700'000'040'000);
  EXPECT_EQ(round_floor(5'500, milliseconds(2000)), 4'000);
}

TEST(RoundPlan, RowStatisticsSkipLostProbes) {
  probe::HostResult result;
  const double lost = std::numeric_limits<double>::quiet_NaN();
  result.sent = 5;
  result.received = 3;
  result.rtts_ms = {lost, 10.0, 30.0, lost, 20.0};
  const auto row = to_row(42, 1000, result);
  EXPECT_EQ(row.host_id, 42);
  EXPECT_EQ(row.ts, 1000);
  EXPECT_EQ(row.sent, 5);
  EXPECT_EQ(row.received, 3);
  EXPECT_DOUBLE_EQ(*row.min_ms, 10.0);  // a lost first probe is not a 0 ms ping
  EXPECT_DOUBLE_EQ(*row.avg_ms, 20.0);
  EXPECT_DOUBLE_EQ(*row.max_ms, 30.0);
  EXPECT_DOUBLE_EQ(*row.median_ms, 20.0);
  EXPECT_NEAR(*row.stddev_ms, std::sqrt(200.0 / 3.0), 1e-9);
  EXPECT_TRUE(row.error.empty());
}

TEST(RoundPlan, SilentHostGetsAnError) {
  probe::HostResult silent;
  silent.sent = 3;
  silent.rtts_ms.assign(3, std::numeric_limits<double>::quiet_NaN());
  silent.error = probe::HostError::timeout;
  auto row = to_row(1, 0, silent);
  EXPECT_EQ(row.received, 0);
  EXPECT_FALSE(row.min_ms || row.avg_ms || row.max_ms || row.median_ms || row.stddev_ms);
  EXPECT_EQ(row.error, "timeout");

  silent.error = probe::HostError::none;  // an engine that forgot to say why
  EXPECT_EQ(to_row(1, 0, silent).error, "timeout");

  probe::HostResult unresolved;
  unresolved.error = probe::HostError::unresolvable;
  row = to_row(1, 0, unresolved);
  EXPECT_EQ(row.sent, 0);
  EXPECT_EQ(row.error, "unresolvable");
  // The stored word is the engine's own (probe::to_string), not a copy of it.
  unresolved.error = probe::HostError::unreachable;
  EXPECT_STREQ(to_row(1, 0, unresolved).error.c_str(), "unreachable");
  unresolved.error = probe::HostError::refused_address;
  EXPECT_STREQ(to_row(1, 0, unresolved).error.c_str(), "refused");
}

TEST(RoundPlan, EveryErrorWordHasItsOwnStoredCodeAndAnErrorRowRefusesNothing) {
  // The database keeps the word as a code (store/result_error.h): a word the engine can write must not
  // fall to the "other error" code, and rows with an error have refused 0 (nothing came back).
  for (const probe::HostError error :
       {probe::HostError::unresolvable, probe::HostError::refused_address, probe::HostError::unreachable,
        probe::HostError::timeout, probe::HostError::send_failed}) {
    probe::HostResult silent;
    silent.sent = 2;
    silent.refused = 2;
    silent.rtts_ms.assign(2, std::numeric_limits<double>::quiet_NaN());
    silent.error = error;
    for (const ProbeKind kind : {ProbeKind::icmp, ProbeKind::tcp}) {
      const auto row = to_row(1, 0, silent, kind);
      EXPECT_EQ(row.error, probe::to_string(error));
      EXPECT_NE(store::error_code(row.error), store::kOtherErrorCode) << row.error;
      EXPECT_EQ(store::unpacked_error(store::pack_refused(row.refused, row.error)), row.error);
      EXPECT_EQ(row.refused, 0);
    }
  }
}

}  // namespace
}  // namespace semaphore::monitor

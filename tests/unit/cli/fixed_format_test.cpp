// write_fixed (printf's "%.Nf" without printf, for `semaphore ping`'s reports) and fping_time (fping's
// sprint_tm) checked against snprintf itself, value by value: their text must be printf's to the byte, so the
// reference is printf and not a pattern of digits.
#include <gtest/gtest.h>

#include <bit>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "cli/ping_output.h"
#include "cli/ping_output_text.h"

namespace semaphore::cli {
namespace {

// The exact value, for failure messages.
std::string exact(double value) {
  char text[64];
  std::snprintf(text, sizeof text, "%a", value);
  return text;
}

std::string printf_fixed(int precision, double value) {
  char text[kFixedRoom + 8];
  const int n = std::snprintf(text, sizeof text, "%.*f", precision, value);
  return std::string(text, static_cast<std::size_t>(n));
}

template <int kPrecision>
std::string ours_fixed(double value) {
  char text[kFixedRoom];
  return std::string(text, write_fixed<kPrecision>(text, text + sizeof text, value));
}

// fping 5's sprint_tm, with printf.
std::string printf_fping_time(double ms) {
  char text[64];
  if (ms < 0.0) {
    std::snprintf(text, sizeof text, "%.2g", ms);
  } else if (ms < 1.0) {
    std::snprintf(text, sizeof text, "%.3f", ms);
  } else if (ms < 10.0) {
    std::snprintf(text, sizeof text, "%.2f", ms);
  } else if (ms < 100.0) {
    std::snprintf(text, sizeof text, "%.1f", ms);
  } else if (ms < 1000000.0) {
    std::snprintf(text, sizeof text, "%.0f", ms);
  } else {
    std::snprintf(text, sizeof text, "%.3e", ms);
  }
  return text;
}

// Values where a fixed-point printer goes wrong: zeros and signs, exact binary ties (0.125 at 2 decimals,
// 2.5 at none), decimal "ties" that are not exact in binary (0.0005, 0.0015: printf rounds the double, not
// the decimal), carries into the integer part, the edges of write_fixed's three paths (whole microseconds,
// values below 2^32, the rest), subnormals, infinities and NaNs.
std::vector<double> edge_values() {
  std::vector<double> values = {0.0,
                                -0.0,
                                0.5,
                                1.5,
                                2.5,
                                3.5,
                                -2.5,
                                0.125,
                                0.375,
                                -0.125,
                                0.0005,
                                0.0015,
                                0.0025,
                                1.0005,
                                0.00049999999999999,
                                0.05,
                                0.15,
                                0.25,
                                0.35,
                                0.45,
                                9.5,
                                9.995,
                                9.9995,
                                99.95,
                                0.9999999999,
                                999999.5,
                                1e-5,
                                -1e-5,
                                0.001,
                                0.042,
                                1.3,
                                123.456,
                                4294967295.0,
                                4294967295.5,
                                4294967296.0,
                                4294967296.5,
                                -4294967296.0,
                                1e10 + 0.5,
                                1e15,
                                9007199254740993.0,
                                1e22,
                                1e300,
                                -1e300,
                                DBL_MAX,
                                -DBL_MAX,
                                DBL_MIN,
                                std::numeric_limits<double>::denorm_min(),
                                std::numeric_limits<double>::infinity(),
                                -std::numeric_limits<double>::infinity(),
                                std::numeric_limits<double>::quiet_NaN(),
                                -std::numeric_limits<double>::quiet_NaN()};
  // Around every decimal tie n + k/2 * 10^-p for small n: the nearest double and its two neighbours.
  for (int p = 0; p <= 9; ++p) {
    const double half_step = 0.5 / std::pow(10.0, p);
    for (int n = 0; n < 40; ++n) {
      const double tie = (2 * n + 1) * half_step;
      for (double v : {tie, std::nextafter(tie, 0.0), std::nextafter(tie, 1e9)}) {
        values.push_back(v);
        values.push_back(-v);
      }
    }
  }
  return values;
}

// Many values, the same every run (fixed seed): every bit pattern (huge, tiny, NaN payloads), RTT-like
// values (whole microseconds, the engine's fast path), and plain uniform ones.
std::vector<double> random_values() {
  std::mt19937_64 random(20240611);
  std::vector<double> values;
  std::uniform_int_distribution<std::uint64_t> any_bits;
  std::uniform_int_distribution<std::uint64_t> microseconds(0, 10'000'000'000ULL);
  std::uniform_real_distribution<double> uniform(-2e6, 2e6);
  std::uniform_real_distribution<double> small(0.0, 2.0);
  std::uniform_int_distribution<int> exponent(-30, 40);
  for (int i = 0; i < 20000; ++i) {
    values.push_back(std::bit_cast<double>(any_bits(random)));
    values.push_back(static_cast<double>(microseconds(random)) / 1000.0);
    values.push_back(static_cast<double>(microseconds(random) % 1'000'000) / 1000.0);
    values.push_back(uniform(random));
    values.push_back(small(random));
    values.push_back(std::ldexp(small(random), exponent(random)));
  }
  return values;
}

template <int kPrecision>
void expect_same_as_printf(const std::vector<double>& values, int& mismatches) {
  for (const double value : values) {
    const std::string expected = printf_fixed(kPrecision, value), got = ours_fixed<kPrecision>(value);
    if (got == expected) continue;
    // Report a few with the exact value; the count says how many.
    if (++mismatches <= 20) {
      ADD_FAILURE() << "%." << kPrecision << "f of " << exact(value) << ": printf '" << expected
                    << "', write_fixed '" << got << "'";
    }
  }
}

template <int... kPrecisions>
int mismatches_for(const std::vector<double>& values, std::integer_sequence<int, kPrecisions...>) {
  int mismatches = 0;
  (expect_same_as_printf<kPrecisions>(values, mismatches), ...);
  return mismatches;
}

TEST(WriteFixed, PrintsWhatPrintfPrintsForEdgeCases) {
  EXPECT_EQ(mismatches_for(edge_values(), std::make_integer_sequence<int, 10>{}), 0);
}

TEST(WriteFixed, PrintsWhatPrintfPrintsForManyRandomValues) {
  const auto values = random_values();
  ASSERT_GE(values.size(), 100000u);
  EXPECT_EQ(mismatches_for(values, std::make_integer_sequence<int, 10>{}), 0);
}

TEST(WriteFixed, RoundsTiesOfTheDoubleNotOfItsDecimalText) {
  // The reference's own behaviour, pinned so that a differential test against a broken printf cannot pass.
  EXPECT_EQ(ours_fixed<0>(2.5), "2");         // an exact tie: to even
  EXPECT_EQ(ours_fixed<0>(3.5), "4");         // to even, upwards
  EXPECT_EQ(ours_fixed<2>(0.125), "0.12");    // exact in binary: to even
  EXPECT_EQ(ours_fixed<3>(0.0005), "0.001");  // the double is a little above 0.0005
  EXPECT_EQ(ours_fixed<3>(0.0015), "0.002");  // ... and this one a little above 0.0015
  EXPECT_EQ(ours_fixed<3>(-0.0001), "-0.000");
  EXPECT_EQ(ours_fixed<1>(9.95), "9.9");  // 9.95 is 9.949999... as a double
  EXPECT_EQ(ours_fixed<3>(4294967295.9996), "4294967296.000");
}

TEST(FpingTime, PrintsWhatFpingsSprintTmPrints) {
  auto values = edge_values();
  const auto more = random_values();
  values.insert(values.end(), more.begin(), more.end());
  for (const double boundary : {1.0, 10.0, 100.0, 1000000.0}) {
    values.push_back(std::nextafter(boundary, 0.0));
    values.push_back(boundary);
    values.push_back(std::nextafter(boundary, 1e300));
    values.push_back(boundary - 0.0005);
    values.push_back(boundary - 0.005);
    values.push_back(boundary - 0.05);
    values.push_back(boundary - 0.5);
  }
  int mismatches = 0;
  for (const double ms : values) {
    const std::string expected = printf_fping_time(ms), got = fping_time(ms);
    if (got != expected && ++mismatches <= 20) {
      ADD_FAILURE() << "sprint_tm of " << exact(ms) << ": printf '" << expected << "', fping_time '" << got
                    << "'";
    }
  }
  EXPECT_EQ(mismatches, 0);
}

}  // namespace
}  // namespace semaphore::cli

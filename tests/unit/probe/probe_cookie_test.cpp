#include "probe/probe_cookie.h"

#include <gtest/gtest.h>

#include <unordered_set>

namespace semaphore::probe {
namespace {

constexpr std::array<std::uint8_t, 16> kKey{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

TEST(ProbeCookies, TheSameKeyGivesTheSameCookieForASerial) {
  const ProbeCookies a(kKey), b(kKey);
  for (std::uint32_t serial : {0u, 1u, 77u, 0xfffffffeu}) EXPECT_EQ(a.of(serial), b.of(serial)) << serial;
}

TEST(ProbeCookies, EveryProbeOfARunHasItsOwnCookie) {
  // One cookie per run would let whoever sees one probe answer for all of them.
  const ProbeCookies cookies(kKey);
  std::unordered_set<std::uint64_t> seen;
  constexpr std::uint32_t kSerials = 200'000;
  for (std::uint32_t serial = 0; serial < kSerials; ++serial) seen.insert(cookies.of(serial));
  EXPECT_EQ(seen.size(), kSerials);  // 64-bit values: a collision among 200,000 has odds of about 1e-9
}

TEST(ProbeCookies, ASerialsCookieDependsOnTheKey) {
  std::array<std::uint8_t, 16> other = kKey;
  other[15] ^= 1;
  const ProbeCookies a(kKey), b(other);
  int same = 0;
  for (std::uint32_t serial = 0; serial < 1000; ++serial) same += a.of(serial) == b.of(serial) ? 1 : 0;
  EXPECT_EQ(same, 0);
}

TEST(ProbeCookies, EachRunDrawsAFreshKey) {
  const ProbeCookies a, b;
  EXPECT_NE(a.of(0), b.of(0));
  EXPECT_NE(a.of(1), b.of(1));
}

}  // namespace
}  // namespace semaphore::probe

// Durations and sizes (src/core/units.h): the one grammar every option uses.
#include "core/units.h"

#include <gtest/gtest.h>

#include <string>

namespace semaphore {
namespace {

using namespace std::chrono_literals;

TEST(ParseDuration, AcceptsDecimalsAndEveryUnit) {
  // Once monitor/service_options.cpp's parser (ServiceOptions.ParsesDurations).
  EXPECT_EQ(*parse_duration("60s"), 60000ms);
  EXPECT_EQ(*parse_duration("2s"), 2000ms);
  EXPECT_EQ(*parse_duration("500ms"), 500ms);
  EXPECT_EQ(*parse_duration("1m"), 60000ms);
  EXPECT_EQ(*parse_duration("1.5s"), 1500ms);
  EXPECT_EQ(*parse_duration("30d"), std::chrono::milliseconds(30LL * 86400000));
  EXPECT_EQ(*parse_duration("12h"), std::chrono::milliseconds(12LL * 3600000));
  EXPECT_EQ(*parse_duration("90"), 90000ms);
  // Once web/web_options.cpp's parser (WebOptionsParsing.DurationsAndSizes).
  EXPECT_EQ(parse_duration("12h")->count(), 12 * 3'600'000);
  EXPECT_EQ(parse_duration("7d")->count(), 7LL * 86'400'000);
  EXPECT_EQ(parse_duration("500ms")->count(), 500);
  EXPECT_EQ(parse_duration("30")->count(), 30'000);
  // And the rest of the grammar.
  EXPECT_EQ(*parse_duration("2min"), 120000ms);
  EXPECT_EQ(*parse_duration("0"), 0ms);
  EXPECT_EQ(*parse_duration("0.5"), 500ms);
  EXPECT_EQ(*parse_duration(".25s"), 250ms);
  EXPECT_EQ(*parse_duration("1.5h"), 90min);
  EXPECT_EQ(*parse_duration("0.0004s"), 0ms) << "rounded to the nearest millisecond";
  EXPECT_EQ(*parse_duration("0.0005s"), 1ms);
  EXPECT_EQ(*parse_duration("1.23456789012s"), 1235ms) << "decimals beyond the ninth are ignored";
  EXPECT_EQ(*parse_duration("9223372036854775807ms"), std::chrono::milliseconds::max());
  EXPECT_EQ(*parse_duration("106751991167d"), std::chrono::milliseconds(106751991167LL * 86'400'000));
}

TEST(ParseDuration, RefusesEmptyNegativeOverflowAndJunk) {
  for (const char* bad : {"", "s", "5 s", " 5s", "5s ", "-5s", "-0", "5y", "abc", "5 weeks", "1e3s", "1.2.3s",
                          ".", "+5s", "5S", "nan", "inf", "0x10", "1,5s"}) {
    const auto parsed = parse_duration(bad);
    ASSERT_FALSE(parsed) << "'" << bad << "'";
    EXPECT_EQ(parsed.error().code, Errc::invalid_argument) << bad;
  }
  for (const char* huge : {"9223372036854775808ms", "106751991168d", "99999999999999999999", "1e400"}) {
    EXPECT_FALSE(parse_duration(huge)) << huge;
  }
}

TEST(ParseDuration, MessagesSayWhatIsWrong) {
  EXPECT_EQ(parse_duration("").error().message,
            "a duration cannot be empty (use e.g. 500ms, 1.5s, 2m, 12h, 30d)");
  EXPECT_EQ(parse_duration("-5s").error().message, "a duration cannot be negative: '-5s'");
  EXPECT_EQ(parse_duration("soon").error().message,
            "not a duration: 'soon' (use e.g. 500ms, 1.5s, 2m, 12h, 30d)");
  EXPECT_EQ(parse_duration("5y").error().message,
            "unknown unit 'y' in the duration '5y': use ms, s, m, min, h, d");
  EXPECT_EQ(parse_duration("106751991168d").error().message, "duration too large: '106751991168d'");
}

TEST(ParseSize, BinaryLettersAndSiUnits) {
  // Once web/web_options.cpp's parser (WebOptionsParsing.DurationsAndSizes).
  EXPECT_EQ(*parse_size("1M"), 1024u * 1024);
  EXPECT_EQ(*parse_size("64k"), 64u * 1024);
  EXPECT_FALSE(parse_size("1G"));
  // And the rest of the grammar.
  EXPECT_EQ(*parse_size("1048576"), 1048576u);
  EXPECT_EQ(*parse_size("100B"), 100u);
  EXPECT_EQ(*parse_size("64K"), 65536u);
  EXPECT_EQ(*parse_size("64KiB"), 65536u);
  EXPECT_EQ(*parse_size("2m"), 2u * 1024 * 1024);
  EXPECT_EQ(*parse_size("2MiB"), 2u * 1024 * 1024);
  EXPECT_EQ(*parse_size("10MB"), 10'000'000u);
  EXPECT_EQ(*parse_size("64kB"), 64'000u);
  EXPECT_EQ(*parse_size("64KB"), 64'000u);
  EXPECT_EQ(*parse_size("1.5M"), 1536u * 1024);
  EXPECT_EQ(*parse_size("0"), 0u) << "the option decides whether zero is allowed";
  EXPECT_EQ(*parse_size("18446744073709551615"), UINT64_MAX);
}

TEST(ParseSize, RefusesEmptyNegativeOverflowAndJunk) {
  for (const char* bad : {"", "-1", "-1M", "M", "1 M", "1mb", "1Mi", "big", "1e6", "18446744073709551616",
                          "17592186044416M", "1.5.5k"}) {
    const auto parsed = parse_size(bad);
    ASSERT_FALSE(parsed) << "'" << bad << "'";
    EXPECT_EQ(parsed.error().code, Errc::invalid_argument) << bad;
  }
  EXPECT_EQ(parse_size("1G").error().message,
            "unknown unit 'G' in the size '1G': use B, k, K, KiB, M, m, MiB, kB, KB, MB");
}

}  // namespace
}  // namespace semaphore

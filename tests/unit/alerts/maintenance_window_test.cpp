// Maintenance windows (issue 14): one-off and weekly windows, weekly ones in an IANA zone read from the
// system's tz database (tzdata), across daylight-saving changes and midnight.
#include "alerts/maintenance_window.h"
#include "support/durations.h"

#include <gtest/gtest.h>

namespace semaphore::alerts {
namespace {

// 2026-01-05 is a Monday; 2026-07-06 too.
constexpr EpochMs kMondayJanuaryUtc = 1'767'571'200'000;  // 2026-01-05 00:00 UTC
constexpr EpochMs kMondayJulyUtc = 1'783'296'000'000;     // 2026-07-06 00:00 UTC
using testing::kHour;
using testing::kMinute;

store::MaintenanceWindowRecord weekly(int days, int start_minute, int end_minute, std::string zone) {
  store::MaintenanceWindowRecord window;
  window.kind = "weekly";
  window.days = days;
  window.start_minute = start_minute;
  window.end_minute = end_minute;
  window.time_zone = std::move(zone);
  return window;
}

TEST(TimeZone, ReadsOffsetsFromTheTzDatabaseAcrossDaylightSaving) {
  const auto berlin = TimeZone::load("Europe/Berlin");
  ASSERT_TRUE(berlin.has_value()) << "tzdata is not installed";
  EXPECT_EQ(berlin->offset_at(kMondayJanuaryUtc), 3600);
  EXPECT_EQ(berlin->offset_at(kMondayJulyUtc), 7200);
  const auto new_york = TimeZone::load("America/New_York");
  ASSERT_TRUE(new_york.has_value());
  EXPECT_EQ(new_york->offset_at(kMondayJanuaryUtc), -5 * 3600);
  EXPECT_EQ(new_york->offset_at(kMondayJulyUtc), -4 * 3600);
  // The change itself: 2026-03-29 01:00 UTC in Berlin.
  const EpochMs change = 1'774'746'000'000;
  EXPECT_EQ(berlin->offset_at(change - 1000), 3600);
  EXPECT_EQ(berlin->offset_at(change), 7200);
  EXPECT_EQ(TimeZone::load("Asia/Kolkata")->offset_at(kMondayJulyUtc), 19800);
  EXPECT_EQ(TimeZone::load("UTC")->offset_at(kMondayJulyUtc), 0);
}

TEST(TimeZone, RefusesNamesThatAreNotZones) {
  for (const char* name : {"", "Mars/Olympus", "../../etc/passwd", "/etc/passwd", "Europe/../UTC", "Europe",
                           "Europe/Berlin\n", "zone.tab"}) {
    EXPECT_FALSE(TimeZone::load(name).has_value()) << name;
  }
}

TEST(MaintenanceWindow, OneOffIsHalfOpen) {
  store::MaintenanceWindowRecord window;
  window.kind = "once";
  window.starts_at = 1000;
  window.ends_at = 2000;
  TimeZones zones;
  EXPECT_FALSE(in_window(window, 999, zones));
  EXPECT_TRUE(in_window(window, 1000, zones));
  EXPECT_TRUE(in_window(window, 1999, zones));
  EXPECT_FALSE(in_window(window, 2000, zones));
}

TEST(MaintenanceWindow, WeeklyFollowsTheZonesLocalTimeInWinterAndSummer) {
  // Mondays 02:00-04:00 in Berlin: 01:00-03:00 UTC in January, 00:00-02:00 UTC in July.
  const auto window = weekly(0b0000001, 120, 240, "Europe/Berlin");
  TimeZones zones;
  EXPECT_FALSE(in_window(window, kMondayJanuaryUtc + 59 * kMinute, zones));
  EXPECT_TRUE(in_window(window, kMondayJanuaryUtc + 1 * kHour, zones));
  EXPECT_TRUE(in_window(window, kMondayJanuaryUtc + 3 * kHour - kMinute, zones));
  EXPECT_FALSE(in_window(window, kMondayJanuaryUtc + 3 * kHour, zones));
  EXPECT_TRUE(in_window(window, kMondayJulyUtc, zones));
  EXPECT_FALSE(in_window(window, kMondayJulyUtc + 2 * kHour, zones));
  // Not on Tuesday.
  EXPECT_FALSE(in_window(window, kMondayJanuaryUtc + 24 * kHour + 1 * kHour, zones));
}

TEST(MaintenanceWindow, WeeklyPastMidnightRunsIntoTheNextDay) {
  // Sundays 23:00 to Monday 01:00 UTC.
  const auto window = weekly(0b1000000, 23 * 60, 60, "UTC");
  TimeZones zones;
  EXPECT_TRUE(in_window(window, kMondayJanuaryUtc - 30 * kMinute, zones));
  EXPECT_TRUE(in_window(window, kMondayJanuaryUtc + 59 * kMinute, zones));
  EXPECT_FALSE(in_window(window, kMondayJanuaryUtc + 60 * kMinute, zones));
  EXPECT_FALSE(in_window(window, kMondayJanuaryUtc - 61 * kMinute, zones));
  // Monday 23:30 is not in it: Monday's bit is not set.
  EXPECT_FALSE(in_window(window, kMondayJanuaryUtc + 23 * kHour + 30 * kMinute, zones));
}

TEST(MaintenanceWindow, ValidationNamesTheField) {
  EXPECT_FALSE(validate_window(weekly(0b0011111, 22 * 60, 6 * 60, "Europe/Berlin")).has_value());
  EXPECT_EQ(validate_window(weekly(0, 0, 60, "UTC"))->field, "days");
  EXPECT_EQ(validate_window(weekly(1, 1440, 60, "UTC"))->field, "start_minute");
  EXPECT_EQ(validate_window(weekly(1, 60, 60, "UTC"))->field, "end_minute");
  EXPECT_EQ(validate_window(weekly(1, 0, 60, "Nowhere/Atlantis"))->field, "time_zone");
  store::MaintenanceWindowRecord once;
  once.kind = "once";
  once.starts_at = 2000;
  once.ends_at = 1000;
  EXPECT_EQ(validate_window(once)->field, "ends_at");
  once.kind = "monthly";
  EXPECT_EQ(validate_window(once)->field, "kind");
}

}  // namespace
}  // namespace semaphore::alerts

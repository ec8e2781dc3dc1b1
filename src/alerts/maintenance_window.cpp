#include "alerts/maintenance_window.h"

namespace semaphore::alerts {
namespace {

constexpr std::int64_t kDaySeconds = 86400;
constexpr int kDayMinutes = 24 * 60;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

bool has_day(int days, std::int64_t weekday) {
  return (days >> weekday) & 1;
}

}  // namespace

bool in_window(const store::MaintenanceWindowRecord& window, EpochMs at, TimeZones& zones) {
  if (window.kind == "once") return at >= window.starts_at && at < window.ends_at;
  if (window.kind != "weekly") return false;
  const TimeZone* zone = zones.find(window.time_zone);
  const std::int64_t local = floor_div(at, 1000) + (zone ? zone->offset_at(at) : 0);
  const std::int64_t day = floor_div(local, kDaySeconds);
  const std::int64_t weekday = ((day + 3) % 7 + 7) % 7;  // 1970-01-01 was a Thursday; 0 = Monday
  const int minute = static_cast<int>((local - day * kDaySeconds) / 60);
  if (window.start_minute < window.end_minute) {
    return has_day(window.days, weekday) && minute >= window.start_minute && minute < window.end_minute;
  }
  // Past midnight: from start_minute on the window's day to end_minute of the next day.
  return (has_day(window.days, weekday) && minute >= window.start_minute) ||
         (has_day(window.days, (weekday + 6) % 7) && minute < window.end_minute);
}

bool in_any_window(std::span<const store::MaintenanceWindowRecord> windows, EpochMs at, TimeZones& zones) {
  for (const auto& window : windows) {
    if (in_window(window, at, zones)) return true;
  }
  return false;
}

std::optional<RuleError> validate_window(const store::MaintenanceWindowRecord& window) {
  if (window.kind == "once") {
    if (window.starts_at <= 0) return RuleError{"starts_at", "starts_at must be a time"};
    if (window.ends_at <= window.starts_at) return RuleError{"ends_at", "ends_at must be after starts_at"};
    return std::nullopt;
  }
  if (window.kind != "weekly") return RuleError{"kind", "kind must be once or weekly"};
  if (window.days <= 0 || window.days > 0x7f) return RuleError{"days", "days must name at least one day"};
  if (window.start_minute < 0 || window.start_minute >= kDayMinutes) {
    return RuleError{"start_minute", "start_minute must be between 0 and 1439"};
  }
  if (window.end_minute < 0 || window.end_minute >= kDayMinutes || window.end_minute == window.start_minute) {
    return RuleError{"end_minute", "end_minute must be between 0 and 1439 and differ from start_minute"};
  }
  if (!TimeZone::load(window.time_zone)) return RuleError{"time_zone", "unknown time zone"};
  return std::nullopt;
}

}  // namespace semaphore::alerts

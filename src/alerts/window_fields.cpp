#include "alerts/window_fields.h"

#include <spdlog/fmt/fmt.h>

#include <charconv>
#include <chrono>

#include "core/ascii.h"

namespace semaphore::alerts {
namespace {

// The number of `width` digits at text[at], or nullopt.
std::optional<int> digits(std::string_view text, std::size_t at, std::size_t width) {
  if (at + width > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = at; i < at + width; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

}  // namespace

const std::array<std::string_view, 40> kCommonZones = {
    "UTC",
    "Africa/Cairo",
    "Africa/Johannesburg",
    "Africa/Lagos",
    "America/Anchorage",
    "America/Argentina/Buenos_Aires",
    "America/Bogota",
    "America/Chicago",
    "America/Denver",
    "America/Halifax",
    "America/Los_Angeles",
    "America/Mexico_City",
    "America/New_York",
    "America/Phoenix",
    "America/Santiago",
    "America/Sao_Paulo",
    "America/Toronto",
    "Asia/Bangkok",
    "Asia/Dubai",
    "Asia/Hong_Kong",
    "Asia/Jakarta",
    "Asia/Jerusalem",
    "Asia/Kolkata",
    "Asia/Seoul",
    "Asia/Shanghai",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Brisbane",
    "Australia/Perth",
    "Australia/Sydney",
    "Europe/Amsterdam",
    "Europe/Berlin",
    "Europe/Istanbul",
    "Europe/Kyiv",
    "Europe/London",
    "Europe/Madrid",
    "Europe/Moscow",
    "Europe/Paris",
    "Europe/Stockholm",
    "Pacific/Auckland",
};

std::optional<int> day_bit(std::string_view name) {
  if (name.size() != 3) return std::nullopt;
  const std::string lower = lower_ascii(name);
  for (std::size_t i = 0; i < kDayNames.size(); ++i) {
    if (kDayNames[i] == lower) return static_cast<int>(i);
  }
  return std::nullopt;
}

std::string format_minute(int minute) {
  return fmt::format("{:02}:{:02}", minute / 60, minute % 60);
}

std::optional<int> parse_minute(std::string_view text) {
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  const auto hours = digits(text, 0, 2), minutes = digits(text, 3, 2);
  if (!hours || !minutes || *hours > 23 || *minutes > 59) return std::nullopt;
  return *hours * 60 + *minutes;
}

std::optional<EpochMs> local_to_epoch(std::string_view text, const TimeZone& zone) {
  // YYYY-MM-DDTHH:MM[:SS]
  if (text.size() != 16 && text.size() != 19) return std::nullopt;
  if (text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != ' ') || text[13] != ':') {
    return std::nullopt;
  }
  const auto year = digits(text, 0, 4), month = digits(text, 5, 2), day = digits(text, 8, 2);
  const auto hour = digits(text, 11, 2), minute = digits(text, 14, 2);
  std::optional<int> second = 0;
  if (text.size() == 19) second = text[16] == ':' ? digits(text, 17, 2) : std::nullopt;
  if (!year || !month || !day || !hour || !minute || !second || *hour > 23 || *minute > 59 || *second > 59) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year(*year), std::chrono::month(*month),
                                         std::chrono::day(*day)};
  if (!date.ok() || *year < 1971) return std::nullopt;
  const std::int64_t local_s = std::chrono::sys_days(date).time_since_epoch().count() * 86400LL +
                               *hour * 3600LL + *minute * 60LL + *second;
  // The offset at the instant that wall-clock time would be under the offset in force a day before.
  const std::int64_t guess = local_s - zone.offset_at((local_s - 86400) * 1000);
  const std::int64_t utc_s = local_s - zone.offset_at(guess * 1000);
  return utc_s * 1000;
}

std::string format_local(EpochMs at, const TimeZone& zone) {
  const EpochMs local = at + static_cast<EpochMs>(zone.offset_at(at)) * 1000;
  const std::string iso = format_iso8601(local);
  return iso.size() >= 16 ? iso.substr(0, 10) + " " + iso.substr(11, 5) : iso;
}

std::string describe_window(const store::MaintenanceWindowRecord& window) {
  if (window.kind == "once") {
    const TimeZone utc = TimeZone::utc();
    return format_local(window.starts_at, utc) + " – " + format_local(window.ends_at, utc) + " UTC";
  }
  std::string days;
  if (window.days == 0x7f) {
    days = "Every day";
  } else if (window.days == 0x1f) {
    days = "Mon–Fri";
  } else {
    for (std::size_t i = 0; i < kDayTitles.size(); ++i) {
      if ((window.days >> i) & 1) days += (days.empty() ? "" : ", ") + std::string(kDayTitles[i]);
    }
  }
  return days + " " + format_minute(window.start_minute) + "–" + format_minute(window.end_minute) +
         (window.end_minute <= window.start_minute ? " (next day)" : "") + " " + window.time_zone;
}

}  // namespace semaphore::alerts

#pragma once
// Maintenance windows as people type and read them (issue 14): days by name, times of day as "HH:MM", a
// one-off window's local times in a zone, a line describing a window, and the time zones offered in lists.
// Used by the /alerts page, the API (/api/v1/maintenance) and the CLI; validate_window
// (maintenance_window.h) still has the last word on a window.
#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "alerts/time_zone.h"
#include "core/clock.h"
#include "store/alert_records.h"

namespace semaphore::alerts {

// Bit i of MaintenanceWindowRecord::days is kDayNames[i] (0 = Monday).
inline constexpr std::array<std::string_view, 7> kDayNames = {"mon", "tue", "wed", "thu",
                                                              "fri", "sat", "sun"};
inline constexpr std::array<std::string_view, 7> kDayTitles = {"Mon", "Tue", "Wed", "Thu",
                                                               "Fri", "Sat", "Sun"};
// The bit of a day named "mon" ... "sun" (any case), or nullopt.
std::optional<int> day_bit(std::string_view name);

// "02:30" for 150; "HH:MM" (00:00 to 23:59) back to the minute of the day, or nullopt.
std::string format_minute(int minute);
std::optional<int> parse_minute(std::string_view text);

// "2026-03-01T02:00" (an HTML datetime-local value, seconds optional) read as a wall-clock time in `zone`,
// as epoch ms; nullopt when it is not one. A time that a clock change skips or repeats resolves to the
// offset in force just before it.
std::optional<EpochMs> local_to_epoch(std::string_view text, const TimeZone& zone);
// The instant as "2026-03-01 02:00" on the wall clock of `zone`.
std::string format_local(EpochMs at, const TimeZone& zone);

// "Sat, Sun 02:00–04:00 (Europe/Berlin)" or "2026-03-01 02:00 – 2026-03-01 04:00 UTC": for lists.
std::string describe_window(const store::MaintenanceWindowRecord& window);

// IANA names offered in the /alerts page's list (any other valid name may be typed).
extern const std::array<std::string_view, 40> kCommonZones;

}  // namespace semaphore::alerts

#pragma once
// Maintenance windows (issue 14): whether a round's time falls inside one, and what a valid window is.
// A window is a store::MaintenanceWindowRecord (store/alert_records.h): one-off [starts_at, ends_at), or
// weekly on some days from start_minute to end_minute of the day in an IANA time zone.
#include <optional>
#include <span>

#include "alerts/alert_rules.h"
#include "alerts/time_zone.h"
#include "core/clock.h"
#include "store/alert_records.h"

namespace semaphore::alerts {

// True when `at` is inside `window`. A weekly window's day and minute are those of `at` in the window's
// zone; a zone the database no longer knows counts as UTC (validate_window refuses unknown names).
bool in_window(const store::MaintenanceWindowRecord& window, EpochMs at, TimeZones& zones);
bool in_any_window(std::span<const store::MaintenanceWindowRecord> windows, EpochMs at, TimeZones& zones);

// What is wrong with the window, naming the field, or nullopt. Checked by whoever stores windows.
std::optional<RuleError> validate_window(const store::MaintenanceWindowRecord& window);

}  // namespace semaphore::alerts

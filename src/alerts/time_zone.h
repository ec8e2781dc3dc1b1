#pragma once
// IANA time zones for weekly maintenance windows (issue 14), read from the system's tz database (Debian's
// tzdata: /usr/share/zoneinfo, or $TZDIR). GCC 12's libstdc++ has no std::chrono::locate_zone (it came with
// GCC 14), and the process must not touch the global TZ (spdlog's log times use localtime), so this reads a
// zone's TZif file itself: its 64-bit transition table, which tzdata's "fat" files (Debian's) carry up to
// 2037. Times after the last transition keep its offset. When the compiler has <chrono> time zones, this file
// gives way to std::chrono::locate_zone.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"

namespace semaphore::alerts {

class TimeZone {
 public:
  // The zone named `name` ("Europe/Berlin", "UTC"), or nullopt when the name is malformed or the database
  // has no such zone. Reads one file: callers keep the zone (TimeZones caches them).
  static std::optional<TimeZone> load(std::string_view name);
  static TimeZone utc();
  // The zone from the bytes of a TZif file (version 2 or later); nullopt when they are not one.
  static std::optional<TimeZone> parse(std::string_view name, const std::string& tzif);

  const std::string& name() const { return name_; }
  // The offset from UTC, in seconds, at the instant `at`.
  std::int32_t offset_at(EpochMs at) const;

 private:
  std::string name_;
  std::vector<std::int64_t> transitions_;  // UTC seconds, ascending
  std::vector<std::int32_t> offsets_;      // offsets_[i] from transitions_[i] on
  std::int32_t initial_offset_ = 0;        // before the first transition
};

// True when `name` could name a zone: letters, digits, '/', '_', '+', '-', no "..", at most 64 characters.
bool plausible_zone_name(std::string_view name);

// Loaded zones by name, for one thread (the writer's evaluator). A name that failed stays failed.
class TimeZones {
 public:
  const TimeZone* find(const std::string& name);

 private:
  std::map<std::string, std::optional<TimeZone>, std::less<>> zones_;
};

}  // namespace semaphore::alerts

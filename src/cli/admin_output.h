#pragma once
// Times as the admin commands' tables print them: "2026-11-27 22:51 UTC", or a word for none.
#include <optional>
#include <string>

#include "core/clock.h"

namespace semaphore::cli {

inline std::string utc_minute_or(const std::optional<EpochMs>& ms, const char* none) {
  if (!ms) return none;
  const std::string iso = format_iso8601(*ms);
  return iso.size() >= 16 ? iso.substr(0, 10) + " " + iso.substr(11, 5) + " UTC" : iso;
}

}  // namespace semaphore::cli

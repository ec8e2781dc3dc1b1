#pragma once
// Time as the project stores it: UTC milliseconds since the Unix epoch (DESIGN.md §3).
#include <chrono>
#include <cstdint>
#include <string>

namespace semaphore {

using EpochMs = std::int64_t;

inline EpochMs now_epoch_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// ISO 8601 UTC with milliseconds, e.g. "2026-11-27T22:51:40.123Z".
std::string format_iso8601(EpochMs ms);

}  // namespace semaphore

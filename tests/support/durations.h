#pragma once
// Spans of time in the store's unit (EpochMs), defined once for every test: a test binary's files compile
// together in batches (semaphore_add_test's unity build), where each file's own kHour would clash.
#include "core/clock.h"

namespace semaphore::testing {

inline constexpr EpochMs kSecond = 1000;
inline constexpr EpochMs kMinute = 60 * kSecond;
inline constexpr EpochMs kHour = 60 * kMinute;
inline constexpr EpochMs kDay = 24 * kHour;

}  // namespace semaphore::testing

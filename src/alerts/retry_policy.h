#pragma once
// When to try a failed notification again (issue 14): exponential back-off from `first_delay`, doubling per
// failed attempt up to `max_delay`, for at most `give_up_after` from the event's notification being
// written. The last retry is placed at that deadline, so a channel that comes back within 24 h still gets
// everything; after it the delivery is abandoned and the channel moves on.
//
// Pure: the dispatcher passes the clock in, so the schedule is tested exactly.
#include <chrono>
#include <optional>

#include "core/clock.h"

namespace semaphore::alerts {

struct RetryPolicy {
  std::chrono::milliseconds first_delay{std::chrono::seconds(15)};
  std::chrono::milliseconds max_delay{std::chrono::hours(1)};
  std::chrono::milliseconds give_up_after{std::chrono::hours(24)};
};

// The time of the next attempt after the `failed_attempts`-th failure (1 = the first attempt failed) at
// `now`, of a delivery written at `created_at`; nullopt when the delivery is to be abandoned.
std::optional<EpochMs> next_attempt_at(const RetryPolicy& policy, int failed_attempts, EpochMs created_at,
                                       EpochMs now);

}  // namespace semaphore::alerts

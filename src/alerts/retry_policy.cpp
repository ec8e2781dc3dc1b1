#include "alerts/retry_policy.h"

#include <algorithm>

namespace semaphore::alerts {

std::optional<EpochMs> next_attempt_at(const RetryPolicy& policy, int failed_attempts, EpochMs created_at,
                                       EpochMs now) {
  const EpochMs deadline = created_at + policy.give_up_after.count();
  if (now >= deadline) return std::nullopt;
  // first_delay * 2^(failed_attempts - 1), without overflowing: past 2^20 the cap has long been reached.
  const int doublings = std::clamp(failed_attempts - 1, 0, 20);
  const EpochMs delay = std::min<EpochMs>(policy.first_delay.count() << doublings, policy.max_delay.count());
  return std::min(now + delay, deadline);
}

}  // namespace semaphore::alerts

#include "web/housekeeping.h"

#include <spdlog/spdlog.h>

#include "core/text.h"
#include "web/security/throttle.h"

namespace semaphore::web {
namespace {

// Deletes batch after batch through `delete_batch(limit)` until one comes back short, a stop is asked for,
// or the pass's share of batches is spent. Returns the rows deleted; a store error is logged and ends it.
template <class DeleteBatch>
std::int64_t purge_in_batches(const char* what, const HousekeepingOptions& options, std::stop_token stop,
                              DeleteBatch delete_batch) {
  std::int64_t total = 0;
  for (int batch = 0; batch < options.max_batches_per_pass && !stop.stop_requested(); ++batch) {
    auto deleted = delete_batch(options.batch_rows);
    if (!deleted) {
      spdlog::warn("housekeeping: cannot purge {}: {}", what, log_safe(deleted.error().message));
      break;
    }
    total += *deleted;
    if (*deleted < options.batch_rows) break;
  }
  return total;
}

}  // namespace

Housekeeping::Purged Housekeeping::purge(EpochMs now, std::stop_token stop) {
  const auto idle_ms = std::chrono::duration_cast<std::chrono::milliseconds>(options_.sessions.idle).count();
  const auto max_ms = std::chrono::duration_cast<std::chrono::milliseconds>(options_.sessions.max).count();
  const auto kept_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(options_.expired_tokens_kept).count();
  Purged purged;
  // The cut-offs are SessionRules::expired's: idle since now - idle, older than now - max.
  purged.sessions = purge_in_batches("expired sessions", options_, stop, [&](std::int64_t limit) {
    return accounts_.delete_expired_sessions(now, now - idle_ms + 1, now - max_ms + 1, limit);
  });
  purged.signin_failures = purge_in_batches("old sign-in failures", options_, stop, [&](std::int64_t limit) {
    return accounts_.delete_signin_failures_before(now - SigninThrottle::kWindowMs, limit);
  });
  purged.tokens = purge_in_batches("expired API tokens", options_, stop, [&](std::int64_t limit) {
    return tokens_.delete_tokens_expired_before(now - kept_ms, limit);
  });
  if (purged.sessions + purged.signin_failures + purged.tokens > 0) {
    spdlog::info(
        "housekeeping: purged {} ended sessions, {} old sign-in failures and {} long-expired API tokens",
        purged.sessions, purged.signin_failures, purged.tokens);
  }
  return purged;
}

void Housekeeping::start() {
  thread_.start([this](std::stop_token stop) {
    while (!stop.stop_requested()) {
      purge(now_epoch_ms(), stop);
      StoppableThread::Lock lock(thread_.mutex());
      thread_.wait_for(lock, stop, options_.every, [] { return false; });
    }
  });
}

}  // namespace semaphore::web

#pragma once
// "Send test" of a channel (issue 14), for /alerts and POST /api/v1/channels/{id}/test: sends the test
// notification through the NotificationSender the process gave the WebApp (cli: a CurlSender under
// --targets), on the handler thread that runs the request (never an I/O thread), bounded by the sender's
// timeouts. Nothing goes to the outbox.
//
// So that nobody uses it as a request cannon: each user may send `per_minute` tests a minute (a token
// bucket per user, 429 beyond), and at most `max_active` tests run at once in this process (one more may
// wait; beyond, 503), so tests never hold every handler thread.
#include <atomic>
#include <chrono>
#include <optional>

#include "alerts/notification_sender.h"
#include "store/channel_records.h"
#include "web/security/concurrency_gate.h"
#include "web/security/rate_limiter.h"

namespace semaphore::web {

class ChannelTester {
 public:
  static constexpr double kTestsPerMinute = 5;

  ChannelTester();

  // The process's sender (not owned; it outlives the app). Until one is set, a test answers `unavailable`.
  void set_sender(alerts::NotificationSender* sender) { sender_.store(sender); }

  enum class Verdict {
    sent,         // `outcome` says whether it was delivered
    throttled,    // the user sent too many tests: retry_after
    busy,         // too many tests at once in this process
    unavailable,  // no sender in this process
  };
  struct Result {
    Verdict verdict = Verdict::sent;
    alerts::SendOutcome outcome;
    std::chrono::milliseconds retry_after{0};
  };

  // Sends `channel`'s test notification for its owner at `now` (epoch ms).
  Result test(const store::ChannelRecord& channel, EpochMs now);

 private:
  std::atomic<alerts::NotificationSender*> sender_{nullptr};
  RateLimiter per_user_;
  ConcurrencyGate gate_;
};

}  // namespace semaphore::web

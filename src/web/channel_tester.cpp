#include "web/channel_tester.h"

#include <spdlog/spdlog.h>

#include "alerts/channel_service.h"
#include "core/text.h"

namespace semaphore::web {

ChannelTester::ChannelTester()
    : per_user_(kTestsPerMinute / 60.0, kTestsPerMinute), gate_(/*max_active=*/2, /*max_waiting=*/1) {}

ChannelTester::Result ChannelTester::test(const store::ChannelRecord& channel, EpochMs now) {
  Result result;
  alerts::NotificationSender* sender = sender_.load();
  if (sender == nullptr) {
    result.verdict = Verdict::unavailable;
    return result;
  }
  if (auto wait = per_user_.take(std::to_string(channel.user_id), now)) {
    result.verdict = Verdict::throttled;
    result.retry_after = *wait;
    return result;
  }
  auto pass = gate_.enter();
  if (!pass) {
    result.verdict = Verdict::busy;
    return result;
  }
  result.outcome = alerts::send_test_notification(*sender, channel, now);
  spdlog::info("user {}: channel {} test: {}", channel.user_id, channel.id,
               result.outcome.delivered ? std::string("delivered") : log_safe(result.outcome.error));
  return result;
}

}  // namespace semaphore::web

#pragma once
// Sending one notification to one channel (issue 14): the dispatcher's (alerts/dispatcher.h) only way out.
// The implementation (alerts/curl_sender.h) formats the channel kind's payload (alerts/channel_payloads.h)
// and sends it through libcurl: HTTP(S) POST for webhook, Slack, Discord and ntfy, SMTP for e-mail.
//
// Rules: send() blocks (bounded by its timeouts) and runs on the dispatcher's thread, never on an I/O or
// handler thread of the web server (except the bounded "Send test" of one channel, on a handler thread);
// it never throws; its error text is for the channel's owner (no secrets, no internals).
#include <optional>
#include <string>

#include "store/channel_records.h"

namespace semaphore::alerts {

struct SendOutcome {
  bool delivered = false;
  // When not delivered: whether trying again later can help (a timeout, a refused connection, HTTP 5xx or
  // 429) or not (HTTP 4xx other than 408/429, a URL the target policy refuses, a malformed channel).
  bool retryable = true;
  std::string error;          // "HTTP 500 from hooks.example.com", "connection refused", ...
  std::optional<int> status;  // the HTTP status or SMTP reply code, when one came back
};

// What a notification says beyond the event itself.
struct NotificationContext {
  std::string report_url;  // a link to the host's page, from --public-url (empty: no link)
  EpochMs sent_at = 0;     // the signing timestamp (webhooks), now
};

class NotificationSender {
 public:
  virtual ~NotificationSender() = default;
  virtual SendOutcome send(const store::ChannelRecord& channel, const store::Delivery& delivery,
                           const NotificationContext& context) = 0;
};

}  // namespace semaphore::alerts

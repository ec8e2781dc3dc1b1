#pragma once
// What each channel kind receives for one notification (issue 14): pure functions from a Delivery (the
// event, its round's figures and the host) to the bytes the sender puts on the wire. No I/O, no clock
// (the time comes in NotificationContext::sent_at), so each shape is unit-tested exactly.
//
//  - webhook: our JSON (webhook_body), signed: HMAC-SHA256 over "<timestamp>.<body>" under the channel's
//    secret, sent as X-Semaphore-Timestamp (epoch seconds) and X-Semaphore-Signature: sha256=<lower hex>;
//  - slack: an incoming-webhook message, "text" (the notification's one line, also the fallback) and
//    "blocks" (a header, a section with the figures as fields, a context line with the link);
//  - discord: an execute-webhook message, "content" (the one line) and one embed (title, description, url,
//    color by state, timestamp, fields), mentions disabled, within Discord's limits;
//  - ntfy: the message as a plain-text body with the Title, Priority (by state or the channel's
//    override), Tags and Click headers;
//  - email: a whole MIME message (multipart/alternative: text/plain and a small text/html part), with CR
//    and LF kept out of every header.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "alerts/channel_options.h"
#include "alerts/notification_sender.h"
#include "store/channel_records.h"

namespace semaphore::alerts {

// An HTTP POST's content: the body and every header to send besides Host and Content-Length.
struct HttpPayload {
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // values never hold CR or LF
};

// An e-mail: the SMTP envelope and the message as it goes after DATA (CRLF line ends).
struct EmailPayload {
  std::string from;
  std::vector<std::string> to;
  std::string message;
};

// The webhook's JSON body (compact): event_id (a string: the event's id in decimal digits, or "test-..."
// for a test notification), host {id, hostname, provider, service, label}, state, previous_state, at
// (ISO 8601 UTC), round {sent, received, loss (percent), min_ms, median_ms, max_ms (null when no reply)},
// reason, report_url (null when the server has no --public-url). A location's event (issue 16): event_id
// "location-<id>", location {id, name, label, last_seen_at (ISO 8601 or null)} instead of host, state
// "offline" or "online", previous_state, at, reason, report_url (the /locations page); no round.
std::string webhook_body(const store::Delivery& delivery, const NotificationContext& context);

// Lower-case hex HMAC-SHA256 of `message` under `key` (libsodium's crypto_auth_hmacsha256: any key length).
std::string hmac_sha256_hex(std::string_view key, std::string_view message);

// The X-Semaphore-Signature value without its "sha256=" prefix: hmac_sha256_hex(secret, timestamp + "." +
// body), timestamp in decimal epoch seconds.
std::string webhook_signature(std::string_view secret, std::int64_t timestamp_s, std::string_view body);

HttpPayload webhook_payload(const store::ChannelRecord& channel, const store::Delivery& delivery,
                            const NotificationContext& context);
HttpPayload slack_payload(const store::Delivery& delivery, const NotificationContext& context);
HttpPayload discord_payload(const store::Delivery& delivery, const NotificationContext& context);
// ntfy's priority by state: down 5 (urgent), degraded, flapping and a location offline 4 (high), anything
// else 3 (default).
int ntfy_priority(std::string_view state);
HttpPayload ntfy_payload(const store::ChannelRecord& channel, const store::Delivery& delivery,
                         const NotificationContext& context, const NtfyOptions& options);
EmailPayload email_payload(const store::ChannelRecord& channel, const store::Delivery& delivery,
                           const NotificationContext& context, const EmailOptions& options);

// The one line a notification says: "host.example.com is DOWN: every probe lost for 3 rounds"; for a
// location's event "Location fra is OFFLINE".
std::string notification_title(const store::Delivery& delivery);
// The round's figures for people: "5 sent, 0 received, 100% loss" and ", RTT min/median/max 1.2/3.4/5.6 ms"
// when a reply came.
std::string figures_text(const store::AlertEventRecord& event);

// The "Send test" button's notification: an event of `channel`'s owner with state "test" (previous state
// "unknown"), no figures, trigger "test" and id 0 (its webhook event_id is "test-<at>"), about a host named
// "semaphore-test.invalid" (id 0), at `now`. It goes through the same formatting and sending as a real one.
store::Delivery test_delivery(const store::ChannelRecord& channel, EpochMs now);
bool is_test_delivery(const store::Delivery& delivery);

// Text with every CR, LF and other control character removed (header values; e-mail and HTTP), so that no
// field can start a header of its own.
std::string header_safe(std::string_view text);

// `text` with &, <, >, " and ' as HTML entities.
std::string html_escape(std::string_view text);

}  // namespace semaphore::alerts

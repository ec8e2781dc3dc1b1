#pragma once
// NotificationSender over libcurl (issue 14): formats the channel kind's payload (alerts/channel_payloads.h)
// and sends it, HTTP(S) POST for webhook, Slack, Discord and ntfy, SMTP for e-mail.
//
// Every send, on the calling thread:
//  1. parses the channel's URL and options again (a malformed channel: not retryable);
//  2. resolves the URL's host itself (getaddrinfo) and checks every address with check_target_address
//     under the policy given here: link-local, the cloud metadata addresses, multicast and the like always
//     refused, loopback and private ranges too under public_only (--targets public). One refused address
//     refuses the send (not retryable), and nothing is sent;
//  3. pins libcurl to exactly the checked addresses (CURLOPT_RESOLVE), so that no second DNS answer can
//     point the connection elsewhere — and refuses, in libcurl's socket callback, any connection to an
//     address not among them — and connects with: only the kind's protocols (http/https, or
//     smtp/smtps), no redirects, no proxy (a proxy would connect to a host of its own choosing), TLS
//     certificates and hostnames verified, the connect and total timeouts below, at most 4 KiB of the
//     response kept (for nothing but the status; the rest is read and dropped);
//  4. maps the result: HTTP 2xx or SMTP acceptance delivered; timeouts, refused or broken connections,
//     TLS failures, HTTP 408/429/5xx and SMTP 4xx retryable; other HTTP 4xx and 3xx, SMTP 5xx and a
//     refused login not.
// Error texts name the host, never the URL's path or query (Slack's and Discord's URLs hold their secret
// there) nor the channel's secret.
#include <chrono>
#include <string>

#include "alerts/notification_sender.h"
#include "core/target.h"

namespace semaphore::alerts {

struct CurlSenderOptions {
  TargetPolicy policy = TargetPolicy::public_only;  // the process's --targets
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds total_timeout{10000};
  std::string ca_file;  // PEM bundle to verify servers against; empty: the system's (ca-certificates)
};

class CurlSender final : public NotificationSender {
 public:
  explicit CurlSender(CurlSenderOptions options);
  SendOutcome send(const store::ChannelRecord& channel, const store::Delivery& delivery,
                   const NotificationContext& context) override;

 private:
  CurlSenderOptions options_;
};

}  // namespace semaphore::alerts

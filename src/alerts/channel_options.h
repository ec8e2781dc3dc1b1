#pragma once
// A channel's settings (issue 14), checked before the channel is stored and read again before each send:
// the URL by kind, and the kind-specific settings that ChannelRecord::options keeps as JSON.
//
// Kinds and what each needs:
//  - webhook, slack, discord, ntfy: an http:// or https:// URL (no user:password@ part: a URL is shown on
//    /alerts, a credential must not be); options "{}" (ntfy: optional {"priority": 1..5}, which replaces the
//    priority by state). The webhook's secret is its signing key; ntfy's, when set, an access token sent as
//    "Authorization: Bearer"; Slack and Discord keep their secret in the URL itself and have no other.
//  - email: smtp://host[:port] or smtps://host[:port] and options {"from": address, "to": [1-10 addresses],
//    "username": SMTP login (optional; the password is the channel's secret), "tls": "starttls" | "tls" |
//    "none"}. "tls" goes with smtps:// (implicit TLS, port 465), "starttls" (the default for smtp://) and
//    "none" with smtp://. A login needs TLS: with "none", no username.
//
// The web pages, the API and the CLI call check_channel() before storing a channel; the sender calls
// parse_channel_options() on what was stored.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/target.h"
#include "store/channel_records.h"

namespace semaphore::alerts {

inline constexpr std::size_t kMaxChannelUrlLength = 2048;
inline constexpr std::size_t kMaxEmailRecipients = 10;
inline constexpr std::size_t kMaxChannelSecretLength = 512;

enum class SmtpTls { starttls, tls, none };

const char* to_string(SmtpTls tls);

struct EmailOptions {
  std::string from;             // normalized (core/email.h)
  std::vector<std::string> to;  // 1-10, normalized, no duplicates
  std::string username;         // empty: no login
  SmtpTls tls = SmtpTls::starttls;
};

struct NtfyOptions {
  std::optional<int> priority;  // 1 (min) ... 5 (urgent); nullopt: by state
};

// The settings of one channel; only the part of its kind is filled.
struct ChannelOptions {
  EmailOptions email;
  NtfyOptions ntfy;
};

// What is wrong with a channel, for the person who typed it: `field` names the input ("kind", "url",
// "secret", "options", or "options.<name>" such as "options.to"), `message` says why, without echoing
// secrets.
struct ChannelIssue {
  std::string field;
  std::string message;
};

bool is_channel_kind(std::string_view kind);  // webhook | slack | discord | ntfy | email

// A checked channel URL's parts, as the sender connects to them.
struct ChannelUrl {
  std::string scheme;  // lower case: http, https, smtp, smtps
  std::string host;    // a lower-case hostname (A-labels) or an IP address's text (IPv6 without brackets)
  std::optional<IpAddress> address;  // when the host is an IP literal
  int port = 0;  // the URL's port, else the scheme's as libcurl uses it: 80, 443, 25 (smtp), 465 (smtps)
};

// Parses and checks the URL of a channel of `kind` (check_channel_url's rules, without a policy).
Result<ChannelUrl> parse_channel_url(std::string_view kind, std::string_view url);

// The URL of a channel of `kind`: scheme by kind, a host (a hostname or an IP literal), no userinfo, no
// fragment, at most 2048 characters; e-mail URLs have no path or query. The result is the URL as given
// (trimmed). With a policy, an IP-literal host is checked against it (core/target.h); hostnames are checked
// when each notification is sent, on every resolution.
Result<std::string> check_channel_url(std::string_view kind, std::string_view url,
                                      std::optional<TargetPolicy> policy = std::nullopt);

// Parses `options` (a JSON object; empty text counts as {}) for `kind`, with defaults filled in. Unknown
// members are refused (a typo should not be silently ignored). On failure the error's message starts with
// the field's name ("to: ...").
Result<ChannelOptions> parse_channel_options(std::string_view kind, std::string_view options,
                                             std::string_view url = {});

// The options as stored: compact JSON of the parsed settings, defaults included.
std::string channel_options_json(std::string_view kind, const ChannelOptions& options);

// Checks a channel before it is stored and normalizes it in place: kind, url (check_channel_url), secret
// (bounded, no control characters; webhooks need one: see make_webhook_secret), options (parsed, then
// written back as channel_options_json). nullopt: the channel is fine.
std::optional<ChannelIssue> check_channel(store::ChannelRecord& channel,
                                          std::optional<TargetPolicy> policy = std::nullopt);

// A new webhook signing secret: "whsec_" and 32 random bytes in URL-safe base64 (no padding).
std::string make_webhook_secret();

}  // namespace semaphore::alerts

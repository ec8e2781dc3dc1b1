#include "alerts/channel_payloads.h"

#include <fmt/format.h>
#include <sodium.h>

#include <array>
#include <boost/json.hpp>
#include <cmath>
#include <ctime>

#include "core/clock.h"
#include "core/version.h"

namespace semaphore::alerts {
namespace {

namespace json = boost::json;

constexpr const char* kTestTrigger = "test";
constexpr const char* kTestHostname = "semaphore-test.invalid";

// Discord's documented limits (execute webhook, embed object).
constexpr std::size_t kDiscordContent = 2000;
constexpr std::size_t kDiscordTitle = 256;
constexpr std::size_t kDiscordDescription = 4096;
constexpr std::size_t kDiscordFields = 25;
constexpr std::size_t kDiscordFieldName = 256;
constexpr std::size_t kDiscordFieldValue = 1024;
// Slack's (Block Kit): a header's plain text, a section's text, each field's text, fields per section.
constexpr std::size_t kSlackHeader = 150;
constexpr std::size_t kSlackSectionText = 3000;
constexpr std::size_t kSlackFieldText = 2000;
constexpr std::size_t kSlackFields = 10;

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

// At most `limit` code points of UTF-8 `text`, cut at a code point's start, with "…" when something was cut.
std::string truncate_utf8(std::string_view text, std::size_t limit) {
  std::size_t points = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (points == limit - 1) {
      // Room for this code point and the rest only if nothing follows it.
      std::size_t end = i + 1;
      while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
      if (end == text.size()) return std::string(text);
      return std::string(text.substr(0, i)) + "\xE2\x80\xA6";
    }
    ++points;
  }
  return std::string(text);
}

std::optional<double> rounded_ms(const std::optional<double>& value) {
  if (!value) return std::nullopt;
  return std::round(*value * 1000.0) / 1000.0;  // whole microseconds
}

std::optional<double> loss_percent(const store::AlertEventRecord& event) {
  if (event.sent <= 0) return std::nullopt;
  const double lost = static_cast<double>(event.sent - event.received) * 100.0 / event.sent;
  return std::round(lost * 10.0) / 10.0;
}

std::string format_ms(double value) {
  return value < 10 ? fmt::format("{:.2f}", value) : fmt::format("{:.1f}", value);
}

std::string format_percent(double value) {
  return value == std::floor(value) ? fmt::format("{:.0f}%", value) : fmt::format("{:.1f}%", value);
}

// A JSON number in its shortest exact form ("40", "12.346"), or null.
std::string number_json(const std::optional<double>& value) {
  if (!value || !std::isfinite(*value)) return "null";
  return fmt::format("{}", *value);
}

std::string event_id(const store::Delivery& delivery) {
  if (is_test_delivery(delivery)) return "test-" + std::to_string(delivery.event.at);
  // A location's events are numbered apart from the hosts' (issue 16): their ids never collide.
  if (delivery.location) return "location-" + std::to_string(delivery.event.id);
  return std::to_string(delivery.event.id);
}

std::string state_line(const store::AlertEventRecord& event) {
  std::string line = upper(event.to_state);
  if (!event.from_state.empty()) line += " (was " + upper(event.from_state) + ")";
  return line;
}

std::string rtt_text(const store::AlertEventRecord& event) {
  if (!event.min_ms && !event.median_ms && !event.max_ms) return {};
  const auto part = [](const std::optional<double>& v) { return v ? format_ms(*v) : std::string("-"); };
  return part(event.min_ms) + " / " + part(event.median_ms) + " / " + part(event.max_ms) + " ms";
}

std::string probes_text(const store::AlertEventRecord& event) {
  std::string text = fmt::format("{} sent, {} received", event.sent, event.received);
  if (const auto loss = loss_percent(event)) text += ", " + format_percent(*loss) + " loss";
  return text;
}

// The facts every human-readable shape lists, in order: (name, value), empty values left out.
std::vector<std::pair<std::string, std::string>> facts(const store::Delivery& delivery) {
  const auto& event = delivery.event;
  std::vector<std::pair<std::string, std::string>> out;
  out.emplace_back("State", state_line(event));
  if (delivery.location) {
    if (!delivery.location->label.empty()) out.emplace_back("Location", delivery.location->label);
    if (delivery.location->last_seen_at) {
      out.emplace_back("Last heard from", format_iso8601(*delivery.location->last_seen_at));
    }
    out.emplace_back("At", format_iso8601(event.at));
    return out;
  }
  if (event.sent > 0) out.emplace_back("Probes", probes_text(event));
  if (const auto rtt = rtt_text(event); !rtt.empty()) out.emplace_back("RTT min / median / max", rtt);
  if (!delivery.host.provider.empty()) out.emplace_back("Provider", delivery.host.provider);
  if (!delivery.host.service.empty()) out.emplace_back("Service", delivery.host.service);
  if (!delivery.host.label.empty()) out.emplace_back("Label", delivery.host.label);
  out.emplace_back("At", format_iso8601(event.at));
  return out;
}

std::string hex(const unsigned char* bytes, std::size_t size) {
  std::string out(size * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes, size);
  out.pop_back();
  return out;
}

std::string base64(std::string_view data) {
  if (data.empty()) return {};
  std::string out(sodium_base64_ENCODED_LEN(data.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(data.data()), data.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

// Base64 in lines of 76 characters, each ended by CRLF (RFC 2045).
std::string base64_lines(std::string_view data) {
  const std::string encoded = base64(data);
  std::string out;
  for (std::size_t i = 0; i < encoded.size(); i += 76) {
    out += encoded.substr(i, 76);
    out += "\r\n";
  }
  return out;
}

bool is_ascii(std::string_view text) {
  for (const char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

// A header value as RFC 2047 encoded words when it is not plain ASCII ("=?UTF-8?B?...?="), in pieces of at
// most 45 bytes cut at code point starts, folded onto continuation lines.
std::string encoded_words(std::string_view text) {
  if (is_ascii(text)) return std::string(text);
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = std::min(text.size(), start + 45);
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(text.substr(start, end - start)) + "?=";
    start = end;
  }
  return out;
}

std::string rfc5322_date(EpochMs ms) {
  static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{}, {:02d} {} {:04d} {:02d}:{:02d}:{:02d} +0000", kDays[utc.tm_wday % 7], utc.tm_mday,
                     kMonths[utc.tm_mon % 12], utc.tm_year + 1900, utc.tm_hour, utc.tm_min, utc.tm_sec);
}

// Slack's mrkdwn needs only &, < and > escaped (they delimit links and mentions).
std::string slack_escape(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else {
      out += c;
    }
  }
  return out;
}

// A URL inside Slack's <url|text>: the delimiters percent-encoded.
std::string slack_link_url(std::string_view url) {
  std::string out;
  for (const char c : url) {
    if (c == '|') {
      out += "%7C";
    } else if (c == '<') {
      out += "%3C";
    } else if (c == '>') {
      out += "%3E";
    } else {
      out += c;
    }
  }
  return out;
}

int discord_color(std::string_view state) {
  if (state == "down") return 0xD93025;
  if (state == "degraded" || state == "offline") return 0xF29900;
  if (state == "flapping") return 0x9334E6;
  if (state == "up" || state == "online") return 0x1E8E3E;
  if (state == "test") return 0x1A73E8;
  return 0x5F6368;
}

std::string ntfy_tags(std::string_view state) {
  const char* emoji = "information_source";
  if (state == "down") emoji = "rotating_light";
  if (state == "degraded" || state == "flapping" || state == "offline") emoji = "warning";
  if (state == "up" || state == "online") emoji = "white_check_mark";
  return std::string(emoji) + ",semaphore," + header_safe(state);
}

}  // namespace

std::string header_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u != 0x7f) out += c;
  }
  return out;
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

bool is_test_delivery(const store::Delivery& delivery) {
  return delivery.event.id == 0 && delivery.event.trigger == kTestTrigger;
}

store::Delivery test_delivery(const store::ChannelRecord& channel, EpochMs now) {
  store::Delivery delivery;
  delivery.channel_id = channel.id;
  delivery.created_at = now;
  delivery.next_attempt_at = now;
  delivery.event.user_id = channel.user_id;
  delivery.event.at = now;
  delivery.event.from_state = "unknown";
  delivery.event.to_state = "test";
  delivery.event.trigger = kTestTrigger;
  delivery.event.reason = "a test notification from Semaphore: this channel works";
  delivery.event.quiet = "no";
  delivery.host.hostname = kTestHostname;
  delivery.host.provider = "other";
  delivery.host.label = "Send test";
  return delivery;
}

std::string notification_title(const store::Delivery& delivery) {
  if (is_test_delivery(delivery)) return "Semaphore test notification";
  if (delivery.location)
    return "Location " + delivery.location->name + " is " + upper(delivery.event.to_state);
  return delivery.host.hostname + " is " + upper(delivery.event.to_state);
}

std::string figures_text(const store::AlertEventRecord& event) {
  std::string text = probes_text(event);
  if (const auto rtt = rtt_text(event); !rtt.empty()) text += ", RTT min/median/max " + rtt;
  return text;
}

// The event's reason and, when the path measured at the state change was stored before the send, its
// verdict on a line of its own (issue 15).
static std::string reason_and_path(const store::AlertEventRecord& event) {
  if (event.path_verdict.empty()) return event.reason;
  return event.reason.empty() ? "Path: " + event.path_verdict
                              : event.reason + "\nPath: " + event.path_verdict;
}

// A location's event (issue 16): the same envelope as a host's, with "location" where a host's has "host"
// and no round.
static std::string location_webhook_body(const store::Delivery& delivery,
                                         const NotificationContext& context) {
  const auto& event = delivery.event;
  const store::NotifiedLocation& where = *delivery.location;
  json::object location{{"id", where.id}, {"name", where.name}, {"label", where.label}};
  location["last_seen_at"] = where.last_seen_at ? json::value(format_iso8601(*where.last_seen_at)) : nullptr;
  return json::serialize(json::object{
      {"event_id", event_id(delivery)},
      {"location", std::move(location)},
      {"state", event.to_state},
      {"previous_state", event.from_state},
      {"at", format_iso8601(event.at)},
      {"reason", event.reason},
      {"report_url", context.report_url.empty() ? json::value(nullptr) : json::value(context.report_url)},
  });
}

std::string webhook_body(const store::Delivery& delivery, const NotificationContext& context) {
  if (delivery.location) return location_webhook_body(delivery, context);
  const auto& event = delivery.event;
  const json::object host{{"id", delivery.host.id},
                          {"hostname", delivery.host.hostname},
                          {"provider", delivery.host.provider},
                          {"service", delivery.host.service},
                          {"label", delivery.host.label}};
  // Written by hand around Boost.JSON's strings and objects: Boost 1.81 prints every double in exponent
  // form (100 as 1E2), and the figures are meant to be read as they are (40, 12.346).
  std::string body = "{\"event_id\":" + json::serialize(json::value(event_id(delivery)));
  body += ",\"host\":" + json::serialize(host);
  body += ",\"state\":" + json::serialize(json::value(event.to_state));
  body += ",\"previous_state\":" + json::serialize(json::value(event.from_state));
  body += ",\"at\":\"" + format_iso8601(event.at) + "\"";
  body += ",\"round\":{\"sent\":" + std::to_string(event.sent) +
          ",\"received\":" + std::to_string(event.received);
  body += ",\"loss\":" + number_json(loss_percent(event));
  body += ",\"min_ms\":" + number_json(rounded_ms(event.min_ms));
  body += ",\"median_ms\":" + number_json(rounded_ms(event.median_ms));
  body += ",\"max_ms\":" + number_json(rounded_ms(event.max_ms)) + "}";
  body += ",\"reason\":" + json::serialize(json::value(event.reason));
  // The locations that saw the new state (issue 16).
  json::array locations;
  for (const std::string& name : event.locations) locations.emplace_back(name);
  body += ",\"locations\":" + json::serialize(locations);
  // The verdict of the path measured at the state change (issue 15), when it was stored before the send.
  body +=
      ",\"path_verdict\":" +
      (event.path_verdict.empty() ? std::string("null") : json::serialize(json::value(event.path_verdict)));
  body +=
      ",\"report_url\":" +
      (context.report_url.empty() ? std::string("null") : json::serialize(json::value(context.report_url)));
  body += "}";
  return body;
}

std::string hmac_sha256_hex(std::string_view key, std::string_view message) {
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(message.data()),
                                message.size());
  std::array<unsigned char, crypto_auth_hmacsha256_BYTES> mac{};
  crypto_auth_hmacsha256_final(&state, mac.data());
  return hex(mac.data(), mac.size());
}

std::string webhook_signature(std::string_view secret, std::int64_t timestamp_s, std::string_view body) {
  std::string message = std::to_string(timestamp_s);
  message += '.';
  message += body;
  return hmac_sha256_hex(secret, message);
}

HttpPayload webhook_payload(const store::ChannelRecord& channel, const store::Delivery& delivery,
                            const NotificationContext& context) {
  HttpPayload payload;
  payload.body = webhook_body(delivery, context);
  const std::int64_t timestamp = context.sent_at / 1000;
  payload.headers = {
      {"Content-Type", "application/json"},
      {"X-Semaphore-Event", event_id(delivery)},
      {"X-Semaphore-Timestamp", std::to_string(timestamp)},
      {"X-Semaphore-Signature", "sha256=" + webhook_signature(channel.secret, timestamp, payload.body)}};
  return payload;
}

HttpPayload slack_payload(const store::Delivery& delivery, const NotificationContext& context) {
  const auto& event = delivery.event;
  const std::string title = notification_title(delivery);
  const std::string line = reason_and_path(event).empty() ? title : title + ": " + reason_and_path(event);

  json::array fields;
  for (const auto& [name, value] : facts(delivery)) {
    if (fields.size() == kSlackFields) break;
    fields.push_back(
        json::object{{"type", "mrkdwn"},
                     {"text", truncate_utf8("*" + name + "*\n" + slack_escape(value), kSlackFieldText)}});
  }
  json::object section{{"type", "section"}, {"fields", std::move(fields)}};
  if (!reason_and_path(event).empty()) {
    section["text"] = json::object{
        {"type", "mrkdwn"}, {"text", truncate_utf8(slack_escape(reason_and_path(event)), kSlackSectionText)}};
  }
  json::array blocks{json::object{{"type", "header"},
                                  {"text", json::object{{"type", "plain_text"},
                                                        {"text", truncate_utf8(title, kSlackHeader)}}}},
                     std::move(section)};
  std::string context_text = "Semaphore";
  if (!context.report_url.empty()) {
    context_text = "<" + slack_link_url(context.report_url) + "|Open in Semaphore>";
  }
  blocks.push_back(
      json::object{{"type", "context"},
                   {"elements", json::array{json::object{{"type", "mrkdwn"}, {"text", context_text}}}}});
  const json::object message{{"text", truncate_utf8(slack_escape(line), kSlackSectionText)},
                             {"blocks", std::move(blocks)}};
  return HttpPayload{json::serialize(message), {{"Content-Type", "application/json"}}};
}

HttpPayload discord_payload(const store::Delivery& delivery, const NotificationContext& context) {
  const auto& event = delivery.event;
  const std::string title = notification_title(delivery);
  json::array fields;
  for (const auto& [name, value] : facts(delivery)) {
    if (fields.size() == kDiscordFields) break;
    fields.push_back(json::object{{"name", truncate_utf8(name, kDiscordFieldName)},
                                  {"value", truncate_utf8(value, kDiscordFieldValue)},
                                  {"inline", true}});
  }
  json::object embed{{"title", truncate_utf8(title, kDiscordTitle)},
                     {"color", discord_color(event.to_state)},
                     {"timestamp", format_iso8601(event.at)},
                     {"fields", std::move(fields)},
                     {"footer", json::object{{"text", "Semaphore"}}}};
  if (!reason_and_path(event).empty())
    embed["description"] = truncate_utf8(reason_and_path(event), kDiscordDescription);
  if (!context.report_url.empty()) embed["url"] = context.report_url;
  const std::string line = reason_and_path(event).empty() ? title : title + ": " + reason_and_path(event);
  const json::object message{{"content", truncate_utf8(line, kDiscordContent)},
                             {"embeds", json::array{std::move(embed)}},
                             // No @everyone, role or user pings from a hostname or label.
                             {"allowed_mentions", json::object{{"parse", json::array{}}}}};
  return HttpPayload{json::serialize(message), {{"Content-Type", "application/json"}}};
}

int ntfy_priority(std::string_view state) {
  if (state == "down") return 5;
  if (state == "degraded" || state == "flapping" || state == "offline") return 4;
  return 3;
}

HttpPayload ntfy_payload(const store::ChannelRecord& channel, const store::Delivery& delivery,
                         const NotificationContext& context, const NtfyOptions& options) {
  const auto& event = delivery.event;
  HttpPayload payload;
  std::string& body = payload.body;
  if (!reason_and_path(event).empty()) body += reason_and_path(event) + "\n";
  for (const auto& [name, value] : facts(delivery)) {
    if (name == "State") continue;  // the title says it
    body.append(name).append(": ").append(value).append("\n");
  }
  if (!context.report_url.empty()) body += context.report_url + "\n";
  const int priority = options.priority.value_or(ntfy_priority(event.to_state));
  payload.headers = {{"Content-Type", "text/plain; charset=utf-8"},
                     {"Title", encoded_words(header_safe(notification_title(delivery)))},
                     {"Priority", std::to_string(priority)},
                     {"Tags", ntfy_tags(event.to_state)}};
  if (!context.report_url.empty()) payload.headers.emplace_back("Click", header_safe(context.report_url));
  if (!channel.secret.empty())
    payload.headers.emplace_back("Authorization", "Bearer " + header_safe(channel.secret));
  return payload;
}

EmailPayload email_payload(const store::ChannelRecord& channel, const store::Delivery& delivery,
                           const NotificationContext& context, const EmailOptions& options) {
  const auto& event = delivery.event;
  EmailPayload email;
  email.from = header_safe(options.from);
  for (const auto& to : options.to) email.to.push_back(header_safe(to));

  const std::string title = notification_title(delivery);
  const auto item = facts(delivery);

  std::string text = title + "\n\n";
  if (!reason_and_path(event).empty()) text += reason_and_path(event) + "\n\n";
  for (const auto& [name, value] : item) text.append(name).append(": ").append(value).append("\n");
  if (!context.report_url.empty()) text += "\n" + context.report_url + "\n";
  text += "\n-- \nSemaphore " + std::string(kVersion) + "\n";
  std::string crlf_text;
  for (const char c : text) {
    if (c == '\n') crlf_text += '\r';
    crlf_text += c;
  }

  std::string html =
      "<!DOCTYPE html>\n<html><body style=\"font-family:sans-serif\">\n<h2>" + html_escape(title) + "</h2>\n";
  if (!reason_and_path(event).empty()) html += "<p>" + html_escape(reason_and_path(event)) + "</p>\n";
  html += "<table cellpadding=\"4\" style=\"border-collapse:collapse\">\n";
  for (const auto& [name, value] : item) {
    html += "<tr><th align=\"left\">" + html_escape(name) + "</th><td>" + html_escape(value) + "</td></tr>\n";
  }
  html += "</table>\n";
  if (!context.report_url.empty()) {
    html += "<p><a href=\"" + html_escape(context.report_url) + "\">Open in Semaphore</a></p>\n";
  }
  html += "</body></html>\n";

  const auto at = email.from.rfind('@');
  const std::string domain = at == std::string::npos ? "semaphore.invalid" : email.from.substr(at + 1);
  // The same notification always gets the same Message-ID, so that a resend after an unclear failure (the
  // server took the message but the reply was lost) is one message to mail clients that dedupe.
  const std::string id = is_test_delivery(delivery) ? "test-" + std::to_string(event.at)
                         : delivery.location        ? "location-event-" + std::to_string(event.id)
                                                    : "event-" + std::to_string(event.id);
  const std::string boundary =
      "=_semaphore_" + id + "_" + std::to_string(channel.id);  // never in base64 text

  std::string to_line;
  for (const auto& to : email.to) to_line += (to_line.empty() ? "" : ", ") + to;
  std::string& m = email.message;
  m += "From: Semaphore <" + email.from + ">\r\n";
  m += "To: " + to_line + "\r\n";
  m += "Subject: " + encoded_words(header_safe("[Semaphore] " + title)) + "\r\n";
  m += "Date: " + rfc5322_date(context.sent_at) + "\r\n";
  m += "Message-ID: <semaphore." + id + ".channel-" + std::to_string(channel.id) + "@" + domain + ">\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Auto-Submitted: auto-generated\r\n";
  m += "X-Semaphore-Event: " + header_safe(event_id(delivery)) + "\r\n";
  m += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n";
  m += "\r\n";
  m += "--" + boundary + "\r\n";
  m += "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  m += base64_lines(crlf_text);
  m += "--" + boundary + "\r\n";
  m += "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  m += base64_lines(html);
  m += "--" + boundary + "--\r\n";
  return email;
}

}  // namespace semaphore::alerts

// The payload of every channel kind (alerts/channel_payloads.h): the webhook's JSON and signature (RFC 4231
// vectors, and the README's Python check run on a real body), Slack's and Discord's documented shapes and
// limits, ntfy's headers, the e-mail's MIME structure and header safety, the test notification.
#include "alerts/channel_payloads.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "core/text.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace semaphore::alerts {
namespace {

namespace json = boost::json;

store::Delivery sample_delivery() {
  store::Delivery delivery;
  delivery.id = 7;
  delivery.channel_id = 3;
  delivery.event.id = 42;
  delivery.event.host_id = 11;
  delivery.event.user_id = 5;
  delivery.event.at = 1767225600000;  // 2026-01-01T00:00:00Z
  delivery.event.from_state = "up";
  delivery.event.to_state = "down";
  delivery.event.trigger = "all_lost";
  delivery.event.reason = "every probe lost for 3 rounds";
  delivery.event.quiet = "no";
  delivery.event.sent = 5;
  delivery.event.received = 0;
  delivery.host = {11, "db.example.com", "aws", "postgres", "primary"};
  return delivery;
}

store::Delivery degraded_delivery() {
  store::Delivery delivery = sample_delivery();
  delivery.event.from_state = "up";
  delivery.event.to_state = "degraded";
  delivery.event.trigger = "loss";
  delivery.event.reason = "loss 40% for 3 rounds";
  delivery.event.received = 3;
  delivery.event.min_ms = 12.3456;
  delivery.event.median_ms = 14.5;
  delivery.event.max_ms = 20.0004;
  delivery.event.locations = {"paris", "tokyo"};
  return delivery;
}

store::ChannelRecord channel_of(std::string kind, std::string secret = {}) {
  store::ChannelRecord channel;
  channel.id = 3;
  channel.user_id = 5;
  channel.name = "ops";
  channel.kind = std::move(kind);
  channel.url = "https://hooks.example.com/in";
  channel.secret = std::move(secret);
  return channel;
}

NotificationContext context() {
  return NotificationContext{"https://semaphore.example.com/report/11", 1767225605123};
}

std::string header(const HttpPayload& payload, const std::string& name) {
  for (const auto& [key, value] : payload.headers) {
    if (key == name) return value;
  }
  return "<missing>";
}

// --- HMAC-SHA256 and the webhook's signature -----------------------------------------------------------

TEST(WebhookSignature, HmacSha256MatchesRfc4231) {
  EXPECT_EQ(hmac_sha256_hex(std::string(20, '\x0b'), "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");  // test case 1
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");  // 2
  EXPECT_EQ(hmac_sha256_hex(std::string(20, '\xaa'), std::string(50, '\xdd')),
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");  // 3
  EXPECT_EQ(
      hmac_sha256_hex(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First"),
      "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");  // 6: a key longer than a block
}

TEST(WebhookSignature, SignsTimestampDotBody) {
  EXPECT_EQ(webhook_signature("whsec_k", 1700000000, "{\"a\":1}"),
            hmac_sha256_hex("whsec_k", "1700000000.{\"a\":1}"));
  EXPECT_NE(webhook_signature("whsec_k", 1700000001, "{\"a\":1}"),
            webhook_signature("whsec_k", 1700000000, "{\"a\":1}"));
}

TEST(WebhookPayload, HeadersCarryTimestampAndSignature) {
  const auto payload =
      webhook_payload(channel_of("webhook", "whsec_0123456789abcdef"), sample_delivery(), context());
  EXPECT_EQ(header(payload, "Content-Type"), "application/json");
  EXPECT_EQ(header(payload, "X-Semaphore-Timestamp"), "1767225605");  // seconds, rounded down
  EXPECT_EQ(header(payload, "X-Semaphore-Event"), "42");
  EXPECT_EQ(header(payload, "X-Semaphore-Signature"),
            "sha256=" + webhook_signature("whsec_0123456789abcdef", 1767225605, payload.body));
}

TEST(WebhookPayload, BodyHasExactlyTheDocumentedFields) {
  const json::object body = json::parse(webhook_body(degraded_delivery(), context())).as_object();
  std::vector<std::string> keys;
  for (const auto& member : body) keys.emplace_back(member.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"event_id", "host", "state", "previous_state", "at", "round",
                                            "reason", "locations", "path_verdict", "report_url"}));
  EXPECT_EQ(body.at("locations"), json::parse(R"(["paris","tokyo"])"));
  EXPECT_EQ(body.at("event_id"), "42");
  EXPECT_EQ(body.at("host"), json::parse(R"({"id":11,"hostname":"db.example.com","provider":"aws",
                                             "service":"postgres","label":"primary"})"));
  EXPECT_EQ(body.at("state"), "degraded");
  EXPECT_EQ(body.at("previous_state"), "up");
  EXPECT_EQ(body.at("at"), "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(body.at("reason"), "loss 40% for 3 rounds");
  EXPECT_EQ(body.at("report_url"), "https://semaphore.example.com/report/11");
  // The figures as plain numbers (no exponents), RTTs to the microsecond.
  EXPECT_NE(
      webhook_body(degraded_delivery(), context())
          .find(R"("round":{"sent":5,"received":3,"loss":40,"min_ms":12.346,"median_ms":14.5,"max_ms":20},)"),
      std::string::npos);
}

TEST(WebhookPayload, ThePathVerdictIsSentWhenTheEventHasOne) {
  store::Delivery delivery = degraded_delivery();
  EXPECT_TRUE(json::parse(webhook_body(delivery, context())).at("path_verdict").is_null());
  delivery.event.path_verdict =
      "the loss starts at hop 6, ae-1.r01.fra03.example (10.0.0.6), and continues to the host";
  EXPECT_EQ(json::parse(webhook_body(delivery, context())).at("path_verdict").as_string(),
            delivery.event.path_verdict.c_str());
  // The other kinds carry it as a line after the reason.
  const auto slack = slack_payload(delivery, context());
  EXPECT_NE(slack.body.find("loss 40% for 3 rounds\\nPath: the loss starts at hop 6"), std::string::npos)
      << slack.body;
  const auto discord = discord_payload(delivery, context());
  EXPECT_NE(discord.body.find("Path: the loss starts at hop 6"), std::string::npos) << discord.body;
}

TEST(WebhookPayload, MissingFiguresAndLinkAreNull) {
  NotificationContext no_link = context();
  no_link.report_url.clear();
  const std::string text = webhook_body(sample_delivery(), no_link);
  EXPECT_NE(
      text.find(R"("round":{"sent":5,"received":0,"loss":100,"min_ms":null,"median_ms":null,"max_ms":null})"),
      std::string::npos)
      << text;
  EXPECT_TRUE(json::parse(text).at("report_url").is_null());
}

// The README's five-line Python check, taken from README.md itself, accepts our signature and refuses a
// changed body.
TEST(WebhookPayload, ReadmePythonExampleVerifiesTheSignature) {
  const char* source_dir = std::getenv("SEMAPHORE_SOURCE_DIR");
  const std::string readme_path = std::string(source_dir ? source_dir : ".") + "/README.md";
  std::ifstream readme(readme_path);
  ASSERT_TRUE(readme) << readme_path;
  std::stringstream text;
  text << readme.rdbuf();
  const std::string all = text.str();
  const auto marker = all.find("def verify_semaphore_signature(");
  ASSERT_NE(marker, std::string::npos) << "README.md has no Python webhook check";
  const auto start = all.rfind("```python\n", marker);
  const auto end = all.find("```", marker);
  ASSERT_TRUE(start != std::string::npos && end != std::string::npos);
  const std::string snippet = all.substr(start + 10, end - start - 10);

  const std::string secret = "whsec_0123456789abcdef";
  const auto payload = webhook_payload(channel_of("webhook", secret), degraded_delivery(), context());
  testing::TempDir dir;
  std::ofstream(dir.file("body.json"), std::ios::binary) << payload.body;
  std::ofstream(dir.file("check.py")) << snippet << "\nimport sys\n"
                                      << "body = open(sys.argv[1], 'rb').read() + sys.argv[5].encode()\n"
                                      << "print(verify_semaphore_signature(sys.argv[2], sys.argv[3], body, "
                                         "sys.argv[4]))\n";
  const auto run = [&](const std::string& extra) {
    return testing::run_command({"python3", dir.file("check.py"), dir.file("body.json"), secret,
                                 header(payload, "X-Semaphore-Timestamp"),
                                 header(payload, "X-Semaphore-Signature"), extra});
  };
  const auto good = run("");
  EXPECT_EQ(good.exit_code, 0) << good.err;
  EXPECT_EQ(good.out, "True\n") << good.err;
  const auto tampered = run(" ");
  EXPECT_EQ(tampered.out, "False\n") << tampered.err;
}

// --- Slack -------------------------------------------------------------------------------------------

TEST(SlackPayload, TextAndBlocksInSlacksShape) {
  store::Delivery delivery = degraded_delivery();
  delivery.host.label = "<!channel> & co";
  const auto payload = slack_payload(delivery, context());
  EXPECT_EQ(header(payload, "Content-Type"), "application/json");
  const json::object message = json::parse(payload.body).as_object();
  EXPECT_EQ(message.at("text"), "db.example.com is DEGRADED: loss 40% for 3 rounds");
  const json::array& blocks = message.at("blocks").as_array();
  ASSERT_EQ(blocks.size(), 3u);
  EXPECT_EQ(
      blocks[0],
      json::parse(R"({"type":"header","text":{"type":"plain_text","text":"db.example.com is DEGRADED"}})"));
  const json::object& section = blocks[1].as_object();
  EXPECT_EQ(section.at("type"), "section");
  EXPECT_EQ(section.at("text"), json::parse(R"({"type":"mrkdwn","text":"loss 40% for 3 rounds"})"));
  const json::array& fields = section.at("fields").as_array();
  ASSERT_LE(fields.size(), 10u);  // Slack's limit per section
  std::vector<std::string> texts;
  for (const auto& field : fields) {
    EXPECT_EQ(field.at("type"), "mrkdwn");
    texts.emplace_back(field.at("text").as_string());
  }
  EXPECT_EQ(texts,
            (std::vector<std::string>{"*State*\nDEGRADED (was UP)", "*Probes*\n5 sent, 3 received, 40% loss",
                                      "*RTT min / median / max*\n12.3 / 14.5 / 20.0 ms", "*Provider*\naws",
                                      "*Service*\npostgres", "*Label*\n&lt;!channel&gt; &amp; co",
                                      "*At*\n2026-01-01T00:00:00.000Z"}));
  EXPECT_EQ(blocks[2], json::parse(R"({"type":"context","elements":[{"type":"mrkdwn",
      "text":"<https://semaphore.example.com/report/11|Open in Semaphore>"}]})"));
}

TEST(SlackPayload, LongHostnameFitsTheHeaderLimit) {
  store::Delivery delivery = sample_delivery();
  delivery.host.hostname = std::string(240, 'a') + ".example";
  const json::object message = json::parse(slack_payload(delivery, context()).body).as_object();
  const std::string header_text(message.at("blocks").as_array()[0].at("text").at("text").as_string());
  EXPECT_LE(utf8_length(header_text), 150u);
  EXPECT_EQ(header_text.substr(header_text.size() - 3), "\xE2\x80\xA6");  // …
}

// --- Discord -----------------------------------------------------------------------------------------

TEST(DiscordPayload, ContentAndOneEmbed) {
  const auto payload = discord_payload(degraded_delivery(), context());
  const json::object message = json::parse(payload.body).as_object();
  EXPECT_EQ(message.at("content"), "db.example.com is DEGRADED: loss 40% for 3 rounds");
  EXPECT_EQ(message.at("allowed_mentions"), json::parse(R"({"parse":[]})"));
  const json::array& embeds = message.at("embeds").as_array();
  ASSERT_EQ(embeds.size(), 1u);
  const json::object& embed = embeds[0].as_object();
  EXPECT_EQ(embed.at("title"), "db.example.com is DEGRADED");
  EXPECT_EQ(embed.at("description"), "loss 40% for 3 rounds");
  EXPECT_EQ(embed.at("url"), "https://semaphore.example.com/report/11");
  EXPECT_EQ(embed.at("color"), 0xF29900);
  EXPECT_EQ(embed.at("timestamp"), "2026-01-01T00:00:00.000Z");
  const json::array& fields = embed.at("fields").as_array();
  ASSERT_EQ(fields.size(), 7u);
  EXPECT_EQ(fields[1],
            json::parse(R"({"name":"Probes","value":"5 sent, 3 received, 40% loss","inline":true})"));
}

TEST(DiscordPayload, ColorByState) {
  std::map<std::string, std::int64_t> colors;
  for (const char* state : {"down", "degraded", "flapping", "up"}) {
    store::Delivery delivery = sample_delivery();
    delivery.event.to_state = state;
    colors[state] = json::parse(discord_payload(delivery, context()).body)
                        .at("embeds")
                        .as_array()[0]
                        .at("color")
                        .as_int64();
  }
  EXPECT_EQ(colors["down"], 0xD93025);
  EXPECT_EQ(colors["up"], 0x1E8E3E);
  EXPECT_NE(colors["flapping"], colors["degraded"]);
}

TEST(DiscordPayload, KeepsWithinDiscordsLimits) {
  store::Delivery delivery = sample_delivery();
  delivery.host.hostname = std::string(250, 'h') + ".io";
  delivery.event.reason = std::string(3000, 'r') + std::string(3000, 's');
  delivery.host.label = std::string(2000, 'l');
  const json::object message = json::parse(discord_payload(delivery, context()).body).as_object();
  const json::object& embed = message.at("embeds").as_array()[0].as_object();
  EXPECT_LE(utf8_length(std::string(embed.at("title").as_string())), 256u);
  EXPECT_LE(utf8_length(std::string(embed.at("description").as_string())), 4096u);
  EXPECT_LE(utf8_length(std::string(message.at("content").as_string())), 2000u);
  EXPECT_LE(embed.at("fields").as_array().size(), 25u);
  for (const auto& field : embed.at("fields").as_array()) {
    EXPECT_LE(utf8_length(std::string(field.at("value").as_string())), 1024u);
  }
}

TEST(DiscordPayload, TruncatesAtCodePoints) {
  store::Delivery delivery = sample_delivery();
  delivery.event.reason = "";
  for (int i = 0; i < 3000; ++i) delivery.event.reason += "\xC3\xA9";  // é, two bytes each
  const json::object message = json::parse(discord_payload(delivery, context()).body).as_object();
  const std::string description(message.at("embeds").as_array()[0].at("description").as_string());
  EXPECT_EQ(utf8_length(description), 3000u);  // under the limit: untouched
  const std::string content(message.at("content").as_string());
  EXPECT_EQ(utf8_length(content), 2000u);
  EXPECT_EQ(content.substr(content.size() - 3), "\xE2\x80\xA6");
  EXPECT_EQ(content.substr(content.size() - 5, 2), "\xC3\xA9");  // a whole é before the ellipsis
}

// --- ntfy --------------------------------------------------------------------------------------------

TEST(NtfyPayload, HeadersAndPlainTextBody) {
  const auto payload = ntfy_payload(channel_of("ntfy"), sample_delivery(), context(), {});
  EXPECT_EQ(header(payload, "Title"), "db.example.com is DOWN");
  EXPECT_EQ(header(payload, "Priority"), "5");
  EXPECT_EQ(header(payload, "Tags"), "rotating_light,semaphore,down");
  EXPECT_EQ(header(payload, "Click"), "https://semaphore.example.com/report/11");
  EXPECT_EQ(header(payload, "Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(header(payload, "Authorization"), "<missing>");
  EXPECT_EQ(payload.body,
            "every probe lost for 3 rounds\nProbes: 5 sent, 0 received, 100% loss\nProvider: aws\n"
            "Service: postgres\nLabel: primary\nAt: 2026-01-01T00:00:00.000Z\n"
            "https://semaphore.example.com/report/11\n");
}

TEST(NtfyPayload, PriorityByStateOrOverride) {
  EXPECT_EQ(ntfy_priority("down"), 5);
  EXPECT_EQ(ntfy_priority("degraded"), 4);
  EXPECT_EQ(ntfy_priority("flapping"), 4);
  EXPECT_EQ(ntfy_priority("up"), 3);
  EXPECT_EQ(ntfy_priority("test"), 3);
  NtfyOptions low;
  low.priority = 2;
  EXPECT_EQ(header(ntfy_payload(channel_of("ntfy"), sample_delivery(), context(), low), "Priority"), "2");
}

TEST(NtfyPayload, AccessTokenAndNoLink) {
  NotificationContext no_link = context();
  no_link.report_url.clear();
  const auto payload = ntfy_payload(channel_of("ntfy", "tk_abc"), sample_delivery(), no_link, {});
  EXPECT_EQ(header(payload, "Authorization"), "Bearer tk_abc");
  EXPECT_EQ(header(payload, "Click"), "<missing>");
}

TEST(NtfyPayload, NonAsciiTitleIsAnEncodedWord) {
  store::Delivery delivery = sample_delivery();
  delivery.host.hostname =
      "b\xC3\xBC"
      "cher.example";  // as a hostname would never be stored, but still
  const auto payload = ntfy_payload(channel_of("ntfy"), delivery, context(), {});
  EXPECT_EQ(header(payload, "Title").rfind("=?UTF-8?B?", 0), 0u);
}

// --- e-mail ------------------------------------------------------------------------------------------

EmailOptions email_options() {
  EmailOptions options;
  options.from = "alerts@example.com";
  options.to = {"ops@example.com", "oncall@example.org"};
  return options;
}

std::map<std::string, std::string> headers_of(const std::string& message) {
  std::map<std::string, std::string> headers;
  std::size_t at = 0;
  while (true) {
    const auto end = message.find("\r\n", at);
    if (end == std::string::npos || end == at) break;
    const std::string line = message.substr(at, end - at);
    const auto colon = line.find(": ");
    if (colon != std::string::npos) headers[line.substr(0, colon)] = line.substr(colon + 2);
    at = end + 2;
  }
  return headers;
}

std::string decode_base64(const std::string& text) {
  std::string out(text.size(), '\0');
  std::size_t length = 0;
  EXPECT_EQ(sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                              text.size(), "\r\n", &length, nullptr, sodium_base64_VARIANT_ORIGINAL),
            0);
  out.resize(length);
  return out;
}

// The decoded body of the part whose Content-Type starts with `type`.
std::string part(const std::string& message, const std::string& type) {
  const auto header = message.find("Content-Type: " + type);
  if (header == std::string::npos) return "<no part>";
  const auto body = message.find("\r\n\r\n", header) + 4;
  const auto end = message.find("\r\n--", body);
  return decode_base64(message.substr(body, end - body));
}

TEST(EmailPayload, EnvelopeHeadersAndParts) {
  const auto email = email_payload(channel_of("email"), degraded_delivery(), context(), email_options());
  EXPECT_EQ(email.from, "alerts@example.com");
  EXPECT_EQ(email.to, (std::vector<std::string>{"ops@example.com", "oncall@example.org"}));
  const auto headers = headers_of(email.message);
  EXPECT_EQ(headers.at("From"), "Semaphore <alerts@example.com>");
  EXPECT_EQ(headers.at("To"), "ops@example.com, oncall@example.org");
  EXPECT_EQ(headers.at("Subject"), "[Semaphore] db.example.com is DEGRADED");
  EXPECT_EQ(headers.at("Date"), "Thu, 01 Jan 2026 00:00:05 +0000");
  EXPECT_EQ(headers.at("Message-ID"), "<semaphore.event-42.channel-3@example.com>");
  EXPECT_EQ(headers.at("MIME-Version"), "1.0");
  EXPECT_EQ(headers.at("Content-Type").rfind("multipart/alternative; boundary=\"", 0), 0u);

  const std::string text = part(email.message, "text/plain");
  EXPECT_NE(text.find("db.example.com is DEGRADED\r\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Probes: 5 sent, 3 received, 40% loss\r\n"), std::string::npos) << text;
  EXPECT_NE(text.find("RTT min / median / max: 12.3 / 14.5 / 20.0 ms"), std::string::npos) << text;
  EXPECT_NE(text.find("https://semaphore.example.com/report/11"), std::string::npos) << text;
  const std::string html = part(email.message, "text/html");
  EXPECT_NE(html.find("<th align=\"left\">Probes</th><td>5 sent, 3 received, 40% loss</td>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<a href=\"https://semaphore.example.com/report/11\">"), std::string::npos) << html;
  // Every line within SMTP's limit, every line ended by CRLF.
  std::istringstream lines(email.message);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_LE(line.size(), 998u);
    EXPECT_EQ(line.back(), '\r') << line;
  }
}

TEST(EmailPayload, NoFieldCanAddAHeader) {
  store::Delivery delivery = sample_delivery();
  delivery.host.hostname = "evil.example\r\nBcc: victim@example.net";
  delivery.event.to_state = "down\nX-Injected: 1";
  delivery.host.label = "<script>alert(1)</script>";
  const auto email = email_payload(channel_of("email"), delivery, context(), email_options());
  const auto headers_end = email.message.find("\r\n\r\n");
  const std::string headers = email.message.substr(0, headers_end + 2);
  EXPECT_EQ(headers.find("\r\nBcc:"), std::string::npos) << headers;
  EXPECT_EQ(headers.find("\r\nX-Injected:"), std::string::npos) << headers;
  EXPECT_EQ(headers.find('\n'), headers.find("\r\n") + 1);  // no bare LF anywhere
  for (std::size_t i = 0; i < headers.size(); ++i) {
    if (headers[i] == '\n') {
      EXPECT_EQ(headers[i - 1], '\r');
    }
  }
  EXPECT_EQ(headers_of(email.message).at("Subject"),
            "[Semaphore] evil.exampleBcc: victim@example.net is DOWNX-INJECTED: 1");
  const std::string html = part(email.message, "text/html");
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
}

// --- the test notification ---------------------------------------------------------------------------

// --- a location's event (issue 16) -------------------------------------------------------------------

store::Delivery location_delivery() {
  store::Delivery delivery;
  delivery.id = 8;
  delivery.channel_id = 3;
  delivery.event.id = 4;
  delivery.event.at = 1767225600000;  // 2026-01-01T00:00:00Z
  delivery.event.from_state = "online";
  delivery.event.to_state = "offline";
  delivery.event.trigger = "location";
  delivery.event.reason = "no round from location fra for 3 of its intervals";
  delivery.event.quiet = "no";
  delivery.event.locations = {"fra"};
  delivery.location = store::NotifiedLocation{2, "fra", "Frankfurt (Hetzner)", 1767225420000};
  return delivery;
}

NotificationContext locations_context() {
  return NotificationContext{"https://semaphore.example.com/locations", 1767225605123};
}

TEST(LocationNotification, TheWebhookBodyNamesTheLocationInsteadOfAHost) {
  const std::string text = webhook_body(location_delivery(), locations_context());
  const json::object body = json::parse(text).as_object();
  std::vector<std::string> keys;
  for (const auto& member : body) keys.emplace_back(member.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"event_id", "location", "state", "previous_state", "at", "reason",
                                            "report_url"}));
  EXPECT_EQ(body.at("event_id"), "location-4") << "never the id of a host's event";
  EXPECT_EQ(body.at("location"), json::parse(R"json({"id":2,"name":"fra","label":"Frankfurt (Hetzner)",
                                                 "last_seen_at":"2025-12-31T23:57:00.000Z"})json"));
  EXPECT_EQ(body.at("state"), "offline");
  EXPECT_EQ(body.at("previous_state"), "online");
  EXPECT_EQ(body.at("report_url"), "https://semaphore.example.com/locations");
  const auto payload =
      webhook_payload(channel_of("webhook", "s3cret"), location_delivery(), locations_context());
  EXPECT_EQ(header(payload, "X-Semaphore-Event"), "location-4");
  EXPECT_EQ(header(payload, "X-Semaphore-Signature"),
            "sha256=" + webhook_signature("s3cret", 1767225605, payload.body));
}

TEST(LocationNotification, EveryKindSaysWhichLocationAndWhen) {
  EXPECT_EQ(notification_title(location_delivery()), "Location fra is OFFLINE");
  const auto slack = json::parse(slack_payload(location_delivery(), locations_context()).body).as_object();
  EXPECT_EQ(slack.at("text"), "Location fra is OFFLINE: no round from location fra for 3 of its intervals");
  const auto ntfy = ntfy_payload(channel_of("ntfy"), location_delivery(), locations_context(), {});
  EXPECT_EQ(header(ntfy, "Priority"), "4");
  EXPECT_EQ(header(ntfy, "Tags"), "warning,semaphore,offline");
  EXPECT_NE(ntfy.body.find("Location: Frankfurt (Hetzner)\n"), std::string::npos) << ntfy.body;
  EXPECT_NE(ntfy.body.find("Last heard from: 2025-12-31T23:57:00.000Z\n"), std::string::npos) << ntfy.body;
  EXPECT_EQ(ntfy.body.find("Probes"), std::string::npos) << "a location's event has no round";
  const auto email =
      email_payload(channel_of("email"), location_delivery(), locations_context(), email_options());
  const auto headers = headers_of(email.message);
  EXPECT_EQ(headers.at("Subject"), "[Semaphore] Location fra is OFFLINE");
  EXPECT_EQ(headers.at("Message-ID"), "<semaphore.location-event-4.channel-3@example.com>");
  const auto discord =
      json::parse(discord_payload(location_delivery(), locations_context()).body).as_object();
  EXPECT_EQ(discord.at("embeds").as_array().at(0).as_object().at("url"),
            "https://semaphore.example.com/locations");

  store::Delivery back = location_delivery();
  back.event.from_state = "offline";
  back.event.to_state = "online";
  EXPECT_EQ(notification_title(back), "Location fra is ONLINE");
  EXPECT_EQ(ntfy_payload(channel_of("ntfy"), back, locations_context(), {}).headers.size(),
            ntfy.headers.size());
  EXPECT_EQ(header(ntfy_payload(channel_of("ntfy"), back, locations_context(), {}), "Priority"), "3");
}

TEST(TestNotification, GoesThroughTheSameShapes) {
  const store::Delivery test = test_delivery(channel_of("webhook"), 1767225600000);
  EXPECT_TRUE(is_test_delivery(test));
  EXPECT_FALSE(is_test_delivery(sample_delivery()));
  const json::object body = json::parse(webhook_body(test, context())).as_object();
  EXPECT_EQ(body.at("event_id"), "test-1767225600000");
  EXPECT_EQ(body.at("state"), "test");
  EXPECT_EQ(body.at("round").at("sent"), 0);
  EXPECT_TRUE(body.at("round").at("loss").is_null());
  EXPECT_EQ(notification_title(test), "Semaphore test notification");
  const auto email = email_payload(channel_of("email"), test, context(), email_options());
  EXPECT_EQ(headers_of(email.message).at("Subject"), "[Semaphore] Semaphore test notification");
  EXPECT_EQ(headers_of(email.message).at("Message-ID"),
            "<semaphore.test-1767225600000.channel-3@example.com>");
}

TEST(Text, HtmlEscapeAndHeaderSafe) {
  EXPECT_EQ(html_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
  EXPECT_EQ(header_safe("a\r\nb\tc\x7f"
                        "d"),
            "abcd");
  EXPECT_EQ(figures_text(degraded_delivery().event),
            "5 sent, 3 received, 40% loss, RTT min/median/max 12.3 / 14.5 / 20.0 ms");
}

}  // namespace
}  // namespace semaphore::alerts

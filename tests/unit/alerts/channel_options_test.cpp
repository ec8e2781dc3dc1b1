// A channel's URL and settings (alerts/channel_options.h): what is accepted per kind, what is refused and
// which field the error names.
#include "alerts/channel_options.h"

#include <gtest/gtest.h>

namespace semaphore::alerts {
namespace {

store::ChannelRecord channel(std::string kind, std::string url, std::string options = {},
                             std::string secret = {}) {
  store::ChannelRecord record;
  record.kind = std::move(kind);
  record.url = std::move(url);
  record.options = std::move(options);
  record.secret = std::move(secret);
  return record;
}

std::string url_error(std::string_view kind, std::string_view url,
                      std::optional<TargetPolicy> policy = std::nullopt) {
  auto checked = check_channel_url(kind, url, policy);
  return checked ? "ok" : checked.error().message;
}

TEST(ChannelUrl, SchemesByKind) {
  EXPECT_EQ(url_error("webhook", "https://hooks.example.com/a?b=c"), "ok");
  EXPECT_EQ(url_error("slack", "https://hooks.slack.com/services/T0/B0/XXX"), "ok");
  EXPECT_EQ(url_error("ntfy", "http://ntfy.example.com:8080/alerts"), "ok");
  EXPECT_EQ(url_error("email", "smtp://mail.example.com:587"), "ok");
  EXPECT_EQ(url_error("email", "smtps://mail.example.com"), "ok");
  EXPECT_EQ(url_error("webhook", "ftp://example.com/x"), "enter an https:// or http:// URL");
  EXPECT_EQ(url_error("webhook", "smtp://example.com"), "enter an https:// or http:// URL");
  EXPECT_EQ(url_error("email", "https://example.com"), "enter an smtp:// or smtps:// URL");
  EXPECT_EQ(url_error("discord", "hooks.example.com/x"), "enter an https:// or http:// URL");
  EXPECT_EQ(url_error("webhook", ""), "enter the channel's URL");
}

TEST(ChannelUrl, RefusesCredentialsFragmentsAndOddHosts) {
  EXPECT_EQ(url_error("webhook", "https://user:pw@example.com/x"),
            "the URL may not hold a user name or password (user:password@)");
  EXPECT_NE(url_error("email", "smtp://user@mail.example.com"), "ok");
  EXPECT_EQ(url_error("webhook", "https://example.com/x#frag"), "the URL may not have a #fragment");
  EXPECT_EQ(url_error("email", "smtp://mail.example.com/path"),
            "an e-mail URL names only the server: smtp://host[:port] or smtps://host[:port]");
  EXPECT_EQ(url_error("webhook", "https://exa%6dple.com/"), "the URL's host may not be %-encoded");
  EXPECT_EQ(url_error("webhook", "https://example.com:0/"),
            "the URL's port must be a number from 1 to 65535");
  EXPECT_EQ(url_error("webhook", "https://example.com/a b"),
            "the URL may not contain spaces or control characters");
  EXPECT_EQ(url_error("webhook", "https://example.com/\r\nX: y"),
            "the URL may not contain spaces or control characters");
  EXPECT_EQ(url_error("webhook", "https://" + std::string(2100, 'a') + ".com/"),
            "the URL is longer than 2048 characters");
  EXPECT_EQ(url_error("webhook", "https:///path"), "the URL has no host");
}

TEST(ChannelUrl, PartsAndDefaultPorts) {
  auto https = parse_channel_url("webhook", "HTTPS://Hooks.Example.COM/In");
  ASSERT_TRUE(https);
  EXPECT_EQ(https->scheme, "https");
  EXPECT_EQ(https->host, "hooks.example.com");
  EXPECT_EQ(https->port, 443);
  EXPECT_FALSE(https->address);
  auto v6 = parse_channel_url("webhook", "http://[::1]:8080/x");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 8080);
  ASSERT_TRUE(v6->address);
  EXPECT_EQ(parse_channel_url("email", "smtp://mail.example.com")->port, 25);
  EXPECT_EQ(parse_channel_url("email", "smtps://mail.example.com")->port, 465);
  EXPECT_EQ(parse_channel_url("ntfy", "http://10.0.0.5/t")->port, 80);
}

TEST(ChannelUrl, AddressLiteralsAgainstThePolicy) {
  EXPECT_EQ(url_error("webhook", "http://127.0.0.1:9000/", TargetPolicy::allow_private), "ok");
  EXPECT_EQ(url_error("webhook", "http://127.0.0.1:9000/", TargetPolicy::public_only),
            "127.0.0.1 is not an allowed destination on this server");
  EXPECT_EQ(url_error("webhook", "http://10.1.2.3/", TargetPolicy::public_only),
            "10.1.2.3 is not an allowed destination on this server");
  // Link-local and the metadata addresses whatever the policy.
  EXPECT_EQ(url_error("webhook", "http://169.254.169.254/latest/", TargetPolicy::allow_private),
            "169.254.169.254 is not an allowed destination on this server");
  EXPECT_EQ(url_error("webhook", "http://[fe80::1]/", TargetPolicy::allow_private),
            "fe80::1 is not an allowed destination on this server");
  EXPECT_EQ(url_error("webhook", "http://[::ffff:169.254.169.254]/", TargetPolicy::allow_private),
            "169.254.169.254 is not an allowed destination on this server");
  EXPECT_EQ(url_error("webhook", "http://[fd00:ec2::254]/", TargetPolicy::allow_private),
            "fd00:ec2::254 is not an allowed destination on this server");
  EXPECT_EQ(url_error("webhook", "https://203.0.113.9/", TargetPolicy::public_only), "ok");
}

TEST(ChannelOptions, EmailDefaultsAndNormalization) {
  auto options = parse_channel_options(
      "email",
      R"({"from":" Alerts@Example.com ","to":["ops@example.com","OPS@example.com","b@example.org"]})",
      "smtp://mail.example.com:587");
  ASSERT_TRUE(options) << options.error().message;
  EXPECT_EQ(options->email.from, "alerts@example.com");
  EXPECT_EQ(options->email.to, (std::vector<std::string>{"ops@example.com", "b@example.org"}));
  EXPECT_EQ(options->email.tls, SmtpTls::starttls);
  EXPECT_EQ(channel_options_json("email", *options),
            R"({"from":"alerts@example.com","to":["ops@example.com","b@example.org"],"tls":"starttls"})");
  auto implicit = parse_channel_options(
      "email", R"({"from":"a@example.com","to":"b@example.com","username":"a"})", "smtps://mail.example.com");
  ASSERT_TRUE(implicit) << implicit.error().message;
  EXPECT_EQ(implicit->email.tls, SmtpTls::tls);
  EXPECT_EQ(implicit->email.username, "a");
}

std::string options_error(std::string_view kind, std::string_view options, std::string_view url = {}) {
  auto parsed = parse_channel_options(kind, options, url);
  return parsed ? "ok" : parsed.error().message;
}

TEST(ChannelOptions, EmailRefusals) {
  const std::string smtp = "smtp://mail.example.com";
  EXPECT_EQ(options_error("email", "", smtp), "from: enter the sender's address");
  EXPECT_EQ(options_error("email", R"({"from":"a@example.com"})", smtp),
            "to: enter 1 to 10 e-mail addresses");
  EXPECT_EQ(options_error("email", R"({"from":"a@example.com","to":[]})", smtp),
            "to: enter 1 to 10 e-mail addresses");
  std::string eleven = R"({"from":"a@example.com","to":[)";
  for (int i = 0; i < 11; ++i)
    eleven += (i ? "," : "") + std::string("\"u") + std::to_string(i) + "@example.com\"";
  eleven += "]}";
  EXPECT_EQ(options_error("email", eleven, smtp), "to: enter 1 to 10 e-mail addresses");
  EXPECT_EQ(options_error("email", R"({"from":"a@example.com","to":["x@example.com\r\nBcc: y@example.com"]})",
                          smtp),
            "to: enter an email address like name@example.com");
  EXPECT_EQ(options_error("email", R"({"from":"a@example.com>","to":["x@example.com"]})", smtp),
            "from: enter an email address like name@example.com");
  EXPECT_EQ(options_error("email", R"({"from":"a@example.com","to":["x@example.com"],"cc":[]})", smtp),
            "cc: not a setting of e-mail channels (from, to, username, tls)");
  EXPECT_EQ(options_error("email", R"({"from":"a@example.com","to":["x@example.com"],"tls":"ssl"})", smtp),
            "tls: must be \"starttls\", \"tls\" or \"none\"");
  EXPECT_EQ(options_error("email", R"({"from":"a@example.com","to":["x@example.com"],"tls":"tls"})", smtp),
            "tls: implicit TLS (\"tls\") needs an smtps:// URL");
  EXPECT_EQ(options_error("email", R"({"from":"a@example.com","to":["x@example.com"],"tls":"starttls"})",
                          "smtps://m.example"),
            "tls: an smtps:// URL means implicit TLS (\"tls\"); use smtp:// for \"starttls\" or \"none\"");
  EXPECT_EQ(
      options_error("email", R"({"from":"a@example.com","to":["x@example.com"],"tls":"none","username":"u"})",
                    smtp)
          .rfind("username: a login needs TLS", 0),
      0u);
  EXPECT_EQ(options_error("email", "[1]", smtp), "options: must be a JSON object");
  EXPECT_EQ(options_error("email", "{not json", smtp), "options: must be a JSON object");
}

TEST(ChannelOptions, NtfyAndHttpKinds) {
  EXPECT_EQ(parse_channel_options("ntfy", R"({"priority":2})")->ntfy.priority, 2);
  EXPECT_FALSE(parse_channel_options("ntfy", "{}")->ntfy.priority);
  EXPECT_EQ(options_error("ntfy", R"({"priority":6})"),
            "priority: must be a whole number from 1 (min) to 5 (urgent)");
  EXPECT_EQ(options_error("ntfy", R"({"priority":"high"})"),
            "priority: must be a whole number from 1 (min) to 5 (urgent)");
  EXPECT_EQ(options_error("ntfy", R"({"tags":"x"})"), "tags: not a setting of ntfy channels (priority)");
  EXPECT_EQ(options_error("webhook", "{}"), "ok");
  EXPECT_EQ(options_error("slack", ""), "ok");
  EXPECT_EQ(options_error("discord", R"({"color":1})"), "color: discord channels have no settings");
  EXPECT_EQ(options_error("pager", "{}"), "kind: must be webhook, slack, discord, ntfy or email");
}

TEST(CheckChannel, NamesTheFieldAndNormalizes) {
  auto email = channel("email", " smtp://mail.example.com:587 ",
                       R"({"to":["ops@example.com"],"from":"A@example.com"})");
  EXPECT_FALSE(check_channel(email));
  EXPECT_EQ(email.url, "smtp://mail.example.com:587");
  EXPECT_EQ(email.options, R"({"from":"a@example.com","to":["ops@example.com"],"tls":"starttls"})");

  auto bad_to = channel("email", "smtp://mail.example.com", R"({"from":"a@example.com","to":["nope"]})");
  const auto issue = check_channel(bad_to);
  ASSERT_TRUE(issue);
  EXPECT_EQ(issue->field, "options.to");
  EXPECT_EQ(issue->message, "enter an email address like name@example.com");

  auto not_object = channel("email", "smtp://mail.example.com", "7");
  EXPECT_EQ(check_channel(not_object)->field, "options");

  auto kind = channel("sms", "https://example.com");
  EXPECT_EQ(check_channel(kind)->field, "kind");
  auto url = channel("slack", "http://user:pw@example.com/");
  EXPECT_EQ(check_channel(url)->field, "url");
  auto metadata = channel("webhook", "http://169.254.169.254/", "", "whsec_0123456789abcdef");
  EXPECT_EQ(check_channel(metadata, TargetPolicy::allow_private)->field, "url");

  auto short_secret = channel("webhook", "https://example.com/hook", "", "short");
  EXPECT_EQ(check_channel(short_secret)->field, "secret");
  auto control = channel("ntfy", "https://ntfy.example.com/t", "", "tk\n1");
  EXPECT_EQ(check_channel(control)->field, "secret");
  auto ok = channel("webhook", "https://example.com/hook", "", make_webhook_secret());
  EXPECT_FALSE(check_channel(ok));
  EXPECT_EQ(ok.options, "{}");
}

TEST(CheckChannel, WebhookSecretsAreRandomAndUrlSafe) {
  const std::string a = make_webhook_secret();
  const std::string b = make_webhook_secret();
  EXPECT_NE(a, b);
  EXPECT_EQ(a.rfind("whsec_", 0), 0u);
  EXPECT_EQ(a.size(), 6u + 43u);  // 32 bytes in unpadded base64
  EXPECT_EQ(a.find_first_not_of("whsec_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-", 0),
            std::string::npos);
}

}  // namespace
}  // namespace semaphore::alerts

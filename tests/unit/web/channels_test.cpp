// Alert channels (issue 14) through WebApp::handle over a real SQLite store: /alerts' Channels section and
// its forms (CSRF, every field error named, another user's channel 404, a webhook's secret shown once, the
// URL shown by its host only), Send test through a real CurlSender to an HTTP receiver on loopback (signed,
// nothing in the outbox, throttled per user), and /api/v1/channels (the same rules as JSON: 201 with the
// secret once, never a secret on GET, 409 for a duplicate name, 422 with the field for bad options).
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <regex>

#include "alerts/channel_payloads.h"
#include "alerts/curl_sender.h"
#include "store/store.h"
#include "support/http_receiver.h"
#include "support/process.h"
#include "support/sqlite_store.h"
#include "support/temp_dir.h"
#include "unit/web/test_browser.h"
#include "web/app.h"

namespace semaphore::web {
namespace {

namespace json = boost::json;
using namespace web_testing;  // the shared test browser (test_browser.h)

std::string encode(const std::string& text) {
  return boost::urls::encode(text, boost::urls::unreserved_chars);
}

// The secret shown once on a page (<code class="secret">...</code>), or "".
std::string secret_in(const std::string& html) {
  static const std::regex pattern("<code class=\"secret\">([^<]*)</code>");
  std::smatch match;
  return std::regex_search(html, match, pattern) ? match[1].str() : std::string();
}

class ChannelsTest : public ::testing::Test {
 protected:
  ChannelsTest() {
    alerts::CurlSenderOptions sender_options;
    sender_options.policy = TargetPolicy::allow_private;  // the receiver is on loopback
    sender_options.connect_timeout = std::chrono::seconds(2);
    sender_options.total_timeout = std::chrono::seconds(5);
    sender = std::make_unique<alerts::CurlSender>(sender_options);
  }
  WebApp& app(bool with_sender = true) {
    if (!app_) {
      app_ = app_over(*store, options);
      if (with_sender) app_->set_notification_sender(sender.get());
    }
    return *app_;
  }
  store::Id user_id(const std::string& email) { return store->find_user_by_email(email)->id; }
  store::Id add_host(store::Id user, const std::string& hostname) {
    return store->add_host({0, user, hostname, Provider::other, "", "", true, 0, {}})->id;
  }
  std::vector<store::ChannelWithStatus> channels_of(const std::string& email) {
    auto listed = store->list_channels(user_id(email));
    EXPECT_TRUE(listed) << listed.error().message;
    return listed ? *listed : std::vector<store::ChannelWithStatus>{};
  }
  // Adds a webhook through the form; returns the page that answered.
  Response add_webhook(Browser& browser, const std::string& name, const std::string& url) {
    return browser.post("/alerts/channels", "kind=webhook&name=" + encode(name) + "&url=" + encode(url));
  }

  testing::TempDir dir{"semaphore-channels-unit"};
  std::unique_ptr<store::Store> store = semaphore::testing::open_migrated_sqlite(dir, "channels.db");
  WebOptions options;
  std::unique_ptr<alerts::CurlSender> sender;
  std::unique_ptr<WebApp> app_;
};

// --- /alerts ---

TEST_F(ChannelsTest, AWebhookAddedOnAlertsShowsItsSecretOnceAndItsHostOnly) {
  Browser browser{app()};
  browser.sign_up("ann@example.com");
  const Response added = add_webhook(browser, "Ops hook", "http://127.0.0.1:8080/hooks/path-token-xyz?k=v");
  ASSERT_EQ(added.status, 200) << added.body;
  const std::string shown = secret_in(added.body);
  ASSERT_TRUE(shown.starts_with("whsec_")) << added.body;

  const auto channels = channels_of("ann@example.com");
  ASSERT_EQ(channels.size(), 1u);
  EXPECT_EQ(channels[0].channel.secret, shown);  // the secret shown is the one that signs
  EXPECT_EQ(channels[0].channel.kind, "webhook");
  EXPECT_TRUE(channels[0].channel.enabled);

  const Response page = browser.call(Method::get, "/alerts");
  ASSERT_EQ(page.status, 200);
  EXPECT_FALSE(contains(page.body, shown)) << "the secret is shown once, not again";
  EXPECT_TRUE(contains(page.body, "Ops hook"));
  EXPECT_TRUE(contains(page.body, "<td>127.0.0.1:8080</td>"));
  EXPECT_FALSE(contains(page.body, "path-token-xyz")) << "only the URL's host is shown";
  EXPECT_TRUE(contains(page.body, "0 pending; nothing delivered yet"));
  EXPECT_TRUE(contains(page.body, "all hosts; all providers; all states"));
  EXPECT_FALSE(contains(page.body, "Failing for 24 h"));
  const Response edit =
      browser.call(Method::get, "/alerts/channels/" + std::to_string(channels[0].channel.id));
  ASSERT_EQ(edit.status, 200);
  EXPECT_FALSE(contains(edit.body, shown));
  EXPECT_FALSE(contains(edit.body, "path-token-xyz"));
}

TEST_F(ChannelsTest, EveryChannelFormNeedsTheCsrfToken) {
  Browser browser{app()};
  browser.sign_up("ann@example.com");
  ASSERT_EQ(add_webhook(browser, "hook", "http://127.0.0.1:9/").status, 200);
  const std::string id = std::to_string(channels_of("ann@example.com")[0].channel.id);
  EXPECT_EQ(browser.post("/alerts/channels", "kind=webhook&name=two&url=http%3A%2F%2F127.0.0.1%3A9%2F", false)
                .status,
            403);
  for (const std::string action : {"", "/enable", "/disable", "/delete", "/rotate-secret", "/test"}) {
    EXPECT_EQ(browser.post("/alerts/channels/" + id + action, "name=renamed&url=", false).status, 403)
        << action;
  }
  const auto channels = channels_of("ann@example.com");
  ASSERT_EQ(channels.size(), 1u);
  EXPECT_EQ(channels[0].channel.name, "hook");
  EXPECT_TRUE(channels[0].channel.enabled);
}

TEST_F(ChannelsTest, TheAddFormNamesEveryWrongField) {
  Browser browser{app()};
  browser.sign_up("ann@example.com");
  Browser other{app()};
  other.sign_up("bob@example.com");
  const store::Id bobs_host = add_host(user_id("bob@example.com"), "bob.example.com");

  struct Case {
    std::string fields;
    std::string input_id;  // the input marked invalid
    int status;
  };
  const std::vector<Case> cases = {
      {"kind=webhook&url=ftp%3A%2F%2Fexample.com%2F", "channel-url", 400},
      {"kind=webhook&url=http%3A%2F%2Fuser%3Apw%40example.com%2F", "channel-url", 400},
      {"kind=carrier-pigeon&url=https%3A%2F%2Fexample.com%2F", "channel-kind", 400},
      {"kind=email&url=smtp%3A%2F%2Fmail.example.com&email_from=ops%40example.com", "channel-to", 400},
      {"kind=email&url=smtp%3A%2F%2Fmail.example.com&email_from=nope&email_to=a%40example.com",
       "channel-from", 400},
      {"kind=email&url=smtp%3A%2F%2Fmail.example.com&email_from=o%40example.com&email_to=a%40example.com&"
       "email_tls=none&email_username=me",
       "channel-user", 400},
      {"kind=ntfy&url=https%3A%2F%2Fntfy.sh%2Ftopic&ntfy_priority=9", "channel-priority", 400},
      {"kind=webhook&url=https%3A%2F%2Fexample.com%2F&host_id=" + std::to_string(bobs_host), "channel-hosts",
       400},
      {"kind=webhook&url=https%3A%2F%2Fexample.com%2F&state=sideways", "channel-state", 400},
      {"kind=webhook&url=https%3A%2F%2Fexample.com%2F&name=" + std::string(65, 'n'), "channel-name", 400},
  };
  for (const auto& c : cases) {
    const Response response = browser.post("/alerts/channels", c.fields);
    EXPECT_EQ(response.status, c.status) << c.fields;
    if (c.input_id == "channel-state") {
      EXPECT_TRUE(contains(response.body, "Not a state a notification carries")) << c.fields;
    } else {
      EXPECT_TRUE(contains(response.body, "id=\"" + c.input_id + "\"") &&
                  contains(response.body, "aria-describedby=\"" + c.input_id + "-error\""))
          << c.fields << "\n"
          << response.body;
    }
    EXPECT_TRUE(contains(response.body, "it was not added")) << c.fields;
  }
  EXPECT_TRUE(channels_of("ann@example.com").empty());

  // A duplicate name: 409, the name marked.
  ASSERT_EQ(add_webhook(browser, "same", "https://example.com/a").status, 200);
  const Response duplicate = add_webhook(browser, "same", "https://example.com/b");
  EXPECT_EQ(duplicate.status, 409);
  EXPECT_TRUE(contains(duplicate.body, "aria-describedby=\"channel-name-error\""));
  EXPECT_TRUE(contains(duplicate.body, "value=\"https://example.com/b\"")) << "what was typed is kept";
  EXPECT_EQ(channels_of("ann@example.com").size(), 1u);
}

TEST_F(ChannelsTest, AnEmailChannelCoversChosenHostsProvidersAndStates) {
  Browser browser{app()};
  browser.sign_up("ann@example.com");
  const store::Id web = add_host(user_id("ann@example.com"), "web.example.com");
  const store::Id db = add_host(user_id("ann@example.com"), "db.example.com");
  const Response added = browser.post(
      "/alerts/channels",
      "kind=email&name=Mail&url=smtps%3A%2F%2Fmail.example.com&email_from=alerts%40example.com&email_to=a%40"
      "example.com%2C+b%40example.com&email_username=alerts&secret=smtp-pass&host_id=" +
          std::to_string(web) + "&host_id=" + std::to_string(db) + "&provider=aws&state=down&state=up");
  ASSERT_EQ(added.status, 200) << added.body;
  EXPECT_EQ(secret_in(added.body), "") << "only a webhook's secret is shown";
  const auto channels = channels_of("ann@example.com");
  ASSERT_EQ(channels.size(), 1u);
  const store::ChannelRecord& channel = channels[0].channel;
  EXPECT_EQ(channel.secret, "smtp-pass");
  EXPECT_EQ(channel.host_ids, (std::vector<store::Id>{web, db}));
  EXPECT_EQ(channel.providers, std::vector<std::string>{"AWS"});
  EXPECT_EQ(channel.states, (std::vector<std::string>{"down", "up"}));
  const json::value settings = json::parse(channel.options);
  EXPECT_EQ(settings.at("tls").as_string(), "tls");
  EXPECT_EQ(settings.at("to").as_array().size(), 2u);
  const Response page = browser.call(Method::get, "/alerts");
  EXPECT_TRUE(contains(page.body, "web.example.com, db.example.com; AWS; down/up")) << page.body;
  EXPECT_FALSE(contains(page.body, "smtp-pass"));
  const Response edit = browser.call(Method::get, "/alerts/channels/" + std::to_string(channel.id));
  EXPECT_FALSE(contains(edit.body, "smtp-pass"));
  EXPECT_TRUE(contains(edit.body, "value=\"a@example.com, b@example.com\""));
}

TEST_F(ChannelsTest, EditDisableEnableRotateAndDeleteAChannel) {
  Browser browser{app()};
  browser.sign_up("ann@example.com");
  const std::string first_secret =
      secret_in(add_webhook(browser, "hook", "https://hooks.example.com/x").body);
  ASSERT_FALSE(first_secret.empty());
  const store::Id id = channels_of("ann@example.com")[0].channel.id;
  const std::string base = "/alerts/channels/" + std::to_string(id);

  // Saving with the URL left blank keeps the URL and the secret.
  const Response saved = browser.post(base, "name=renamed&url=&state=down&enabled=1");
  EXPECT_EQ(saved.status, 303) << saved.body;
  auto channel = channels_of("ann@example.com")[0].channel;
  EXPECT_EQ(channel.name, "renamed");
  EXPECT_EQ(channel.url, "https://hooks.example.com/x");
  EXPECT_EQ(channel.secret, first_secret);
  EXPECT_EQ(channel.states, std::vector<std::string>{"down"});
  EXPECT_EQ(browser.post(base, "name=renamed&url=gopher%3A%2F%2Fx&enabled=1").status, 400);

  EXPECT_EQ(browser.post(base + "/disable", "").status, 303);
  EXPECT_FALSE(channels_of("ann@example.com")[0].channel.enabled);
  EXPECT_TRUE(contains(browser.call(Method::get, "/alerts").body, ">disabled<"));
  EXPECT_EQ(browser.post(base + "/enable", "").status, 303);
  EXPECT_TRUE(channels_of("ann@example.com")[0].channel.enabled);

  const Response rotated = browser.post(base + "/rotate-secret", "");
  ASSERT_EQ(rotated.status, 200);
  const std::string second_secret = secret_in(rotated.body);
  EXPECT_TRUE(second_secret.starts_with("whsec_"));
  EXPECT_NE(second_secret, first_secret);
  EXPECT_EQ(channels_of("ann@example.com")[0].channel.secret, second_secret);
  EXPECT_FALSE(contains(browser.call(Method::get, base).body, second_secret));

  EXPECT_EQ(browser.post(base + "/delete", "").status, 303);
  EXPECT_TRUE(channels_of("ann@example.com").empty());
  EXPECT_EQ(browser.call(Method::get, base).status, 404);
}

TEST_F(ChannelsTest, AnotherUsersChannelIs404OnEveryForm) {
  testing::HttpReceiver receiver;
  Browser ann{app()};
  ann.sign_up("ann@example.com");
  ASSERT_EQ(add_webhook(ann, "anns", receiver.url()).status, 200);
  const store::Id id = channels_of("ann@example.com")[0].channel.id;
  Browser bob{app()};
  bob.sign_up("bob@example.com");
  const std::string base = "/alerts/channels/" + std::to_string(id);
  EXPECT_EQ(bob.call(Method::get, base).status, 404);
  for (const std::string action : {"", "/enable", "/disable", "/delete", "/rotate-secret", "/test"}) {
    EXPECT_EQ(bob.post(base + action, "name=mine&url=https%3A%2F%2Fexample.com%2F").status, 404) << action;
  }
  EXPECT_FALSE(contains(bob.call(Method::get, "/alerts").body, "anns"));
  const auto channels = channels_of("ann@example.com");
  ASSERT_EQ(channels.size(), 1u);
  EXPECT_EQ(channels[0].channel.name, "anns");
  EXPECT_TRUE(receiver.received().empty()) << "bob's test sent nothing";
}

TEST_F(ChannelsTest, SendTestDeliversOneSignedPostAndWritesNothingToTheOutbox) {
  testing::HttpReceiver receiver;
  Browser browser{app()};
  browser.sign_up("ann@example.com");
  const std::string secret = secret_in(add_webhook(browser, "hook", receiver.url("/in")).body);
  const store::Id id = channels_of("ann@example.com")[0].channel.id;

  const Response tested = browser.post("/alerts/channels/" + std::to_string(id) + "/test", "");
  ASSERT_EQ(tested.status, 200) << tested.body;
  EXPECT_TRUE(contains(tested.body, "Test notification delivered to <strong>hook</strong> (status 200)"))
      << tested.body;
  const auto received = receiver.received();
  ASSERT_EQ(received.size(), 1u);
  const auto& request = received[0];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/in");
  const std::string timestamp = request.headers.at("x-semaphore-timestamp");
  EXPECT_EQ(request.headers.at("x-semaphore-signature"),
            "sha256=" + alerts::webhook_signature(secret, std::stoll(timestamp), request.body));
  const json::value body = json::parse(request.body);
  EXPECT_EQ(body.at("state").as_string(), "test");
  EXPECT_TRUE(std::string(body.at("event_id").as_string()).starts_with("test-"));

  auto deliveries = store->channel_deliveries(user_id("ann@example.com"), id, 100);
  ASSERT_TRUE(deliveries);
  EXPECT_TRUE(deliveries->empty()) << "a test never goes through the outbox";
  EXPECT_EQ(channels_of("ann@example.com")[0].status.pending, 0);

  // A receiver that answers 500: the page says so, with the status.
  receiver.answer_with(500);
  const Response failed = browser.post("/alerts/channels/" + std::to_string(id) + "/test", "");
  EXPECT_EQ(failed.status, 200);
  EXPECT_TRUE(contains(failed.body, "not delivered: HTTP 500")) << failed.body;
}

TEST_F(ChannelsTest, SendTestIsThrottledPerUser) {
  testing::HttpReceiver receiver;
  Browser ann{app()};
  ann.sign_up("ann@example.com");
  ASSERT_EQ(add_webhook(ann, "hook", receiver.url()).status, 200);
  const std::string target =
      "/alerts/channels/" + std::to_string(channels_of("ann@example.com")[0].channel.id);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(ann.post(target + "/test", "").status, 200) << i;
  const Response refused = ann.post(target + "/test", "");
  EXPECT_EQ(refused.status, 429);
  EXPECT_FALSE(header_of(refused, "Retry-After").empty());
  EXPECT_TRUE(contains(refused.body, "Too many tests"));
  EXPECT_EQ(receiver.received().size(), 5u);
  // The API shares the user's budget.
  EXPECT_EQ(
      ann.api(Method::post, "/api/v1" + target.substr(std::string("/alerts").size()) + "/test", "{}").status,
      429);

  // Another user has a budget of their own.
  Browser bob{app()};
  bob.sign_up("bob@example.com");
  ASSERT_EQ(add_webhook(bob, "hook", receiver.url()).status, 200);
  const std::string bobs = "/alerts/channels/" + std::to_string(channels_of("bob@example.com")[0].channel.id);
  EXPECT_EQ(bob.post(bobs + "/test", "").status, 200);
  EXPECT_EQ(receiver.received().size(), 6u);
}

TEST_F(ChannelsTest, SendTestWithoutASenderSaysSo) {
  Browser browser{app(/*with_sender=*/false)};
  browser.sign_up("ann@example.com");
  ASSERT_EQ(add_webhook(browser, "hook", "http://127.0.0.1:9/").status, 200);
  const std::string id = std::to_string(channels_of("ann@example.com")[0].channel.id);
  const Response response = browser.post("/alerts/channels/" + id + "/test", "");
  EXPECT_EQ(response.status, 503);
  EXPECT_TRUE(contains(response.body, "does not send notifications"));
  EXPECT_EQ(browser.api(Method::post, "/api/v1/channels/" + id + "/test", "{}").status, 503);
}

TEST_F(ChannelsTest, AChannelFailingFor24HoursIsMarkedWithItsLastError) {
  Browser browser{app()};
  browser.sign_up("ann@example.com");
  ASSERT_EQ(add_webhook(browser, "flaky", "https://hooks.example.com/x").status, 200);
  ASSERT_EQ(add_webhook(browser, "fine", "https://hooks.example.com/y").status, 200);
  const store::Id id = channels_of("ann@example.com")[0].channel.id;
  // The delivery status as the dispatcher leaves it after a day of failures (written behind the store's back:
  // the outbox and its dispatcher have tests of their own).
  const EpochMs now = now_epoch_ms();
  const auto updated = testing::run_command(
      {"sqlite3", dir.file("channels.db")},
      "UPDATE alert_channels SET failing_since = " + std::to_string(now - 25 * 3'600'000) +
          ", last_attempt_at = " + std::to_string(now - 300'000) +
          ", last_error = 'HTTP 503 from hooks.example.com' WHERE id = " + std::to_string(id) + ";");
  ASSERT_EQ(updated.exit_code, 0) << updated.err;
  const Response page = browser.call(Method::get, "/alerts");
  ASSERT_EQ(page.status, 200);
  const std::string opening = "<tr data-channel=\"" + std::to_string(id) + "\" class=\"failing\">";
  const auto at = page.body.find(opening);
  ASSERT_NE(at, std::string::npos) << page.body;
  const std::string row = page.body.substr(at, page.body.find("</tr>", at) - at);
  EXPECT_TRUE(contains(row, "Failing for 24 h or more")) << row;
  EXPECT_TRUE(contains(row, "Last error (5 min ago): HTTP 503 from hooks.example.com")) << row;
  EXPECT_EQ(page.body.find("Failing for 24 h"), page.body.rfind("Failing for 24 h"))
      << "only the failing one";
  const json::value listed = body_of(browser.api(Method::get, "/api/v1/channels/" + std::to_string(id)));
  EXPECT_TRUE(listed.at("status").at("failing").as_bool());
  EXPECT_EQ(listed.at("status").at("last_error").as_string(), "HTTP 503 from hooks.example.com");
}

// --- /api/v1/channels ---

TEST_F(ChannelsTest, ApiAddsAChannelWithItsSecretOnceAndNeverShowsItAgain) {
  Browser browser{app()};
  browser.sign_up("ann@example.com");
  const Response added =
      browser.api(Method::post, "/api/v1/channels",
                  R"({"name":"ops","kind":"webhook","url":"https://hooks.example.com/t/abc",)"
                  R"("states":["down","up"]})");
  ASSERT_EQ(added.status, 201) << added.body;
  const json::object created = body_of(added).as_object();
  const std::string secret(created.at("secret").as_string());
  EXPECT_TRUE(secret.starts_with("whsec_"));
  EXPECT_TRUE(created.at("has_secret").as_bool());
  EXPECT_EQ(created.at("target").as_string(), "hooks.example.com");
  EXPECT_FALSE(created.contains("url"));
  const std::string id = std::to_string(created.at("id").as_int64());
  EXPECT_EQ(header_of(added, "Location"), "/api/v1/channels/" + id);
  EXPECT_EQ(channels_of("ann@example.com")[0].channel.secret, secret);

  const Response listed = browser.api(Method::get, "/api/v1/channels");
  ASSERT_EQ(listed.status, 200);
  EXPECT_FALSE(contains(listed.body, secret));
  EXPECT_FALSE(contains(listed.body, "/t/abc"));
  const json::object first = body_of(listed).at("channels").as_array().at(0).as_object();
  EXPECT_FALSE(first.contains("secret"));
  EXPECT_TRUE(first.at("has_secret").as_bool());
  EXPECT_EQ(first.at("status").at("pending").as_int64(), 0);
  EXPECT_FALSE(first.at("status").at("failing").as_bool());

  const Response one = browser.api(Method::get, "/api/v1/channels/" + id);
  ASSERT_EQ(one.status, 200);
  EXPECT_FALSE(contains(one.body, secret));

  const Response patched = browser.api(Method::patch, "/api/v1/channels/" + id,
                                       R"({"name":"ops2","enabled":false,"providers":["aws"]})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(body_of(patched).at("name").as_string(), "ops2");
  EXPECT_FALSE(body_of(patched).at("enabled").as_bool());
  EXPECT_FALSE(contains(patched.body, secret));
  EXPECT_EQ(channels_of("ann@example.com")[0].channel.secret, secret) << "a PATCH keeps the secret";

  const Response rotated = browser.api(Method::patch, "/api/v1/channels/" + id, R"({"rotate_secret":true})");
  ASSERT_EQ(rotated.status, 200);
  const std::string new_secret(body_of(rotated).at("secret").as_string());
  EXPECT_NE(new_secret, secret);
  EXPECT_EQ(channels_of("ann@example.com")[0].channel.secret, new_secret);

  EXPECT_EQ(browser.api(Method::delete_, "/api/v1/channels/" + id).status, 204);
  EXPECT_EQ(browser.api(Method::get, "/api/v1/channels/" + id).status, 404);
}

TEST_F(ChannelsTest, ApiNamesTheFieldOfEveryRefusal) {
  Browser browser{app()};
  browser.sign_up("ann@example.com");
  struct Case {
    std::string body;
    int status;
    std::string code, field;
  };
  const std::vector<Case> cases = {
      {R"({"kind":"webhook"})", 400, "bad_field", "url"},
      {R"({"url":"https://example.com/"})", 400, "bad_field", "kind"},
      {R"({"kind":"webhook","url":"https://example.com/","colour":"red"})", 400, "bad_field", "colour"},
      {R"({"kind":"webhook","url":"https://example.com/","secret":"mine-mine-mine-mine"})", 400, "bad_field",
       "secret"},
      {R"({"kind":"webhook","url":"ftp://example.com/"})", 422, "bad_field", "url"},
      {R"({"kind":"fax","url":"https://example.com/"})", 422, "bad_field", "kind"},
      {R"({"kind":"email","url":"smtp://mail.example.com","options":{"from":"a@example.com"}})", 422,
       "bad_field", "options.to"},
      {R"({"kind":"ntfy","url":"https://ntfy.sh/t","options":{"priority":7}})", 422, "bad_field",
       "options.priority"},
      {R"({"kind":"slack","url":"https://hooks.slack.com/x","options":{"a":1}})", 422, "bad_field",
       "options.a"},
      {R"({"kind":"webhook","url":"https://example.com/","host_ids":[999]})", 422, "bad_field", "host_ids"},
      {R"({"kind":"webhook","url":"https://example.com/","states":["sideways"]})", 422, "bad_field",
       "states"},
      {R"({"kind":"webhook","url":"https://example.com/","enabled":"yes"})", 400, "bad_field", "enabled"},
  };
  for (const auto& c : cases) {
    const Response response = browser.api(Method::post, "/api/v1/channels", c.body);
    EXPECT_EQ(response.status, c.status) << c.body << " " << response.body;
    EXPECT_EQ(error_of(response), std::make_pair(c.code, c.field)) << c.body;
  }
  EXPECT_TRUE(channels_of("ann@example.com").empty());

  ASSERT_EQ(
      browser.api(Method::post, "/api/v1/channels", R"({"name":"a","kind":"ntfy","url":"https://ntfy.sh/t"})")
          .status,
      201);
  const Response duplicate = browser.api(Method::post, "/api/v1/channels",
                                         R"({"name":"a","kind":"ntfy","url":"https://ntfy.sh/u"})");
  EXPECT_EQ(duplicate.status, 409);
  EXPECT_EQ(error_of(duplicate), std::make_pair(std::string("duplicate"), std::string("name")));
  const std::string id = std::to_string(channels_of("ann@example.com")[0].channel.id);
  EXPECT_EQ(error_of(browser.api(Method::patch, "/api/v1/channels/" + id, R"({"kind":"slack"})")).second,
            "kind");
  EXPECT_EQ(
      error_of(browser.api(Method::patch, "/api/v1/channels/" + id, R"({"rotate_secret":true})")).second,
      "rotate_secret");
}

TEST_F(ChannelsTest, ApiAnotherUsersChannelIs404) {
  Browser ann{app()};
  ann.sign_up("ann@example.com");
  const Response added =
      ann.api(Method::post, "/api/v1/channels", R"({"kind":"webhook","url":"http://127.0.0.1:9/"})");
  ASSERT_EQ(added.status, 201);
  const std::string target = "/api/v1/channels/" + std::to_string(body_of(added).at("id").as_int64());
  Browser bob{app()};
  bob.sign_up("bob@example.com");
  EXPECT_EQ(bob.api(Method::get, target).status, 404);
  EXPECT_EQ(bob.api(Method::patch, target, R"({"name":"x"})").status, 404);
  EXPECT_EQ(bob.api(Method::post, target + "/test", "{}").status, 404);
  EXPECT_EQ(bob.api(Method::delete_, target).status, 404);
  EXPECT_EQ(error_of(bob.api(Method::get, target)).first, "not_found");
  EXPECT_TRUE(body_of(bob.api(Method::get, "/api/v1/channels")).at("channels").as_array().empty());
  EXPECT_EQ(channels_of("ann@example.com").size(), 1u);
}

TEST_F(ChannelsTest, ApiTestAnswersDeliveredOrTheError) {
  testing::HttpReceiver receiver;
  Browser browser{app()};
  browser.sign_up("ann@example.com");
  const Response good = browser.api(Method::post, "/api/v1/channels",
                                    R"({"name":"good","kind":"webhook","url":")" + receiver.url() + "\"}");
  ASSERT_EQ(good.status, 201);
  const Response delivered = browser.api(
      Method::post, "/api/v1/channels/" + std::to_string(body_of(good).at("id").as_int64()) + "/test", "{}");
  ASSERT_EQ(delivered.status, 200) << delivered.body;
  EXPECT_EQ(body_of(delivered), json::parse(R"({"delivered":true,"error":null,"status":200})"));
  EXPECT_EQ(receiver.received().size(), 1u);

  const std::string closed = "http://127.0.0.1:" + std::to_string(testing::free_tcp_port()) + "/";
  const Response bad = browser.api(Method::post, "/api/v1/channels",
                                   R"({"name":"bad","kind":"webhook","url":")" + closed + "\"}");
  ASSERT_EQ(bad.status, 201);
  const Response failed = browser.api(
      Method::post, "/api/v1/channels/" + std::to_string(body_of(bad).at("id").as_int64()) + "/test", "{}");
  ASSERT_EQ(failed.status, 200);
  const json::value outcome = body_of(failed);
  EXPECT_FALSE(outcome.at("delivered").as_bool());
  EXPECT_FALSE(outcome.at("error").as_string().empty());
  EXPECT_TRUE(outcome.at("status").is_null());
}

TEST_F(ChannelsTest, PublicTargetsRefuseLoopbackChannels) {
  options.hosts.targets = TargetPolicy::public_only;
  Browser browser{app()};
  browser.sign_up("ann@example.com");
  const Response page = add_webhook(browser, "hook", "http://127.0.0.1:9/");
  EXPECT_EQ(page.status, 400);
  EXPECT_TRUE(contains(page.body, "not an allowed destination"));
  const Response api =
      browser.api(Method::post, "/api/v1/channels", R"({"kind":"webhook","url":"http://10.0.0.1/"})");
  EXPECT_EQ(api.status, 422);
  EXPECT_EQ(error_of(api).second, "url");
  // Link-local (metadata) addresses are refused whatever the policy.
  options.hosts.targets = TargetPolicy::allow_private;
  app_.reset();
  Browser again{app()};
  again.sign_up("bob@example.com");
  EXPECT_EQ(
      again.api(Method::post, "/api/v1/channels", R"({"kind":"webhook","url":"http://169.254.169.254/"})")
          .status,
      422);
}

}  // namespace
}  // namespace semaphore::web

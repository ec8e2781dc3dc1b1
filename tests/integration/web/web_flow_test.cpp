// The web UI's flows against the real binary: sign up, sign in, add, edit, import, delete, report, CSV,
// sign out — each answered the way the issue asks (303 after a good POST, 400 with the reason otherwise).
#include <gtest/gtest.h>

#include "integration/web/web_server.h"
#include "support/process.h"

namespace semaphore::testing {
namespace {

class WebFlow : public ::testing::Test {
 protected:
  // Private targets allowed: the flows add 127.0.0.1, which an open sign-up refuses by default.
  static void SetUpTestSuite() { server_ = new WebServer({"--targets", "private"}); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static WebServer* server_;
};
WebServer* WebFlow::server_ = nullptr;

TEST_F(WebFlow, LandingPageOffersSignUpAndSignIn) {
  HttpClient client = server_->client();
  const auto home = client.get("/");
  ASSERT_EQ(home.status, 200) << server_->log();
  EXPECT_NE(home.body.find("href=\"/signup\""), std::string::npos);
  EXPECT_NE(home.body.find("href=\"/signin\""), std::string::npos);
  EXPECT_EQ(client.get("/report").status, 303);  // signed-out: off to sign in
  EXPECT_EQ(client.get("/report").header("location"), "/signin?next=/report");
}

TEST_F(WebFlow, SignUpSignsInAndSignOutEndsTheSession) {
  HttpClient client = server_->client();
  const auto signed_up = sign_up(client, "flow@example.com");
  ASSERT_EQ(signed_up.status, 303) << signed_up.body;
  EXPECT_EQ(signed_up.header("location"), "/manage");
  const std::string token = client.cookie("semaphore_session");
  ASSERT_EQ(token.size(), 43u);
  const auto manage = client.get("/manage");
  EXPECT_EQ(manage.status, 200);
  EXPECT_NE(manage.body.find("Welcome to Semaphore"), std::string::npos);  // the flash message, once
  EXPECT_EQ(client.get("/manage").body.find("Welcome to Semaphore"), std::string::npos);

  const std::string csrf = csrf_in(client.get("/manage").body);
  const auto out = client.post("/signout", {{"csrf_token", csrf}});
  EXPECT_EQ(out.status, 303);
  EXPECT_EQ(client.cookie("semaphore_session"), "");
  // The old token is dead on the server too, not just forgotten by the browser.
  HttpClient replay = server_->client();
  replay.cookies()["semaphore_session"] = token;
  EXPECT_EQ(replay.get("/manage").status, 303);
}

TEST_F(WebFlow, SignInRotatesTheTokenAndFollowsASafeNext) {
  HttpClient first = server_->client();
  ASSERT_EQ(sign_up(first, "rotate@example.com").status, 303);
  const std::string first_token = first.cookie("semaphore_session");
  // A planted (fixated) session cookie is replaced at sign-in, never adopted.
  HttpClient second = server_->client();
  const std::string planted = std::string(43, 'P');
  second.cookies()["semaphore_session"] = planted;
  const auto again = sign_in(second, "rotate@example.com", "correct horse 1", "/report?status=down");
  ASSERT_EQ(again.status, 303) << again.body;
  EXPECT_EQ(again.header("location"), "/report?status=down");
  const std::string second_token = second.cookie("semaphore_session");
  EXPECT_EQ(second_token.size(), 43u);
  EXPECT_NE(second_token, planted);
  EXPECT_NE(second_token, first_token);
  EXPECT_EQ(second.get("/manage").status, 200);

  HttpClient other = server_->client();
  const auto offsite = sign_in(other, "rotate@example.com", "correct horse 1", "//evil.example/");
  EXPECT_EQ(offsite.header("location"), "/");
}

TEST_F(WebFlow, AddEditDeleteHost) {
  HttpClient client = server_->client();
  ASSERT_EQ(sign_up(client, "hosts@example.com").status, 303);
  const auto added = add_host(client, "Example.COM", "AWS", "EC2", "web front");
  ASSERT_EQ(added.status, 303) << added.body;
  EXPECT_EQ(added.header("location"), "/manage");
  const long long id = host_id(client, "example.com");
  ASSERT_GT(id, 0);
  const auto manage = client.get("/manage");
  EXPECT_NE(manage.body.find("example.com"), std::string::npos);
  EXPECT_NE(manage.body.find("EC2"), std::string::npos);
  EXPECT_NE(manage.body.find("Host added"), std::string::npos);

  const std::string edit_page = "/manage/hosts/" + std::to_string(id);
  ASSERT_EQ(client.get(edit_page).status, 200);
  const std::string csrf = client.csrf_from(edit_page);
  const auto edited = client.post(edit_page, {{"csrf_token", csrf},
                                              {"hostname", "example.org"},
                                              {"provider", "GCP"},
                                              {"service", "GCE"},
                                              {"label", "moved"},
                                              {"enabled", "1"}});
  EXPECT_EQ(edited.status, 303) << edited.body;
  EXPECT_EQ(host_id(client, "example.org"), id);
  EXPECT_NE(client.get("/api/v1/hosts").body.find("\"provider\":\"GCP\""), std::string::npos);

  const auto deleted = client.post(edit_page + "/delete", {{"csrf_token", csrf}});
  EXPECT_EQ(deleted.status, 303);
  EXPECT_EQ(host_id(client, "example.org"), 0);
  EXPECT_EQ(client.get(edit_page).status, 404);
}

TEST_F(WebFlow, BadHostFormsAnswer400WithTheReasonAndStoreNothing) {
  HttpClient client = server_->client();
  ASSERT_EQ(sign_up(client, "bad@example.com").status, 303);
  const auto bad = add_host(client, "not a host!", "AWS", "EC2", "kept label");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("field-error"), std::string::npos);
  EXPECT_NE(bad.body.find("value=\"kept label\""), std::string::npos) << "what the user typed is kept";
  EXPECT_NE(bad.body.find("value=\"not a host!\""), std::string::npos);
  const auto bad_provider = add_host(client, "example.net", "Oracle");
  EXPECT_EQ(bad_provider.status, 400);
  EXPECT_NE(bad_provider.body.find("Choose AWS, GCP, Azure or Other"), std::string::npos);
  EXPECT_EQ(add_host(client, "169.254.169.254").status, 400);  // cloud metadata: always refused
  EXPECT_EQ(client.get("/api/v1/hosts").body, "{\"hosts\":[],\"next_cursor\":null}");

  ASSERT_EQ(add_host(client, "dup.example").status, 303);
  const auto duplicate = add_host(client, "DUP.example");
  EXPECT_EQ(duplicate.status, 400);
  EXPECT_NE(duplicate.body.find("already"), std::string::npos);

  // Sign-up: a short password and a malformed email, each with its reason; no account made.
  HttpClient fresh = server_->client();
  const auto short_password = sign_up(fresh, "short@example.com", "tooshort");
  EXPECT_EQ(short_password.status, 400);
  EXPECT_NE(short_password.body.find("at least 10 characters"), std::string::npos);
  EXPECT_EQ(sign_up(fresh, "not-an-email", "long enough password").status, 400);
  EXPECT_EQ(sign_in(fresh, "short@example.com", "tooshort").status, 400);
}

TEST_F(WebFlow, ImportListsAddedAndRejectedLines) {
  HttpClient client = server_->client();
  ASSERT_EQ(sign_up(client, "import@example.com").status, 303);
  const std::string csrf = client.csrf_from("/manage");
  const auto result = client.post(
      "/manage/import", {{"csrf_token", csrf},
                         {"hosts",
                          "a.example.com,AWS,EC2\n# comment\n\nbad host\nb.example.com\na.example.com\n"
                          "c.example.com,Nope\n169.254.169.254\n"}});
  ASSERT_EQ(result.status, 200) << result.body;
  EXPECT_NE(result.body.find("Added <span class=\"muted\">(2)"), std::string::npos) << result.body;
  EXPECT_NE(result.body.find("Rejected <span class=\"muted\">(4)"), std::string::npos);
  EXPECT_GT(host_id(client, "a.example.com"), 0);
  EXPECT_GT(host_id(client, "b.example.com"), 0);
  EXPECT_EQ(host_id(client, "c.example.com"), 0);
  const auto empty = client.post("/manage/import", {{"csrf_token", csrf}, {"hosts", "  \n"}});
  EXPECT_EQ(empty.status, 400);
}

TEST_F(WebFlow, ReportHostPageCsvAndApi) {
  HttpClient client = server_->client();
  ASSERT_EQ(sign_up(client, "report@example.com").status, 303);
  ASSERT_EQ(add_host(client, "127.0.0.1", "Other", "", "loopback").status, 303);
  const long long id = host_id(client, "127.0.0.1");
  const auto report = client.get("/report");
  ASSERT_EQ(report.status, 200);
  EXPECT_NE(report.body.find("href=\"/report/" + std::to_string(id) + "\""), std::string::npos);
  EXPECT_NE(report.body.find("unknown"), std::string::npos);  // no round yet
  EXPECT_EQ(client.get("/report?provider=AWS").body.find("/report/" + std::to_string(id) + "\""),
            std::string::npos);
  EXPECT_EQ(client.get("/report?sort=loss&dir=desc&status=unknown").status, 200);

  const std::string page = "/report/" + std::to_string(id);
  for (const char* range : {"1h", "6h", "24h", "7d", "30d", "1y"}) {
    EXPECT_EQ(client.get(page + "?range=" + range).status, 200) << range;
  }
  EXPECT_EQ(client.get(page + "?range=2w").status, 400);
  // Other spellings of the id are the same page (and one entry of the page cache, keyed by the parsed id).
  const auto padded = client.get("/report/00" + std::to_string(id));
  EXPECT_EQ(padded.status, 200);
  EXPECT_NE(padded.body.find("data-src=\"/api/v1/hosts/" + std::to_string(id) +
                             "/results\" data-methods=\"icmp\" data-span=\"86400\" data-resolution=\"raw\""),
            std::string::npos);
  const auto chart_page = client.get(page + "?range=7d");
  EXPECT_NE(
      chart_page.body.find("data-src=\"/api/v1/hosts/" + std::to_string(id) +
                           "/results\" data-methods=\"icmp\" data-span=\"604800\" data-resolution=\"hour\""),
      std::string::npos);
  EXPECT_NE(chart_page.body.find("/static/uPlot.iife.min.js"), std::string::npos);

  const auto csv = client.get(page + ".csv?range=24h");
  EXPECT_EQ(csv.status, 200);
  EXPECT_EQ(csv.header("content-type"), "text/csv; charset=utf-8");
  EXPECT_EQ(csv.body.rfind("time_utc,", 0), 0u);

  const auto results = client.get("/api/v1/hosts/" + std::to_string(id) + "/results?resolution=raw");
  EXPECT_EQ(results.status, 200);
  EXPECT_NE(results.body.find("\"results\":[]"), std::string::npos) << results.body;
  EXPECT_EQ(client.get("/api/v1/report").status, 200);
  HttpClient anonymous = server_->client();
  EXPECT_EQ(anonymous.get("/api/v1/report").status, 401);
}

TEST_F(WebFlow, AccountChangesPasswordAndSignsOutOtherSessions) {
  HttpClient laptop = server_->client();
  ASSERT_EQ(sign_up(laptop, "account@example.com", "first password 1").status, 303);
  HttpClient phone = server_->client();
  ASSERT_EQ(sign_in(phone, "account@example.com", "first password 1").status, 303);
  const std::string csrf = laptop.csrf_from("/account");
  const auto wrong = laptop.post("/account", {{"csrf_token", csrf},
                                              {"action", "change_password"},
                                              {"current_password", "not it at all"},
                                              {"new_password", "second password 2"}});
  EXPECT_EQ(wrong.status, 400);
  const std::string old_token = laptop.cookie("semaphore_session");
  const auto changed = laptop.post("/account", {{"csrf_token", csrf},
                                                {"action", "change_password"},
                                                {"current_password", "first password 1"},
                                                {"new_password", "second password 2"}});
  EXPECT_EQ(changed.status, 303);
  // This browser stays signed in, under a new session token: whoever copied the old one has lost it.
  EXPECT_EQ(laptop.get("/account").status, 200);
  EXPECT_NE(laptop.cookie("semaphore_session"), old_token);
  HttpClient copied = server_->client();
  copied.cookies()["semaphore_session"] = old_token;
  EXPECT_EQ(copied.get("/account").status, 303) << "the old token is dead";
  EXPECT_EQ(phone.get("/account").status, 303) << "the other session is signed out";
  HttpClient again = server_->client();
  EXPECT_EQ(sign_in(again, "account@example.com", "first password 1").status, 400);
  EXPECT_EQ(sign_in(again, "account@example.com", "second password 2").status, 303);

  const auto everywhere = laptop.post(
      "/account", {{"csrf_token", laptop.csrf_from("/account")}, {"action", "signout_everywhere"}});
  EXPECT_EQ(everywhere.status, 303);
  EXPECT_EQ(laptop.get("/account").status, 303);
  EXPECT_EQ(again.get("/account").status, 303);
}

// The text between `before` and the next `after` in `html`, or "".
std::string between(const std::string& html, const std::string& before, const std::string& after) {
  const auto start = html.find(before);
  if (start == std::string::npos) return "";
  const auto end = html.find(after, start + before.size());
  return end == std::string::npos ? "" : html.substr(start + before.size(), end - start - before.size());
}

TEST_F(WebFlow, ApiTokensFromTheAccountPageAndTheCliWorkOverHttp) {
  HttpClient browser = server_->client();
  ASSERT_EQ(sign_up(browser, "tokens@example.com").status, 303);
  ASSERT_EQ(add_host(browser, "127.0.0.1").status, 303);

  // Made on /account: shown once, in the answer to the POST.
  const auto created = browser.post("/account", {{"csrf_token", browser.csrf_from("/account")},
                                                 {"action", "create_token"},
                                                 {"token_name", "notebook"},
                                                 {"token_scope", "read"},
                                                 {"token_expires", "30"}});
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(created.header("cache-control"), "no-store");
  const std::string token = between(created.body, "readonly value=\"", "\"");
  ASSERT_EQ(token.size(), 47u) << created.body;
  EXPECT_NE(created.body.find("copy it now"), std::string::npos);
  const auto later = browser.get("/account");
  EXPECT_EQ(later.body.find(token), std::string::npos) << "the token is shown only once";
  EXPECT_NE(later.body.find("notebook"), std::string::npos);

  HttpClient script = server_->client();  // no cookies: the token alone
  const auto hosts = script.get("/api/v1/hosts", {{"Authorization", "Bearer " + token}});
  ASSERT_EQ(hosts.status, 200) << hosts.body;
  EXPECT_NE(hosts.body.find("127.0.0.1"), std::string::npos);
  const auto nothing = script.get("/api/v1/hosts");
  EXPECT_EQ(nothing.status, 401);
  EXPECT_EQ(nothing.header("www-authenticate"), "Bearer");

  // Made by the CLI on the same database, while the server runs.
  const auto cli = run_command({semaphore_binary(), "token", "create", "--db", "sqlite:" + server_->db_path(),
                                "--user", "tokens@example.com", "--name", "cron"});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  const std::string cli_token = cli.out.substr(0, cli.out.find('\n'));
  EXPECT_EQ(script.get("/api/v1/report", {{"Authorization", "Bearer " + cli_token}}).status, 200);

  // Revoked on /account: refused at once.
  const std::string page = browser.get("/account").body;
  const std::string id = between(page.substr(page.find("notebook")), "name=\"token_id\" value=\"", "\"");
  ASSERT_FALSE(id.empty()) << page;
  const auto revoked = browser.post(
      "/account",
      {{"csrf_token", browser.csrf_from("/account")}, {"action", "revoke_token"}, {"token_id", id}});
  EXPECT_EQ(revoked.status, 303);
  const auto refused = script.get("/api/v1/hosts", {{"Authorization", "Bearer " + token}});
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(refused.header("www-authenticate"), "Bearer error=\"invalid_token\"");
  EXPECT_EQ(script.get("/api/v1/hosts", {{"Authorization", "Bearer " + cli_token}}).status, 200);
}

TEST_F(WebFlow, StaticAssetsMetricsAndHead) {
  HttpClient client = server_->client();
  const auto css = client.get("/static/app.css");
  EXPECT_EQ(css.status, 200);
  EXPECT_EQ(css.header("content-type"), "text/css; charset=utf-8");
  const auto cached = client.get("/static/app.css", {{"If-None-Match", css.header("etag")}});
  EXPECT_EQ(cached.status, 304);
  EXPECT_EQ(client.get("/static/uPlot.iife.min.js").status, 200);
  EXPECT_EQ(client.get("/static/nope.js").status, 404);
  const auto metrics = client.get("/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("semaphore_http_requests_total"), std::string::npos);
  const auto head = client.head("/");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
}

TEST(WebServe, StopsCleanlyOnSigterm) {
  WebServer server;
  EXPECT_EQ(server.process().stop(SIGTERM), 0) << server.log();
}

TEST(WebServe, StopsCleanlyOnSigint) {
  WebServer server;
  EXPECT_EQ(server.process().stop(SIGINT), 0) << server.log();
}

}  // namespace
}  // namespace semaphore::testing

// Every security item of issue 5 against the real binary: CSRF 403, IDOR 404, escaping, session rotation
// and sign-out, throttling 429, headers on every response, body limit 413, read timeout, closed sign-up,
// the target policy and the per-user host limit.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "integration/web/web_server.h"

namespace semaphore::testing {
namespace {

class WebSecurity : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new WebServer({"--body-limit", "4k", "--read-timeout", "2s"}); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static WebServer* server_;
};
WebServer* WebSecurity::server_ = nullptr;

void expect_security_headers(const HttpResponse& response, const std::string& what) {
  EXPECT_EQ(
      response.header("content-security-policy"),
      "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
      << what;
  EXPECT_EQ(response.header("x-content-type-options"), "nosniff") << what;
  EXPECT_FALSE(response.header("referrer-policy").empty()) << what;
}

TEST_F(WebSecurity, PostsWithoutTheCsrfTokenAnswer403) {
  HttpClient client = server_->client();
  ASSERT_EQ(sign_up(client, "csrf@example.com").status, 303);
  ASSERT_EQ(add_host(client, "csrf.example").status, 303);
  const long long id = host_id(client, "csrf.example");
  const std::string other_token = std::string(43, 'A');
  const std::vector<std::pair<std::string, std::string>> host = {{"hostname", "x.example"}};
  EXPECT_EQ(client.post("/manage/hosts", host).status, 403);
  EXPECT_EQ(client.post("/manage/hosts", {{"csrf_token", other_token}, {"hostname", "x.example"}}).status,
            403);
  EXPECT_EQ(client.post("/manage/hosts/" + std::to_string(id), host).status, 403);
  EXPECT_EQ(client.post("/manage/hosts/" + std::to_string(id) + "/delete", {}).status, 403);
  EXPECT_EQ(client.post("/manage/import", {{"hosts", "y.example"}}).status, 403);
  EXPECT_EQ(client.post("/account", {{"action", "signout_everywhere"}}).status, 403);
  EXPECT_EQ(client.post("/signout", {}).status, 403);
  EXPECT_EQ(host_id(client, "x.example"), 0);
  EXPECT_GT(host_id(client, "csrf.example"), 0);
  EXPECT_EQ(client.get("/manage").status, 200) << "still signed in";

  HttpClient anonymous = server_->client();
  EXPECT_EQ(
      anonymous.post("/signin", {{"email", "csrf@example.com"}, {"password", "correct horse 1"}}).status,
      403);
  EXPECT_EQ(anonymous.post("/signup", {{"email", "new@example.com"}, {"password", "correct horse 1"}}).status,
            403);
}

TEST_F(WebSecurity, AnotherUsersHostAnswers404OnEveryRoute) {
  HttpClient alice = server_->client();
  ASSERT_EQ(sign_up(alice, "alice@example.com").status, 303);
  ASSERT_EQ(add_host(alice, "alice.example").status, 303);
  const std::string id = std::to_string(host_id(alice, "alice.example"));
  HttpClient mallory = server_->client();
  ASSERT_EQ(sign_up(mallory, "mallory@example.com").status, 303);
  const std::string csrf = mallory.csrf_from("/manage");
  EXPECT_EQ(mallory.get("/report/" + id).status, 404);
  EXPECT_EQ(mallory.get("/report/" + id + ".csv").status, 404);
  EXPECT_EQ(mallory.get("/manage/hosts/" + id).status, 404);
  EXPECT_EQ(mallory.get("/api/v1/hosts/" + id + "/results").status, 404);
  EXPECT_EQ(
      mallory.post("/manage/hosts/" + id, {{"csrf_token", csrf}, {"hostname", "stolen.example"}}).status,
      404);
  EXPECT_EQ(mallory.post("/manage/hosts/" + id + "/delete", {{"csrf_token", csrf}}).status, 404);
  EXPECT_EQ(mallory.get("/report/999999").status, 404);  // the same answer as a missing host
  EXPECT_GT(host_id(alice, "alice.example"), 0) << "alice's host is untouched";
  EXPECT_EQ(mallory.get("/api/v1/hosts").body, "{\"hosts\":[],\"next_cursor\":null}");
}

TEST_F(WebSecurity, LabelsAndServicesAreEscapedEverywhere) {
  HttpClient client = server_->client();
  ASSERT_EQ(sign_up(client, "xss@example.com").status, 303);
  const std::string script = "<script>alert(1)</script>";
  const std::string attribute = "\"><img src=x onerror=alert(1)>";
  ASSERT_EQ(add_host(client, "xss.example", "Other", attribute, script).status, 303);
  const std::string id = std::to_string(host_id(client, "xss.example"));
  for (const std::string& page :
       std::vector<std::string>{"/", "/manage", "/report", "/report/" + id, "/manage/hosts/" + id}) {
    const auto response = client.get(page);
    EXPECT_EQ(response.status, 200) << page;
    EXPECT_EQ(response.body.find(script), std::string::npos) << page;
    EXPECT_EQ(response.body.find("<img src=x"), std::string::npos) << page;
  }
  EXPECT_NE(client.get("/report").body.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  // A bad form keeps what was typed, escaped.
  const auto bad = add_host(client, "<b>bad</b>", "Other", "", script);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body.find(script), std::string::npos);
  EXPECT_EQ(bad.body.find("<b>bad</b>"), std::string::npos);
  // The request target is never echoed into a page.
  const auto missing = client.get("/%3Cscript%3Ealert(1)%3C/script%3E");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body.find("<script>alert"), std::string::npos);
}

TEST_F(WebSecurity, SessionCookieIsHttpOnlyLaxAndOnlyItsHashIsStored) {
  HttpClient client = server_->client();
  const auto response = sign_up(client, "cookie@example.com");
  ASSERT_EQ(response.status, 303);
  std::string session_line;
  for (const auto& line : response.all("set-cookie")) {
    if (line.rfind("semaphore_session=", 0) == 0) session_line = line;
  }
  EXPECT_NE(session_line.find("HttpOnly"), std::string::npos);
  EXPECT_NE(session_line.find("SameSite=Lax"), std::string::npos);
  EXPECT_NE(session_line.find("Path=/"), std::string::npos);
  EXPECT_EQ(session_line.find("Secure"), std::string::npos) << "plain HTTP without --secure-cookies";
  const std::string token = client.cookie("semaphore_session");
  const auto dump = run_command({"sqlite3", server_->db_path(), "SELECT token_hash FROM sessions;"});
  if (dump.exit_code == 0) {
    EXPECT_EQ(dump.out.find(token), std::string::npos) << "the token itself is never stored";
    EXPECT_NE(dump.out.find_first_of("0123456789abcdef"), std::string::npos);
  }
}

TEST_F(WebSecurity, SecurityHeadersOnEveryResponse) {
  HttpClient client = server_->client();
  expect_security_headers(client.get("/"), "/");
  expect_security_headers(client.get("/signin"), "/signin");
  expect_security_headers(client.get("/nowhere"), "404");
  expect_security_headers(client.get("/static/app.css"), "static");
  expect_security_headers(client.get("/report"), "303");
  expect_security_headers(client.request("DELETE", "/manage", "", {}), "405");
  expect_security_headers(client.post("/signin", {}), "403");
  const auto not_allowed = client.request("PUT", "/signin", "", {});
  EXPECT_EQ(not_allowed.status, 405);
  const auto wrong_method = client.request("GET", "/signout", "", {});
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_EQ(wrong_method.header("allow"), "POST");
}

TEST_F(WebSecurity, ANewlineInThePathCannotForgeALogLine) {
  HttpClient client = server_->client();
  EXPECT_EQ(client.get("/nowhere%0aFORGED%20GET%20/admin%20200%0d%1b%5b2J").status, 404);
  EXPECT_EQ(client.get("/static/x%0aFORGED-STATIC").status, 404);
  const std::string log = server_->log();
  // The request is logged on one line, its control characters escaped...
  EXPECT_NE(log.find("/nowhere\\x0aFORGED GET /admin 200\\x0d\\x1b[2J 404"), std::string::npos) << log;
  EXPECT_NE(log.find("/static/x\\x0aFORGED-STATIC 404"), std::string::npos) << log;
  // ...and no line of the log starts with what the path carried.
  EXPECT_EQ(log.find("\nFORGED"), std::string::npos) << log;
  EXPECT_EQ(log.find('\x1b'), std::string::npos) << log;
}

TEST_F(WebSecurity, BodyLimitAnswers413AndMalformedRequests400) {
  HttpClient client = server_->client();
  const std::string big(8 * 1024, 'a');
  const auto too_big = client.request("POST", "/signin", "email=" + big,
                                      {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(too_big.status, 413);
  expect_security_headers(too_big, "413");
  const auto garbage = client.raw("THIS IS NOT HTTP\r\n\r\n");
  EXPECT_EQ(garbage.status, 400);
  EXPECT_EQ(garbage.body.find("boost"), std::string::npos) << "no internals";
  EXPECT_EQ(client.get("/").status, 200) << "the server is still fine";
}

TEST_F(WebSecurity, SlowRequestsAreCutOffByTheReadTimeout) {
  HttpClient client = server_->client();
  const auto started = std::chrono::steady_clock::now();
  // A request whose header never ends. We would wait 60 s; the server (--read-timeout 2s) closes first.
  const auto slow = client.raw("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n", std::chrono::seconds(60));
  const auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_TRUE(slow.closed_by_server) << "the server never closed the connection";
  EXPECT_EQ(slow.status, 0) << "closed without an answer";
  // Not before the timeout (a lower bound holds however busy the machine is).
  EXPECT_GE(waited, std::chrono::milliseconds(1500));
  EXPECT_EQ(client.get("/").status, 200);
}

TEST_F(WebSecurity, SignInThrottledPerAccountWith429) {
  HttpClient victim = server_->client();
  ASSERT_EQ(sign_up(victim, "victim@example.com").status, 303);
  HttpClient attacker = server_->client();
  for (int i = 0; i < 5; ++i) {
    const auto wrong = sign_in(attacker, "victim@example.com", "wrong password " + std::to_string(i));
    ASSERT_EQ(wrong.status, 400) << i;
    EXPECT_NE(wrong.body.find("Email or password is incorrect."), std::string::npos);
  }
  const auto throttled = sign_in(attacker, "victim@example.com", "correct horse 1");
  EXPECT_EQ(throttled.status, 429) << "even the right password waits";
  EXPECT_NE(throttled.body.find("Too many failed sign-ins"), std::string::npos);
  EXPECT_FALSE(throttled.header("retry-after").empty());
  // Other accounts are not affected by this one's lock.
  HttpClient other = server_->client();
  ASSERT_EQ(sign_up(other, "bystander@example.com").status, 303);
  HttpClient other_again = server_->client();
  EXPECT_EQ(sign_in(other_again, "bystander@example.com", "correct horse 1").status, 303);
}

// Someone at a signed-in browser cannot guess the password through the account page's current-password
// check faster than through the sign-in form: both count against the same account.
TEST_F(WebSecurity, WrongCurrentPasswordsOnTheAccountPageAreThrottledLikeSignIns) {
  HttpClient owner = server_->client();
  ASSERT_EQ(sign_up(owner, "borrowed@example.com").status, 303);
  for (int i = 0; i < 5; ++i) {
    const auto wrong = owner.post("/account", {{"csrf_token", owner.csrf_from("/account")},
                                               {"action", "change_password"},
                                               {"current_password", "guess " + std::to_string(i)},
                                               {"new_password", "a brand new password"}});
    ASSERT_EQ(wrong.status, 400) << i;
  }
  const auto throttled = owner.post("/account", {{"csrf_token", owner.csrf_from("/account")},
                                                 {"action", "change_password"},
                                                 {"current_password", "correct horse 1"},
                                                 {"new_password", "a brand new password"}});
  EXPECT_EQ(throttled.status, 429) << "even the right password waits";
  EXPECT_FALSE(throttled.header("retry-after").empty());
  HttpClient elsewhere = server_->client();
  EXPECT_EQ(sign_in(elsewhere, "borrowed@example.com", "correct horse 1").status, 429)
      << "one account, one count";
}

TEST_F(WebSecurity, UnknownEmailAndWrongPasswordLookAndTakeTheSame) {
  HttpClient client = server_->client();
  ASSERT_EQ(sign_up(client, "known@example.com").status, 303);
  HttpClient probe = server_->client();
  // What an attacker could time is the work the server does: count the server's CPU time per sign-in (the
  // wall clock would count this machine's other load too). A sign-in that verifies an argon2id hash costs
  // tens of milliseconds of CPU; one that skipped it for an unknown email would cost well under one.
  const pid_t server = server_->process().pid();
  auto cpu_of = [&](const std::string& email) {
    const double before = process_cpu_seconds(server);
    const auto response = sign_in(probe, email, "some password 1");
    return std::make_pair(response, process_cpu_seconds(server) - before);
  };
  const auto [unknown, unknown_cpu] = cpu_of("nobody@example.com");
  const auto [wrong, wrong_cpu] = cpu_of("known@example.com");
  EXPECT_EQ(unknown.status, wrong.status);
  EXPECT_NE(unknown.body.find("Email or password is incorrect."), std::string::npos);
  EXPECT_NE(wrong.body.find("Email or password is incorrect."), std::string::npos);
  std::printf("server CPU per sign-in: unknown email %.3f s, wrong password %.3f s\n", unknown_cpu,
              wrong_cpu);
  // Both pay for one argon2id verification: neither costs a fraction of the other.
  ASSERT_GT(wrong_cpu, 0.0) << "the verification took no measurable CPU";
  const double ratio = unknown_cpu / wrong_cpu;
  EXPECT_GT(ratio, 0.3);
  EXPECT_LT(ratio, 3.0);
}

// Issue 12: with sign-up open and no --targets, a stranger cannot make the server watch its own network.
TEST(WebOptions, AnOpenSignUpRefusesPrivateTargetsUnlessTheOperatorAllowsThem) {
  const TempDir spool("semaphore-spool");
  for (const std::string command : {"serve", "run"}) {
    WebServer server(command == "run" ? std::vector<std::string>{"--spool-dir", spool.file("spool")}
                                      : std::vector<std::string>{},
                     command);
    HttpClient client = server.client();
    ASSERT_EQ(sign_up(client, "stranger@example.com").status, 303) << command;
    for (const std::string address : {"127.0.0.1", "10.1.2.3", "169.254.169.254", "::1"}) {
      const auto refused = add_host(client, address);
      EXPECT_EQ(refused.status, 400) << command << " " << address;
      EXPECT_NE(refused.body.find("cannot be monitored"), std::string::npos) << command << " " << address;
    }
    EXPECT_EQ(add_host(client, "one.example").status, 303) << command;
    // The start-up log says which policy is in force and why.
    EXPECT_NE(server.log().find("targets: public, because sign-up is open"), std::string::npos)
        << server.log();
  }
  WebServer allowing({"--targets", "private"});
  HttpClient client = allowing.client();
  ASSERT_EQ(sign_up(client, "operator@example.com").status, 303);
  EXPECT_EQ(add_host(client, "127.0.0.1").status, 303);
  EXPECT_NE(allowing.log().find("targets: private (--targets private)"), std::string::npos) << allowing.log();
  // Closed sign-up: only users an admin made, so private targets are allowed unless told otherwise.
  WebServer closed({"--signup", "closed"});
  EXPECT_NE(closed.log().find("targets: private, because sign-up is closed"), std::string::npos)
      << closed.log();
}

// The client address the log (and the sign-in throttle) sees: the peer, unless the peer is a trusted proxy.
std::string logged_client(const WebServer& server, const std::string& path) {
  const std::string log = server.log();
  const auto at = log.find("GET " + path + " 404 ");
  if (at == std::string::npos) return "(not logged)";
  const auto end = log.find('\n', at);
  const std::string line = log.substr(at, end - at);
  const auto ms = line.find("ms ");
  return ms == std::string::npos ? line : line.substr(ms + 3);
}

TEST(WebOptions, XForwardedForIsBelievedOnlyFromATrustedProxy) {
  WebServer trusting({"--trusted-proxy", "127.0.0.0/8"});
  HttpClient client = trusting.client();
  EXPECT_EQ(client.get("/xff-one", {{"X-Forwarded-For", "203.0.113.9, 198.51.100.7"}}).status, 404);
  EXPECT_EQ(logged_client(trusting, "/xff-one"), "198.51.100.7");
  EXPECT_EQ(client.get("/xff-none").status, 404);
  EXPECT_EQ(logged_client(trusting, "/xff-none"), "127.0.0.1");

  WebServer plain;  // no --trusted-proxy: the header is anyone's to send, and ignored
  HttpClient direct = plain.client();
  EXPECT_EQ(direct.get("/xff-two", {{"X-Forwarded-For", "198.51.100.7"}}).status, 404);
  EXPECT_EQ(logged_client(plain, "/xff-two"), "127.0.0.1");
}

TEST(WebOptions, ClosedSignupPublicTargetsAndHostLimit) {
  WebServer server({"--signup", "closed", "--targets", "public", "--max-hosts-per-user", "2"});
  HttpClient client = server.client();
  EXPECT_EQ(client.get("/signup").status, 403);
  const auto refused = sign_up(client, "closed@example.com");
  EXPECT_EQ(refused.status, 403);
  // An account made by the operator's CLI can still sign in and use the limits.
  const auto user = run_command(
      {semaphore_binary(), "user", "add", "--db", "sqlite:" + server.db_path(), "ops@example.com"},
      "long enough password\nlong enough password\n");
  if (user.exit_code != 0) GTEST_SKIP() << "semaphore user add is not available: " << user.err;
  ASSERT_EQ(sign_in(client, "ops@example.com", "long enough password").status, 303);
  const auto loopback = add_host(client, "127.0.0.1");
  EXPECT_EQ(loopback.status, 400);
  EXPECT_NE(loopback.body.find("cannot be monitored"), std::string::npos);
  EXPECT_EQ(add_host(client, "10.1.2.3").status, 400);
  EXPECT_EQ(add_host(client, "one.example").status, 303);
  EXPECT_EQ(add_host(client, "two.example").status, 303);
  const auto third = add_host(client, "three.example");
  EXPECT_EQ(third.status, 400);
  EXPECT_NE(third.body.find("limit of 2 hosts"), std::string::npos);

  // An admin raises this user's own limit (`semaphore user set --max-hosts`): the page and the rule follow
  // at once, for this user only.
  const auto raised = run_command({semaphore_binary(), "user", "set", "--db", "sqlite:" + server.db_path(),
                                   "ops@example.com", "--max-hosts", "3"});
  ASSERT_EQ(raised.exit_code, 0) << raised.err;
  EXPECT_NE(client.get("/manage").body.find("2 of 3 hosts"), std::string::npos);
  EXPECT_EQ(add_host(client, "three.example").status, 303);
  const auto fourth = add_host(client, "four.example");
  EXPECT_EQ(fourth.status, 400);
  EXPECT_NE(fourth.body.find("limit of 3 hosts"), std::string::npos);
}

TEST(WebOptions, SessionIdleExpiry) {
  // 3 s of idleness: room for a busy machine between the sign-up and the next request.
  WebServer server({"--session-idle", "3s"});
  HttpClient client = server.client();
  ASSERT_EQ(sign_up(client, "idle@example.com").status, 303);
  EXPECT_EQ(client.get("/manage").status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(3500));
  EXPECT_EQ(client.get("/manage").status, 303) << "idle longer than --session-idle";
}

TEST(WebOptions, SecureCookiesUseTheHostPrefix) {
  WebServer server({"--secure-cookies"});
  HttpClient client = server.client();
  const auto page = client.get("/signup");
  bool found = false;
  for (const auto& line : page.all("set-cookie")) {
    if (line.rfind("__Host-semaphore_csrf=", 0) == 0) {
      found = true;
      EXPECT_NE(line.find("; Secure"), std::string::npos);
    }
  }
  EXPECT_TRUE(found);
  EXPECT_FALSE(page.header("strict-transport-security").empty());
}

}  // namespace
}  // namespace semaphore::testing

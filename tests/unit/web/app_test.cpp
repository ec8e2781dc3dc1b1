// The WebApp without sockets, over a real SQLite store: the pieces that need the store's inside view
// (password rehash at sign-in, hosts scoped by user) and the templates all parse and escape.
#include "web/app.h"

#include <gtest/gtest.h>

#include "store/store.h"
#include "support/sqlite_store.h"
#include "support/temp_dir.h"
#include "unit/web/cookie_jar.h"
#include "web/security/cookies.h"
#include "web/security/throttle.h"
#include "web/view/templates.h"

namespace semaphore::web {
namespace {

std::string csrf_in(const std::string& html) {
  const std::string marker = "name=\"csrf_token\" value=\"";
  const auto at = html.find(marker);
  if (at == std::string::npos) return "";
  return html.substr(at + marker.size(), 43);
}

class AppTest : public ::testing::Test {
 protected:
  void SetUp() override { store = semaphore::testing::open_migrated_sqlite(dir, "app.db"); }

  Response call(WebApp& app, Method method, const std::string& path, const std::string& body = "") {
    Request request = jar.request(method, path);
    if (method == Method::post)
      request.headers.emplace_back("content-type", "application/x-www-form-urlencoded");
    request.body = body;
    Response response = app.handle(request);
    jar.keep(response);
    return response;
  }

  testing::TempDir dir{"semaphore-web-unit"};
  std::unique_ptr<store::Store> store;
  CookieJar jar;
};

TEST(Templates, AllParse) {
  EXPECT_NO_THROW(Templates());
}

TEST(Templates, EscapeTextAndAttributes) {
  const Templates templates;
  TemplateData data;
  data.set("heading", std::string("<b>\"x\" & 'y'</b>"));
  data.set("message", std::string("fine"));
  const std::string html = templates.render("error", data);
  EXPECT_NE(html.find("&lt;b&gt;&quot;x&quot; &amp; &apos;y&apos;&lt;/b&gt;"), std::string::npos) << html;
}

TEST_F(AppTest, SignInRehashesAPasswordMadeWithOtherParameters) {
  const domain::PasswordHasher old_hasher(domain::PasswordCost::minimum());
  const std::string old_hash = old_hasher.hash("long enough password").value();
  ASSERT_TRUE(store->create_user("old@example.com", old_hash, true));
  const domain::PasswordCost current{domain::PasswordCost::minimum().ops + 1,
                                     domain::PasswordCost::minimum().mem};
  WebApp app({*store, *store, *store, *store, *store, *store, *store, *store}, WebOptions{}, current);
  const std::string token = csrf_in(call(app, Method::get, "/signin").body);
  const auto response =
      call(app, Method::post, "/signin",
           "csrf_token=" + token + "&email=old%40example.com&password=long+enough+password");
  ASSERT_EQ(response.status, 303) << response.body;
  const std::string new_hash = store->find_user_by_email("old@example.com")->password_hash;
  EXPECT_NE(new_hash, old_hash);
  EXPECT_FALSE(domain::PasswordHasher(current).needs_rehash(new_hash));
  EXPECT_TRUE(domain::PasswordHasher(current).verify(new_hash, "long enough password"));
}

TEST_F(AppTest, EveryResponseHasTheSecurityHeaders) {
  WebApp app({*store, *store, *store, *store, *store, *store, *store, *store}, WebOptions{},
             domain::PasswordCost::minimum());
  for (const auto& [method, path] :
       std::vector<std::pair<Method, std::string>>{{Method::get, "/"},
                                                   {Method::get, "/nope"},
                                                   {Method::post, "/signin"},
                                                   {Method::other, "/"},
                                                   {Method::get, "/static/app.css"},
                                                   {Method::get, "/report"},
                                                   {Method::get, "/api/v1/report"}}) {
    const Response response = call(app, method, path);
    bool csp = false, nosniff = false, referrer = false;
    for (const auto& [name, value] : response.headers) {
      csp |= name == "Content-Security-Policy" && value.find("frame-ancestors 'none'") != std::string::npos &&
             value.find("unsafe-inline") == std::string::npos;
      nosniff |= name == "X-Content-Type-Options" && value == "nosniff";
      referrer |= name == "Referrer-Policy";
    }
    EXPECT_TRUE(csp && nosniff && referrer) << path << " " << response.status;
  }
}

TEST_F(AppTest, SignedOutRequestsGoToSignInWithTheWholeTargetInNext) {
  WebApp app({*store, *store, *store, *store, *store, *store, *store, *store}, WebOptions{},
             domain::PasswordCost::minimum());
  const Response response = call(app, Method::get, "/report/5?range=7d&x=a b%~\xc3\xa9");
  ASSERT_EQ(response.status, 303);
  std::string location;
  for (const auto& [name, value] : response.headers) {
    if (name == "Location") location = value;
  }
  // Everything but letters, digits and "/-_." escaped (upper-case hex), so that the query stays inside next=.
  EXPECT_EQ(location, "/signin?next=/report/5%3Frange%3D7d%26x%3Da%20b%25%7E%C3%A9");
}

TEST_F(AppTest, ApiAnswersJsonWhenSignedOut) {
  WebApp app({*store, *store, *store, *store, *store, *store, *store, *store}, WebOptions{},
             domain::PasswordCost::minimum());
  const Response response = call(app, Method::get, "/api/v1/report");
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(response.body,
            R"({"error":{"code":"unauthorized","message":"Sign in first, or send a token."}})");
  bool challenges = false;
  for (const auto& [name, value] : response.headers)
    challenges |= name == "WWW-Authenticate" && value == "Bearer";
  EXPECT_TRUE(challenges);
}

TEST_F(AppTest, PagesHaveNoInlineScript) {
  WebApp app({*store, *store, *store, *store, *store, *store, *store, *store}, WebOptions{},
             domain::PasswordCost::minimum());
  const std::string token = csrf_in(call(app, Method::get, "/signup").body);
  ASSERT_EQ(
      call(app, Method::post, "/signup", "csrf_token=" + token + "&email=a%40b.c&password=long+enough+pw")
          .status,
      303);
  ASSERT_TRUE(store->add_host({0, 1, "example.com", Provider::aws, "EC2", "x", true, 0, {}}));
  for (const std::string path :
       {"/", "/signin", "/manage", "/report", "/report/1", "/account", "/manage/hosts/1"}) {
    const std::string html = call(app, Method::get, path).body;
    std::size_t at = 0;
    while ((at = html.find("<script", at)) != std::string::npos) {
      const auto end = html.find('>', at);
      EXPECT_NE(html.substr(at, end - at).find(" src=\"/static/"), std::string::npos) << path;
      EXPECT_EQ(html.substr(end + 1, 9), "</script>") << path << ": inline script";
      at = end;
    }
    EXPECT_EQ(html.find(" style=\""), std::string::npos) << path;
    EXPECT_EQ(html.find(" onclick="), std::string::npos) << path;
  }
}

TEST_F(AppTest, ThrottleCountsFailuresPerAccountAndPerClientAddress) {
  SigninThrottle throttle(*store);
  const EpochMs now = 10'000'000'000;
  for (int i = 0; i < 4; ++i) throttle.record_failure("a@example.com", "192.0.2.1", now - 1000);
  EXPECT_FALSE(throttle.check("a@example.com", "192.0.2.1", now));
  throttle.record_failure("a@example.com", "192.0.2.1", now - 1000);
  const auto wait = throttle.check("a@example.com", "192.0.2.1", now);
  ASSERT_TRUE(wait);
  EXPECT_EQ(wait->count(), 29);
  EXPECT_FALSE(throttle.check("a@example.com", "192.0.2.1", now + 30'000)) << "the delay has passed";
  EXPECT_FALSE(throttle.check("b@example.com", "192.0.2.1", now)) << "another account from the same address";
  throttle.record_success("a@example.com");
  EXPECT_FALSE(throttle.check("a@example.com", "192.0.2.1", now));

  // 100 failures from one address within an hour, each on a different account, block that address.
  for (int i = 0; i < 95; ++i)
    throttle.record_failure("user" + std::to_string(i) + "@x", "192.0.2.1", now - 60'000);
  const auto blocked = throttle.check("fresh@example.com", "192.0.2.1", now);
  ASSERT_TRUE(blocked);
  EXPECT_GT(blocked->count(), 3000);
  EXPECT_FALSE(throttle.check("fresh@example.com", "192.0.2.2", now)) << "other addresses are not blocked";
  EXPECT_FALSE(throttle.check("fresh@example.com", "192.0.2.1", now + 3'600'000)) << "an hour later";
}

}  // namespace
}  // namespace semaphore::web

// API tokens through the WebApp (no sockets) over a real SQLite store: bearer authentication on Access::api
// routes, its 401/403/429 answers, revocation and expiry at once, the per-token rate and the per-address
// throttle of failed attempts, last_used_at at most once a minute, and no tokens on the HTML pages.
// A read token's 403 is checked both on the real /api/v1 write routes and by calling ApiAuth::authorize as
// dispatch does.
#include "web/security/api_auth.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <algorithm>

#include "domain/api_tokens.h"
#include "store/store.h"
#include "support/sqlite_store.h"
#include "support/temp_dir.h"
#include "unit/web/test_browser.h"
#include "web/app.h"
#include "web/app_context.h"
#include "web/security/cookies.h"

namespace semaphore::web {
namespace {

std::string header_of(const Response& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "";
}

std::string error_code(const Response& response) {
  const auto json = boost::json::parse(response.body);
  return std::string(json.at("error").at("code").as_string());
}

class ApiTokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store = semaphore::testing::open_migrated_sqlite(dir, "api.db");
    alice = *store->create_user("alice@example.com", "x", true);
    bob = *store->create_user("bob@example.com", "x", true);
    add_host(alice.id, "alice-host.example");
    add_host(bob.id, "bob-host.example");
  }

  void add_host(store::Id user, const std::string& hostname) {
    store::Host host;
    host.user_id = user;
    host.hostname = hostname;
    ASSERT_TRUE(store->add_host(host));
  }

  std::unique_ptr<WebApp> make_app(const WebOptions& options = {}) {
    return web_testing::app_over(*store, options);
  }

  std::string token_for(const store::User& user, store::TokenScope scope = store::TokenScope::read,
                        const std::string& name = "script") {
    auto made = domain::create_api_token(*store, user.id, name, scope, std::nullopt, now_epoch_ms());
    EXPECT_TRUE(made) << made.error().message;
    return made ? made->token : "";
  }

  // A live session cookie of `user` ("name=value").
  std::string session_cookie(const store::User& user) {
    SessionManager sessions(*store, SessionRules{});
    auto started = sessions.start(user.id, now_epoch_ms());
    EXPECT_TRUE(started);
    return session_cookie_name(false) + "=" + started->token;
  }

  static Request request_of(Method method, const std::string& path, const std::string& authorization = "",
                            const std::string& cookie = "", const std::string& client = "192.0.2.1",
                            const std::string& body = "") {
    Request request;
    request.method = method;
    request.path = path.substr(0, path.find('?'));
    if (const auto q = path.find('?'); q != std::string::npos) request.query = path.substr(q + 1);
    request.target = path;
    request.client_address = client;
    if (!authorization.empty()) request.headers.emplace_back("authorization", authorization);
    if (!cookie.empty()) request.headers.emplace_back("cookie", cookie);
    if (method == Method::post) {
      request.headers.emplace_back("content-type", "application/x-www-form-urlencoded");
    }
    request.body = body;
    return request;
  }
  // `authorization` is the header's whole value (none when empty).
  template <class... Rest>
  static Response send(WebApp& app, Method method, const std::string& path, const Rest&... rest) {
    return app.handle(request_of(method, path, rest...));
  }
  static Response get(WebApp& app, const std::string& path, const std::string& token) {
    return send(app, Method::get, path, "Bearer " + token);
  }

  testing::TempDir dir{"semaphore-web-api-auth"};
  std::unique_ptr<store::Store> store;
  store::User alice, bob;
};

TEST_F(ApiTokenTest, ATokenSeesOnlyItsUsersData) {
  auto app = make_app();
  const std::string token = token_for(alice);
  for (const char* path : {"/api/v1/hosts", "/api/v1/report"}) {
    const Response response = get(*app, path, token);
    ASSERT_EQ(response.status, 200) << path << " " << response.body;
    EXPECT_NE(response.body.find("alice-host.example"), std::string::npos) << path;
    EXPECT_EQ(response.body.find("bob-host.example"), std::string::npos) << path;
    EXPECT_EQ(header_of(response, "Set-Cookie"), "") << path;  // a token request starts no session
  }
  // Bob's host, asked for with Alice's token, does not exist.
  const store::Id bobs_host = store->list_hosts(bob.id)->front().id;
  const Response other = get(*app, "/api/v1/hosts/" + std::to_string(bobs_host) + "/results", token);
  EXPECT_EQ(other.status, 404) << other.body;
}

TEST_F(ApiTokenTest, NoCredentialsIs401WithABearerChallenge) {
  auto app = make_app();
  const Response response = send(*app, Method::get, "/api/v1/hosts");
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(header_of(response, "WWW-Authenticate"), "Bearer");
  EXPECT_EQ(error_code(response), "unauthorized");
  EXPECT_EQ(response.content_type, "application/json");
}

TEST_F(ApiTokenTest, GarbageAndUnknownTokensAre401) {
  auto app = make_app();
  const std::string unknown = domain::random_api_token();  // well formed, never stored
  for (const std::string& authorization :
       {std::string("Bearer nonsense"), "Bearer " + unknown, "bearer " + unknown.substr(0, 20),
        std::string("Bearer smp_") + std::string(43, '*')}) {
    const Response response = send(*app, Method::get, "/api/v1/hosts", authorization);
    EXPECT_EQ(response.status, 401) << authorization;
    EXPECT_EQ(header_of(response, "WWW-Authenticate"), "Bearer error=\"invalid_token\"") << authorization;
    EXPECT_EQ(error_code(response), "unauthorized") << authorization;
  }
  // Malformed headers: another scheme, or no credentials.
  for (const std::string& authorization :
       {std::string("Basic YTpi"), std::string("Bearer"), std::string("x")}) {
    const Response response = send(*app, Method::get, "/api/v1/hosts", authorization);
    EXPECT_EQ(response.status, 401) << authorization;
    EXPECT_EQ(header_of(response, "WWW-Authenticate"), "Bearer") << authorization;
  }
  // The scheme is case-insensitive (RFC 7235) and a real token works either way.
  const std::string token = token_for(alice);
  EXPECT_EQ(send(*app, Method::get, "/api/v1/hosts", "bearer  " + token).status, 200);
}

TEST_F(ApiTokenTest, ABadTokenIs401EvenBesideAGoodCookie) {
  auto app = make_app();
  const std::string cookie = session_cookie(alice);
  ASSERT_EQ(send(*app, Method::get, "/api/v1/hosts", "", cookie).status, 200);  // the cookie alone works
  const Response response =
      send(*app, Method::get, "/api/v1/hosts", "Bearer " + domain::random_api_token(), cookie);
  EXPECT_EQ(response.status, 401) << response.body;
}

TEST_F(ApiTokenTest, AGoodTokenWinsOverAnotherUsersCookie) {
  auto app = make_app();
  const Response response =
      send(*app, Method::get, "/api/v1/hosts", "Bearer " + token_for(alice), session_cookie(bob));
  ASSERT_EQ(response.status, 200);
  EXPECT_NE(response.body.find("alice-host.example"), std::string::npos);
  EXPECT_EQ(response.body.find("bob-host.example"), std::string::npos);
}

TEST_F(ApiTokenTest, ARevokedTokenFailsAtOnce) {
  auto app = make_app();
  const std::string token = token_for(alice, store::TokenScope::read, "doomed");
  ASSERT_EQ(get(*app, "/api/v1/hosts", token).status, 200);
  ASSERT_EQ(get(*app, "/api/v1/hosts", token).status, 200);  // now kept in the token cache
  ASSERT_TRUE(store->revoke_token(alice.id, "doomed"));
  const Response response = get(*app, "/api/v1/hosts", token);
  EXPECT_EQ(response.status, 401) << response.body;
  EXPECT_EQ(header_of(response, "WWW-Authenticate"), "Bearer error=\"invalid_token\"");
}

TEST_F(ApiTokenTest, AnExpiredTokenIs401AndAnUnexpiredOneWorks) {
  auto app = make_app();
  const EpochMs now = now_epoch_ms();
  const std::string expired = domain::random_api_token(), live = domain::random_api_token();
  store::ApiToken row;
  row.user_id = alice.id;
  row.name = "expired";
  row.token_hash = domain::hash_api_token(expired);
  row.expires_at = now - 1;
  ASSERT_TRUE(store->create_token(row, 50));
  row.name = "live";
  row.token_hash = domain::hash_api_token(live);
  row.expires_at = now + 3'600'000;
  ASSERT_TRUE(store->create_token(row, 50));

  const Response response = get(*app, "/api/v1/hosts", expired);
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(header_of(response, "WWW-Authenticate"), "Bearer error=\"invalid_token\"");
  EXPECT_NE(response.body.find("expired"), std::string::npos) << response.body;
  EXPECT_EQ(get(*app, "/api/v1/hosts", live).status, 200);
}

TEST_F(ApiTokenTest, ReadTokensMayOnlyGetAndHead) {
  EXPECT_TRUE(scope_allows(store::TokenScope::read, Method::get));
  EXPECT_TRUE(scope_allows(store::TokenScope::read, Method::head));
  EXPECT_FALSE(scope_allows(store::TokenScope::read, Method::post));
  EXPECT_FALSE(scope_allows(store::TokenScope::read, Method::patch));
  EXPECT_FALSE(scope_allows(store::TokenScope::read, Method::delete_));
  EXPECT_FALSE(scope_allows(store::TokenScope::read, Method::put));
  EXPECT_FALSE(scope_allows(store::TokenScope::read, Method::other));  // OPTIONS, ...
  EXPECT_TRUE(scope_allows(store::TokenScope::write, Method::post));
  EXPECT_TRUE(scope_allows(store::TokenScope::write, Method::other));

  auto app = make_app();
  const std::string read = token_for(alice, store::TokenScope::read, "reader");
  EXPECT_EQ(send(*app, Method::head, "/api/v1/hosts", "Bearer " + read).status, 200);
}

// The real /api/v1 write routes: a read token is refused before anything changes, a write token writes
// without a CSRF token (it is no cookie), and the session cookie alone may not write without X-CSRF-Token.
TEST_F(ApiTokenTest, WritesThroughTheRealRoutesFollowTheTokensScope) {
  auto app = make_app();
  const auto json_request = [](Method method, const std::string& path, const std::string& authorization,
                               const std::string& cookie = "") {
    Request request = request_of(method, path, authorization, cookie);
    request.headers.erase(std::remove_if(request.headers.begin(), request.headers.end(),
                                         [](const auto& header) { return header.first == "content-type"; }),
                          request.headers.end());
    request.headers.emplace_back("content-type", "application/json");
    request.body = R"({"hostname": "added.example.com", "provider": "aws"})";
    return request;
  };
  const std::string read = token_for(alice, store::TokenScope::read, "reader");
  const std::string write = token_for(alice, store::TokenScope::write, "writer");

  const Response refused = app->handle(json_request(Method::post, "/api/v1/hosts", "Bearer " + read));
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(error_code(refused), "forbidden");
  const auto before = store->list_hosts(alice.id);
  ASSERT_TRUE(before);
  for (const auto& host : *before) EXPECT_NE(host.hostname, "added.example.com");

  const Response added = app->handle(json_request(Method::post, "/api/v1/hosts", "Bearer " + write));
  EXPECT_EQ(added.status, 201) << added.body;
  const auto id = boost::json::parse(added.body).at("id").to_number<long long>();
  const std::string path = "/api/v1/hosts/" + std::to_string(id);
  EXPECT_EQ(send(*app, Method::delete_, path, "Bearer " + read).status, 403);
  EXPECT_EQ(send(*app, Method::get, path, "Bearer " + read).status, 200);

  const Response cookie_only = app->handle(json_request(Method::delete_, path, "", session_cookie(alice)));
  EXPECT_EQ(cookie_only.status, 403) << "a cookie write needs X-CSRF-Token";
  EXPECT_EQ(send(*app, Method::delete_, path, "Bearer " + write).status, 204);
  EXPECT_EQ(send(*app, Method::get, path, "Bearer " + write).status, 404);
}

// dispatch calls ApiAuth::authorize for every Access::api route; this calls it as dispatch does, for a
// write method on an API path.
class ApiAuthorizeTest : public ApiTokenTest {
 protected:
  void SetUp() override {
    ApiTokenTest::SetUp();
    site = std::make_unique<Site>(*store, WebOptions{});
    auth = std::make_unique<ApiAuth>(*store, *store, *store, users, ApiLimits{});
  }
  std::optional<Response> authorize(RequestContext& ctx) { return auth->authorize(ctx); }

  std::unique_ptr<Site> site;
  VersionedCache<store::User> users;
  std::unique_ptr<ApiAuth> auth;
};

TEST_F(ApiAuthorizeTest, AReadTokenIsForbiddenToWrite) {
  const std::string read = token_for(alice, store::TokenScope::read, "reader");
  for (const Method method : {Method::post, Method::other}) {
    const Request request = request_of(method, "/api/v1/hosts", "Bearer " + read);
    RequestContext ctx{*site, request};
    ctx.now = now_epoch_ms();
    const auto refused = authorize(ctx);
    ASSERT_TRUE(refused.has_value());
    EXPECT_EQ(refused->status, 403);
    EXPECT_EQ(error_code(*refused), "forbidden");
    EXPECT_FALSE(ctx.user.has_value());
  }
}

TEST_F(ApiAuthorizeTest, AWriteTokenWritesWithoutASessionSoWithoutCsrf) {
  const std::string write = token_for(alice, store::TokenScope::write, "writer");
  const Request request = request_of(Method::post, "/api/v1/hosts", "Bearer " + write);
  RequestContext ctx{*site, request};
  ctx.now = now_epoch_ms();
  // As if a session had been loaded: a token request must not keep it (CSRF is asked only of sessions).
  ctx.session = store::Session{"h", bob.id, "csrf", 0, 0, 0};
  ctx.session_token = "cookie-token";
  const auto refused = authorize(ctx);
  ASSERT_FALSE(refused.has_value()) << refused->body;
  ASSERT_TRUE(ctx.user.has_value());
  EXPECT_EQ(ctx.user->id, alice.id);
  EXPECT_FALSE(ctx.session.has_value());
  EXPECT_TRUE(ctx.session_token.empty());
  ASSERT_TRUE(ctx.api_token.has_value());
  EXPECT_EQ(ctx.api_token->scope, store::TokenScope::write);
  EXPECT_EQ(ctx.api_token->token_id, store->list_tokens(alice.id)->front().id);
}

TEST_F(ApiTokenTest, TokensAreNotAcceptedOnPages) {
  auto app = make_app();
  const std::string token = token_for(alice, store::TokenScope::write);
  for (const char* path : {"/manage", "/account", "/report"}) {
    const Response response = get(*app, path, token);
    EXPECT_EQ(response.status, 303) << path;
    EXPECT_EQ(header_of(response, "Location").rfind("/signin", 0), 0u) << path;
  }
  // A form post with a token and no cookie: refused, nothing added.
  const Response posted =
      send(*app, Method::post, "/manage/hosts", "Bearer " + token, "", "192.0.2.1", "hostname=new.example");
  EXPECT_EQ(posted.status, 403);
  EXPECT_EQ(store->list_hosts(alice.id)->size(), 1u);
}

TEST_F(ApiTokenTest, EachTokenIsRateLimitedWithRetryAfter) {
  WebOptions options;
  options.api.token_rate = 0.01;  // one request per 100 s: nothing refills during the test
  options.api.token_burst = 3;
  auto app = make_app(options);
  const std::string busy = token_for(alice, store::TokenScope::read, "busy");
  const std::string other = token_for(alice, store::TokenScope::read, "other");
  for (int i = 0; i < 3; ++i) ASSERT_EQ(get(*app, "/api/v1/hosts", busy).status, 200) << i;
  const Response limited = get(*app, "/api/v1/hosts", busy);
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(error_code(limited), "rate_limited");
  const std::string retry = header_of(limited, "Retry-After");
  ASSERT_FALSE(retry.empty());
  EXPECT_GE(std::stoi(retry), 90);
  EXPECT_LE(std::stoi(retry), 100);
  // The limit is the token's: another token of the same user goes on.
  EXPECT_EQ(get(*app, "/api/v1/hosts", other).status, 200);
}

TEST_F(ApiTokenTest, FailedAttemptsFromOneAddressAreThrottled) {
  WebOptions options;
  options.api.failure_rate = 0.001;
  options.api.failure_burst = 3;
  auto app = make_app(options);
  const std::string good = token_for(alice);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(
        send(*app, Method::get, "/api/v1/hosts", "Bearer " + domain::random_api_token(), "", "192.0.2.7")
            .status,
        401)
        << i;
  }
  // From that address, even a good token waits now; the answer says how long.
  const Response throttled = send(*app, Method::get, "/api/v1/hosts", "Bearer " + good, "", "192.0.2.7");
  EXPECT_EQ(throttled.status, 429);
  EXPECT_EQ(error_code(throttled), "rate_limited");
  EXPECT_FALSE(header_of(throttled, "Retry-After").empty());
  // Other addresses are not held up; an IPv6 client counts by its /64.
  EXPECT_EQ(send(*app, Method::get, "/api/v1/hosts", "Bearer " + good, "", "192.0.2.8").status, 200);
  for (int i = 0; i < 3; ++i) {
    (void)send(*app, Method::get, "/api/v1/hosts", "Bearer nonsense", "",
               "2001:db8::" + std::to_string(i + 1));
  }
  EXPECT_EQ(send(*app, Method::get, "/api/v1/hosts", "Bearer " + good, "", "2001:db8::99").status, 429);
}

TEST_F(ApiTokenTest, LastUsedIsWrittenOnceAMinuteNotPerRequest) {
  auto app = make_app();
  const std::string token = token_for(alice);
  EXPECT_FALSE(store->list_tokens(alice.id)->front().last_used_at.has_value());
  const EpochMs before = now_epoch_ms();
  ASSERT_EQ(get(*app, "/api/v1/hosts", token).status, 200);
  app->flush_touches();  // written on a thread of its own
  const auto used = store->list_tokens(alice.id)->front().last_used_at;
  ASSERT_TRUE(used.has_value());
  EXPECT_GE(*used, before);
  EXPECT_LE(*used, now_epoch_ms());
  // More requests within the minute commit nothing (SQLite's data version moves with every commit).
  const std::string version = *store->data_version();
  for (int i = 0; i < 5; ++i) ASSERT_EQ(get(*app, "/api/v1/hosts", token).status, 200);
  app->flush_touches();
  EXPECT_EQ(*store->data_version(), version);
  EXPECT_EQ(store->list_tokens(alice.id)->front().last_used_at, used);
}

}  // namespace
}  // namespace semaphore::web

#pragma once
// Who a JSON API request is (issue 13). Routes with Access::api take either a bearer token
// ("Authorization: Bearer smp_...", domain/api_tokens.h) or the session cookie; page routes take only the
// cookie. The rules:
//  - A request with an Authorization header is judged by it alone: its session cookie is not read, and a
//    bad, unknown, expired or revoked token is 401 even beside a good cookie. A token-authenticated request
//    has ctx.user and ctx.api_token set and ctx.session empty (so no CSRF token is asked of it: CSRF is an
//    attack on cookies).
//  - 401 unauthorized with "WWW-Authenticate: Bearer" (and error="invalid_token" when a bearer token was
//    sent, RFC 6750) for no credentials, another scheme, a malformed or unknown token, an expired or revoked
//    one; 403 forbidden for a read token on any method but GET and HEAD; 429 rate_limited with Retry-After
//    past the token's rate (ApiLimits), or when the client address has failed too often (guessing).
//  - Revocation and expiry hold at once: a token row is reused only under the same data version (a revoke
//    is a committed write, which changes it), and expiry is judged on every request.
//  - last_used_at is written at most once a minute per token, so a scraping loop is no stream of writes, and
//    on a thread of its own (DeferredTouches), so a request never waits for that write.
// The lookups are database queries: authorize() runs on the handler pool, as WebApp::handle does.
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"
#include "store/account_store.h"
#include "store/data_version.h"
#include "store/token_store.h"
#include "web/cache/versioned_cache.h"
#include "web/http_types.h"
#include "web/security/deferred_touches.h"
#include "web/security/rate_limiter.h"
#include "web/web_options.h"

namespace semaphore::web {

struct RequestContext;

// The token an API request was authenticated with (RequestContext::api_token).
struct ApiCredential {
  store::Id token_id = 0;
  store::TokenScope scope = store::TokenScope::read;
};

// True when a token of `scope` may make a request with `method`: read tokens only GET and HEAD.
bool scope_allows(store::TokenScope scope, Method method);

// The credentials of "Authorization: Bearer <token>" (the scheme in any case, then spaces), or nullopt
// when the header has another scheme or no credentials. The token is not checked here.
std::optional<std::string_view> bearer_credentials(std::string_view authorization);

class ApiAuth {
 public:
  ApiAuth(store::TokenStore& tokens, store::AccountStore& accounts, store::DataVersionSource& versions,
          VersionedCache<store::User>& users, const ApiLimits& limits);

  // True when `request` carries an Authorization header: on an API route it is then authenticated by that
  // alone, and the caller does not load the session.
  static bool has_authorization(const Request& request);

  // For a route with Access::api, after the caller loaded the session unless has_authorization(): nullopt
  // when the request may go on (ctx.user set; for a token also ctx.api_token, with ctx.session empty), else
  // the answer (401, 403, 429, 503; api/api_error.h's shape).
  std::optional<Response> authorize(RequestContext& ctx);

  static constexpr EpochMs kTouchEveryMs = 60'000;
  // Waits until the last-use times asked for so far are written (or failed): tests.
  void flush_touches() { touches_.flush(); }

 private:
  std::optional<Response> authorize_token(RequestContext& ctx, std::string_view authorization);
  // A failed bearer attempt from `client_key`: counted, then `refusal`.
  Response failed(const std::string& client_key, EpochMs now, Response refusal);
  void touch(const store::ApiToken& token, EpochMs now);

  store::TokenStore& tokens_;
  store::AccountStore& accounts_;
  store::DataVersionSource& versions_;
  VersionedCache<store::User>& users_;    // shared with the session's user lookups
  VersionedCache<store::ApiToken> rows_;  // by token hash, under the data version
  RateLimiter per_token_;                 // by token id
  RateLimiter failures_;                  // by client address (throttle_address)
  std::mutex touch_mutex_;
  std::unordered_map<store::Id, EpochMs> touched_;  // token id -> last touch asked for
  DeferredTouches<store::Id> touches_;              // last_used_at; last: its thread stops first
};

}  // namespace semaphore::web

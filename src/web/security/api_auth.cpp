#include "web/security/api_auth.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/ascii.h"
#include "core/text.h"
#include "domain/api_tokens.h"
#include "web/api/api_error.h"
#include "web/app_context.h"
#include "web/security/client_address.h"

namespace semaphore::web {
namespace {

constexpr std::size_t kMaxTouchMemo = 10'000;

Response unauthorized(std::string_view message, bool invalid_token) {
  Response response = api_error(401, "unauthorized", message);
  response.add_header("WWW-Authenticate", invalid_token ? "Bearer error=\"invalid_token\"" : "Bearer");
  return response;
}

Response rate_limited(std::string_view message, std::chrono::milliseconds wait) {
  Response response = api_error(429, "rate_limited", message);
  response.add_header("Retry-After", retry_after_seconds(wait));
  return response;
}

}  // namespace

bool scope_allows(store::TokenScope scope, Method method) {
  return scope == store::TokenScope::write || method == Method::get || method == Method::head;
}

std::optional<std::string_view> bearer_credentials(std::string_view authorization) {
  const std::string_view value = trim(authorization);
  const auto space = value.find(' ');
  if (space == std::string_view::npos || !iequals_ascii(value.substr(0, space), "Bearer"))
    return std::nullopt;
  const std::string_view credentials = trim(value.substr(space + 1));
  if (credentials.empty()) return std::nullopt;
  return credentials;
}

ApiAuth::ApiAuth(store::TokenStore& tokens, store::AccountStore& accounts, store::DataVersionSource& versions,
                 VersionedCache<store::User>& users, const ApiLimits& limits)
    : tokens_(tokens),
      accounts_(accounts),
      versions_(versions),
      users_(users),
      per_token_(limits.token_rate, limits.token_burst),
      failures_(limits.failure_rate, limits.failure_burst),
      touches_("API tokens' last-use times",
               [&tokens](const store::Id& id, EpochMs at) { return tokens.touch_token(id, at); }) {}

bool ApiAuth::has_authorization(const Request& request) {
  return std::any_of(request.headers.begin(), request.headers.end(),
                     [](const auto& header) { return header.first == "authorization"; });
}

std::optional<Response> ApiAuth::authorize(RequestContext& ctx) {
  if (has_authorization(ctx.request)) return authorize_token(ctx, ctx.request.header("authorization"));
  if (!ctx.user && ctx.session_unchecked) {
    Response response =
        api_error(503, "unavailable",
                  "The database is not answering, so the session cannot be checked; try again shortly.");
    response.add_header("Retry-After", "5");
    return response;
  }
  if (!ctx.user) return unauthorized("Sign in first, or send a token.", false);
  return std::nullopt;
}

Response ApiAuth::failed(const std::string& client_key, EpochMs now, Response refusal) {
  (void)failures_.take(client_key, now);
  return refusal;
}

std::optional<Response> ApiAuth::authorize_token(RequestContext& ctx, std::string_view authorization) {
  const EpochMs now = ctx.now;
  const std::string client_key = throttle_address(ctx.request.client_address);
  // Guessing from one address is refused before any lookup.
  if (auto wait = failures_.wait(client_key, now)) {
    return rate_limited("Too many failed token attempts from your address; try again later.", *wait);
  }
  const auto credentials = bearer_credentials(authorization);
  if (!credentials) {
    return failed(client_key, now,
                  unauthorized("The Authorization header must be \"Bearer\" and a token.", false));
  }
  if (!domain::looks_like_api_token(*credentials)) {
    return failed(client_key, now, unauthorized("The token is not valid.", true));
  }
  const std::string hash = domain::hash_api_token(*credentials);

  // The version first, then the data kept under it (web/cache/versioned_cache.h).
  if (ctx.data_version.empty()) {
    if (auto version = versions_.data_version()) ctx.data_version = std::move(*version);
  }
  store::ApiToken token;
  if (auto kept = rows_.find(hash, ctx.data_version)) {
    token = std::move(*kept);
  } else {
    auto found = tokens_.find_token(hash);
    if (!found) {
      if (found.error().code == Errc::not_found) {
        return failed(client_key, now, unauthorized("The token is not valid (unknown or revoked).", true));
      }
      return api_store_error(found.error());
    }
    token = std::move(*found);
    rows_.put(hash, ctx.data_version, token);
  }
  if (token.expired(now)) return unauthorized("The token has expired.", true);

  const std::string user_key = std::to_string(token.user_id);
  auto user = users_.find(user_key, ctx.data_version);
  if (!user) {
    auto found = accounts_.find_user(token.user_id);
    if (!found) {
      if (found.error().code == Errc::not_found) return unauthorized("The token is not valid.", true);
      return api_store_error(found.error());
    }
    users_.put(user_key, ctx.data_version, *found);
    user = std::move(*found);
  }

  if (auto wait = per_token_.take(std::to_string(token.id), now)) {
    return rate_limited("Too many requests with this token; slow down.", *wait);
  }
  if (!scope_allows(token.scope, ctx.request.method)) {
    return api_error(403, "forbidden", "This token may only read (GET); writing needs a write token.");
  }
  touch(token, now);
  ctx.session.reset();
  ctx.session_token.clear();
  ctx.user = std::move(*user);
  ctx.api_token = ApiCredential{token.id, token.scope};
  return std::nullopt;
}

void ApiAuth::touch(const store::ApiToken& token, EpochMs now) {
  {
    std::lock_guard lock(touch_mutex_);
    EpochMs last = token.last_used_at.value_or(0);
    if (const auto it = touched_.find(token.id); it != touched_.end()) last = std::max(last, it->second);
    if (now - last < kTouchEveryMs) return;
    if (touched_.size() >= kMaxTouchMemo) touched_.clear();
    // Marked when asked for, so that concurrent requests of this token do not all ask; a failed write is
    // asked for again a minute later.
    touched_[token.id] = now;
  }
  touches_.touch(token.id, now);  // written on its own thread: the request never waits for it
}

}  // namespace semaphore::web

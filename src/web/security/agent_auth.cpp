#include "web/security/agent_auth.h"

#include "domain/locations.h"
#include "web/api/api_error.h"
#include "web/app_context.h"
#include "web/security/api_auth.h"
#include "web/security/client_address.h"

namespace semaphore::web {
namespace {

Response unauthorized(std::string_view message, bool invalid_token) {
  Response response = api_error(401, "unauthorized", message);
  response.add_header("WWW-Authenticate", invalid_token ? "Bearer error=\"invalid_token\"" : "Bearer");
  return response;
}

}  // namespace

AgentAuth::AgentAuth(store::LocationStore& locations, store::DataVersionSource& versions,
                     const ApiLimits& limits)
    : locations_(locations), versions_(versions), failures_(limits.failure_rate, limits.failure_burst) {}

std::optional<Response> AgentAuth::authorize(RequestContext& ctx) {
  const EpochMs now = ctx.now;
  const std::string client_key = throttle_address(ctx.request.client_address);
  if (auto wait = failures_.wait(client_key, now)) {
    Response response =
        api_error(429, "rate_limited", "Too many failed token attempts from your address; try again later.");
    response.add_header("Retry-After", retry_after_seconds(*wait));
    return response;
  }
  const auto refuse = [&](std::string_view message, bool invalid_token) {
    (void)failures_.take(client_key, now);
    return unauthorized(message, invalid_token);
  };
  const auto credentials = bearer_credentials(ctx.request.header("authorization"));
  if (!credentials)
    return refuse("An agent sends \"Authorization: Bearer\" and its location's token.", false);
  if (!domain::looks_like_location_token(*credentials)) {
    return refuse("The token is not a location's agent token.", true);
  }
  const std::string hash = domain::hash_location_token(*credentials);
  if (ctx.data_version.empty()) {
    if (auto version = versions_.data_version()) ctx.data_version = std::move(*version);
  }
  if (auto kept = rows_.find(hash, ctx.data_version)) {
    ctx.agent_location = std::move(*kept);
    return std::nullopt;
  }
  auto found = locations_.find_location_by_token(hash);
  if (!found) {
    if (found.error().code == Errc::not_found) {
      return refuse("The token is not valid (unknown, or its location was removed).", true);
    }
    return api_store_error(found.error());
  }
  rows_.put(hash, ctx.data_version, *found);
  ctx.agent_location = std::move(*found);
  return std::nullopt;
}

}  // namespace semaphore::web

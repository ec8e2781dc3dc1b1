#pragma once
// Who an agent's request is (issue 16): routes with Access::agent (/api/v1/agent/...) take only a location's
// agent token, "Authorization: Bearer sml_..." (domain/locations.h); never a session or an API token, and an
// API route never takes an agent token. The rules, as ApiAuth's for API tokens:
//  - 401 unauthorized with "WWW-Authenticate: Bearer" (error="invalid_token" when a token was sent) for no
//    credentials, another scheme, a malformed or unknown token; a removed location's token is unknown at
//    once (a location row is reused only under the same data version, and the removal is a write).
//  - 429 rate_limited with Retry-After when the client address has failed too often (guessing), checked
//    before any lookup.
// The lookup is a database query: authorize() runs on the handler pool, as WebApp::handle does.
#include <optional>
#include <string>

#include "store/data_version.h"
#include "store/location_store.h"
#include "web/cache/versioned_cache.h"
#include "web/http_types.h"
#include "web/security/rate_limiter.h"
#include "web/web_options.h"

namespace semaphore::web {

struct RequestContext;

class AgentAuth {
 public:
  AgentAuth(store::LocationStore& locations, store::DataVersionSource& versions, const ApiLimits& limits);

  // nullopt when the request may go on (ctx.agent_location set), else the answer (401, 429, 503).
  std::optional<Response> authorize(RequestContext& ctx);

 private:
  store::LocationStore& locations_;
  store::DataVersionSource& versions_;
  VersionedCache<store::Location> rows_;  // by token hash, under the data version
  RateLimiter failures_;                  // by client address (throttle_address)
};

}  // namespace semaphore::web

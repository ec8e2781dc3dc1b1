// GET /api/v1/locations (issue 16): every location with what it reports and whether it is online, for admins
// (a session or a bearer token of an admin user). Anyone else gets the 404 of a route that does not exist:
// locations are the operator's, not a user's.
#include <boost/json/array.hpp>

#include "domain/locations.h"
#include "web/api/api_error.h"
#include "web/app_context.h"

namespace semaphore::web {
namespace {

namespace json = boost::json;

json::object location_json(const store::Location& location, EpochMs now) {
  return json::object{
      {"name", location.name},
      {"label", location.label},
      {"kind", domain::location_kind(location)},
      {"status", domain::to_string(domain::location_status(location, now))},
      {"last_seen_at",
       location.last_seen_at ? json::value(format_iso8601(*location.last_seen_at)) : json::value(nullptr)},
      {"version", location.version.empty() ? json::value(nullptr) : json::value(location.version)},
      {"rounds_on_time", location.rounds_on_time},
      {"rounds_late", location.rounds_late},
      {"spool_backlog", location.spool_backlog},
      {"interval_ms", location.interval_ms > 0 ? json::value(location.interval_ms) : json::value(nullptr)},
      {"created_at", format_iso8601(location.created_at)},
  };
}

Response list_locations(RequestContext& ctx, store::LocationStore& locations) {
  if (!ctx.user->is_admin) return api_error(404, "not_found", "No such resource, or it is not yours.");
  auto listed = locations.list_locations();
  if (!listed) return api_store_error(listed.error());
  json::array list;
  list.reserve(listed->size());
  for (const auto& location : *listed) list.push_back(location_json(location, ctx.now));
  return json_response(
      200, json::object{{"generated_at", format_iso8601(ctx.now)}, {"locations", std::move(list)}});
}

}  // namespace

void add_api_location_routes(Routes& routes, store::LocationStore& locations) {
  routes.add(Method::get, "/api/v1/locations", Access::api, bind_handler(list_locations, locations));
}

}  // namespace semaphore::web

// GET /api/v1/report: every one of the caller's hosts with its state and latest round (what the report
// page shows), in the report's order (provider, hostname), with the time it was made.
#include <boost/json/array.hpp>

#include "web/api/api_error.h"
#include "web/api/api_json.h"

namespace semaphore::web {
namespace {

namespace json = boost::json;

Response report(RequestContext& ctx, store::HostStore& hosts) {
  auto statuses = hosts.host_statuses(ctx.user->id);
  if (!statuses) return api_store_error(statuses.error());
  json::array list;
  list.reserve(statuses->size());
  for (const auto& status : *statuses) {
    list.push_back(api::host_json(status.host, judge_host(status, ctx.now, ctx.site.stale_after()).state,
                                  status.latest));
  }
  return json_response(200,
                       json::object{{"generated_at", format_iso8601(ctx.now)}, {"hosts", std::move(list)}});
}

}  // namespace

void add_api_report_routes(Routes& routes, store::HostStore& hosts) {
  routes.add(Method::get, "/api/v1/report", Access::api, bind_handler(report, hosts));
}

}  // namespace semaphore::web

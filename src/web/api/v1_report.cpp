// GET /api/v1/report: what the report page shows, as JSON and a page at a time (issue 17: a user may watch
// 10,000 hosts): the state counts over every host, and one page of the hosts the search and filters keep,
// each with its state, alert state and latest round. The same parameters as /report (report_listing.h), with
// the order the API always had as the default: provider, then hostname. Each host's state is the worst across
// the locations that report it, its latest rounds that location's (`location` names it); `location=NAME`
// (issue 16) judges every host by that location's rounds alone.
#include <boost/json/array.hpp>

#include "web/api/api_error.h"
#include "web/api/api_json.h"
#include "web/report_listing.h"

namespace semaphore::web {
namespace {

namespace json = boost::json;

Response report(RequestContext& ctx, store::HostStore& hosts, store::AlertStore& alerts,
                store::LocationStore& locations, ReportCaches& caches) {
  auto parsed = parse_report_query(ctx.query, "provider");
  if (const auto* problem = std::get_if<ReportQueryError>(&parsed)) {
    return api_error(400, "bad_field", problem->message, problem->field);
  }
  const ReportQuery& query = std::get<ReportQuery>(parsed);
  auto named = api::location_param(ctx, locations);
  if (auto* refused = std::get_if<Response>(&named)) return std::move(*refused);
  const auto& only = std::get<std::optional<store::Location>>(named);
  auto statuses = report_statuses(ctx, hosts, locations, caches);
  if (!statuses) return api_store_error(statuses.error());
  const ReportStatuses& kept = **statuses;
  const std::shared_ptr<const ReportAlerts> alert_data = report_alerts(ctx, alerts, caches);
  const ReportListing listing =
      list_report(kept.statuses, query, ctx.now, ctx.site.stale_after(), AlertWords(*alert_data, ctx.now),
                  only ? std::optional<store::Id>(only->id) : std::nullopt);
  // Every location, to name each host's switched-off ones (the report's own list holds only those reporting).
  auto all = locations.list_locations();
  if (!all) return api_store_error(all.error());
  json::array list;
  list.reserve(listing.rows.size());
  const std::optional<store::PingResult> none;
  for (const ReportRow& row : listing.rows) {
    const store::Location* location = row.location ? kept.find(row.location->location_id) : nullptr;
    json::object host =
        api::host_json(row.status->host, row.view.state, row.location ? row.location->latest : none,
                       row.location ? row.location->latest_tcp : none, location ? location->name : "", *all);
    host["alert_state"] = row.alert;
    list.push_back(std::move(host));
  }
  json::object counts;
  for (const HostState state : {HostState::up, HostState::degraded, HostState::down, HostState::unknown}) {
    counts[to_string(state)] = listing.count(state);
  }
  return json_response(200, json::object{{"generated_at", format_iso8601(ctx.now)},
                                         {"total", listing.total},
                                         {"counts", std::move(counts)},
                                         {"matched", listing.matched},
                                         {"page", listing.page},
                                         {"per", query.per},
                                         {"pages", listing.pages},
                                         {"hosts", std::move(list)}});
}

}  // namespace

void add_api_report_routes(Routes& routes, store::HostStore& hosts, store::AlertStore& alerts,
                           store::LocationStore& locations, ReportCaches& caches) {
  routes.add(Method::get, "/api/v1/report", Access::api,
             bind_handler(report, hosts, alerts, locations, caches));
}

}  // namespace semaphore::web

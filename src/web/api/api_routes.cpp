// The JSON API (read-only, session cookie): GET /api/hosts, GET /api/report, GET
// /api/hosts/{id}/results?range=. The results come column by column ({"ts":[...], "min":[...], ...}): the
// shape uPlot draws from directly.
#include <spdlog/spdlog.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "core/provider.h"
#include "core/text.h"
#include "web/app_context.h"
#include "web/view/host_state.h"
#include "web/view/series.h"

namespace semaphore::web {
namespace {

namespace json = boost::json;

Response json_store_error(const Error& error) {
  if (error.code == Errc::not_found) return json_response(404, json::object{{"error", "not found"}});
  spdlog::error("store: {}", log_safe(error.message));
  return json_response(503, json::object{{"error", "database unavailable"}});
}

json::value number_or_null(const std::optional<double>& value) {
  if (!value) return nullptr;
  return *value;
}

json::object host_json(const store::Host& host) {
  return json::object{
      {"id", host.id},           {"hostname", host.hostname}, {"provider", to_string(host.provider)},
      {"service", host.service}, {"label", host.label},       {"enabled", host.enabled}};
}

Response api_hosts(RequestContext& ctx, store::HostStore& hosts) {
  auto listed = hosts.list_hosts(ctx.user->id);
  if (!listed) return json_store_error(listed.error());
  json::array list;
  for (const auto& host : *listed) list.push_back(host_json(host));
  return json_response(200, json::object{{"hosts", std::move(list)}});
}

Response api_report(RequestContext& ctx, store::HostStore& hosts) {
  auto statuses = hosts.host_statuses(ctx.user->id);
  if (!statuses) return json_store_error(statuses.error());
  json::array list;
  for (const auto& status : *statuses) {
    json::object item = host_json(status.host);
    item["status"] = to_string(classify(status.latest, ctx.now, ctx.site.stale_after()));
    if (const auto& latest = status.latest) {
      item["latest"] = json::object{{"ts", latest->ts},
                                    {"sent", latest->sent},
                                    {"received", latest->received},
                                    {"loss", number_or_null(loss_of(latest->sent, latest->received))},
                                    {"min_ms", number_or_null(latest->min_ms)},
                                    {"avg_ms", number_or_null(latest->avg_ms)},
                                    {"max_ms", number_or_null(latest->max_ms)},
                                    {"median_ms", number_or_null(latest->median_ms)},
                                    {"stddev_ms", number_or_null(latest->stddev_ms)},
                                    {"error", latest->error}};
    } else {
      item["latest"] = nullptr;
    }
    list.push_back(std::move(item));
  }
  return json_response(200, json::object{{"generated_at", ctx.now}, {"hosts", std::move(list)}});
}

Response api_results(RequestContext& ctx, store::HostStore& hosts) {
  const auto id = ctx.id_param();
  if (!id) return json_response(404, json::object{{"error", "not found"}});
  const auto range = parse_range(ctx.query.get("range"));
  if (!range) return json_response(400, json::object{{"error", "range must be 1h, 6h, 24h, 7d, 30d or 1y"}});
  auto series = load_series(hosts, ctx.user->id, *id, *range, ctx.now);
  if (!series) return json_store_error(series.error());
  json::array ts, min, median, max, avg, loss, sent, received;
  for (const auto& point : series->points) {
    ts.push_back(static_cast<double>(point.ts) / 1000.0);  // uPlot's x axis is in seconds
    min.push_back(number_or_null(point.min_ms));
    median.push_back(number_or_null(point.median_ms));
    max.push_back(number_or_null(point.max_ms));
    avg.push_back(number_or_null(point.avg_ms));
    loss.push_back(number_or_null(loss_of(point.sent, point.received)));
    sent.push_back(point.sent);
    received.push_back(point.received);
  }
  return json_response(200, json::object{{"host_id", *id},
                                         {"range", range->name},
                                         {"resolution_s", range->rollup_period_s},
                                         {"from", series->from},
                                         {"to", series->to},
                                         {"ts", std::move(ts)},
                                         {"min", std::move(min)},
                                         {"median", std::move(median)},
                                         {"max", std::move(max)},
                                         {"avg", std::move(avg)},
                                         {"loss", std::move(loss)},
                                         {"sent", std::move(sent)},
                                         {"received", std::move(received)}});
}

}  // namespace

void add_api_routes(Routes& routes, store::HostStore& hosts) {
  routes.add(Method::get, "/api/hosts", Access::api, bind_handler(api_hosts, hosts));
  routes.add(Method::get, "/api/report", Access::api, bind_handler(api_report, hosts));
  routes.add(Method::get, "/api/hosts/{id}/results", Access::api, bind_handler(api_results, hosts));
}

}  // namespace semaphore::web

// /api/v1 of the network paths (issue 15): GET /hosts/{id}/paths — the host's latest path (with the newest
// verdict) and its history of path changes, newest first, in cursor pages of `limit` changes. Scoped by the
// caller's user id: another user's host is 404, as a missing one is.
#include <boost/json/array.hpp>

#include <variant>

#include "paths/path.h"
#include "web/api/api_error.h"
#include "web/api/api_json.h"

namespace semaphore::web {
namespace json = boost::json;
namespace {

constexpr std::size_t kDefaultChanges = 20;
constexpr std::size_t kMaxChanges = 100;

json::array hops_json(const std::string& stored) {
  json::array out;
  auto hops = paths::decode_hops(stored);
  if (!hops) return out;  // written by the service; a row that does not read back shows no hops
  for (const auto& hop : *hops) {
    json::array others;
    for (const auto& other : hop.other_addresses) others.emplace_back(other);
    out.push_back(json::object{
        {"hop", hop.ttl},
        {"address", hop.address.empty() ? json::value(nullptr) : json::value(hop.address)},
        {"other_addresses", std::move(others)},
        {"name", hop.name.empty() ? json::value(nullptr) : json::value(hop.name)},
        {"sent", hop.sent},
        {"received", hop.received},
        {"loss", hop.sent > 0 ? json::value(hop.loss()) : json::value(nullptr)},
        {"min_ms", api::number_or_null(hop.min_ms)},
        {"avg_ms", api::number_or_null(hop.avg_ms)},
        {"max_ms", api::number_or_null(hop.max_ms)},
        {"median_ms", api::number_or_null(hop.median_ms)},
        {"destination", hop.is_destination},
    });
  }
  return out;
}

json::value verdict_json(const store::HostPathRecord& path) {
  if (path.verdict.empty()) return nullptr;
  return json::object{{"text", path.verdict},
                      {"kind", path.verdict_kind},
                      {"hop", path.verdict_hop ? json::value(*path.verdict_hop) : json::value(nullptr)}};
}

json::object path_json(const store::HostPathRecord& path) {
  return json::object{
      {"id", path.id},
      {"measured_at", format_iso8601(path.measured_at)},
      {"trigger", path.trigger},
      {"reached", path.reached},
      {"changed", path.changed},
      {"verdict", verdict_json(path)},
      {"hops", hops_json(path.hops)},
  };
}

Response host_paths(RequestContext& ctx, store::PathStore& paths) {
  const auto id = ctx.id_param();
  if (!id) return api_error(404, "not_found", "No such host, or it is not yours.");
  const auto limit = api::limit_param(ctx, kDefaultChanges, kMaxChanges);
  if (const auto* refused = std::get_if<Response>(&limit)) return *refused;
  store::PathQuery query;
  query.changes_only = true;
  query.limit = static_cast<int>(std::get<std::size_t>(limit)) + 1;  // one more: is there a next page?
  const bool first_page = !ctx.query.has("cursor");
  if (!first_page) {
    const auto before = api::decode_cursor('p', ctx.query.get("cursor"));
    if (!before || *before <= 0)
      return api_error(400, "bad_field", "cursor is not one this API gave.", "cursor");
    query.before_id = *before;
  }
  // The latest path and the newest verdict: from the newest paths (one read), on every page.
  auto recent = paths.host_paths(ctx.user->id, *id, store::PathQuery{false, 0, 20});
  if (!recent) {
    if (recent.error().code == Errc::not_found)
      return api_error(404, "not_found", "No such host, or it is not yours.");
    return api_store_error(recent.error());
  }
  auto changes = paths.host_paths(ctx.user->id, *id, query);
  if (!changes) return api_store_error(changes.error());

  json::value latest = nullptr;
  if (!recent->empty()) {
    json::object object = path_json(recent->front());
    // The newest verdict, when the latest path has none (a scheduled trace after a state change's).
    if (recent->front().verdict.empty()) {
      for (const auto& path : *recent) {
        if (path.verdict.empty()) continue;
        object["verdict"] = verdict_json(path);
        object["verdict_measured_at"] = format_iso8601(path.measured_at);
        break;
      }
    }
    latest = std::move(object);
  }
  const std::size_t wanted = std::get<std::size_t>(limit);
  json::array history;
  for (std::size_t i = 0; i < changes->size() && i < wanted; ++i) {
    const auto& change = (*changes)[i];
    json::object item = path_json(change);
    item["previous"] =
        change.previous_hops.empty()
            ? json::value(nullptr)
            : json::value(json::object{
                  {"id", change.previous_id ? json::value(*change.previous_id) : json::value(nullptr)},
                  {"measured_at", change.previous_measured_at
                                      ? json::value(format_iso8601(*change.previous_measured_at))
                                      : json::value(nullptr)},
                  {"hops", hops_json(change.previous_hops)}});
    history.push_back(std::move(item));
  }
  json::value next = nullptr;
  if (changes->size() > wanted) next = api::encode_cursor('p', (*changes)[wanted - 1].id);
  return json_response(200, json::object{{"latest", std::move(latest)},
                                         {"changes", std::move(history)},
                                         {"next_cursor", std::move(next)}});
}

}  // namespace

void add_api_path_routes(Routes& routes, store::PathStore& paths) {
  routes.add(Method::get, "/api/v1/hosts/{id}/paths", Access::api, bind_handler(host_paths, paths));
}

}  // namespace semaphore::web

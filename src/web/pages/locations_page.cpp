// GET /locations (issue 16, admins only): the locations hosts are pinged from, with what each reports
// (last seen, version, rounds on time and late, spool backlog) and whether it is online. Anyone else gets
// the 404 of a page that does not exist; below them, the latest times one went offline or came back. Read on
// the handler pool (store::LocationStore::list_locations);
// every value is escaped by the template.
#include "domain/locations.h"
#include "web/app_context.h"

namespace semaphore::web {
namespace {

// "2026-11-27 22:51:07 UTC", or "never".
std::string seen_text(const std::optional<EpochMs>& ms) {
  if (!ms) return "never";
  const std::string iso = format_iso8601(*ms);
  return iso.size() >= 19 ? iso.substr(0, 10) + " " + iso.substr(11, 8) + " UTC" : iso;
}

constexpr int kLocationEventsShown = 20;

std::string interval_text(std::int64_t ms) {
  if (ms <= 0) return "-";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  return std::to_string(ms) + " ms";
}

Response locations_page(RequestContext& ctx, store::LocationStore& locations) {
  if (!ctx.user->is_admin) return ctx.error_page(404, "There is no such page, or it is not yours.");
  auto listed = locations.list_locations();
  if (!listed) return ctx.store_error(listed.error());
  TemplateData rows{TemplateData::type::list};
  for (const auto& location : *listed) {
    TemplateData row;
    row.set("name", location.name);
    row.set("label", location.label);
    row.set("kind", std::string(domain::location_kind(location)));
    row.set("status", std::string(domain::to_string(domain::location_status(location, ctx.now))));
    row.set("last_seen", seen_text(location.last_seen_at));
    row.set("version", location.version.empty() ? std::string("-") : location.version);
    row.set("rounds_on_time", std::to_string(location.rounds_on_time));
    row.set("rounds_late", std::to_string(location.rounds_late));
    row.set("spool_backlog", std::to_string(location.spool_backlog));
    row.set("interval", interval_text(location.interval_ms));
    rows.push_back(row);
  }
  TemplateData data;
  data.set("locations", rows);
  // The latest times a location went offline or came back (web/location_watch.h), newest first.
  auto events = locations.recent_location_events(kLocationEventsShown);
  if (!events) return ctx.store_error(events.error());
  TemplateData event_rows{TemplateData::type::list};
  for (const auto& event : *events) {
    TemplateData row;
    row.set("at", seen_text(event.at));
    row.set("name", event.location_name);
    row.set("kind", event.kind);
    row.set("last_seen", seen_text(event.last_seen_at));
    event_rows.push_back(row);
  }
  data.set("has_events", !events->empty());
  data.set("events", event_rows);
  return ctx.page(200, "locations", "Locations", std::move(data), "locations");
}

}  // namespace

void add_locations_routes(Routes& routes, store::LocationStore& locations) {
  routes.add(Method::get, "/locations", Access::signed_in, bind_handler(locations_page, locations));
}

}  // namespace semaphore::web

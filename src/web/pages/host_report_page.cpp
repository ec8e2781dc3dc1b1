// GET /report/{id}?range=1h|6h|24h|7d|30d|1y&location=NAME: one host's smoke chart (drawn by chart.js from
// the JSON API, with the host's alert events marked on it): a median line per location and probe kind, the
// spread band of the selected location (issue 16); the latest round of each location; the selected location's
// alert state and events, and the table of its rounds; GET /report/{id}.csv?range=...&location=... exports
// the same rows. The selected location: `location=NAME`, else `local` when it reports the host, else the
// first location that does.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <variant>

#include "alerts/maintenance_window.h"
#include "core/provider.h"
#include "core/text.h"
#include "web/app_context.h"
#include "web/view/alert_view.h"
#include "web/view/csv.h"
#include "web/view/host_state.h"
#include "web/view/html_writer.h"
#include "web/view/path_view.h"
#include "web/view/series.h"

namespace semaphore::web {
namespace {

constexpr std::size_t kRowsShown = 500;
constexpr int kEventsShown = 1000;  // of the range, newest first

struct Loaded {
  store::Host host;
  RangeSpec range;
  // The host's latest rounds of every location that has any (HostStatus::locations), and those locations,
  // by id (the selected one among them even when it has no round of the host).
  store::HostStatus status;
  std::vector<store::Location> locations;
  store::Location selected;
  std::vector<Series> series;  // the selected location's, one per kind the host's method measures (series.h
                               // kinds_of), primary first
};

// The location a page shows when the URL names none: `local` when it reports the host, else the first that
// does, else `local`.
store::Id default_location(const store::HostStatus& status) {
  for (const store::LocationRounds& each : status.locations) {
    if (each.location_id == store::kLocalLocationId) return each.location_id;
  }
  return status.locations.empty() ? store::kLocalLocationId : status.locations.front().location_id;
}

// The host (scoped by the user: another user's id is not found), its latest rounds per location, the
// selected location and its series; or the error page.
std::variant<Loaded, Response> load(RequestContext& ctx, store::HostStore& hosts,
                                    store::LocationStore& locations) {
  const auto id = ctx.id_param();
  if (!id) return ctx.error_page(404, "There is no such page, or it is not yours.");
  const auto range = parse_range(ctx.query.get("range"));
  if (!range) return ctx.error_page(400, "Choose a range of 1h, 6h, 24h, 7d, 30d or 1y.");
  auto host = hosts.find_host(ctx.user->id, *id);
  if (!host) return ctx.store_error(host.error());
  auto rounds = hosts.latest_rounds_of_host(ctx.user->id, *id);
  if (!rounds) return ctx.store_error(rounds.error());
  auto all_locations = locations.list_locations();
  if (!all_locations) return ctx.store_error(all_locations.error());
  Loaded loaded{std::move(*host), *range, {}, {}, {}, {}};
  loaded.status = std::move(store::join_rounds_by_location(std::span(&loaded.host, 1), *rounds).front());

  const std::string& wanted = ctx.query.get("location");
  const store::Id fallback = default_location(loaded.status);
  std::optional<store::Location> selected;
  for (store::Location& location : *all_locations) {
    const bool reports = std::any_of(loaded.status.locations.begin(), loaded.status.locations.end(),
                                     [&](const auto& each) { return each.location_id == location.id; });
    const bool chosen = wanted.empty() ? location.id == fallback : location.name == wanted;
    if (chosen) selected = location;
    if (reports || chosen) loaded.locations.push_back(std::move(location));
  }
  if (!selected) {
    if (!wanted.empty()) return ctx.error_page(400, "There is no location of that name.");
    selected.emplace();  // the locations table lost `local`'s row: nothing reports, nothing to name
    selected->id = fallback;
    selected->name = "local";
  }
  loaded.selected = std::move(*selected);
  for (const ProbeKind kind : kinds_of(loaded.host.probe.method)) {
    auto series = load_series(hosts, ctx.user->id, *id, loaded.selected.id, *range, ctx.now, kind);
    if (!series) return ctx.store_error(series.error());
    loaded.series.push_back(std::move(*series));
  }
  return loaded;
}

// A location as the page names it: its label when it has one, else its name.
const std::string& location_title(const store::Location& location) {
  return location.label.empty() ? location.name : location.label;
}

// Every series' points in one list, newest first, a round's ICMP row before its TCP row (the rounds table).
std::vector<const SeriesPoint*> newest_first(const std::vector<Series>& all) {
  std::vector<const SeriesPoint*> points;
  for (const Series& series : all) {
    for (const SeriesPoint& point : series.points) points.push_back(&point);
  }
  std::stable_sort(points.begin(), points.end(), [](const SeriesPoint* a, const SeriesPoint* b) {
    if (a->ts != b->ts) return a->ts > b->ts;
    return to_int(a->method) < to_int(b->method);
  });
  return points;
}

// The same oldest first (the CSV).
std::vector<const SeriesPoint*> oldest_first(const std::vector<Series>& all) {
  auto points = newest_first(all);
  std::stable_sort(points.begin(), points.end(),
                   [](const SeriesPoint* a, const SeriesPoint* b) { return a->ts < b->ts; });
  return points;
}

// What a table shows of a host's kinds: a Method column when it has more than one, a Refused column when
// one is TCP.
struct Columns {
  bool method = false;
  bool refused = false;
};
Columns columns_for(ProbeMethod method) {
  return {method == ProbeMethod::both, probes_tcp(method)};
}

std::string_view kind_label(ProbeKind kind) {
  return kind == ProbeKind::tcp ? "TCP" : "ICMP";
}

std::string time_text(EpochMs ms) {
  const std::string iso = format_iso8601(ms);
  return iso.size() >= 19 ? iso.substr(0, 10) + " " + iso.substr(11, 8) : iso;
}

// One row of the rounds table, written here rather than by a template (HtmlWriter says why); every value
// through text() (escaped).
void write_round(const SeriesPoint& point, Columns columns, std::string& out) {
  HtmlWriter html(out);
  html.raw("      <tr class=\"method-").text(to_string(point.method)).raw("\"><td><time datetime=\"");
  html.text(format_iso8601(point.ts)).raw("\">").text(time_text(point.ts)).raw("</time></td>");
  if (columns.method) html.raw("<td>").text(kind_label(point.method)).raw("</td>");
  html.raw("<td class=\"num\">").number(point.sent).raw("</td><td class=\"num\">").number(point.received);
  if (columns.refused) {
    html.raw("</td><td class=\"num\">");
    if (point.method == ProbeKind::tcp) html.number(point.refused);
  }
  html.raw("</td><td class=\"num\">").text(format_loss(point.sent, point.received));
  for (const auto* value :
       {&point.min_ms, &point.avg_ms, &point.max_ms, &point.median_ms, &point.stddev_ms}) {
    html.raw("</td><td class=\"num\">").text(format_ms(*value));
  }
  html.raw("</td><td>").text(point.error).raw("</td></tr>\n");
}

// The host's alert state (across its locations) and its events in the range, newest first, into `data`. A
// read failure shows as a note in the section; the chart and rounds still show.
void add_alerts(RequestContext& ctx, store::AlertStore& alerts, const store::Host& host,
                const RangeSpec& range, TemplateData& data) {
  auto state = alerts.host_quorum_state(ctx.user->id, host.id);
  auto windows = alerts.list_maintenance_windows(ctx.user->id);
  auto events = alerts.host_events(ctx.user->id, host.id, ctx.now - range.span_ms, ctx.now + 1, kEventsShown);
  if (!state || !windows || !events) {
    const Error& error = !state ? state.error() : !windows ? windows.error() : events.error();
    spdlog::error("user {}: host {} alerts not read: {}", ctx.user->id, host.id, log_safe(error.message));
    data.set("events_error", std::string("The alert events could not be read just now."));
  }
  bool in_maintenance = false;
  if (windows) {
    std::erase_if(*windows, [&](const auto& window) { return window.host_id && *window.host_id != host.id; });
    alerts::TimeZones zones;
    in_maintenance = alerts::in_any_window(*windows, ctx.now, zones);
  }
  data.set("alert_state", alert_state_word(host, state ? *state : std::nullopt, in_maintenance));
  std::vector<store::AlertEventRecord> newest_first;
  if (events) newest_first.assign(events->rbegin(), events->rend());
  std::string rows;
  write_event_rows(newest_first, {}, /*with_host=*/false, rows);
  data.set("has_events", !newest_first.empty());
  data.set("events_html", rows);
  data.set("events_since_s", std::to_string((ctx.now - range.span_ms) / 1000));
}

// One row of the latest-round table per location: its latest round (the figures the report shows for it),
// its own verdict on the host, and its alert state (its vote in the host's: `alert_word`).
void write_location_row(const RequestContext& ctx, const store::Host& host, const store::Location& location,
                        const store::LocationRounds* rounds, bool selected, const std::string& alert_word,
                        std::string& out) {
  HtmlWriter html(out);
  html.raw("      <tr data-location=\"").text(location.name).raw("\"");
  if (selected) html.raw(" class=\"selected\"");
  html.raw("><th scope=\"row\">").text(location_title(location)).raw("</th>");
  if (!rounds) {
    html.raw("<td colspan=\"9\" class=\"muted\">no round yet</td></tr>\n");
    return;
  }
  const HostView view = judge_host(host, *rounds, ctx.now, ctx.site.stale_after());
  const auto& latest = shown_round(host, *rounds, view);
  if (!latest) {
    html.raw("<td colspan=\"7\" class=\"muted\">no round yet</td>");
  } else {
    html.raw("<td><time datetime=\"").text(format_iso8601(latest->ts)).raw("\">");
    html.text(time_text(latest->ts)).raw("</time></td><td class=\"num\">").number(latest->sent);
    html.raw("</td><td class=\"num\">").number(latest->received);
    html.raw("</td><td class=\"num\">").text(format_loss(latest->sent, latest->received));
    for (const auto* value : {&latest->min_ms, &latest->avg_ms, &latest->max_ms}) {
      html.raw("</td><td class=\"num\">").text(format_ms(*value));
    }
    html.raw("</td>");
  }
  html.raw("<td><span class=\"badge state-").text(view.css()).raw("\">").text(view.text());
  html.raw("</span></td><td><span class=\"badge state-").text(alert_word).raw("\">").text(alert_word);
  html.raw("</span></td></tr>\n");
}

Response host_report(RequestContext& ctx, store::HostStore& hosts, store::AlertStore& alerts,
                     store::PathStore& paths, store::LocationStore& locations, HostPageCache& pages) {
  // A page kept under the same data version is this page while its time-dependent parts hold (same_until).
  // Looked up by the parsed id, range and location as asked (page_cache.h): which location a page without one
  // shows depends only on the data, which the version covers. A request that does not parse is answered by
  // load().
  const auto wanted_id = ctx.id_param();
  const auto wanted_range = parse_range(ctx.query.get("range"));
  const std::string wanted_location = ctx.query.get("location");
  const auto page_key = [&](std::string_view range) { return std::string(range) + "@" + wanted_location; };
  if (wanted_id && wanted_range) {
    if (auto kept = pages.find(ctx.user->id, *wanted_id, page_key(wanted_range->name), ctx.data_version);
        kept && ctx.now < kept->same_until) {
      return ctx.page_html(200, *kept->body, kept->title, "report", /*with_chart=*/true);
    }
  }
  auto loaded = load(ctx, hosts, locations);
  if (auto* response = std::get_if<Response>(&loaded)) return std::move(*response);
  Loaded& page = std::get<Loaded>(loaded);
  const store::Host& host = page.host;
  const RangeSpec& range = page.range;
  const std::vector<Series>& series = page.series;
  const store::Location& selected = page.selected;

  // The selected location's latest row of each kind within the stale window (older ones would be judged
  // unknown anyway).
  std::optional<store::PingResult> latest_icmp, latest_tcp;
  const auto stale_ms = std::chrono::duration_cast<std::chrono::milliseconds>(ctx.site.stale_after()).count();
  const store::LocationRounds* selected_rounds = nullptr;
  for (const store::LocationRounds& each : page.status.locations) {
    if (each.location_id == selected.id) selected_rounds = &each;
  }
  if (selected_rounds) {
    for (const auto* row : {&selected_rounds->latest, &selected_rounds->latest_tcp}) {
      if (*row && ctx.now - (*row)->ts <= stale_ms) {
        ((*row)->method == ProbeKind::tcp ? latest_tcp : latest_icmp) = *row;
      }
    }
  }
  if (!probes_icmp(host.probe.method)) latest_icmp.reset();
  if (!probes_tcp(host.probe.method)) latest_tcp.reset();
  // The host's state as /report shows it: the worst across its locations.
  const HostView view = judge_worst(page.status, ctx.now, ctx.site.stale_after()).view;
  // The states hold while the latest rounds are in the stale window; a minute at most in any case.
  EpochMs same_until = ctx.now + 60'000;
  for (const Series& each : series) same_until = std::min(same_until, each.same_until);
  for (const store::LocationRounds& each : page.status.locations) {
    for (const auto* latest : {&each.latest, &each.latest_tcp}) {
      if (*latest && ctx.now - (*latest)->ts <= stale_ms) {
        same_until = std::min(same_until, (*latest)->ts + stale_ms);
      }
    }
  }
  const Columns columns = columns_for(host.probe.method);

  TemplateData data;
  data.set("id", std::to_string(host.id));
  data.set("hostname", host.hostname);
  data.set("provider", std::string(to_string(host.provider)));
  set_if(data, "service", host.service);
  set_if(data, "label", host.label);
  data.set("enabled", host.enabled);
  data.set("state", view.text());
  data.set("state_css", std::string(view.css()));
  data.set("method", method_label(host.probe));
  data.set("method_name", std::string(to_string(host.probe.method)));
  // The chart's series: one per kind ("icmp tcp") and location (data-locations, by id; the band is the
  // selected one's), and their legend entries.
  const bool several = page.locations.size() > 1;
  std::string chart_methods, chart_locations;
  for (const Series& each : series) {
    if (!chart_methods.empty()) chart_methods += ' ';
    chart_methods += to_string(each.kind);
  }
  TemplateData chart_keys{TemplateData::type::list};
  TemplateData location_links{TemplateData::type::list};
  for (const store::Location& location : page.locations) {
    if (!chart_locations.empty()) chart_locations += ' ';
    chart_locations += location.name;
    for (const Series& each : series) {
      TemplateData key;
      key.set("kind", std::string(to_string(each.kind)));
      key.set("location", location.name);
      key.set("label", several ? location_title(location) + " " + std::string(kind_label(each.kind))
                               : std::string(kind_label(each.kind)));
      chart_keys.push_back(key);
    }
    TemplateData link;
    link.set("name", location.name);
    link.set("title", location_title(location));
    link.set("current", location.id == selected.id);
    location_links.push_back(link);
  }
  data.set("chart_methods", chart_methods);
  data.set("chart_locations", chart_locations);
  data.set("chart_selected", selected.name);
  data.set("chart_keys", chart_keys);
  data.set("several_locations", several);
  data.set("location_links", location_links);
  data.set("selected_location", location_title(selected));
  // Links keep the location when the URL named one.
  data.set("location_query", wanted_location.empty() ? std::string() : "&location=" + selected.name);
  data.set("chart_title", std::string(series.size() > 1 ? "ICMP and TCP" : kind_label(series.front().kind)));
  // The latest round of each location.
  std::string locations_html;
  for (const store::Location& location : page.locations) {
    const store::LocationRounds* rounds = nullptr;
    for (const store::LocationRounds& each : page.status.locations) {
      if (each.location_id == location.id) rounds = &each;
    }
    // Its alert state: its own, which the host's counts as one vote among the locations' (alerts/quorum.h).
    std::string alert_word = "unknown";
    if (rounds) {
      if (auto state = alerts.host_alert_state(ctx.user->id, host.id, location.id); state && *state) {
        alert_word = (*state)->shown;
      }
    }
    write_location_row(ctx, host, location, rounds, location.id == selected.id, alert_word, locations_html);
  }
  data.set("locations_html", locations_html);
  // The selected location's latest round, one row per kind.
  std::string latest_html;
  for (const Series& each : series) {
    const auto& latest = each.kind == ProbeKind::tcp ? latest_tcp : latest_icmp;
    HtmlWriter html(latest_html);
    html.raw("      <tr class=\"method-").text(to_string(each.kind)).raw("\"><th scope=\"row\">");
    html.text(kind_label(each.kind));
    if (each.kind == ProbeKind::tcp) html.raw(" ").number(host.probe.tcp_port);
    html.raw("</th>");
    if (!latest) {
      html.raw("<td colspan=\"")
          .number(columns.refused ? 9 : 8)
          .raw("\" class=\"muted\">no recent round</td></tr>\n");
      continue;
    }
    html.raw("<td><time datetime=\"").text(format_iso8601(latest->ts)).raw("\">");
    html.text(time_text(latest->ts)).raw("</time></td><td class=\"num\">").number(latest->sent);
    html.raw("</td><td class=\"num\">").number(latest->received);
    if (columns.refused) {
      html.raw("</td><td class=\"num\">");
      if (each.kind == ProbeKind::tcp) html.number(latest->refused);
    }
    html.raw("</td><td class=\"num\">").text(format_loss(latest->sent, latest->received));
    for (const auto* value : {&latest->min_ms, &latest->median_ms, &latest->max_ms}) {
      html.raw("</td><td class=\"num\">").text(format_ms(*value));
    }
    html.raw("</td><td>").text(latest->error).raw("</td></tr>\n");
  }
  data.set("latest_html", latest_html);
  data.set("method_column", columns.method);
  data.set("refused_column", columns.refused);
  data.set("range", std::string(range.name));
  add_alerts(ctx, alerts, host, range, data);
  data.set("paths_html", render_host_paths(ctx.site.templates, paths, ctx.user->id, host.id));  // issue 15
  data.set("refresh_s", std::to_string(ctx.site.round_interval.count()));
  const bool buckets = range.rollup_period_s != 0;
  data.set("span_s", std::to_string(range.span_ms / 1000));  // the chart's request to /api/v1
  data.set("resolution", std::string(buckets ? (range.rollup_period_s == 3600 ? "hour" : "day") : "raw"));
  data.set("unit", std::string(buckets ? (range.rollup_period_s == 3600 ? "hour" : "day") : "round"));
  data.set("table_title",
           std::string(buckets ? (range.rollup_period_s == 3600 ? "Hours" : "Days") : "Rounds"));
  TemplateData ranges{TemplateData::type::list};
  for (const RangeSpec& each : all_ranges()) {
    TemplateData item;
    item.set("name", std::string(each.name));
    item.set("current", each.name == range.name);
    ranges.push_back(item);
  }
  data.set("ranges", ranges);

  const std::vector<const SeriesPoint*> points = newest_first(series);
  data.set("no_points", points.empty());
  data.set("truncated", points.size() > kRowsShown);
  data.set("shown", std::to_string(std::min(points.size(), kRowsShown)));
  data.set("total", std::to_string(points.size()));
  std::string rows_html;  // by hand (html_writer.h): kainjow copies every value several times over
  rows_html.reserve(std::min(points.size(), kRowsShown) * 400);
  for (std::size_t i = 0; i < points.size() && i < kRowsShown; ++i)
    write_round(*points[i], columns, rows_html);
  data.set("points_html", rows_html);  // mustache data copies its strings whatever we pass
  auto body = std::make_shared<const std::string>(ctx.site.templates.render("host_report", data));
  pages.put(ctx.user->id, host.id, page_key(range.name), ctx.data_version,
            KeptPage{same_until, host.hostname, body});
  return ctx.page_html(200, *body, host.hostname, "report", /*with_chart=*/true);
}

Response host_csv(RequestContext& ctx, store::HostStore& hosts, store::LocationStore& locations) {
  auto loaded = load(ctx, hosts, locations);
  if (auto* response = std::get_if<Response>(&loaded)) return std::move(*response);
  const Loaded& page = std::get<Loaded>(loaded);
  std::string body(series_csv_header());
  const std::vector<const SeriesPoint*> points = oldest_first(page.series);
  body.reserve(body.size() + points.size() * 80);
  for (const SeriesPoint* point : points) append_series_csv_row(body, *point);
  Response response = text_response(200, std::move(body), "text/csv; charset=utf-8");
  // The file name is made of the host id, range and location name only (a name is [a-z0-9-]): no user text in
  // a header.
  response.add_header(
      "Content-Disposition",
      "attachment; filename=\"semaphore-host-" + std::to_string(page.host.id) + "-" +
          std::string(page.range.name) +
          (page.selected.id == store::kLocalLocationId ? std::string() : "-" + page.selected.name) +
          ".csv\"");
  return response;
}

}  // namespace

void add_host_report_routes(Routes& routes, store::HostStore& hosts, store::AlertStore& alerts,
                            store::PathStore& paths, store::LocationStore& locations, HostPageCache& pages) {
  routes.add(Method::get, "/report/{id}.csv", Access::signed_in, bind_handler(host_csv, hosts, locations));
  routes.add(Method::get, "/report/{id}", Access::signed_in,
             bind_handler(host_report, hosts, alerts, paths, locations, pages));
}

}  // namespace semaphore::web

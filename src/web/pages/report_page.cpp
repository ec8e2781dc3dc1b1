// GET /report: the user's hosts with their latest round and alert state, a page at a time (issue 17: 10,000
// hosts are 100 pages of 100, not one 20 MB page), sorted, filtered and searched on the server over all the
// user's hosts, with every choice in the URL (bookmarkable, works without JavaScript; app.js refreshes the
// page in place each round interval); the summary counts cover every host; a strip of the latest events.
// Each host's state is the worst across the locations that report it (issue 16); `by=location` shows a column
// per location instead of the figures (offered when more than one location reports).
#include <spdlog/spdlog.h>

#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <set>
#include <unordered_set>
#include <variant>

#include "alerts/maintenance_window.h"
#include "core/provider.h"
#include "core/text.h"
#include "web/app_context.h"
#include "web/report_listing.h"
#include "web/view/alert_view.h"
#include "web/view/host_state.h"
#include "web/view/html_writer.h"
#include "web/view/series.h"

namespace semaphore::web {
namespace {

struct Column {
  const char* key;
  const char* title;
  bool numeric;
};

constexpr Column kColumns[] = {
    {"status", "Status", false}, {"alert", "Alert", false},
    {"host", "Host", false},     {"provider", "Provider", false},
    {"method", "Method", false}, {"min", "Min", true},
    {"avg", "Avg", true},        {"max", "Max", true},
    {"median", "Median", true},  {"loss", "Loss", true},
    {"jitter", "Jitter", true},  {"updated", "Updated", false},
};

// The page sizes the form offers.
constexpr std::size_t kPerPageChoices[] = {25, 50, 100, 250, 500};
constexpr std::size_t kMaxFilterChoices = 100;  // distinct services and labels offered in the form's lists

std::string encoded(std::string_view text) {
  return boost::urls::encode(text, boost::urls::unreserved_chars);
}

// The /report URL of `query` with this sort, direction and page; the filters, search and page size kept.
// Parameters at their defaults are left out, so the URLs stay short.
std::string report_href(const ReportQuery& query, std::string_view sort, bool descending, std::size_t page) {
  std::string href = "/report?sort=" + std::string(sort) + "&dir=" + (descending ? "desc" : "asc");
  if (!query.q.empty()) href += "&q=" + encoded(query.q);
  if (query.provider) href += "&provider=" + std::string(to_string(*query.provider));
  if (query.state) href += "&status=" + std::string(to_string(*query.state));
  if (!query.service.empty()) href += "&service=" + encoded(query.service);
  if (!query.label.empty()) href += "&label=" + encoded(query.label);
  if (query.per != kReportDefaultPerPage) href += "&per=" + std::to_string(query.per);
  if (query.by_location) href += "&by=location";
  if (page > 1) href += "&page=" + std::to_string(page);
  return href;
}

// The columns whose values are one round's figures: `by=location` shows a column per location in their place.
bool is_figure_column(std::string_view key) {
  return key == "min" || key == "avg" || key == "max" || key == "median" || key == "loss" ||
         key == "jitter" || key == "updated";
}

// A location as the page names it: its label when it has one, else its name.
const std::string& location_title(const store::Location& location) {
  return location.label.empty() ? location.name : location.label;
}

std::string iso_seconds(EpochMs ms) {
  std::string text = format_iso8601(ms);
  return text.size() > 19 ? text.substr(0, 19) + "Z" : text;
}

// One row of the table, written here rather than by a template (HtmlWriter says why); every value through
// text() (escaped).
void write_row(const RequestContext& ctx, const ReportRow& row, const std::optional<Sparkline>& spark,
               const std::vector<store::Location>* by_location, std::string& out) {
  const store::Host& host = row.status->host;
  const auto& latest = *row.shown;
  const std::optional<double> none;
  HtmlWriter html(out);
  html.raw("    <tr class=\"row-")
      .text(to_string(row.view.state))
      .raw("\">\n      <td data-value=\"")
      .number(severity(row.view.state));
  html.raw("\"><span class=\"badge state-").text(row.view.css()).raw("\">").text(row.view.text());
  html.raw("</span></td>\n");
  html.raw("      <td data-value=\"").number(alert_severity(row.alert)).raw("\"><span class=\"badge state-");
  html.text(row.alert).raw("\">").text(row.alert).raw("</span></td>\n");
  html.raw("      <td data-value=\"")
      .text(host.hostname)
      .raw("\"><a href=\"/report/")
      .number(host.id)
      .raw("\">");
  html.text(host.hostname).raw("</a>");
  if (!host.label.empty()) html.raw("<br><span class=\"muted small\">").text(host.label).raw("</span>");
  html.raw("</td>\n      <td>").text(to_string(host.provider));
  if (!host.service.empty()) html.raw("<br><span class=\"muted small\">").text(host.service).raw("</span>");
  html.raw("</td>\n      <td><span class=\"badge method method-").text(to_string(host.probe.method));
  html.raw("\">").text(method_label(host.probe)).raw("</span></td>\n");
  const auto cell = [&](const std::optional<double>& value, const std::string& shown) {
    html.raw("      <td class=\"num\" data-value=\"").text(format_number(value, 3)).raw("\">").text(shown);
    html.raw("</td>\n");
  };
  if (by_location) {
    // A cell per location: its own verdict on the host and its latest average.
    for (const store::Location& location : *by_location) {
      if (host.location_off(location.id)) {
        // Switched off for this host (issue 16): the location does not ping it; its old rounds are not shown.
        html.raw("      <td class=\"location-cell location-off\" data-location=\"").text(location.name);
        html.raw("\" data-value=\"-1\"><span class=\"muted\" title=\"not pinged from ").text(location.name);
        html.raw("\">off</span></td>\n");
        continue;
      }
      const LocationView at = judge_at(*row.status, location.id, ctx.now, ctx.site.stale_after());
      const auto& round = shown_round(host, at);
      html.raw("      <td class=\"location-cell\" data-location=\"").text(location.name);
      html.raw("\" data-value=\"").number(severity(at.view.state)).raw("\"><span class=\"badge state-");
      html.text(at.view.css()).raw("\">").text(at.location ? at.view.text() : "none").raw("</span> ");
      html.raw("<span class=\"num\">").text(round ? format_ms(round->avg_ms) : "—").raw("</span></td>\n");
    }
  }
  const auto figure = [&](std::optional<double> store::PingResult::*field) {
    const std::optional<double>& value = latest ? (*latest).*field : none;
    cell(value, format_ms(value));
  };
  if (!by_location) {
    figure(&store::PingResult::min_ms);
    figure(&store::PingResult::avg_ms);
    figure(&store::PingResult::max_ms);
    figure(&store::PingResult::median_ms);
    cell(latest ? loss_of(latest->sent, latest->received) : none,
         latest ? format_loss(latest->sent, latest->received) : "—");
    figure(&store::PingResult::stddev_ms);
    html.raw("      <td data-value=\"");
    if (latest) {
      html.number(latest->ts).raw("\"><time datetime=\"").text(iso_seconds(latest->ts)).raw("\">");
      html.text(format_age(latest->ts, ctx.now)).raw("</time>");
      if (!latest->error.empty())
        html.raw("<br><span class=\"muted small\">").text(latest->error).raw("</span>");
    } else {
      html.raw("\">never");
    }
    html.raw("</td>\n");
  }
  html.raw("      <td>");
  if (spark) {
    html.raw(
        "<svg class=\"spark\" viewBox=\"0 0 120 24\" preserveAspectRatio=\"none\" role=\"img\" "
        "aria-label=\"median latency over 24 hours\"><polyline points=\"");
    html.text(spark->line).raw("\"/>");
    for (const auto& mark : spark->loss) {
      html.raw("<rect x=\"").number(mark.x).raw("\" y=\"21\" width=\"").number(mark.width);
      html.raw("\" height=\"3\" class=\"loss-").number(mark.level).raw("\"/>");
    }
    html.raw("</svg>");
  } else {
    html.raw("<span class=\"muted small\">no data</span>");
  }
  html.raw("</td>\n    </tr>\n");
}

// Everything the page's body is made of, but the sparklines (cached for a minute on their own).
void add_to_fingerprint(Fingerprint& print, const RequestContext& ctx, const ReportRow& row) {
  const store::Host& host = row.status->host;
  print.add(host.id)
      .add(host.hostname)
      .add(host.label)
      .add(host.service)
      .add(static_cast<int>(host.provider));
  print.add(static_cast<int>(host.probe.method)).add(static_cast<int>(host.probe.tcp_port));
  print.add(static_cast<int>(row.view.state)).add(static_cast<int>(row.view.note)).add(row.alert);
  // The locations switched off for it (their column says "off"), and every location's rows: the state is
  // judged from them all, the figures come from one of them.
  print.add(host.locations_off.size());
  for (const store::Id off : host.locations_off) print.add(off);
  print.add(row.status->locations.size());
  for (const store::LocationRounds& location : row.status->locations) {
    print.add(location.location_id);
    for (const auto* round : {&location.latest, &location.latest_tcp}) {
      const auto& latest = *round;
      print.add(latest.has_value()).add(round == row.shown);
      if (!latest) continue;
      print.add(latest->ts).add(latest->sent).add(latest->received).add(latest->min_ms).add(latest->avg_ms);
      print.add(latest->max_ms).add(latest->median_ms).add(latest->stddev_ms).add(latest->error);
      print.add(static_cast<int>(latest->method)).add(latest->refused);
      print.add(format_age(latest->ts, ctx.now));
    }
  }
}

// The strip of the latest events above the table (empty without events).
std::string events_strip(const ReportAlerts& alerts, const std::vector<store::HostStatus>& statuses) {
  if (alerts.events.empty()) return {};
  std::unordered_set<store::Id> wanted;
  for (const auto& event : alerts.events) wanted.insert(event.host_id);
  std::map<store::Id, std::string> names;
  for (const auto& status : statuses) {
    if (wanted.contains(status.host.id)) names[status.host.id] = status.host.hostname;
  }
  std::string rows;
  write_event_rows(alerts.events, names, /*with_host=*/true, rows);
  return rows;
}

// The distinct values of `field` among the hosts, sorted, at most kMaxFilterChoices: the options of the
// form's <datalist> (a user with thousands of labels types one instead).
std::vector<std::string> choices(const std::vector<store::HostStatus>& statuses,
                                 std::string store::Host::*field) {
  std::set<std::string_view> values;
  for (const auto& status : statuses) {
    const std::string& value = status.host.*field;
    if (!value.empty()) values.insert(value);
    if (values.size() > kMaxFilterChoices) values.erase(std::prev(values.end()));
  }
  return {values.begin(), values.end()};
}

TemplateData options_of(const std::vector<std::string>& values) {
  TemplateData list{TemplateData::type::list};
  for (const std::string& value : values) {
    TemplateData option;
    option.set("name", value);
    list.push_back(option);
  }
  return list;
}

Response report(RequestContext& ctx, store::HostStore& hosts, store::AlertStore& alerts,
                store::LocationStore& locations, ReportCaches& caches) {
  auto parsed = parse_report_query(ctx.query, "status");
  if (auto* problem = std::get_if<ReportQueryError>(&parsed)) return ctx.error_page(400, problem->message);
  ReportQuery query = std::get<ReportQuery>(std::move(parsed));

  auto read = report_statuses(ctx, hosts, locations, caches);
  if (!read) return ctx.store_error(read.error());
  const std::shared_ptr<const ReportStatuses> kept = std::move(*read);
  const std::vector<store::HostStatus>* statuses = &kept->statuses;
  // The toggle is offered when more than one location reports; with one there is nothing to compare.
  const bool several_locations = kept->locations.size() > 1;
  const std::vector<store::Location>* by_location =
      several_locations && query.by_location ? &kept->locations : nullptr;
  if (!several_locations) query.by_location = false;
  const std::shared_ptr<const ReportAlerts> alert_data = report_alerts(ctx, alerts, caches);

  // Every host is judged (the summary counts cover them all); the ones the filters and search keep are
  // sorted, and the page is a slice of that order.
  const ReportListing listing =
      list_report(*statuses, query, ctx.now, ctx.site.stale_after(), AlertWords(*alert_data, ctx.now));
  query.page = listing.page;
  const std::vector<ReportRow>& page_rows = listing.rows;
  const std::size_t matched = listing.matched;
  const std::size_t pages = listing.pages;
  const std::size_t first = listing.first;
  const std::size_t last = first + page_rows.size();

  // The body's data: when it is what the kept body was made from, that body is this page (see page_cache.h).
  const std::string generated_iso = iso_seconds(ctx.now);
  const std::string self = report_href(query, query.sort, query.descending, query.page);
  Fingerprint print;
  print.add(self).add(generated_iso).add(static_cast<long long>(ctx.site.round_interval.count()));
  print.add(statuses->size()).add(matched);
  print.add(several_locations).add(query.by_location).add(kept->locations.size());
  for (const store::Location& location : kept->locations)
    print.add(location.id).add(location.name).add(location.label);
  for (const int count : listing.counts) print.add(count);
  for (const ReportRow& row : page_rows) add_to_fingerprint(print, ctx, row);
  for (const auto& event : alert_data->events) print.add(event.id).add(event.host_id);
  // The form's service and label choices come from every host, not only the page's.
  const std::vector<std::string> services = choices(*statuses, &store::Host::service);
  const std::vector<std::string> labels = choices(*statuses, &store::Host::label);
  for (const auto* list : {&services, &labels}) {
    print.add(list->size());
    for (const std::string& value : *list) print.add(value);
  }
  const std::string key = "report/" + std::to_string(ctx.user->id) + self;
  if (auto body = caches.pages.find(key, print.bytes())) return ctx.page_html(200, *body, "Report", "report");

  TemplateData data;
  TemplateData columns{TemplateData::type::list};
  for (const Column& column : kColumns) {
    if (by_location && is_figure_column(column.key)) continue;
    TemplateData item;
    item.set("title", std::string(column.title));
    item.set("numeric", column.numeric);
    item.set("sortable", true);
    const bool sorted = query.sort == column.key;
    item.set("sorted", sorted);
    if (sorted) item.set("aria_sort", std::string(query.descending ? "descending" : "ascending"));
    const bool next_descending = sorted ? !query.descending : std::string_view(column.key) == "status";
    item.set("href", report_href(query, column.key, next_descending, 1));
    columns.push_back(item);
  }
  if (by_location) {
    for (const store::Location& location : *by_location) {
      TemplateData item;
      item.set("title", location_title(location));
      item.set("numeric", false);
      item.set("sortable", false);
      item.set("sorted", false);
      columns.push_back(item);
    }
  }
  data.set("columns", columns);
  data.set("by_location", query.by_location);
  if (several_locations) {
    // The toggle: the same page (filters, sort, page size) with and without a column per location.
    ReportQuery toggled = query;
    toggled.by_location = !query.by_location;
    data.set("location_toggle", true);
    data.set("location_toggle_href", report_href(toggled, query.sort, query.descending, query.page));
    data.set("location_toggle_text",
             std::string(query.by_location ? "Show the worst state only" : "Show a column per location"));
  }
  data.set("sort", query.sort);
  data.set("dir", std::string(query.descending ? "desc" : "asc"));
  data.set("q", query.q);
  data.set("service", query.service);
  data.set("label", query.label);

  TemplateData provider_options{TemplateData::type::list};
  for (Provider provider : kAllProviders) {
    TemplateData option;
    option.set("name", std::string(to_string(provider)));
    option.set("selected", query.provider && *query.provider == provider);
    provider_options.push_back(option);
  }
  data.set("provider_options", provider_options);
  TemplateData status_options{TemplateData::type::list};
  for (HostState state : {HostState::up, HostState::degraded, HostState::down, HostState::unknown}) {
    TemplateData option;
    option.set("name", std::string(to_string(state)));
    option.set("selected", query.state && *query.state == state);
    status_options.push_back(option);
  }
  data.set("status_options", status_options);
  TemplateData per_options{TemplateData::type::list};
  for (const std::size_t per : kPerPageChoices) {
    TemplateData option;
    option.set("name", std::to_string(per));
    option.set("selected", per == query.per);
    per_options.push_back(option);
  }
  if (std::find(std::begin(kPerPageChoices), std::end(kPerPageChoices), query.per) ==
      std::end(kPerPageChoices)) {
    TemplateData option;  // a size typed into the URL stays chosen
    option.set("name", std::to_string(query.per));
    option.set("selected", true);
    per_options.push_back(option);
  }
  data.set("per_options", per_options);
  data.set("service_choices", options_of(services));
  data.set("label_choices", options_of(labels));

  data.set("up", std::to_string(listing.count(HostState::up)));
  data.set("degraded", std::to_string(listing.count(HostState::degraded)));
  data.set("down", std::to_string(listing.count(HostState::down)));
  data.set("unknown", std::to_string(listing.count(HostState::unknown)));
  data.set("total", std::to_string(statuses->size()));
  data.set("matched", std::to_string(matched));
  data.set("first", std::to_string(matched == 0 ? 0 : first + 1));
  data.set("last", std::to_string(last));
  data.set("page", std::to_string(query.page));
  data.set("pages", std::to_string(pages));
  data.set("filtered", matched != statuses->size());
  data.set("paged", pages > 1);
  if (query.page > 1) {
    data.set("first_href", report_href(query, query.sort, query.descending, 1));
    data.set("prev_href", report_href(query, query.sort, query.descending, query.page - 1));
  }
  if (query.page < pages) {
    data.set("next_href", report_href(query, query.sort, query.descending, query.page + 1));
    data.set("last_href", report_href(query, query.sort, query.descending, pages));
  }
  data.set("generated_iso", generated_iso);
  data.set("generated_time", generated_iso.substr(11, 8));
  data.set("refresh_s", std::to_string(ctx.site.round_interval.count()));
  data.set("no_rows", page_rows.empty());
  data.set("no_rows_text", std::string(statuses->empty() ? "You are not watching any host yet."
                                                         : "No host matches these filters."));
  // The page's sparklines: the ones kept, the others in one read of their rollups (sparklines.h).
  std::vector<SparklineCache::Wanted> wanted;
  wanted.reserve(page_rows.size());
  for (const ReportRow& row : page_rows) {
    wanted.push_back({row.status->host.id, primary_kind(row.status->host.probe.method)});
  }
  const auto sparks =
      caches.sparklines.get_page(hosts, ctx.user->id, kept->default_location(), wanted, ctx.now);
  // The rows by hand (html_writer.h): kainjow copies every value of a list's data several times over.
  std::string rows_html;
  rows_html.reserve(page_rows.size() * 1800);
  for (std::size_t i = 0; i < page_rows.size(); ++i) {
    write_row(ctx, page_rows[i], sparks[i], by_location, rows_html);
  }
  data.set("rows_html", rows_html);  // mustache data copies its strings whatever we pass
  const std::string strip = events_strip(*alert_data, *statuses);
  data.set("has_events", !strip.empty());
  data.set("events_html", strip);
  auto body = std::make_shared<const std::string>(ctx.site.templates.render("report", data));
  caches.pages.put(key, std::move(print.bytes()), body);
  return ctx.page_html(200, *body, "Report", "report");
}

}  // namespace

void add_report_routes(Routes& routes, store::HostStore& hosts, store::AlertStore& alerts,
                       store::PathStore& paths, store::LocationStore& locations, ReportCaches& caches) {
  routes.add(Method::get, "/report", Access::signed_in,
             bind_handler(report, hosts, alerts, locations, caches));
  add_host_report_routes(routes, hosts, alerts, paths, locations, caches.host_pages);
}

}  // namespace semaphore::web

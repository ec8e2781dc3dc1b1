// GET /report: every host of the user with its latest round and its alert state, sortable and filterable
// (server-side, so it works without JavaScript; app.js refreshes it in place each round interval), and a
// strip of the user's latest events.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "alerts/maintenance_window.h"
#include "core/provider.h"
#include "core/text.h"
#include "web/app_context.h"
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

constexpr int kEventsInStrip = 10;

struct Row {
  const store::HostStatus* status;
  HostView view;                                  // the state by the host's method (host_state.h)
  const std::optional<store::PingResult>* shown;  // the row whose figures the table shows
  std::string alert;                              // the alert state (alert_view.h)
};

// How bad an alert state is, for sorting: down first.
int alert_severity(std::string_view alert) {
  if (alert == "down") return 5;
  if (alert == "flapping") return 4;
  if (alert == "degraded") return 3;
  if (alert == "unknown") return 2;
  if (alert == "paused") return 1;
  return 0;
}

// The value a column sorts by; missing values sort last in either direction.
std::optional<double> sort_value(const Row& row, std::string_view key) {
  const auto& latest = *row.shown;
  if (key == "status") return severity(row.view.state);
  if (key == "alert") return alert_severity(row.alert);
  if (key == "updated") return latest ? std::optional<double>(static_cast<double>(latest->ts)) : std::nullopt;
  if (!latest) return std::nullopt;
  if (key == "min") return latest->min_ms;
  if (key == "avg") return latest->avg_ms;
  if (key == "max") return latest->max_ms;
  if (key == "median") return latest->median_ms;
  if (key == "jitter") return latest->stddev_ms;
  if (key == "loss") return loss_of(latest->sent, latest->received);
  return std::nullopt;
}

void sort_rows(std::vector<Row>& rows, std::string_view key, bool descending) {
  std::stable_sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
    if (key == "host" || key == "provider" || key == "method") {
      const auto text = [&](const Row& row) {
        if (key == "method") return method_label(row.status->host.probe);
        return key == "host" ? row.status->host.hostname : std::string(to_string(row.status->host.provider));
      };
      return descending ? text(a) > text(b) : text(a) < text(b);
    }
    const auto va = sort_value(a, key), vb = sort_value(b, key);
    if (!va || !vb) return va.has_value() && !vb.has_value();
    return descending ? *va > *vb : *va < *vb;
  });
}

std::string iso_seconds(EpochMs ms) {
  std::string text = format_iso8601(ms);
  return text.size() > 19 ? text.substr(0, 19) + "Z" : text;
}

// One row of the table, written here rather than by a template (HtmlWriter says why); every value through
// text() (escaped).
void write_row(RequestContext& ctx, store::HostStore& hosts, SparklineCache& sparklines, const Row& row,
               std::string& out) {
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
  const auto figure = [&](std::optional<double> store::PingResult::*field) {
    const std::optional<double>& value = latest ? (*latest).*field : none;
    cell(value, format_ms(value));
  };
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
  html.raw("</td>\n      <td>");
  if (auto spark = sparklines.get(hosts, ctx.user->id, host.id, primary_kind(host.probe.method), ctx.now)) {
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
void add_to_fingerprint(Fingerprint& print, const RequestContext& ctx, const Row& row) {
  const store::Host& host = row.status->host;
  print.add(host.id)
      .add(host.hostname)
      .add(host.label)
      .add(host.service)
      .add(static_cast<int>(host.provider));
  print.add(static_cast<int>(host.probe.method)).add(static_cast<int>(host.probe.tcp_port));
  print.add(static_cast<int>(row.view.state)).add(static_cast<int>(row.view.note)).add(row.alert);
  // Both rows: the state is judged from both, the figures come from one of them.
  for (const auto* round : {&row.status->latest, &row.status->latest_tcp}) {
    const auto& latest = *round;
    print.add(latest.has_value()).add(round == row.shown);
    if (!latest) continue;
    print.add(latest->ts).add(latest->sent).add(latest->received).add(latest->min_ms).add(latest->avg_ms);
    print.add(latest->max_ms).add(latest->median_ms).add(latest->stddev_ms).add(latest->error);
    print.add(static_cast<int>(latest->method)).add(latest->refused);
    print.add(format_age(latest->ts, ctx.now));
  }
}

// The user's alert states, windows and latest events, kept under the data version like the statuses. A read
// failure leaves them empty (the report still shows the rounds) and is logged.
std::shared_ptr<const ReportAlerts> report_alerts(RequestContext& ctx, store::AlertStore& alerts,
                                                  ReportCaches& caches, const std::string& user_key) {
  if (auto kept = caches.alerts.find(user_key, ctx.data_version)) return *kept;
  auto loaded = std::make_shared<ReportAlerts>();
  bool complete = true;
  const auto failed = [&](const Error& error) {
    spdlog::error("user {}: report alerts not read: {}", ctx.user->id, log_safe(error.message));
    complete = false;
  };
  if (auto states = alerts.user_alert_states(ctx.user->id)) {
    for (auto& state : *states) loaded->states.emplace(state.host_id, std::move(state));
  } else {
    failed(states.error());
  }
  if (auto windows = alerts.list_maintenance_windows(ctx.user->id)) {
    loaded->windows = std::move(*windows);
  } else {
    failed(windows.error());
  }
  if (auto events = alerts.user_events(ctx.user->id, 0, kEventsInStrip)) {
    loaded->events = std::move(*events);
  } else {
    failed(events.error());
  }
  if (complete) caches.alerts.put(user_key, ctx.data_version, loaded);
  return loaded;
}

// The strip of the latest events above the table (empty without events).
std::string events_strip(const ReportAlerts& alerts, const std::vector<store::HostStatus>& statuses) {
  if (alerts.events.empty()) return {};
  std::map<store::Id, std::string> names;
  for (const auto& status : statuses) names[status.host.id] = status.host.hostname;
  std::string rows;
  write_event_rows(alerts.events, names, /*with_host=*/true, rows);
  return rows;
}

Response report(RequestContext& ctx, store::HostStore& hosts, store::AlertStore& alerts,
                ReportCaches& caches) {
  const std::string user_key = std::to_string(ctx.user->id);
  std::shared_ptr<const std::vector<store::HostStatus>> statuses =
      caches.statuses.find(user_key, ctx.data_version).value_or(nullptr);
  if (!statuses) {
    auto read = hosts.host_statuses(ctx.user->id);
    if (!read) return ctx.store_error(read.error());
    statuses = std::make_shared<const std::vector<store::HostStatus>>(std::move(*read));
    caches.statuses.put(user_key, ctx.data_version, statuses);
  }
  const std::shared_ptr<const ReportAlerts> alert_data = report_alerts(ctx, alerts, caches, user_key);
  // Which hosts are inside a maintenance window now: the user's windows, for all hosts or per host.
  alerts::TimeZones zones;
  bool all_in_window = false;
  std::set<store::Id> in_window;
  for (const auto& window : alert_data->windows) {
    if (!alerts::in_window(window, ctx.now, zones)) continue;
    if (!window.host_id) all_in_window = true;
    if (window.host_id) in_window.insert(*window.host_id);
  }

  const auto provider_filter = parse_provider(ctx.query.get("provider"));
  const auto state_filter = parse_host_state(ctx.query.get("status"));
  std::string sort = ctx.query.get("sort");
  if (std::none_of(std::begin(kColumns), std::end(kColumns),
                   [&](const Column& c) { return sort == c.key; })) {
    sort = "status";
  }
  const bool descending = ctx.query.has("dir") ? ctx.query.get("dir") == "desc" : sort == "status";

  int counts[4] = {0, 0, 0, 0};
  std::vector<Row> rows;
  for (const auto& status : *statuses) {
    const HostView view = judge_host(status, ctx.now, ctx.site.stale_after());
    ++counts[static_cast<int>(view.state)];
    if (provider_filter && status.host.provider != *provider_filter) continue;
    if (state_filter && view.state != *state_filter) continue;
    const auto alert_state = alert_data->states.find(status.host.id);
    rows.push_back({&status, view, &shown_round(status, view),
                    alert_state_word(status.host,
                                     alert_state != alert_data->states.end()
                                         ? std::optional<store::AlertStateRecord>(alert_state->second)
                                         : std::nullopt,
                                     all_in_window || in_window.contains(status.host.id))});
  }
  sort_rows(rows, sort, descending);

  // The body's data: when it is what the kept body was made from, that body is this page (see page_cache.h).
  const std::string generated_iso = iso_seconds(ctx.now);
  Fingerprint print;
  print.add(sort).add(descending).add(provider_filter.has_value() ? static_cast<int>(*provider_filter) : -1);
  print.add(state_filter.has_value() ? static_cast<int>(*state_filter) : -1).add(generated_iso);
  print.add(static_cast<long long>(ctx.site.round_interval.count())).add(statuses->size());
  for (const int count : counts) print.add(count);
  for (const Row& row : rows) add_to_fingerprint(print, ctx, row);
  for (const auto& event : alert_data->events) print.add(event.id).add(event.host_id);
  const std::string key = "report/" + std::to_string(ctx.user->id) + "?" + sort + (descending ? "-" : "+") +
                          std::string(provider_filter ? to_string(*provider_filter) : "") + "/" +
                          std::string(state_filter ? to_string(*state_filter) : "");
  if (auto kept = caches.pages.find(key, print.bytes())) return ctx.page_html(200, *kept, "Report", "report");

  TemplateData data;
  const std::string filters =
      std::string(provider_filter ? "&provider=" + std::string(to_string(*provider_filter)) : "") +
      (state_filter ? "&status=" + std::string(to_string(*state_filter)) : "");
  TemplateData columns{TemplateData::type::list};
  for (const Column& column : kColumns) {
    TemplateData item;
    item.set("title", std::string(column.title));
    item.set("numeric", column.numeric);
    const bool sorted = sort == column.key;
    item.set("sorted", sorted);
    if (sorted) item.set("aria_sort", std::string(descending ? "descending" : "ascending"));
    const bool next_descending = sorted ? !descending : std::string_view(column.key) == "status";
    item.set("href", "/report?sort=" + std::string(column.key) +
                         "&dir=" + (next_descending ? "desc" : "asc") + filters);
    columns.push_back(item);
  }
  data.set("columns", columns);
  data.set("sort", sort);
  data.set("dir", std::string(descending ? "desc" : "asc"));

  TemplateData provider_options{TemplateData::type::list};
  for (Provider provider : kAllProviders) {
    TemplateData option;
    option.set("name", std::string(to_string(provider)));
    option.set("selected", provider_filter && *provider_filter == provider);
    provider_options.push_back(option);
  }
  data.set("provider_options", provider_options);
  TemplateData status_options{TemplateData::type::list};
  for (HostState state : {HostState::up, HostState::degraded, HostState::down, HostState::unknown}) {
    TemplateData option;
    option.set("name", std::string(to_string(state)));
    option.set("selected", state_filter && *state_filter == state);
    status_options.push_back(option);
  }
  data.set("status_options", status_options);

  data.set("up", std::to_string(counts[static_cast<int>(HostState::up)]));
  data.set("degraded", std::to_string(counts[static_cast<int>(HostState::degraded)]));
  data.set("down", std::to_string(counts[static_cast<int>(HostState::down)]));
  data.set("unknown", std::to_string(counts[static_cast<int>(HostState::unknown)]));
  data.set("generated_iso", generated_iso);
  data.set("generated_time", generated_iso.substr(11, 8));
  data.set("refresh_s", std::to_string(ctx.site.round_interval.count()));
  data.set("no_rows", rows.empty());
  data.set("no_rows_text", std::string(statuses->empty() ? "You are not watching any host yet."
                                                         : "No host matches these filters."));
  // The rows by hand (html_writer.h): kainjow copies every value of a list's data several times over.
  std::string rows_html;
  rows_html.reserve(rows.size() * 1800);
  for (const Row& row : rows) write_row(ctx, hosts, caches.sparklines, row, rows_html);
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
                       store::PathStore& paths, ReportCaches& caches) {
  routes.add(Method::get, "/report", Access::signed_in, bind_handler(report, hosts, alerts, caches));
  add_host_report_routes(routes, hosts, alerts, paths, caches.host_pages);
}

}  // namespace semaphore::web

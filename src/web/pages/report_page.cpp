// GET /report: the user's hosts with their latest round and alert state, a page at a time (issue 17: 10,000
// hosts are 100 pages of 100, not one 20 MB page), sorted, filtered and searched on the server over all the
// user's hosts, with every choice in the URL (bookmarkable, works without JavaScript; app.js refreshes the
// page in place each round interval); the summary counts cover every host; a strip of the latest events.
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

// Page sizes: the default, the choices the form offers, and the largest a URL may ask for.
constexpr std::size_t kDefaultPerPage = 100;
constexpr std::size_t kPerPageChoices[] = {25, 50, 100, 250, 500};
constexpr std::size_t kMaxPerPage = 500;
constexpr std::size_t kMaxPageNumber = 1'000'000;
constexpr std::size_t kMaxSearchBytes = 100;    // q
constexpr std::size_t kMaxFilterBytes = 200;    // service, label (a host's own are at most this long)
constexpr std::size_t kMaxFilterChoices = 100;  // distinct services and labels offered in the form's lists

// What the URL asks for, checked: GET /report?q=&provider=&status=&service=&label=&sort=&dir=&page=&per=.
struct ReportQuery {
  std::string q;  // searched in hostnames, ASCII case-insensitively; "" = every host
  std::optional<Provider> provider;
  std::optional<HostState> state;
  std::string service, label;  // exact; "" = any
  std::string sort = "status";
  bool descending = true;
  std::size_t page = 1;  // 1-based; past the last page shows the last
  std::size_t per = kDefaultPerPage;
};

std::string lower_ascii(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

// A whole number in [1, max], or nullopt.
std::optional<std::size_t> parse_count(std::string_view text, std::size_t max) {
  std::size_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 1 || value > max)
    return std::nullopt;
  return value;
}

// The query, or the message of a 400: an unknown filter value, a page or page size that is not a number in
// range, a search or filter too long. An unknown sort column or direction falls back to the default (they are
// cosmetic: an old bookmark still opens).
std::variant<ReportQuery, std::string> parse_report_query(const FormData& query) {
  ReportQuery parsed;
  parsed.q = query.get("q");
  if (parsed.q.size() > kMaxSearchBytes) {
    return "The search is too long (at most " + std::to_string(kMaxSearchBytes) + " characters).";
  }
  parsed.q = lower_ascii(parsed.q);
  if (const std::string& provider = query.get("provider"); !provider.empty()) {
    parsed.provider = parse_provider(provider);
    if (!parsed.provider) return std::string("Unknown provider: choose AWS, GCP, Azure or Other.");
  }
  // "status" is the form's name for it; "state" is accepted too.
  const std::string& state = query.has("status") ? query.get("status") : query.get("state");
  if (!state.empty()) {
    parsed.state = parse_host_state(state);
    if (!parsed.state) return std::string("Unknown status: choose up, degraded, down or unknown.");
  }
  parsed.service = query.get("service");
  parsed.label = query.get("label");
  if (parsed.service.size() > kMaxFilterBytes || parsed.label.size() > kMaxFilterBytes) {
    return "A service or label filter is too long (at most " + std::to_string(kMaxFilterBytes) +
           " characters).";
  }
  parsed.sort = query.get("sort");
  if (std::none_of(std::begin(kColumns), std::end(kColumns),
                   [&](const Column& c) { return parsed.sort == c.key; })) {
    parsed.sort = "status";
  }
  parsed.descending = query.has("dir") ? query.get("dir") == "desc" : parsed.sort == "status";
  if (const std::string& page = query.get("page"); !page.empty()) {
    const auto number = parse_count(page, kMaxPageNumber);
    if (!number) return "The page must be a whole number from 1 to " + std::to_string(kMaxPageNumber) + ".";
    parsed.page = *number;
  }
  if (const std::string& per = query.get("per"); !per.empty()) {
    const auto number = parse_count(per, kMaxPerPage);
    if (!number)
      return "Hosts per page must be a whole number from 1 to " + std::to_string(kMaxPerPage) + ".";
    parsed.per = *number;
  }
  return parsed;
}

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
  if (query.per != kDefaultPerPage) href += "&per=" + std::to_string(query.per);
  if (page > 1) href += "&page=" + std::to_string(page);
  return href;
}

struct Row {
  const store::HostStatus* status;
  HostView view;                                  // the state by the host's method (host_state.h)
  const std::optional<store::PingResult>* shown;  // the row whose figures the table shows
  std::string alert;                              // the alert state (alert_view.h): the page's rows, or all
                                                  // when sorting by it
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

// Sorts every matching row (the page is a slice of the whole order): by the column, then by hostname and id,
// so that equal values keep one order from page to page. The keys are taken once per row, not per comparison.
void sort_rows(std::vector<Row>& rows, std::string_view key, bool descending) {
  struct Keyed {
    std::optional<double> number;
    std::string text;
    std::size_t index;
  };
  const bool textual = key == "host" || key == "provider" || key == "method";
  std::vector<Keyed> keyed;
  keyed.reserve(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const store::Host& host = rows[i].status->host;
    if (!textual) {
      keyed.push_back({sort_value(rows[i], key), {}, i});
    } else if (key == "provider") {
      keyed.push_back({std::nullopt, std::string(to_string(host.provider)), i});
    } else if (key == "method") {
      keyed.push_back({std::nullopt, method_label(host.probe), i});
    } else {
      keyed.push_back({std::nullopt, {}, i});  // the hostname tie-break below is the key
    }
  }
  std::sort(keyed.begin(), keyed.end(), [&](const Keyed& a, const Keyed& b) {
    const store::Host& ha = rows[a.index].status->host;
    const store::Host& hb = rows[b.index].status->host;
    if (textual && a.text != b.text) return descending ? a.text > b.text : a.text < b.text;
    if (!textual && a.number != b.number) {
      if (!a.number || !b.number) return a.number.has_value();  // missing last
      return descending ? *a.number > *b.number : *a.number < *b.number;
    }
    if (ha.hostname != hb.hostname) {
      return key == "host" && descending ? ha.hostname > hb.hostname : ha.hostname < hb.hostname;
    }
    return ha.id < hb.id;
  });
  std::vector<Row> sorted;
  sorted.reserve(rows.size());
  for (const Keyed& k : keyed) sorted.push_back(std::move(rows[k.index]));
  rows = std::move(sorted);
}

std::string iso_seconds(EpochMs ms) {
  std::string text = format_iso8601(ms);
  return text.size() > 19 ? text.substr(0, 19) + "Z" : text;
}

// One row of the table, written here rather than by a template (HtmlWriter says why); every value through
// text() (escaped).
void write_row(const RequestContext& ctx, const Row& row, const std::optional<Sparkline>& spark,
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

// The user's hosts with their latest rounds: the host list kept under its version (read again only when a
// host was added, changed or deleted), joined to the latest rounds read now. The version is read before
// the list, so a list read after a change is kept under that change's version or a newer one, never an
// older: at worst the next miss reads it once more.
Result<std::shared_ptr<const std::vector<store::HostStatus>>> read_statuses(RequestContext& ctx,
                                                                            store::HostStore& hosts,
                                                                            ReportCaches& caches,
                                                                            const std::string& user_key) {
  const auto version = hosts.host_list_version(ctx.user->id);
  if (!version) return version.error();
  const std::string list_version = std::to_string(*version);
  auto list = caches.host_lists.find(user_key, list_version).value_or(nullptr);
  if (!list) {
    auto read = hosts.list_hosts(ctx.user->id);
    if (!read) return read.error();
    list = std::make_shared<const std::vector<store::Host>>(std::move(*read));
    caches.host_lists.put(user_key, list_version, list);
  }
  auto rounds = hosts.latest_rounds(ctx.user->id);
  if (!rounds) return rounds.error();
  return std::make_shared<const std::vector<store::HostStatus>>(store::join_latest_rounds(*list, *rounds));
}

Response report(RequestContext& ctx, store::HostStore& hosts, store::AlertStore& alerts,
                ReportCaches& caches) {
  auto parsed = parse_report_query(ctx.query);
  if (auto* message = std::get_if<std::string>(&parsed)) return ctx.error_page(400, *message);
  ReportQuery query = std::get<ReportQuery>(std::move(parsed));

  const std::string user_key = std::to_string(ctx.user->id);
  std::shared_ptr<const std::vector<store::HostStatus>> statuses =
      caches.statuses.find(user_key, ctx.data_version).value_or(nullptr);
  if (!statuses) {
    auto read = read_statuses(ctx, hosts, caches, user_key);
    if (!read) return ctx.store_error(read.error());
    statuses = std::move(*read);
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
  const auto alert_word = [&](const store::Host& host) {
    const auto state = alert_data->states.find(host.id);
    return alert_state_word(host,
                            state != alert_data->states.end()
                                ? std::optional<store::AlertStateRecord>(state->second)
                                : std::nullopt,
                            all_in_window || in_window.contains(host.id));
  };

  // Every host is judged (the summary counts cover them all); the ones the filters and search keep are
  // sorted, and the page is a slice of that order.
  int counts[4] = {0, 0, 0, 0};
  std::vector<Row> rows;
  rows.reserve(statuses->size());
  const bool alert_sorted = query.sort == "alert";
  for (const auto& status : *statuses) {
    const store::Host& host = status.host;
    const HostView view = judge_host(status, ctx.now, ctx.site.stale_after());
    ++counts[static_cast<int>(view.state)];
    if (query.provider && host.provider != *query.provider) continue;
    if (query.state && view.state != *query.state) continue;
    if (!query.service.empty() && host.service != query.service) continue;
    if (!query.label.empty() && host.label != query.label) continue;
    if (!query.q.empty() && lower_ascii(host.hostname).find(query.q) == std::string::npos) continue;
    rows.push_back({&status, view, &shown_round(status, view), alert_sorted ? alert_word(host) : ""});
  }
  sort_rows(rows, query.sort, query.descending);
  const std::size_t matched = rows.size();
  const std::size_t pages = std::max<std::size_t>(1, (matched + query.per - 1) / query.per);
  query.page = std::min(query.page, pages);
  const std::size_t first = (query.page - 1) * query.per;
  const std::size_t last = std::min(matched, first + query.per);
  std::vector<Row> page_rows(std::make_move_iterator(rows.begin() + static_cast<std::ptrdiff_t>(first)),
                             std::make_move_iterator(rows.begin() + static_cast<std::ptrdiff_t>(last)));
  for (Row& row : page_rows) {
    if (!alert_sorted) row.alert = alert_word(row.status->host);
  }

  // The body's data: when it is what the kept body was made from, that body is this page (see page_cache.h).
  const std::string generated_iso = iso_seconds(ctx.now);
  const std::string self = report_href(query, query.sort, query.descending, query.page);
  Fingerprint print;
  print.add(self).add(generated_iso).add(static_cast<long long>(ctx.site.round_interval.count()));
  print.add(statuses->size()).add(matched);
  for (const int count : counts) print.add(count);
  for (const Row& row : page_rows) add_to_fingerprint(print, ctx, row);
  for (const auto& event : alert_data->events) print.add(event.id).add(event.host_id);
  // The form's service and label choices come from every host, not only the page's.
  const std::vector<std::string> services = choices(*statuses, &store::Host::service);
  const std::vector<std::string> labels = choices(*statuses, &store::Host::label);
  for (const auto* list : {&services, &labels}) {
    print.add(list->size());
    for (const std::string& value : *list) print.add(value);
  }
  const std::string key = "report/" + user_key + self;
  if (auto kept = caches.pages.find(key, print.bytes())) return ctx.page_html(200, *kept, "Report", "report");

  TemplateData data;
  TemplateData columns{TemplateData::type::list};
  for (const Column& column : kColumns) {
    TemplateData item;
    item.set("title", std::string(column.title));
    item.set("numeric", column.numeric);
    const bool sorted = query.sort == column.key;
    item.set("sorted", sorted);
    if (sorted) item.set("aria_sort", std::string(query.descending ? "descending" : "ascending"));
    const bool next_descending = sorted ? !query.descending : std::string_view(column.key) == "status";
    item.set("href", report_href(query, column.key, next_descending, 1));
    columns.push_back(item);
  }
  data.set("columns", columns);
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

  data.set("up", std::to_string(counts[static_cast<int>(HostState::up)]));
  data.set("degraded", std::to_string(counts[static_cast<int>(HostState::degraded)]));
  data.set("down", std::to_string(counts[static_cast<int>(HostState::down)]));
  data.set("unknown", std::to_string(counts[static_cast<int>(HostState::unknown)]));
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
  for (const Row& row : page_rows) {
    wanted.push_back({row.status->host.id, primary_kind(row.status->host.probe.method)});
  }
  const auto sparks = caches.sparklines.get_page(hosts, ctx.user->id, wanted, ctx.now);
  // The rows by hand (html_writer.h): kainjow copies every value of a list's data several times over.
  std::string rows_html;
  rows_html.reserve(page_rows.size() * 1800);
  for (std::size_t i = 0; i < page_rows.size(); ++i) write_row(ctx, page_rows[i], sparks[i], rows_html);
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

// GET /report: every host of the user with its latest round, sortable and filterable (server-side, so it
// works without JavaScript; app.js refreshes it in place each round interval).
#include <algorithm>
#include <cmath>

#include "core/provider.h"
#include "web/app_context.h"
#include "web/host_state.h"

namespace semaphore::web {
namespace {

struct Column {
  const char* key;
  const char* title;
  bool numeric;
};

constexpr Column kColumns[] = {
    {"status", "Status", false},   {"host", "Host", false}, {"provider", "Provider", false},
    {"min", "Min", true},          {"avg", "Avg", true},    {"max", "Max", true},
    {"median", "Median", true},    {"loss", "Loss", true},  {"jitter", "Jitter", true},
    {"updated", "Updated", false},
};

struct Row {
  const store::HostStatus* status;
  HostState state;
};

// The value a column sorts by; missing values sort last in either direction.
std::optional<double> sort_value(const Row& row, std::string_view key) {
  const auto& latest = row.status->latest;
  if (key == "status") return severity(row.state);
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
    if (key == "host" || key == "provider") {
      const auto text = [&](const Row& row) {
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

TemplateData row_data(RequestContext& ctx, const Row& row) {
  const store::Host& host = row.status->host;
  const auto& latest = row.status->latest;
  TemplateData data;
  data.set("id", std::to_string(host.id));
  data.set("hostname", host.hostname);
  set_if(data, "label", host.label);
  data.set("provider", std::string(to_string(host.provider)));
  set_if(data, "service", host.service);
  data.set("state", std::string(to_string(row.state)));
  data.set("severity", std::to_string(severity(row.state)));
  const std::optional<double> none;
  data.set("min", format_ms(latest ? latest->min_ms : none));
  data.set("avg", format_ms(latest ? latest->avg_ms : none));
  data.set("max", format_ms(latest ? latest->max_ms : none));
  data.set("median", format_ms(latest ? latest->median_ms : none));
  data.set("jitter", format_ms(latest ? latest->stddev_ms : none));
  data.set("loss", latest ? format_loss(latest->sent, latest->received) : "—");
  data.set("min_v", format_number(latest ? latest->min_ms : none, 3));
  data.set("avg_v", format_number(latest ? latest->avg_ms : none, 3));
  data.set("max_v", format_number(latest ? latest->max_ms : none, 3));
  data.set("median_v", format_number(latest ? latest->median_ms : none, 3));
  data.set("jitter_v", format_number(latest ? latest->stddev_ms : none, 3));
  data.set("loss_v", format_number(latest ? loss_of(latest->sent, latest->received) : none, 3));
  if (latest) {
    data.set("updated_v", std::to_string(latest->ts));
    data.set("updated_iso", iso_seconds(latest->ts));
    data.set("updated", format_age(latest->ts, ctx.now));
    set_if(data, "error", latest->error);
  }
  if (auto spark = ctx.services.sparklines.get(ctx.services.store, ctx.user->id, host.id, ctx.now)) {
    TemplateData svg;
    svg.set("line", spark->line);
    TemplateData marks{TemplateData::type::list};
    for (const auto& mark : spark->loss) {
      TemplateData m;
      m.set("x", std::to_string(mark.x));
      m.set("w", std::to_string(mark.width));
      m.set("level", std::to_string(mark.level));
      marks.push_back(m);
    }
    svg.set("lossy", marks);
    data.set("spark", svg);
  }
  return data;
}

Response report(RequestContext& ctx) {
  auto statuses = ctx.services.store.host_statuses(ctx.user->id);
  if (!statuses) return ctx.store_error(statuses.error());

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
    const HostState state = classify(status.latest, ctx.now, ctx.services.stale_after());
    ++counts[static_cast<int>(state)];
    if (provider_filter && status.host.provider != *provider_filter) continue;
    if (state_filter && state != *state_filter) continue;
    rows.push_back({&status, state});
  }
  sort_rows(rows, sort, descending);

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
  data.set("generated_iso", iso_seconds(ctx.now));
  data.set("generated_time", iso_seconds(ctx.now).substr(11, 8));
  data.set("refresh_s", std::to_string(ctx.services.round_interval.count()));
  data.set("no_rows", rows.empty());
  data.set("no_rows_text", std::string(statuses->empty() ? "You are not watching any host yet."
                                                         : "No host matches these filters."));
  // Each row is rendered on its own (still escaped by mustache): one list of 100 rows in a single template
  // costs kainjow a deep copy of every row's data, several times over.
  std::string rows_html;
  rows_html.reserve(rows.size() * 1800);
  for (const Row& row : rows) rows_html += ctx.services.templates.render("report_row", row_data(ctx, row));
  data.set("rows_html", std::move(rows_html));
  return ctx.page(200, "report", "Report", std::move(data), "report");
}

}  // namespace

void add_report_routes(Services& services) {
  services.add(Method::get, "/report", Access::signed_in, report);
  add_host_report_routes(services);
}

}  // namespace semaphore::web

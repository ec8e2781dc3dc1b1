#include "web/report_listing.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

#include "alerts/maintenance_window.h"
#include "core/ascii.h"
#include "core/text.h"
#include "web/view/alert_view.h"

namespace semaphore::web {
namespace {

constexpr std::size_t kMaxPageNumber = 1'000'000;
constexpr std::size_t kMaxSearchBytes = 100;  // q
constexpr std::size_t kMaxFilterBytes = 200;  // service, label (a host's own are at most this long)

// A whole number in [1, max], or nullopt.
std::optional<std::size_t> parse_count(std::string_view text, std::size_t max) {
  std::size_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 1 || value > max)
    return std::nullopt;
  return value;
}

// The report's order among equal values of a column: by hostname, then id.
bool before_by_name(const store::Host& a, const store::Host& b) {
  return a.hostname != b.hostname ? a.hostname < b.hostname : a.id < b.id;
}

// Sorts every matching row (the page is a slice of the whole order): by the column, then by hostname and id,
// so that equal values keep one order from page to page. The keys are taken once per row, not per comparison.
// The rows usually come in hostname order already (report_statuses keeps the host list so): then a stable
// sort by the column alone gives the same order, with number comparisons where the full comparison would
// compare hostnames for every pair of equal values (most hosts are up: at 10,000 hosts, the largest part of
// a /report miss's own CPU).
void sort_rows(std::vector<ReportRow>& rows, std::string_view key, bool descending) {
  struct Keyed {
    std::optional<double> number;
    std::string text;
    std::size_t index;
  };
  const bool by_hostname = key == "host";
  const bool textual = key == "provider" || key == "method";
  const bool name_ordered = std::is_sorted(
      rows.begin(), rows.end(),
      [](const ReportRow& a, const ReportRow& b) { return before_by_name(a.status->host, b.status->host); });
  if (name_ordered && by_hostname && !descending) return;  // already in the order asked for
  std::vector<Keyed> keyed;
  keyed.reserve(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const store::Host& host = rows[i].status->host;
    if (by_hostname) {
      keyed.push_back({std::nullopt, {}, i});  // the hostname itself is the key
    } else if (key == "provider") {
      keyed.push_back({std::nullopt, std::string(to_string(host.provider)), i});
    } else if (key == "method") {
      keyed.push_back({std::nullopt, method_label(host.probe), i});
    } else {
      keyed.push_back({report_sort_value(rows[i], key), {}, i});
    }
  }
  const auto host_of = [&](const Keyed& k) -> const store::Host& { return rows[k.index].status->host; };
  // Whether `a` comes before `b` by the column alone (equal values: neither); missing numbers go last.
  const auto column_before = [&](const Keyed& a, const Keyed& b) {
    if (by_hostname) return descending && host_of(a).hostname > host_of(b).hostname;
    if (textual) return descending ? a.text > b.text : a.text < b.text;
    if (a.number == b.number) return false;
    if (!a.number || !b.number) return a.number.has_value();
    return descending ? *a.number > *b.number : *a.number < *b.number;
  };
  if (name_ordered) {
    std::stable_sort(keyed.begin(), keyed.end(), column_before);
  } else {
    std::sort(keyed.begin(), keyed.end(), [&](const Keyed& a, const Keyed& b) {
      if (column_before(a, b)) return true;
      if (column_before(b, a)) return false;
      return before_by_name(host_of(a), host_of(b));
    });
  }
  std::vector<ReportRow> sorted;
  sorted.reserve(rows.size());
  for (const Keyed& k : keyed) sorted.push_back(std::move(rows[k.index]));
  rows = std::move(sorted);
}

}  // namespace

int alert_severity(std::string_view alert) {
  if (alert == "down") return 5;
  if (alert == "flapping") return 4;
  if (alert == "degraded") return 3;
  if (alert == "unknown") return 2;
  if (alert == "paused") return 1;
  return 0;
}

std::optional<double> report_sort_value(const ReportRow& row, std::string_view key) {
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

std::variant<ReportQuery, ReportQueryError> parse_report_query(const FormData& query,
                                                               std::string_view default_sort) {
  ReportQuery parsed;
  parsed.q = query.get("q");
  if (parsed.q.size() > kMaxSearchBytes) {
    return ReportQueryError{
        "The search is too long (at most " + std::to_string(kMaxSearchBytes) + " characters).", "q"};
  }
  parsed.q = lower_ascii(parsed.q);
  if (const std::string& provider = query.get("provider"); !provider.empty()) {
    parsed.provider = parse_provider(provider);
    if (!parsed.provider)
      return ReportQueryError{"Unknown provider: choose AWS, GCP, Azure or Other.", "provider"};
  }
  // "status" is the form's name for it; "state" is accepted too.
  const char* state_name = query.has("status") ? "status" : "state";
  if (const std::string& state = query.get(state_name); !state.empty()) {
    parsed.state = parse_host_state(state);
    if (!parsed.state) {
      return ReportQueryError{"Unknown status: choose up, degraded, down or unknown.", state_name};
    }
  }
  parsed.service = query.get("service");
  parsed.label = query.get("label");
  for (const char* name : {"service", "label"}) {
    if (query.get(name).size() > kMaxFilterBytes) {
      return ReportQueryError{"A service or label filter is too long (at most " +
                                  std::to_string(kMaxFilterBytes) + " characters).",
                              name};
    }
  }
  parsed.sort = query.get("sort");
  if (std::find(kReportSortKeys.begin(), kReportSortKeys.end(), parsed.sort) == kReportSortKeys.end()) {
    parsed.sort = std::string(default_sort);
  }
  parsed.descending = query.has("dir") ? query.get("dir") == "desc" : parsed.sort == "status";
  if (const std::string& page = query.get("page"); !page.empty()) {
    const auto number = parse_count(page, kMaxPageNumber);
    if (!number) {
      return ReportQueryError{
          "The page must be a whole number from 1 to " + std::to_string(kMaxPageNumber) + ".", "page"};
    }
    parsed.page = *number;
  }
  if (const std::string& per = query.get("per"); !per.empty()) {
    const auto number = parse_count(per, kReportMaxPerPage);
    if (!number) {
      return ReportQueryError{
          "Hosts per page must be a whole number from 1 to " + std::to_string(kReportMaxPerPage) + ".",
          "per"};
    }
    parsed.per = *number;
  }
  parsed.by_location = query.get("by") == "location";
  return parsed;
}

AlertWords::AlertWords(const ReportAlerts& alerts, EpochMs now) : alerts_(alerts) {
  alerts::TimeZones zones;
  for (const auto& window : alerts.windows) {
    if (!alerts::in_window(window, now, zones)) continue;
    if (!window.host_id) all_in_window_ = true;
    if (window.host_id) in_window_.push_back(*window.host_id);
  }
  std::sort(in_window_.begin(), in_window_.end());
}

std::string AlertWords::operator()(const store::Host& host) const {
  const auto state = alerts_.states.find(host.id);
  return alert_state_word(
      host,
      state != alerts_.states.end() ? std::optional<store::QuorumStateRecord>(state->second) : std::nullopt,
      all_in_window_ || std::binary_search(in_window_.begin(), in_window_.end(), host.id));
}

ReportListing list_report(const std::vector<store::HostStatus>& statuses, const ReportQuery& query,
                          EpochMs now, std::chrono::seconds stale_after, const AlertWords& alert_words,
                          std::optional<store::Id> location_id) {
  ReportListing listing;
  listing.total = statuses.size();
  std::vector<ReportRow> rows;
  rows.reserve(statuses.size());
  // The alert word is needed for every matched row only when sorting by it; otherwise for the page's rows.
  const bool alert_sorted = query.sort == "alert";
  for (const auto& status : statuses) {
    const store::Host& host = status.host;
    const LocationView judged = location_id ? judge_at(status, *location_id, now, stale_after)
                                            : judge_worst(status, now, stale_after);
    const HostView& view = judged.view;
    ++listing.counts[static_cast<std::size_t>(view.state)];
    if (query.provider && host.provider != *query.provider) continue;
    if (query.state && view.state != *query.state) continue;
    if (!query.service.empty() && host.service != query.service) continue;
    if (!query.label.empty() && host.label != query.label) continue;
    if (!query.q.empty() && lower_ascii(host.hostname).find(query.q) == std::string::npos) continue;
    rows.push_back(
        {&status, view, judged.location, &shown_round(host, judged), alert_sorted ? alert_words(host) : ""});
  }
  sort_rows(rows, query.sort, query.descending);
  listing.matched = rows.size();
  listing.pages = std::max<std::size_t>(1, (listing.matched + query.per - 1) / query.per);
  listing.page = std::min(query.page, listing.pages);
  listing.first = (listing.page - 1) * query.per;
  const std::size_t last = std::min(listing.matched, listing.first + query.per);
  listing.rows.assign(std::make_move_iterator(rows.begin() + static_cast<std::ptrdiff_t>(listing.first)),
                      std::make_move_iterator(rows.begin() + static_cast<std::ptrdiff_t>(last)));
  for (ReportRow& row : listing.rows) {
    if (!alert_sorted) row.alert = alert_words(row.status->host);
  }
  return listing;
}

// The host list is kept under its version (read again only when a host was added, changed or deleted) and
// joined to the latest rounds read now. The version is read before the list, so a list read after a change
// is kept under that change's version or a newer one, never an older: at worst the next miss reads it again.
Result<std::shared_ptr<const ReportStatuses>> report_statuses(RequestContext& ctx, store::HostStore& hosts,
                                                              store::LocationStore& locations,
                                                              ReportCaches& caches) {
  const std::string user_key = std::to_string(ctx.user->id);
  if (auto kept = caches.statuses.find(user_key, ctx.data_version)) return *kept;
  const auto version = hosts.host_list_version(ctx.user->id);
  if (!version) return version.error();
  const std::string list_version = std::to_string(*version);
  auto list = caches.host_lists.find(user_key, list_version).value_or(nullptr);
  if (!list) {
    auto read = hosts.list_hosts(ctx.user->id);
    if (!read) return read.error();
    // Kept in the report's tie order (hostname, id), once per change of the list: the statuses are joined
    // in this order, and sort_rows then orders a miss's rows by the column alone.
    std::sort(read->begin(), read->end(), before_by_name);
    list = std::make_shared<const std::vector<store::Host>>(std::move(*read));
    caches.host_lists.put(user_key, list_version, list);
  }
  // The locations that report any of the hosts: `known` and those of `rounds` (a small sorted set of ids, not
  // one per row); their names are read again only when `rounds` brings one not known.
  const auto note_locations =
      [&](const std::vector<store::PingResult>& rounds,
          std::vector<store::Location> known) -> Result<std::vector<store::Location>> {
    std::vector<store::Id> reporting;
    reporting.reserve(known.size());
    for (const store::Location& location : known) reporting.push_back(location.id);
    std::sort(reporting.begin(), reporting.end());
    const std::size_t before = reporting.size();
    for (const store::PingResult& round : rounds) {
      const auto at = std::lower_bound(reporting.begin(), reporting.end(), round.location_id);
      if (at == reporting.end() || *at != round.location_id) reporting.insert(at, round.location_id);
    }
    if (reporting.size() == before) return known;
    auto all = locations.list_locations();
    if (!all) return all.error();
    std::vector<store::Location> named;
    for (store::Location& location : *all) {
      if (std::binary_search(reporting.begin(), reporting.end(), location.id)) {
        named.push_back(std::move(location));
      }
    }
    return named;
  };
  auto kept = std::make_shared<ReportStatuses>();
  kept->host_list_version = list_version;
  // A miss after the round's writes: what was kept for the same host list, and the rows written since its
  // version (PostgreSQL, migration 018) put into a copy of it, rather than every latest row again.
  if (auto stale = caches.statuses.latest(user_key);
      stale && stale->second->host_list_version == list_version && stale->second->positions) {
    auto written = hosts.latest_rounds_written_since(ctx.user->id, stale->first);
    if (!written) return written.error();
    if (*written) {
      const ReportStatuses& before = *stale->second;
      kept->statuses = before.statuses;
      kept->positions = before.positions;
      store::place_rounds_by_location(kept->statuses, *kept->positions, **written);
      auto named = note_locations(**written, before.locations);
      if (!named) return named.error();
      kept->locations = std::move(*named);
    }
  }
  if (!kept->positions) {
    auto rounds = hosts.latest_rounds(ctx.user->id);
    if (!rounds) return rounds.error();
    auto positions = std::make_shared<store::StatusPositions>();
    kept->statuses = store::join_rounds_by_location(*list, *rounds, positions.get());
    kept->positions = std::move(positions);
    auto named = note_locations(*rounds, {});
    if (!named) return named.error();
    kept->locations = std::move(*named);
  }
  std::shared_ptr<const ReportStatuses> statuses = std::move(kept);
  caches.statuses.put(user_key, ctx.data_version, statuses);
  return statuses;
}

std::shared_ptr<const ReportAlerts> report_alerts(RequestContext& ctx, store::AlertStore& alerts,
                                                  ReportCaches& caches) {
  const std::string user_key = std::to_string(ctx.user->id);
  if (auto kept = caches.alerts.find(user_key, ctx.data_version)) return *kept;
  auto loaded = std::make_shared<ReportAlerts>();
  bool complete = true;
  const auto failed = [&](const Error& error) {
    spdlog::error("user {}: report alerts not read: {}", ctx.user->id, log_safe(error.message));
    complete = false;
  };
  // Each host's state across its locations (issue 16: the quorum's, alerts/quorum.h).
  if (auto states = alerts.user_quorum_states(ctx.user->id)) {
    for (auto& state : *states) loaded->states.emplace(state.host_id, std::move(state));
  } else {
    failed(states.error());
  }
  if (auto windows = alerts.list_maintenance_windows(ctx.user->id)) {
    loaded->windows = std::move(*windows);
  } else {
    failed(windows.error());
  }
  if (auto events = alerts.user_events(ctx.user->id, 0, kReportEventsInStrip)) {
    loaded->events = std::move(*events);
  } else {
    failed(events.error());
  }
  if (complete) caches.alerts.put(user_key, ctx.data_version, loaded);
  return loaded;
}

}  // namespace semaphore::web

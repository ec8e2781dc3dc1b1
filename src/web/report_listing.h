#pragma once
// The report's listing, shared by the page (pages/report_page.cpp) and the API (api/v1_report.cpp): the
// query in the URL (search, filters, sort, page), the user's host statuses and alert data as the report keeps
// them between requests, and the rule that turns them into summary counts over every host and one sorted
// page. One module, so that /report?… and /api/v1/report?… with the same parameters list the same hosts.
#include <array>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/provider.h"
#include "core/result.h"
#include "store/location_store.h"
#include "web/app_context.h"
#include "web/view/host_state.h"

namespace semaphore::web {

// Page sizes: the default, and the largest a URL may ask for.
inline constexpr std::size_t kReportDefaultPerPage = 100;
inline constexpr std::size_t kReportMaxPerPage = 500;

// The columns a report sorts by, as the URL names them.
inline constexpr std::array<std::string_view, 12> kReportSortKeys = {"status", "alert", "host",   "provider",
                                                                     "method", "min",   "avg",    "max",
                                                                     "median", "loss",  "jitter", "updated"};

// What the URL asks for, checked: ?q=&provider=&status=&service=&label=&sort=&dir=&page=&per=&by=.
struct ReportQuery {
  std::string q;  // searched in hostnames, ASCII case-insensitively (kept lower-cased); "" = every host
  std::optional<Provider> provider;
  std::optional<HostState> state;
  std::string service, label;  // exact; "" = any
  std::string sort;            // one of kReportSortKeys
  bool descending = true;
  std::size_t page = 1;  // 1-based; past the last page means the last
  std::size_t per = kReportDefaultPerPage;
  bool by_location = false;  // by=location: the page shows a column per location (issue 16)
};

// A query's problem: the message for the user and the parameter it is about.
struct ReportQueryError {
  std::string message;
  std::string field;
};

// Parses the query string's report parameters. An unknown sort key falls back to `default_sort` (the page:
// "status", worst first; the API: "provider", the order it always had); `dir` defaults to descending for
// "status" and ascending otherwise.
std::variant<ReportQuery, ReportQueryError> parse_report_query(const FormData& query,
                                                               std::string_view default_sort);

// How bad an alert state word is, for sorting: down 5, flapping 4, degraded 3, unknown 2, paused 1, up 0.
int alert_severity(std::string_view alert);

// One listed host: its status, the state the pages judge from it (the worst across its locations, or one
// location's), the location that state is (nullptr: none reports the host), the round whose figures are
// shown (that location's), and its alert state word (alert_view.h).
struct ReportRow {
  const store::HostStatus* status = nullptr;
  HostView view;
  const store::LocationRounds* location = nullptr;
  const std::optional<store::PingResult>* shown = nullptr;
  std::string alert;
};

// The number a numeric column sorts by (status, alert, updated, min, avg, max, median, jitter, loss) for a
// listed row; nullopt for a missing figure, which sorts last either way, and for the textual columns.
std::optional<double> report_sort_value(const ReportRow& row, std::string_view key);

// The counts over every host, and the page of the hosts the filters keep, in the query's order.
struct ReportListing {
  std::array<int, 4> counts{};  // by HostState: every host, whatever the filters
  std::size_t total = 0;        // every host
  std::size_t matched = 0;      // the hosts the filters and search keep
  std::size_t pages = 1;        // at least 1
  std::size_t page = 1;         // the page shown: the query's, at most `pages`
  std::size_t first = 0;        // index of the page's first row among the matched (0-based)
  std::vector<ReportRow> rows;  // the page; every row's `alert` is set

  int count(HostState state) const { return counts[static_cast<std::size_t>(state)]; }
};

// The alert state word of each host, from the user's alert data at `now` (maintenance windows judged once).
class AlertWords {
 public:
  AlertWords(const ReportAlerts& alerts, EpochMs now);
  std::string operator()(const store::Host& host) const;

 private:
  const ReportAlerts& alerts_;
  bool all_in_window_ = false;
  std::vector<store::Id> in_window_;  // sorted
};

// Judges every host (the worst across its locations, judge_worst; or only `location_id`'s rounds when set),
// counts them, keeps the ones the query's filters and search keep, sorts them (by the column, then hostname,
// then id, so equal values keep one order from page to page) and slices the page.
ReportListing list_report(const std::vector<store::HostStatus>& statuses, const ReportQuery& query,
                          EpochMs now, std::chrono::seconds stale_after, const AlertWords& alert_words,
                          std::optional<store::Id> location_id = std::nullopt);

// The user's hosts with every location's latest rounds, kept under the data version
// (ReportCaches::statuses); on a miss, the host list kept under its host list version joined to the latest
// rounds read now (store::join_rounds_by_location), and the locations' names.
Result<std::shared_ptr<const ReportStatuses>> report_statuses(RequestContext& ctx, store::HostStore& hosts,
                                                              store::LocationStore& locations,
                                                              ReportCaches& caches);

// The latest events the report page shows above its table.
inline constexpr int kReportEventsInStrip = 10;

// The user's alert states, maintenance windows and latest kReportEventsInStrip events, kept under the data
// version. A read failure leaves a part empty (the report still shows the rounds), is logged and is not kept.
std::shared_ptr<const ReportAlerts> report_alerts(RequestContext& ctx, store::AlertStore& alerts,
                                                  ReportCaches& caches);

}  // namespace semaphore::web

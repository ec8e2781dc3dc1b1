// /report in pages (issue 17), through WebApp::handle over a real SQLite store: the page holds `per` rows of
// the whole sorted, filtered and searched list; the summary counts every host of the user; the pager's links
// keep the sort, filters and search; bad parameters are a 400 that says which; another user's hosts are never
// shown or counted; the sparklines come from the hourly rollups of the page's hosts.
#include <gtest/gtest.h>
#include <algorithm>

#include <regex>
#include <set>

#include "store/store.h"
#include "support/durations.h"
#include "support/sqlite_store.h"
#include "support/temp_dir.h"
#include "unit/web/test_browser.h"
#include "web/app.h"

namespace semaphore::web {
namespace {

using namespace web_testing;  // the shared test browser (test_browser.h)

constexpr int kHosts = 230;
using testing::kHour;

std::string name_of(int i) {
  char text[32];
  std::snprintf(text, sizeof text, "h%03d.example.com", i);
  return text;
}

// Host i: down when i % 10 == 0, degraded when i % 10 == 1, no round (unknown) when i % 7 == 3, else up.
std::string state_of(int i) {
  if (i % 7 == 3) return "unknown";
  if (i % 10 == 0) return "down";
  if (i % 10 == 1) return "degraded";
  return "up";
}

class ReportPagingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    alice_.sign_up("alice%40example.com");
    const store::Id alice = store->find_user_by_email("alice@example.com")->id;
    const EpochMs now = now_epoch_ms();
    std::vector<store::PingResult> rows;
    for (int i = 0; i < kHosts; ++i) {
      const Provider provider = i % 2 ? Provider::gcp : Provider::aws;
      const auto host = store->add_host({0, alice, name_of(i), provider, i % 3 ? "web" : "db",
                                         "rack " + std::to_string(i % 5), true, 0, ProbeSpec{}});
      ASSERT_TRUE(host.ok());
      ids_.push_back(host->id);
      if (state_of(i) == "unknown") continue;
      const int received = i % 10 == 0 ? 0 : i % 10 == 1 ? 3 : 5;
      for (int hour = 0; hour < 3; ++hour) {
        store::PingResult row;
        row.host_id = host->id;
        row.ts = now - 30'000 - hour * kHour;
        row.sent = 5;
        row.received = received;
        if (received > 0) {
          row.min_ms = 1 + i;
          row.avg_ms = row.median_ms = 2 + i;
          row.max_ms = 3 + i;
          row.stddev_ms = 0.5;
        } else {
          row.error = "timeout";
        }
        rows.push_back(row);
      }
    }
    ASSERT_TRUE(store->insert_results(rows).ok());
    ASSERT_TRUE(store->refresh_rollups(3600, now - 2 * 86'400'000, now + 1, 1000).ok());
    // Bob's hosts are never alice's to see or count.
    bob_.sign_up("bob%40example.com");
    const store::Id bob = store->find_user_by_email("bob@example.com")->id;
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE(store
                      ->add_host({0, bob, "bob" + std::to_string(i) + ".example.com", Provider::aws, "web",
                                  "", true, 0, ProbeSpec{}})
                      .ok());
    }
  }

  // The hostnames of the page's rows, in order.
  static std::vector<std::string> rows_of(const std::string& body) {
    static const std::regex row(R"(<a href="/report/\d+">([^<]+)</a>)");
    std::vector<std::string> names;
    for (auto it = std::sregex_iterator(body.begin(), body.end(), row); it != std::sregex_iterator(); ++it) {
      names.push_back((*it)[1]);
    }
    return names;
  }
  static std::string attribute(const std::string& body, const std::string& name) {
    const std::regex pattern(name + R"(=\"([^\"]*)\")");
    std::smatch match;
    return std::regex_search(body, match, pattern) ? match[1].str() : "";
  }
  static std::string href_of(const std::string& body, const std::string& css_class) {
    const std::regex pattern("class=\"" + css_class + "\"(?: rel=\"\\w+\")? href=\"([^\"]+)\"");
    std::smatch match;
    if (!std::regex_search(body, match, pattern)) return "";
    return std::regex_replace(match[1].str(), std::regex("&amp;"), "&");
  }

  testing::TempDir dir{"semaphore-report-paging"};
  std::unique_ptr<store::Store> store = semaphore::testing::open_migrated_sqlite(dir, "paging.db");
  std::unique_ptr<WebApp> app = app_over(*store);
  Browser alice_{*app};
  Browser bob_{*app};
  std::vector<store::Id> ids_;
};

TEST_F(ReportPagingTest, APageOfTheSortedHostsWithTheSummaryOfAll) {
  const Response report = alice_.call(Method::get, "/report?sort=host&dir=asc");
  ASSERT_EQ(report.status, 200);
  const auto names = rows_of(report.body);
  ASSERT_EQ(names.size(), 100u) << "the default page size";
  for (int i = 0; i < 100; ++i) EXPECT_EQ(names[i], name_of(i));
  EXPECT_EQ(attribute(report.body, "data-matched"), std::to_string(kHosts));
  EXPECT_EQ(attribute(report.body, "data-pages"), "3");
  int counts[4] = {};
  for (int i = 0; i < kHosts; ++i) {
    const std::string state = state_of(i);
    ++counts[state == "up" ? 0 : state == "degraded" ? 1 : state == "down" ? 2 : 3];
  }
  EXPECT_NE(report.body.find(">" + std::to_string(counts[0]) + " up<"), std::string::npos);
  EXPECT_NE(report.body.find(">" + std::to_string(counts[1]) + " degraded<"), std::string::npos);
  EXPECT_NE(report.body.find(">" + std::to_string(counts[2]) + " down<"), std::string::npos);
  EXPECT_NE(report.body.find(">" + std::to_string(counts[3]) + " unknown<"), std::string::npos);
  EXPECT_EQ(report.body.find("bob0.example.com"), std::string::npos);
  EXPECT_NE(report.body.find(">230</span> hosts"), std::string::npos) << "alice's hosts only";

  // The last page through the pager, which keeps the sort.
  const std::string last = href_of(report.body, "pager-last");
  EXPECT_EQ(last, "/report?sort=host&dir=asc&page=3");
  const auto third = rows_of(alice_.call(Method::get, last).body);
  ASSERT_EQ(third.size(), 30u);
  EXPECT_EQ(third.back(), name_of(kHosts - 1));
  // Past the last page: the last page.
  EXPECT_EQ(rows_of(alice_.call(Method::get, "/report?sort=host&dir=asc&page=99").body), third);
}

TEST_F(ReportPagingTest, SortsTheWholeListNotThePage) {
  // Median descending over every host: the page's first row is the host with the highest median (the last
  // one with rounds and answers), not the highest of the first hundred.
  const auto names = rows_of(alice_.call(Method::get, "/report?sort=median&dir=desc&per=10").body);
  ASSERT_EQ(names.size(), 10u);
  int top = kHosts - 1;
  while (state_of(top) == "unknown" || state_of(top) == "down") --top;
  EXPECT_EQ(names.front(), name_of(top));
  // Status: the worst first (down), then by hostname.
  const auto worst = rows_of(alice_.call(Method::get, "/report?per=3").body);
  EXPECT_EQ(worst, (std::vector<std::string>{name_of(0), name_of(20), name_of(30)}));
}

TEST_F(ReportPagingTest, FiltersAndSearchPickFromAllHostsAndTheLinksKeepThem) {
  const Response found = alice_.call(Method::get, "/report?q=H01&status=up&per=5&sort=host&dir=asc");
  ASSERT_EQ(found.status, 200);
  std::vector<std::string> want;
  for (int i = 0; i < kHosts; ++i) {
    if (name_of(i).starts_with("h01") && state_of(i) == "up") want.push_back(name_of(i));
  }
  EXPECT_EQ(attribute(found.body, "data-matched"), std::to_string(want.size()));
  const auto first = rows_of(found.body);
  EXPECT_EQ(first, std::vector<std::string>(want.begin(), want.begin() + 5));
  const std::string next = href_of(found.body, "pager-next");
  EXPECT_EQ(next, "/report?sort=host&dir=asc&q=h01&status=up&per=5&page=2");
  EXPECT_EQ(
      rows_of(alice_.call(Method::get, next).body),
      std::vector<std::string>(want.begin() + 5, want.begin() + std::min<std::size_t>(10, want.size())));
  // The column links keep the filters and go back to page 1.
  EXPECT_NE(alice_.call(Method::get, next)
                .body.find("href=\"/report?sort=median&amp;dir=asc&amp;q=h01&amp;status=up&amp;per=5\""),
            std::string::npos);

  const Response filtered =
      alice_.call(Method::get, "/report?provider=GCP&service=web&label=rack%203&state=down&per=500");
  want.clear();
  for (int i = 0; i < kHosts; ++i) {
    if (i % 2 == 1 && i % 3 != 0 && i % 5 == 3 && state_of(i) == "down") want.push_back(name_of(i));
  }
  std::set<std::string> got;
  for (const auto& name : rows_of(filtered.body)) got.insert(name);
  EXPECT_EQ(got, std::set<std::string>(want.begin(), want.end()));
  EXPECT_NE(filtered.body.find("value=\"rack 3\""), std::string::npos) << "the form keeps the label";

  const Response none = alice_.call(Method::get, "/report?q=bob");
  EXPECT_EQ(none.status, 200);
  EXPECT_TRUE(rows_of(none.body).empty()) << "bob's hosts are not searched";
  EXPECT_NE(none.body.find("No host matches these filters."), std::string::npos);
}

TEST_F(ReportPagingTest, BadParametersAreA400ThatSaysWhich) {
  for (const auto& [query, message] : std::vector<std::pair<std::string, std::string>>{
           {"page=0", "The page must be a whole number"},
           {"page=-1", "The page must be a whole number"},
           {"page=1x", "The page must be a whole number"},
           {"page=99999999999999999999999", "The page must be a whole number"},
           {"per=0", "Hosts per page must be"},
           {"per=501", "Hosts per page must be"},
           {"status=sideways", "Unknown status"},
           {"provider=Mars", "Unknown provider"},
           {"q=" + std::string(101, 'x'), "The search is too long"},
           {"label=" + std::string(201, 'x'), "too long"}}) {
    const Response response = alice_.call(Method::get, "/report?" + query);
    EXPECT_EQ(response.status, 400) << query;
    EXPECT_NE(response.body.find(message), std::string::npos) << query;
  }
  // A sort or direction it does not know falls back to the default.
  EXPECT_EQ(alice_.call(Method::get, "/report?sort=nonsense&dir=sideways").status, 200);
}

TEST_F(ReportPagingTest, SparklinesOfThePageComeFromTheHourlyRollups) {
  const Response report = alice_.call(Method::get, "/report?sort=host&dir=asc&per=20");
  ASSERT_EQ(report.status, 200);
  // Hosts with answered rounds have rollups with a median (3 hours): a line; a host without rounds, or
  // whose every probe was lost (no median), says "no data".
  const std::size_t first_row = report.body.find(name_of(2) + "</a>");
  ASSERT_NE(first_row, std::string::npos);
  const std::size_t row_end = report.body.find("</tr>", first_row);
  EXPECT_NE(report.body.substr(first_row, row_end - first_row).find("<polyline points=\""),
            std::string::npos);
  const std::size_t unknown_row = report.body.find(name_of(3) + "</a>");
  EXPECT_NE(
      report.body.substr(unknown_row, report.body.find("</tr>", unknown_row) - unknown_row).find("no data"),
      std::string::npos);
  std::size_t drawn = 0;
  for (std::size_t at = 0; (at = report.body.find("<svg class=\"spark\"", at)) != std::string::npos; ++at)
    ++drawn;
  EXPECT_EQ(drawn, 16u) << "the 20 rows but the three without rounds (3, 10, 17) and the down one (0)";
}

TEST_F(ReportPagingTest, ChangesToHostsAndRoundsFromOutsideShowOnTheNextRequest) {
  // The report keeps the host list between requests (under the user's host list version) and reads only
  // the latest rounds again when they move. Changes made without the web (the CLI, another server, the ping
  // service) must still show at once: a renamed host, a new host, a deleted host, a new round.
  const store::Id alice = store->find_user_by_email("alice@example.com")->id;
  ASSERT_EQ(rows_of(alice_.call(Method::get, "/report?sort=host&dir=asc&per=5").body).front(), name_of(0));
  auto renamed = store->find_host(alice, ids_[0]);
  ASSERT_TRUE(renamed.ok());
  renamed->hostname = "aaa-renamed.example.com";
  ASSERT_TRUE(store->update_host(*renamed).ok());
  ASSERT_TRUE(
      store->add_host({0, alice, "aaa-added.example.com", Provider::aws, "web", "", true, 0, ProbeSpec{}})
          .ok());
  ASSERT_TRUE(store->delete_host(alice, ids_[1]).ok());
  const auto names = rows_of(alice_.call(Method::get, "/report?sort=host&dir=asc&per=5").body);
  ASSERT_EQ(names.size(), 5u);
  EXPECT_EQ(names[0], "aaa-added.example.com");
  EXPECT_EQ(names[1], "aaa-renamed.example.com");
  EXPECT_EQ(names[2], name_of(2)) << name_of(1) << " was deleted";

  // A new round of a host that had none (host 3): it leaves "unknown".
  const std::string unknown_filter = "/report?status=unknown&sort=host&dir=asc&per=500";
  const auto unknown_before = rows_of(alice_.call(Method::get, unknown_filter).body);
  ASSERT_FALSE(unknown_before.empty());
  ASSERT_EQ(state_of(3), "unknown");
  store::PingResult round;
  round.host_id = ids_[3];
  round.ts = now_epoch_ms() - 1000;
  round.sent = 5;
  round.received = 5;
  round.min_ms = round.avg_ms = round.max_ms = round.median_ms = 1.5;
  round.stddev_ms = 0.1;
  ASSERT_TRUE(store->insert_results(std::vector<store::PingResult>{round}).ok());
  const auto unknown_after = rows_of(alice_.call(Method::get, unknown_filter).body);
  EXPECT_EQ(unknown_after.size() + 1, unknown_before.size());
  EXPECT_EQ(std::find(unknown_after.begin(), unknown_after.end(), name_of(3)), unknown_after.end());
}

}  // namespace
}  // namespace semaphore::web

// Per-location views (issue 16) on SQLite and on a real PostgreSQL: the store's reads take the location to
// show, /report judges each host by the worst of the locations that report it and offers a column per
// location (`?by=location`, no JavaScript), the host page draws a line per location and tables the latest
// round of each, and the API takes `location=NAME` (an unknown name is a 400). The app over a real store,
// rows from two locations: `local` and `paris`.
#include <gtest/gtest.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "domain/locations.h"
#include "unit/store/store_fixture.h"
#include "unit/web/test_browser.h"

namespace semaphore::web {
namespace {

namespace json = boost::json;
using namespace web_testing;

class LocationViewsTest : public semaphore::testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (HasFatalFailure()) return;
    app_ = app_over(*store_);
    browser_ = std::make_unique<Browser>(*app_);
    browser_->sign_up("viewer%40example.com");
    if (HasFatalFailure()) return;
    user_ = store_->find_user_by_email("viewer@example.com")->id;
  }

  store::Id add_location(const std::string& name, const std::string& label = "") {
    auto made = domain::create_location(*store_, name, label, now_epoch_ms());
    EXPECT_TRUE(made.ok()) << made.error().message;
    return made->location.id;
  }

  store::Id add_host(const std::string& hostname) { return make_host(user_, hostname).id; }

  // A round of `host` from `location`, `seconds_ago` before now: `received` of 5 answered, median `ms`.
  static store::PingResult round(store::Id host, store::Id location, int seconds_ago, int received,
                                 double ms) {
    store::PingResult row;
    row.host_id = host;
    row.location_id = location;
    row.ts = now_epoch_ms() - seconds_ago * 1000LL;
    row.sent = 5;
    row.received = received;
    if (received > 0) row.min_ms = row.avg_ms = row.max_ms = row.median_ms = ms;
    if (received == 0) row.error = "timeout";
    return row;
  }

  void insert(const std::vector<store::PingResult>& rows) {
    const auto inserted = store_->insert_results(rows);
    ASSERT_TRUE(inserted.ok()) << inserted.error().message;
    ASSERT_EQ(*inserted, static_cast<std::int64_t>(rows.size()));
  }

  Response get(const std::string& target) { return browser_->call(Method::get, target); }
  Response api(const std::string& target) { return browser_->api(Method::get, target); }

  std::unique_ptr<WebApp> app_;
  std::unique_ptr<Browser> browser_;
  store::Id user_ = 0;
};

// The store's reads each show the location they are given; latest_rounds gives every location's.
TEST_P(LocationViewsTest, EachReadShowsTheLocationItIsGiven) {
  const store::Id paris = add_location("paris");
  const store::Id host = add_host("db.example.com");
  insert({round(host, store::kLocalLocationId, 20, 5, 10.0), round(host, paris, 20, 5, 80.0),
          round(host, paris, 10, 5, 81.0)});

  const auto local_rows =
      store_->results_between(user_, host, store::kLocalLocationId, 0, now_epoch_ms() + 1);
  ASSERT_TRUE(local_rows.ok());
  ASSERT_EQ(local_rows->size(), 1u);
  EXPECT_EQ(local_rows->front().median_ms, std::optional<double>(10.0));
  const auto paris_rows = store_->results_between(user_, host, paris, 0, now_epoch_ms() + 1);
  ASSERT_TRUE(paris_rows.ok());
  ASSERT_EQ(paris_rows->size(), 2u);
  for (const auto& row : *paris_rows) EXPECT_EQ(row.location_id, paris);

  const auto at_paris = store_->host_statuses(user_, paris);
  ASSERT_TRUE(at_paris.ok());
  ASSERT_EQ(at_paris->size(), 1u);
  ASSERT_TRUE(at_paris->front().latest);
  EXPECT_EQ(at_paris->front().latest->median_ms, std::optional<double>(81.0));

  const auto latest = store_->latest_rounds(user_);
  ASSERT_TRUE(latest.ok());
  ASSERT_EQ(latest->size(), 2u) << "one latest row per location";
  EXPECT_EQ(latest->at(0).location_id, store::kLocalLocationId) << "ordered by location";
  EXPECT_EQ(latest->at(1).location_id, paris);
  const auto joined = store::join_rounds_by_location(*store_->list_hosts(user_), *latest);
  ASSERT_EQ(joined.size(), 1u);
  ASSERT_EQ(joined[0].locations.size(), 2u);
  EXPECT_EQ(joined[0].locations[1].latest->median_ms, std::optional<double>(81.0));
  const auto of_host = store_->latest_rounds_of_host(user_, host);
  ASSERT_TRUE(of_host.ok());
  EXPECT_EQ(of_host->size(), 2u);
}

// /report and /api/v1/report: a host up at `local` and down at `paris` is down; the counts, the filter and
// the sort by state use that worst state; `location=NAME` judges by one location alone.
TEST_P(LocationViewsTest, TheReportShowsEachHostsWorstStateAcrossLocations) {
  const store::Id paris = add_location("paris");
  const store::Id split = add_host("split.example.com");
  const store::Id healthy = add_host("healthy.example.com");
  insert({round(split, store::kLocalLocationId, 10, 5, 10.0), round(split, paris, 10, 0, 0),
          round(healthy, store::kLocalLocationId, 10, 5, 12.0), round(healthy, paris, 10, 5, 70.0)});

  const Response worst = api("/api/v1/report?sort=status&dir=desc");
  ASSERT_EQ(worst.status, 200) << worst.body;
  const json::value body = body_of(worst);
  EXPECT_EQ(body.at("counts").at("down").as_int64(), 1);
  EXPECT_EQ(body.at("counts").at("up").as_int64(), 1);
  const json::array& hosts = body.at("hosts").as_array();
  ASSERT_EQ(hosts.size(), 2u);
  EXPECT_EQ(hosts[0].at("hostname").as_string(), "split.example.com") << "sorted by the worst state";
  EXPECT_EQ(hosts[0].at("state").as_string(), "down");
  EXPECT_EQ(hosts[0].at("latest").at("location").as_string(), "paris") << "the round of the worst location";
  EXPECT_EQ(hosts[1].at("latest").at("location").as_string(), "local") << "among equals, local first";

  const json::value at_local = body_of(api("/api/v1/report?location=local"));
  EXPECT_EQ(at_local.at("counts").at("down").as_int64(), 0);
  EXPECT_EQ(at_local.at("counts").at("up").as_int64(), 2);
  const Response unknown = api("/api/v1/report?location=atlantis");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(error_of(unknown).second, "location");

  const Response page = get("/report?status=down");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_TRUE(contains(page.body, "1 down"));
  EXPECT_TRUE(contains(page.body, "split.example.com"));
  EXPECT_FALSE(contains(page.body, "healthy.example.com")) << "filtered by the worst state";
}

// Issue 17: a /report miss after writes shows every host's newest rounds whether it merged the rows written
// since what it kept (PostgreSQL, HostStore::latest_rounds_written_since) or read them all (SQLite): a
// host's rounds one after another, a host that goes down, a new location's rounds, a host added.
TEST_P(LocationViewsTest, TheReportAfterEachWriteShowsTheNewestRounds) {
  const store::Id a = add_host("a.example.com");
  const store::Id b = add_host("b.example.com");
  insert({round(a, store::kLocalLocationId, 60, 5, 10.0), round(b, store::kLocalLocationId, 60, 5, 20.0)});
  const auto report = [&](const std::string& query) {
    const Response response = api("/api/v1/report?sort=host&dir=asc" + query);
    EXPECT_EQ(response.status, 200) << response.body;
    return body_of(response);
  };
  const auto median_of = [](const json::value& body, std::size_t index) {
    return body.at("hosts").as_array().at(index).at("latest").at("median_ms").as_double();
  };
  json::value body = report("");
  EXPECT_EQ(median_of(body, 0), 10.0);
  EXPECT_EQ(median_of(body, 1), 20.0);
  for (int i = 1; i <= 5; ++i) {
    insert({round(a, store::kLocalLocationId, 50 - i, 5, 10.0 + i)});
    body = report("");
    EXPECT_EQ(median_of(body, 0), 10.0 + i) << "a's round " << i;
    EXPECT_EQ(median_of(body, 1), 20.0) << "b unchanged";
  }
  insert({round(b, store::kLocalLocationId, 40, 0, 0)});
  body = report("");
  EXPECT_EQ(body.at("counts").at("down").as_int64(), 1);
  EXPECT_EQ(body.at("hosts").as_array().at(1).at("state").as_string(), "down");

  const store::Id paris = add_location("paris");
  insert({round(a, paris, 30, 5, 70.0)});
  body = report("&location=paris");
  EXPECT_EQ(median_of(body, 0), 70.0) << "the new location's round";
  EXPECT_EQ(body.at("hosts").as_array().at(1).at("latest").kind(), json::kind::null) << "b: none from paris";

  // A host added (the host list moves: everything is read again) and its round.
  const store::Id c = add_host("c.example.com");
  insert({round(c, store::kLocalLocationId, 20, 5, 30.0)});
  body = report("");
  ASSERT_EQ(body.at("hosts").as_array().size(), 3u);
  EXPECT_EQ(median_of(body, 2), 30.0);
  EXPECT_EQ(median_of(body, 0), 15.0) << "a's newest local round";
}

// The toggle: offered only when more than one location reports; `by=location` shows a column per location
// (its state and average), and every link of the page keeps it.
TEST_P(LocationViewsTest, ByLocationShowsAColumnPerLocationAndTheLinksKeepIt) {
  const store::Id host = add_host("split.example.com");
  insert({round(host, store::kLocalLocationId, 10, 5, 10.0)});
  const Response alone = get("/report");
  ASSERT_EQ(alone.status, 200) << alone.body;
  EXPECT_FALSE(contains(alone.body, "location-toggle")) << "only local reports: the page as it was";
  EXPECT_TRUE(contains(alone.body, ">Avg</a>"));

  const store::Id paris = add_location("paris", "Paris (OVH)");
  insert({round(host, paris, 10, 3, 55.5)});
  const Response worst = get("/report?per=25");
  ASSERT_EQ(worst.status, 200) << worst.body;
  EXPECT_TRUE(contains(
      worst.body,
      "class=\"location-toggle\" href=\"/report?sort=status&amp;dir=desc&amp;per=25&amp;by=location\""))
      << worst.body;
  EXPECT_FALSE(contains(worst.body, "data-location=\"paris\""));
  EXPECT_TRUE(contains(worst.body, "state-degraded\">degraded")) << "paris' loss is the host's state";

  const Response columns = get("/report?per=25&by=location");
  ASSERT_EQ(columns.status, 200) << columns.body;
  EXPECT_TRUE(contains(columns.body, "<th scope=\"col\">Paris (OVH)</th>"))
      << "a column per location, by label";
  EXPECT_TRUE(contains(columns.body, "<th scope=\"col\">local</th>"));
  EXPECT_FALSE(contains(columns.body, ">Avg</a>")) << "the figures' columns give way";
  EXPECT_TRUE(contains(columns.body,
                       "data-location=\"paris\" data-value=\"2\"><span class=\"badge "
                       "state-degraded\">degraded</span> <span class=\"num\">55.5 ms</span>"));
  EXPECT_TRUE(contains(columns.body,
                       "data-location=\"local\" data-value=\"0\"><span class=\"badge "
                       "state-up\">up</span> <span class=\"num\">10.0 ms</span>"));
  EXPECT_TRUE(contains(columns.body, "href=\"/report?sort=host&amp;dir=asc&amp;per=25&amp;by=location\""))
      << "the sort links keep the toggle";
  EXPECT_TRUE(contains(columns.body, "<input type=\"hidden\" name=\"by\" value=\"location\">"))
      << "the filter form keeps it";
  EXPECT_TRUE(contains(columns.body, "href=\"/report?sort=status&amp;dir=desc&amp;per=25\">Show the worst"));
}

// The host page: a latest-round row per location, one chart series per location, the band's location chosen
// with ?location=NAME (an unknown one is a 400), and the rounds table and the CSV of that location.
TEST_P(LocationViewsTest, TheHostPageTablesEachLocationsLatestRound) {
  const store::Id paris = add_location("paris", "Paris (OVH)");
  const store::Id host = add_host("split.example.com");
  insert({round(host, store::kLocalLocationId, 10, 5, 10.0), round(host, paris, 10, 0, 0),
          round(host, paris, 70, 5, 66.0)});
  const std::string path = "/report/" + std::to_string(host);

  const Response page = get(path);
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_TRUE(contains(page.body, "Latest round per location"));
  EXPECT_TRUE(
      contains(page.body, "<tr data-location=\"local\" class=\"selected\"><th scope=\"row\">local</th>"))
      << "local is selected by default";
  EXPECT_TRUE(contains(page.body, "<tr data-location=\"paris\"><th scope=\"row\">Paris (OVH)</th>"));
  EXPECT_TRUE(contains(page.body,
                       "100%</td><td class=\"num\">—</td><td class=\"num\">—</td><td "
                       "class=\"num\">—</td><td><span class=\"badge state-down\">down"))
      << "paris' latest round: all lost, down";
  EXPECT_TRUE(contains(page.body, "data-locations=\"local paris\" data-selected=\"local\""));
  EXPECT_TRUE(contains(page.body, "<span class=\"badge state-down\">down</span> <span class=\"badge method"))
      << "the host's state is its worst";

  const Response at_paris = get(path + "?location=paris");
  ASSERT_EQ(at_paris.status, 200) << at_paris.body;
  EXPECT_TRUE(contains(at_paris.body, "data-selected=\"paris\""));
  EXPECT_TRUE(contains(at_paris.body, "<tr data-location=\"paris\" class=\"selected\">"));
  EXPECT_TRUE(contains(at_paris.body, "66.0 ms")) << "paris' rounds in the rounds table";
  EXPECT_TRUE(
      contains(at_paris.body, "href=\"/report/" + std::to_string(host) + "?range=7d&amp;location=paris\""))
      << "the range links keep the location";
  EXPECT_FALSE(contains(page.body, "66.0 ms")) << "local's page has none of paris' rounds";

  EXPECT_EQ(get(path + "?location=atlantis").status, 400);
  const Response csv = get(path + ".csv?location=paris");
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_TRUE(contains(csv.body, "66.0")) << csv.body;
  EXPECT_FALSE(contains(get(path + ".csv").body, "66.0"));
}

// GET /api/v1/hosts/{id}/results and /api/v1/hosts: `location=NAME` switches the rows shown; the default is
// local; latest rounds name their location; an unknown name is a 400 with the API's error shape.
TEST_P(LocationViewsTest, TheApiSwitchesLocationByName) {
  const store::Id paris = add_location("paris");
  const store::Id host = add_host("split.example.com");
  insert({round(host, store::kLocalLocationId, 10, 5, 10.0), round(host, paris, 10, 5, 80.0)});
  const std::string results = "/api/v1/hosts/" + std::to_string(host) + "/results";

  const json::value local = body_of(api(results));
  ASSERT_EQ(local.at("results").as_array().size(), 1u);
  EXPECT_EQ(local.at("location").as_string(), "local");
  EXPECT_EQ(local.at("results").at(0).at("median_ms").as_double(), 10.0);
  const json::value remote = body_of(api(results + "?location=paris"));
  ASSERT_EQ(remote.at("results").as_array().size(), 1u);
  EXPECT_EQ(remote.at("location").as_string(), "paris");
  EXPECT_EQ(remote.at("results").at(0).at("median_ms").as_double(), 80.0);
  const Response unknown = api(results + "?location=atlantis");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(error_of(unknown).first, "bad_field");
  EXPECT_EQ(error_of(unknown).second, "location");

  const json::value listed = body_of(api("/api/v1/hosts?location=paris"));
  EXPECT_EQ(listed.at("hosts").at(0).at("latest").at("location").as_string(), "paris");
  EXPECT_EQ(listed.at("hosts").at(0).at("latest").at("median_ms").as_double(), 80.0);
  const json::value one = body_of(api("/api/v1/hosts/" + std::to_string(host)));
  EXPECT_EQ(one.at("latest").at("location").as_string(), "local");
  EXPECT_EQ(api("/api/v1/hosts/" + std::to_string(host) + "?location=atlantis").status, 400);
}

INSTANTIATE_TEST_SUITE_P(Backends, LocationViewsTest,
                         ::testing::Values(semaphore::DbKind::sqlite, semaphore::DbKind::postgresql),
                         semaphore::testing::backend_name);

}  // namespace
}  // namespace semaphore::web

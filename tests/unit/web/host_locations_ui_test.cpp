// A location switched off per host (issue 16): the host's edit form ("Ping from", a box per location, only
// with several; CSRF as every form; a form without the boxes changes nothing), /report's worst state that
// never counts a switched-off location's old rounds and its column per location that says "off", and the
// API's `locations_off` (set on POST and PATCH, an unknown name refused as a bad field, never on import).
// The app over a real SQLite store (no sockets).
#include <gtest/gtest.h>

#include <regex>

#include "support/sqlite_store.h"
#include "support/temp_dir.h"
#include "unit/web/test_browser.h"
#include "web/view/host_state.h"

namespace semaphore::web {
namespace {

namespace json = boost::json;
using namespace web_testing;

class HostLocationsUiTest : public ::testing::Test {
 protected:
  WebApp& app() {
    if (!app_) app_ = app_over(*store);
    return *app_;
  }
  Browser signed_up(const std::string& email = "alice%40example.com") {
    Browser browser{app()};
    browser.sign_up(email);
    return browser;
  }
  store::Id user_id(const std::string& email) { return store->find_user_by_email(email)->id; }
  store::Id add_host(store::Id user, const std::string& hostname) {
    store::Host host;
    host.user_id = user;
    host.hostname = hostname;
    return store->add_host(host)->id;
  }
  store::Id add_location(const std::string& name, const std::string& label = "") {
    store::Location location;
    location.name = name;
    location.label = label;
    return store->add_location(location)->id;
  }
  // A fresh round of `host` from `location`: every probe answered, or none.
  void round(store::Id host, store::Id location, bool answered) {
    store::PingResult row;
    row.host_id = host;
    row.ts = now_epoch_ms() - 1000;
    row.sent = 5;
    row.received = answered ? 5 : 0;
    if (answered) {
      row.min_ms = row.avg_ms = row.median_ms = row.max_ms = 10.0;
      row.stddev_ms = 0.0;
    } else {
      row.error = "timeout";
    }
    row.location_id = location;
    ASSERT_TRUE(store->insert_results(std::vector<store::PingResult>{row}).ok());
  }
  std::vector<store::Id> off(const std::string& email, store::Id host) {
    return *store->host_locations_off(user_id(email), host);
  }

  testing::TempDir dir{"semaphore-host-locations-ui"};
  std::unique_ptr<store::Store> store = semaphore::testing::open_migrated_sqlite(dir, "locations.db");
  std::unique_ptr<WebApp> app_;
};

// The state badge of the report row of `hostname`, or "".
std::string report_state(const std::string& body, const std::string& hostname) {
  const auto row_end = body.find(">" + hostname + "</a>");
  if (row_end == std::string::npos) return "";
  const auto row_start = body.rfind("<tr class=\"row-", row_end);
  static const std::regex badge(R"re(<span class="badge state-([a-z]+)">)re");
  std::smatch match;
  const std::string row = body.substr(row_start, row_end - row_start);
  return std::regex_search(row, match, badge) ? std::string(match[1]) : "";
}

// --- the edit form ---

TEST_F(HostLocationsUiTest, TheEditFormOffersABoxPerLocationOnlyWhenThereAreSeveral) {
  Browser alice = signed_up();
  const store::Id host = add_host(user_id("alice@example.com"), "a.example");
  const std::string edit = "/manage/hosts/" + std::to_string(host);
  const Response alone = alice.call(Method::get, edit);
  ASSERT_EQ(alone.status, 200);
  EXPECT_FALSE(contains(alone.body, "Ping from")) << "one location: nothing to choose";
  EXPECT_FALSE(contains(alone.body, "name=\"ping_from\""));

  const store::Id paris = add_location("paris", "Paris <OVH> & co");
  const Response page = alice.call(Method::get, edit);
  ASSERT_EQ(page.status, 200);
  EXPECT_TRUE(contains(page.body, "Ping from")) << page.body;
  EXPECT_TRUE(contains(page.body, "<input type=\"hidden\" name=\"locations_shown\" value=\"1\">"));
  EXPECT_TRUE(contains(page.body, "<input type=\"checkbox\" name=\"ping_from\" value=\"1\" checked> local"));
  EXPECT_TRUE(contains(page.body, "<input type=\"checkbox\" name=\"ping_from\" value=\"" +
                                      std::to_string(paris) +
                                      "\" checked> paris (Paris &lt;OVH&gt; &amp; co)"))
      << "the label escaped";
  EXPECT_FALSE(contains(page.body, "<OVH>"));
}

TEST_F(HostLocationsUiTest, TheEditFormSwitchesALocationOffAndOnAgain) {
  Browser alice = signed_up();
  const store::Id host = add_host(user_id("alice@example.com"), "a.example");
  const store::Id paris = add_location("paris");
  const std::string edit = "/manage/hosts/" + std::to_string(host);
  const std::string fields =
      "hostname=a.example&provider=Other&enabled=1&probe_method=icmp&locations_shown=1";

  // Without its CSRF token: refused, nothing switched off.
  EXPECT_EQ(alice.post(edit, fields + "&ping_from=1", false).status, 403);
  EXPECT_TRUE(off("alice@example.com", host).empty());

  // Paris unticked: switched off; the form shows it so.
  ASSERT_EQ(alice.post(edit, fields + "&ping_from=1").status, 303);
  EXPECT_EQ(off("alice@example.com", host), std::vector<store::Id>{paris});
  const Response page = alice.call(Method::get, edit);
  EXPECT_TRUE(contains(page.body, "value=\"" + std::to_string(paris) + "\"> paris")) << page.body;
  EXPECT_TRUE(contains(page.body, "value=\"1\" checked> local"));

  // A form without the boxes (one from before them) changes nothing.
  ASSERT_EQ(alice.post(edit, "hostname=a.example&provider=Other&enabled=1&probe_method=icmp").status, 303);
  EXPECT_EQ(off("alice@example.com", host), std::vector<store::Id>{paris});

  // A refused form keeps what was ticked, and saves nothing.
  const Response refused = alice.post(edit,
                                      "hostname=not+a+host!&enabled=1&probe_method=icmp&locations_shown=1"
                                      "&ping_from=" +
                                          std::to_string(paris));
  EXPECT_EQ(refused.status, 400);
  EXPECT_TRUE(contains(refused.body, "value=\"" + std::to_string(paris) + "\" checked> paris"))
      << refused.body;
  EXPECT_TRUE(contains(refused.body, "value=\"1\"> local"));
  EXPECT_EQ(off("alice@example.com", host), std::vector<store::Id>{paris});

  // Both ticked: every location pings it again.
  ASSERT_EQ(alice.post(edit, fields + "&ping_from=1&ping_from=" + std::to_string(paris)).status, 303);
  EXPECT_TRUE(off("alice@example.com", host).empty());

  // Another user's host: not found, untouched.
  Browser bob = signed_up("bob%40example.com");
  EXPECT_EQ(bob.post(edit, fields).status, 404);
  EXPECT_TRUE(off("alice@example.com", host).empty());
}

// --- the report ---

TEST_F(HostLocationsUiTest, TheReportNeverCountsASwitchedOffLocationAndItsColumnSaysOff) {
  Browser alice = signed_up();
  const store::Id alice_id = user_id("alice@example.com");
  const store::Id host = add_host(alice_id, "a.example");
  const store::Id paris = add_location("paris");
  round(host, store::kLocalLocationId, true);
  round(host, paris, false);
  const Response before = alice.call(Method::get, "/report");
  ASSERT_EQ(before.status, 200);
  EXPECT_EQ(report_state(before.body, "a.example"), "down") << "the worst of local (up) and paris (down)";

  const std::vector<store::Id> paris_off = {paris};
  ASSERT_TRUE(store->set_host_locations_off(alice_id, host, paris_off).ok());
  const Response after = alice.call(Method::get, "/report");
  EXPECT_EQ(report_state(after.body, "a.example"), "up") << "paris's last round no longer counts";

  const Response columns = alice.call(Method::get, "/report?by=location");
  ASSERT_EQ(columns.status, 200);
  EXPECT_TRUE(contains(columns.body, "<td class=\"location-cell location-off\" data-location=\"paris\""))
      << columns.body;
  EXPECT_TRUE(contains(columns.body, ">off</span></td>"));
  EXPECT_TRUE(
      contains(columns.body, "data-location=\"local\" data-value=\"0\"><span class=\"badge state-up\">"));

  // The API's report says the same.
  const Response api = alice.api(Method::get, "/api/v1/report");
  ASSERT_EQ(api.status, 200);
  const json::value report = body_of(api);
  const json::object& listed = report.at("hosts").as_array().at(0).as_object();
  EXPECT_EQ(listed.at("state").as_string(), "up");
  EXPECT_EQ(listed.at("locations_off"), (json::array{"paris"}));
}

TEST(JudgeWorst, LeavesOutALocationSwitchedOffForTheHost) {
  const EpochMs now = now_epoch_ms();
  store::HostStatus status;
  status.host.id = 1;
  store::PingResult up, down;
  up.ts = down.ts = now - 1000;
  up.sent = down.sent = 5;
  up.received = 5;
  up.median_ms = 1.0;
  down.error = "timeout";
  status.locations = {store::LocationRounds{1, up, std::nullopt},
                      store::LocationRounds{2, down, std::nullopt}};
  EXPECT_EQ(judge_worst(status, now, std::chrono::seconds(300)).view.state, HostState::down);
  status.host.locations_off = {2};
  const LocationView worst = judge_worst(status, now, std::chrono::seconds(300));
  EXPECT_EQ(worst.view.state, HostState::up);
  ASSERT_NE(worst.location, nullptr);
  EXPECT_EQ(worst.location->location_id, 1);
  EXPECT_EQ(judge_at(status, 2, now, std::chrono::seconds(300)).location, nullptr);
  status.host.locations_off = {1, 2};
  EXPECT_EQ(judge_worst(status, now, std::chrono::seconds(300)).view.state, HostState::unknown);
}

// --- the API ---

TEST_F(HostLocationsUiTest, TheApiSetsAndShowsLocationsOffByName) {
  Browser alice = signed_up();
  const store::Id alice_id = user_id("alice@example.com");
  const store::Id paris = add_location("paris");

  // Refused: a name that is no location's, or a value that is no list of names; no host added.
  for (const char* body : {R"({"hostname":"a.example","locations_off":["nowhere"]})",
                           R"({"hostname":"a.example","locations_off":"paris"})",
                           R"({"hostname":"a.example","locations_off":[2]})"}) {
    const Response refused = alice.api(Method::post, "/api/v1/hosts", body);
    EXPECT_EQ(refused.status, 400) << body;
    EXPECT_EQ(error_of(refused), (std::pair<std::string, std::string>{"bad_field", "locations_off"})) << body;
  }
  EXPECT_EQ(*store->count_hosts(alice_id), 0);

  const Response added = alice.api(Method::post, "/api/v1/hosts",
                                   R"({"hostname":"a.example","locations_off":["paris","paris"]})");
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(body_of(added).at("locations_off"), (json::array{"paris"}));
  const store::Id host = body_of(added).at("id").as_int64();
  EXPECT_EQ(off("alice@example.com", host), std::vector<store::Id>{paris});
  const std::string target = "/api/v1/hosts/" + std::to_string(host);
  EXPECT_EQ(body_of(alice.api(Method::get, target)).at("locations_off"), (json::array{"paris"}));
  EXPECT_EQ(body_of(alice.api(Method::get, "/api/v1/hosts")).at("hosts").as_array().at(0).at("locations_off"),
            (json::array{"paris"}));

  // A refused PATCH changes nothing, its other fields neither.
  const Response wrong =
      alice.api(Method::patch, target, R"({"label":"x","locations_off":["local","nowhere"]})");
  EXPECT_EQ(error_of(wrong), (std::pair<std::string, std::string>{"bad_field", "locations_off"}));
  EXPECT_EQ(off("alice@example.com", host), std::vector<store::Id>{paris});
  EXPECT_EQ(store->find_host(alice_id, host)->label, "");
  // PATCH replaces the set; a PATCH without it leaves it.
  const Response swapped = alice.api(Method::patch, target, R"({"locations_off":["local"]})");
  ASSERT_EQ(swapped.status, 200) << swapped.body;
  EXPECT_EQ(body_of(swapped).at("locations_off"), (json::array{"local"}));
  ASSERT_EQ(alice.api(Method::patch, target, R"({"label":"kept"})").status, 200);
  EXPECT_EQ(off("alice@example.com", host), std::vector<store::Id>{store::kLocalLocationId});
  const Response cleared = alice.api(Method::patch, target, R"({"locations_off":[]})");
  ASSERT_EQ(cleared.status, 200);
  EXPECT_EQ(body_of(cleared).at("locations_off"), json::array{});
  EXPECT_TRUE(off("alice@example.com", host).empty());

  // Another user cannot; an import's items have no such field.
  Browser bob = signed_up("bob%40example.com");
  EXPECT_EQ(bob.api(Method::patch, target, R"({"locations_off":["paris"]})").status, 404);
  EXPECT_TRUE(off("alice@example.com", host).empty());
  const Response imported = alice.api(Method::post, "/api/v1/hosts/import",
                                      R"({"hosts":[{"hostname":"b.example","locations_off":[]}]})");
  ASSERT_EQ(imported.status, 200) << imported.body;
  EXPECT_EQ(body_of(imported).at("results").as_array().at(0).at("field"), "locations_off");
}

}  // namespace
}  // namespace semaphore::web

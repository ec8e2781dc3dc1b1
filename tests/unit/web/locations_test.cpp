// /locations and GET /api/v1/locations (issue 16): admins see every location with what it reports; anyone
// else gets the 404 of a page that does not exist; every value is escaped. The app over a real SQLite store.
#include <gtest/gtest.h>

#include "domain/api_tokens.h"
#include "domain/locations.h"
#include "support/sqlite_store.h"
#include "support/temp_dir.h"
#include "unit/web/test_browser.h"
#include "web/location_watch.h"

namespace semaphore::web {
namespace {

namespace json = boost::json;
using namespace web_testing;

class LocationsPageTest : public ::testing::Test {
 protected:
  WebApp& app() {
    if (!app_) app_ = app_over(*store);
    return *app_;
  }
  testing::TempDir dir{"semaphore-locations-unit"};
  std::unique_ptr<store::Store> store = semaphore::testing::open_migrated_sqlite(dir, "locations.db");
  std::unique_ptr<WebApp> app_;
};

TEST_F(LocationsPageTest, AnAdminSeesEveryLocationWithWhatItReports) {
  Browser admin{app()};
  admin.sign_up("admin%40example.com");  // the first user is the admin
  ASSERT_TRUE(domain::create_location(*store, "fra-hetzner", "Frankfurt (Hetzner)", 0).ok());
  store::LocationHeartbeat beat;
  beat.location_id = 1;
  beat.at = now_epoch_ms();
  beat.version = "7.8.9";
  beat.rounds_on_time = 41;
  beat.rounds_late = 3;
  beat.spool_backlog = 1234;
  beat.interval_ms = 60'000;
  ASSERT_TRUE(store->record_heartbeat(beat).ok());

  const Response page = admin.call(Method::get, "/locations");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_TRUE(contains(page.body, "<h1>Locations</h1>"));
  EXPECT_TRUE(contains(page.body, "href=\"/locations\" aria-current=\"page\"")) << "the nav entry, marked";
  EXPECT_TRUE(contains(page.body, "Frankfurt (Hetzner)"));
  EXPECT_TRUE(contains(page.body, "7.8.9"));
  EXPECT_TRUE(contains(page.body, ">41<"));
  EXPECT_TRUE(contains(page.body, ">1234<"));
  EXPECT_TRUE(contains(page.body, "status-online\">online"));    // local: just seen
  EXPECT_TRUE(contains(page.body, "status-offline\">offline"));  // the agent: never seen
  EXPECT_TRUE(contains(page.body, "<td>never</td>"));

  const Response api = admin.api(Method::get, "/api/v1/locations");
  ASSERT_EQ(api.status, 200) << api.body;
  const json::value body = body_of(api);
  const json::array& list = body.at("locations").as_array();
  ASSERT_EQ(list.size(), 2u);
  const json::object& local = list[0].as_object();
  EXPECT_EQ(local.at("name").as_string(), "local");
  EXPECT_EQ(local.at("kind").as_string(), "local");
  EXPECT_EQ(local.at("status").as_string(), "online");
  EXPECT_EQ(local.at("version").as_string(), "7.8.9");
  EXPECT_EQ(local.at("rounds_on_time").as_int64(), 41);
  EXPECT_EQ(local.at("rounds_late").as_int64(), 3);
  EXPECT_EQ(local.at("spool_backlog").as_int64(), 1234);
  EXPECT_EQ(local.at("interval_ms").as_int64(), 60'000);
  EXPECT_EQ(local.at("last_seen_at").as_string(), format_iso8601(beat.at));
  const json::object& agent = list[1].as_object();
  EXPECT_EQ(agent.at("name").as_string(), "fra-hetzner");
  EXPECT_EQ(agent.at("label").as_string(), "Frankfurt (Hetzner)");
  EXPECT_EQ(agent.at("kind").as_string(), "agent");
  EXPECT_EQ(agent.at("status").as_string(), "offline");
  EXPECT_TRUE(agent.at("last_seen_at").is_null());
  EXPECT_TRUE(agent.at("version").is_null());
  EXPECT_TRUE(agent.at("interval_ms").is_null());
  EXPECT_FALSE(agent.contains("token_hash")) << "no trace of the token";
  EXPECT_FALSE(contains(api.body, *store->find_location("fra-hetzner")->token_hash));
}

TEST_F(LocationsPageTest, AnAdminsBearerTokenReadsTheListAndAUsersDoesNot) {
  Browser admin{app()}, user{app()};
  admin.sign_up("admin%40example.com");
  user.sign_up("user%40example.com");
  auto admin_token = domain::create_api_token(*store, store->find_user_by_email("admin@example.com")->id,
                                              "ops", store::TokenScope::read, std::nullopt, now_epoch_ms());
  auto user_token = domain::create_api_token(*store, store->find_user_by_email("user@example.com")->id,
                                             "mine", store::TokenScope::write, std::nullopt, now_epoch_ms());
  ASSERT_TRUE(admin_token.ok() && user_token.ok());
  Browser script{app()};
  const Response allowed =
      script.call(Method::get, "/api/v1/locations", "", {{"authorization", "Bearer " + admin_token->token}});
  ASSERT_EQ(allowed.status, 200) << allowed.body;
  EXPECT_EQ(body_of(allowed).at("locations").as_array().size(), 1u);
  const Response refused =
      script.call(Method::get, "/api/v1/locations", "", {{"authorization", "Bearer " + user_token->token}});
  EXPECT_EQ(refused.status, 404);
  EXPECT_EQ(error_of(refused).first, "not_found");
  EXPECT_EQ(script.call(Method::get, "/api/v1/locations").status, 401);
}

TEST_F(LocationsPageTest, AUserWhoIsNotAnAdminGets404AndNoNavEntry) {
  Browser admin{app()}, user{app()};
  admin.sign_up("admin%40example.com");
  user.sign_up("user%40example.com");
  const Response page = user.call(Method::get, "/locations");
  EXPECT_EQ(page.status, 404);
  EXPECT_FALSE(contains(page.body, "local")) << page.body;
  // The same answer as a page that does not exist: nothing tells them the page is there.
  const Response missing = user.call(Method::get, "/no-such-page");
  EXPECT_EQ(missing.status, 404);
  EXPECT_TRUE(contains(page.body, "There is no such page, or it is not yours."));
  EXPECT_TRUE(contains(missing.body, "There is no such page, or it is not yours."));
  const Response api = user.api(Method::get, "/api/v1/locations");
  EXPECT_EQ(api.status, 404);
  EXPECT_EQ(error_of(api).first, "not_found");
  EXPECT_FALSE(contains(user.call(Method::get, "/report").body, "href=\"/locations\""));
  EXPECT_TRUE(contains(admin.call(Method::get, "/report").body, "href=\"/locations\""));
  // Signed out: the sign-in page, as for every signed-in page.
  Browser anonymous{app()};
  EXPECT_EQ(anonymous.call(Method::get, "/locations").status, 303);
}

TEST_F(LocationsPageTest, LabelsAreEscaped) {
  Browser admin{app()};
  admin.sign_up("admin%40example.com");
  ASSERT_TRUE(domain::create_location(*store, "evil", "<script>alert(1)</script> & \"x\"", 0).ok());
  const Response page = admin.call(Method::get, "/locations");
  ASSERT_EQ(page.status, 200);
  EXPECT_FALSE(contains(page.body, "<script>alert(1)</script>"));
  EXPECT_TRUE(contains(page.body, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;")) << page.body;
  const Response api = admin.api(Method::get, "/api/v1/locations");
  EXPECT_EQ(body_of(api).at("locations").as_array()[1].at("label").as_string(),
            "<script>alert(1)</script> & \"x\"");
}

TEST_F(LocationsPageTest, ALocationGoingSilentIsRecordedOnceByOneOfTheWatchersAndAgainWhenItIsBack) {
  auto fra = domain::create_location(*store, "fra", "", 0);
  ASSERT_TRUE(fra.ok());
  const store::Id id = fra->location.id;
  const EpochMs start = now_epoch_ms();
  const auto beat = [&](EpochMs at) {
    store::LocationHeartbeat heartbeat;
    heartbeat.location_id = id;
    heartbeat.at = at;
    heartbeat.interval_ms = 60'000;
    ASSERT_TRUE(store->record_heartbeat(heartbeat).ok());
  };
  LocationWatch one(*store), another(*store);  // two servers watching one database
  // Never heard from: not "going" offline.
  EXPECT_TRUE(one.check(start).empty());
  beat(start);
  EXPECT_TRUE(one.check(start + 60'000).empty());  // online
  // Silent for 3 intervals: offline, recorded once, whichever watcher looks first.
  const EpochMs later = start + 3 * 60'000;
  const auto recorded = one.check(later);
  ASSERT_EQ(recorded.size(), 1u);
  EXPECT_EQ(recorded[0].location_name, "fra");
  EXPECT_EQ(recorded[0].kind, "offline");
  EXPECT_TRUE(another.check(later + 1000).empty());
  EXPECT_TRUE(one.check(later + 2000).empty());
  EXPECT_EQ(store->find_location("fra")->offline_since, later);
  // Back: one "online" event.
  beat(later + 5000);
  EXPECT_EQ(another.check(later + 6000).size(), 1u);
  EXPECT_TRUE(one.check(later + 7000).empty());
  EXPECT_FALSE(store->find_location("fra")->offline_since.has_value());

  const auto events = store->recent_location_events(10).value();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, "online");
  EXPECT_EQ(events[1].kind, "offline");
  EXPECT_EQ(events[1].at, later);
  EXPECT_EQ(events[1].last_seen_at, start);
  // The admin's page lists them.
  Browser admin{app()};
  admin.sign_up("admin%40example.com");
  const Response page = admin.call(Method::get, "/locations");
  ASSERT_EQ(page.status, 200);
  EXPECT_TRUE(contains(page.body, "<td>fra</td><td><span class=\"badge status-offline\">offline</span>"));
  EXPECT_TRUE(contains(page.body, "<td>fra</td><td><span class=\"badge status-online\">online</span>"));
  EXPECT_FALSE(contains(page.body, "No location has gone offline yet."));
}

}  // namespace
}  // namespace semaphore::web

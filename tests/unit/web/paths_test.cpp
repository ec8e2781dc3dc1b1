// The network path on the host page (/report/{id}: the table, the verdict, the changes) and
// GET /api/v1/hosts/{id}/paths, through WebApp::handle over a real SQLite store; another user's host is 404
// on both.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "store/store.h"
#include "support/sqlite_store.h"
#include "support/temp_dir.h"
#include "unit/web/test_browser.h"
#include "web/app.h"

namespace semaphore::web {
namespace {

namespace json = boost::json;
using namespace web_testing;

const char* kGoodHops =
    R"([{"t":1,"a":"10.0.0.1","n":"gw.example","s":10,"r":10,"mn":0.3,"av":0.4,"mx":0.6,"md":0.4},)"
    R"({"t":2,"a":"10.0.0.5","s":10,"r":10,"mn":3,"av":3.1,"mx":3.4,"md":3.1},)"
    R"({"t":3,"a":"203.0.113.10","s":10,"r":10,"mn":9.8,"av":10,"mx":10.4,"md":10,"d":1}])";
const char* kLossyHops =
    R"([{"t":1,"a":"10.0.0.1","n":"gw.example","s":10,"r":10,"mn":0.3,"av":0.4,"mx":0.6,"md":0.4},)"
    R"({"t":2,"a":"10.0.0.6","n":"ae-1.r01.fra03.example","s":10,"r":6,"mn":5.1,"av":5.6,"mx":7.2,"md":5.4},)"
    R"({"t":3,"a":"203.0.113.10","s":10,"r":5,"mn":11,"av":11.6,"mx":13.1,"md":11.4,"d":1}])";

class PathsWebTest : public ::testing::Test {
 protected:
  WebApp& app() {
    if (!app_) app_ = app_over(*store);
    return *app_;
  }
  store::Id add_host(const std::string& email, const std::string& hostname) {
    const auto user = store->find_user_by_email(email);
    return store->add_host({0, user->id, hostname, Provider::other, "", "", true, 0, {}})->id;
  }
  store::HostPathRecord put(store::Id host, EpochMs at, const char* hops, bool changed,
                            std::optional<store::Id> previous, const std::string& verdict = "") {
    store::HostPathRecord p;
    p.host_id = host;
    p.measured_at = at;
    p.trigger = verdict.empty() ? "scheduled" : "state_change";
    p.reached = true;
    p.good = verdict.empty();
    p.hops = hops;
    p.changed = changed;
    p.previous_id = previous;
    p.verdict = verdict;
    if (!verdict.empty()) {
      p.verdict_kind = "loss_from_hop";
      p.verdict_hop = 2;
    }
    return *store->insert_path(p, std::nullopt);
  }

  testing::TempDir dir{"semaphore-paths-web"};
  std::unique_ptr<store::Store> store = semaphore::testing::open_migrated_sqlite(dir, "paths.db");
  std::unique_ptr<WebApp> app_;
};

TEST_F(PathsWebTest, TheHostPageShowsThePathTableTheVerdictAndTheChanges) {
  Browser alice{app()};
  alice.sign_up("alice%40example.com");
  const store::Id host = add_host("alice@example.com", "db.example.com");
  const std::string page_url = "/report/" + std::to_string(host);

  Response page = alice.call(Method::get, page_url);
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("No path traced yet"), std::string::npos);

  const auto first = put(host, 1'767'225'600'000, kGoodHops, false, std::nullopt);
  put(host, 1'767'227'400'000, kLossyHops, true, first.id,
      "the loss starts at hop 2, ae-1.r01.fra03.example (10.0.0.6), and continues to the host");
  page = alice.call(Method::get, page_url);
  ASSERT_EQ(page.status, 200);
  const std::string& html = page.body;
  EXPECT_NE(html.find("<table class=\"path\">"), std::string::npos);
  // The current path: every hop with its address, name, loss and RTTs.
  EXPECT_NE(
      html.find(
          "<td class=\"num\">2</td><td>10.0.0.6</td><td>ae-1.r01.fra03.example</td><td class=\"num "
          "lossy\">40%</td><td class=\"num\">5.1</td><td class=\"num\">5.6</td><td class=\"num\">7.2</td>"),
      std::string::npos)
      << html;
  EXPECT_NE(html.find("<td>gw.example</td><td class=\"num\">0%</td>"), std::string::npos);
  // The verdict.
  EXPECT_NE(html.find("Where the trouble is"), std::string::npos);
  EXPECT_NE(
      html.find("the loss starts at hop 2, ae-1.r01.fra03.example (10.0.0.6), and continues to the host"),
      std::string::npos);
  // The change, expandable, old -> new.
  EXPECT_NE(html.find("<details><summary><time datetime=\"2026-01-01T00:30:00.000Z\">"), std::string::npos)
      << html;
  EXPECT_NE(html.find("Before (2026-01-01 00:00:00 UTC)"), std::string::npos);
  EXPECT_NE(html.find("<td>10.0.0.5</td>"), std::string::npos) << "the old path's hop";
}

TEST_F(PathsWebTest, NamesFromTheNetworkAreEscaped) {
  Browser alice{app()};
  alice.sign_up("alice%40example.com");
  const store::Id host = add_host("alice@example.com", "db.example.com");
  put(host, 1000, R"([{"t":1,"a":"10.0.0.1","n":"<script>x</script>","s":1,"r":1,"md":1}])", false,
      std::nullopt);
  const Response page = alice.call(Method::get, "/report/" + std::to_string(host));
  EXPECT_EQ(page.body.find("<script>x</script>"), std::string::npos);
  EXPECT_NE(page.body.find("&lt;script&gt;"), std::string::npos);
}

TEST_F(PathsWebTest, TheApiGivesTheLatestPathAndPagesTheChanges) {
  Browser alice{app()};
  alice.sign_up("alice%40example.com");
  const store::Id host = add_host("alice@example.com", "db.example.com");
  const std::string url = "/api/v1/hosts/" + std::to_string(host) + "/paths";
  Response empty = alice.api(Method::get, url);
  ASSERT_EQ(empty.status, 200) << empty.body;
  EXPECT_TRUE(body_of(empty).at("latest").is_null());
  EXPECT_TRUE(body_of(empty).at("changes").as_array().empty());

  store::Id previous = put(host, 1000, kGoodHops, false, std::nullopt).id;
  std::vector<store::Id> changes;
  for (int i = 0; i < 5; ++i) {
    previous = put(host, 2000 + i, i % 2 ? kGoodHops : kLossyHops, true, previous).id;
    changes.push_back(previous);
  }
  const auto latest = put(host, 9000, kLossyHops, false, std::nullopt, "the loss starts at hop 2");
  put(host, 9500, kLossyHops, false, std::nullopt);  // a scheduled trace after it: the verdict stays shown

  Response first = alice.api(Method::get, url + "?limit=2");
  ASSERT_EQ(first.status, 200) << first.body;
  const json::object body = body_of(first).as_object();
  const json::object& now = body.at("latest").as_object();
  EXPECT_EQ(now.at("measured_at").as_string(), "1970-01-01T00:00:09.500Z");
  EXPECT_EQ(now.at("verdict").at("text").as_string(), "the loss starts at hop 2");
  EXPECT_EQ(now.at("verdict").at("kind").as_string(), "loss_from_hop");
  EXPECT_EQ(now.at("verdict").at("hop").as_int64(), 2);
  EXPECT_EQ(now.at("verdict_measured_at").as_string(), "1970-01-01T00:00:09.000Z");
  (void)latest;
  const json::array& hops = now.at("hops").as_array();
  ASSERT_EQ(hops.size(), 3u);
  EXPECT_EQ(hops[1].at("address").as_string(), "10.0.0.6");
  EXPECT_EQ(hops[1].at("name").as_string(), "ae-1.r01.fra03.example");
  EXPECT_NEAR(hops[1].at("loss").as_double(), 0.4, 1e-9);
  EXPECT_TRUE(hops[2].at("destination").as_bool());

  std::vector<store::Id> seen;
  json::value cursor = body.at("next_cursor");
  for (const auto& c : body.at("changes").as_array()) seen.push_back(c.at("id").as_int64());
  while (!cursor.is_null()) {
    Response next = alice.api(Method::get, url + "?limit=2&cursor=" + std::string(cursor.as_string()));
    ASSERT_EQ(next.status, 200) << next.body;
    const json::object page = body_of(next).as_object();
    for (const auto& c : page.at("changes").as_array()) seen.push_back(c.at("id").as_int64());
    cursor = page.at("next_cursor");
  }
  EXPECT_EQ(seen, (std::vector<store::Id>{changes[4], changes[3], changes[2], changes[1], changes[0]}));
  const json::value all = body_of(alice.api(Method::get, url + "?limit=100"));
  const json::object& oldest = all.at("changes").as_array().back().as_object();
  EXPECT_EQ(oldest.at("previous").at("measured_at").as_string(), "1970-01-01T00:00:01.000Z");
  EXPECT_EQ(oldest.at("previous").at("hops").as_array().size(), 3u);

  EXPECT_EQ(alice.api(Method::get, url + "?cursor=nonsense").status, 400);
  EXPECT_EQ(alice.api(Method::get, url + "?limit=0").status, 400);
}

TEST_F(PathsWebTest, AnotherUsersHostIs404OnThePageAndTheApi) {
  Browser alice{app()}, mallory{app()};
  alice.sign_up("alice%40example.com");
  mallory.sign_up("mallory%40example.com");
  const store::Id host = add_host("alice@example.com", "db.example.com");
  put(host, 1000, kLossyHops, false, std::nullopt, "the loss starts at hop 2");
  EXPECT_EQ(mallory.call(Method::get, "/report/" + std::to_string(host)).status, 404);
  const Response api = mallory.api(Method::get, "/api/v1/hosts/" + std::to_string(host) + "/paths");
  EXPECT_EQ(api.status, 404);
  EXPECT_EQ(error_of(api).first, "not_found");
  EXPECT_EQ(api.body.find("loss starts"), std::string::npos);
  EXPECT_EQ(mallory.api(Method::get, "/api/v1/hosts/999999/paths").status, 404)
      << "the same as a missing one";
  EXPECT_EQ(alice.api(Method::get, "/api/v1/hosts/" + std::to_string(host) + "/paths").status, 200);
}

}  // namespace
}  // namespace semaphore::web

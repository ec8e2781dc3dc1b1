// /api/v1 through WebApp::handle over a real SQLite store (no sockets; tests/integration/web/api_v1_http_test
// covers the wire: PATCH and DELETE, the body limits): auth, per-user scoping, the CSRF header of cookie
// writes, JSON bodies, each bad field named, duplicates, the limit, pages without gaps or repeats, the
// 10,000-host import, results as JSON and CSV, the report and the OpenAPI document's routes.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <iostream>
#include <map>
#include <set>

#include "store/store.h"
#include "support/durations.h"
#include "support/sqlite_store.h"
#include "support/temp_dir.h"
#include "unit/web/test_browser.h"
#include "web/api/api_json.h"
#include "web/app.h"
#include "web/app_context.h"

namespace semaphore::web {
namespace {

namespace json = boost::json;
using namespace web_testing;  // the shared test browser (test_browser.h)

using testing::kHour;
using testing::kMinute;

class ApiV1Test : public ::testing::Test {
 protected:
  ApiV1Test() { options.hosts.max_hosts_per_user = 20'000; }
  WebApp& app() {
    if (!app_) app_ = app_over(*store, options);
    return *app_;
  }
  store::Id user_id(const std::string& email) { return store->find_user_by_email(email)->id; }
  store::Id add(store::Id user, const std::string& hostname, Provider provider = Provider::other,
                const std::string& label = "") {
    return store->add_host({0, user, hostname, provider, "", label, true, 0, {}})->id;
  }

  testing::TempDir dir{"semaphore-api-unit"};
  std::unique_ptr<store::Store> store = semaphore::testing::open_migrated_sqlite(dir, "api.db");
  WebOptions options;
  std::unique_ptr<WebApp> app_;
};

TEST_F(ApiV1Test, EveryRouteAnswers401WithoutASessionOrToken) {
  Browser anonymous{app()};
  for (const auto& [method, target] :
       std::vector<std::pair<Method, std::string>>{{Method::get, "/api/v1/hosts"},
                                                   {Method::post, "/api/v1/hosts"},
                                                   {Method::post, "/api/v1/hosts/import"},
                                                   {Method::get, "/api/v1/hosts/1"},
                                                   {Method::patch, "/api/v1/hosts/1"},
                                                   {Method::delete_, "/api/v1/hosts/1"},
                                                   {Method::get, "/api/v1/hosts/1/results"},
                                                   {Method::get, "/api/v1/hosts/1/paths"},
                                                   {Method::get, "/api/v1/report"},
                                                   {Method::get, "/api/v1/events"},
                                                   {Method::get, "/api/v1/maintenance"},
                                                   {Method::post, "/api/v1/maintenance"},
                                                   {Method::get, "/api/v1/maintenance/1"},
                                                   {Method::delete_, "/api/v1/maintenance/1"},
                                                   {Method::get, "/api/v1/alert-rules"},
                                                   {Method::put, "/api/v1/alert-rules"},
                                                   {Method::get, "/api/v1/locations"},
                                                   {Method::get, "/api/v1/openapi.json"}}) {
    const Response response = anonymous.call(method, target, "{}", {{"content-type", "application/json"}});
    EXPECT_EQ(response.status, 401) << target;
    EXPECT_EQ(error_of(response).first, "unauthorized") << target;
    EXPECT_EQ(header_of(response, "WWW-Authenticate"), "Bearer") << target;
  }
}

TEST_F(ApiV1Test, AnotherUsersHostIs404OnEveryRoute) {
  Browser alice{app()}, mallory{app()};
  alice.sign_up("alice%40example.com");
  mallory.sign_up("mallory%40example.com");
  const std::string id = std::to_string(add(user_id("alice@example.com"), "alice.example"));
  EXPECT_EQ(mallory.api(Method::get, "/api/v1/hosts/" + id).status, 404);
  EXPECT_EQ(mallory.api(Method::patch, "/api/v1/hosts/" + id, R"({"label":"stolen"})").status, 404);
  EXPECT_EQ(mallory.api(Method::delete_, "/api/v1/hosts/" + id).status, 404);
  EXPECT_EQ(mallory.api(Method::get, "/api/v1/hosts/" + id + "/results").status, 404);
  EXPECT_EQ(mallory.api(Method::get, "/api/v1/hosts/" + id + "/results?resolution=hour").status, 404);
  EXPECT_EQ(mallory.api(Method::get, "/api/v1/hosts/" + id + "/paths").status, 404);
  EXPECT_EQ(error_of(mallory.api(Method::get, "/api/v1/hosts/" + id)).first, "not_found");
  EXPECT_EQ(mallory.api(Method::get, "/api/v1/hosts/999999").status, 404) << "the same as a missing one";
  EXPECT_EQ(body_of(mallory.api(Method::get, "/api/v1/hosts")).at("hosts").as_array().size(), 0u);
  EXPECT_EQ(body_of(mallory.api(Method::get, "/api/v1/report")).at("hosts").as_array().size(), 0u);
  const Response kept = alice.api(Method::get, "/api/v1/hosts/" + id);
  ASSERT_EQ(kept.status, 200);
  EXPECT_EQ(body_of(kept).at("label").as_string(), "") << "untouched";
}

TEST_F(ApiV1Test, CookieWritesNeedTheSessionsCsrfTokenInAHeader) {
  Browser alice{app()};
  alice.sign_up("alice%40example.com");
  const std::string body = R"({"hostname":"a.example"})";
  for (const auto& headers : std::vector<std::vector<std::pair<std::string, std::string>>>{
           {{"content-type", "application/json"}},
           {{"content-type", "application/json"}, {"x-csrf-token", "not-the-token"}},
           {{"content-type", "application/json"}, {"x-csrf-token", ""}}}) {
    const Response refused = alice.call(Method::post, "/api/v1/hosts", body, headers);
    EXPECT_EQ(refused.status, 403);
    EXPECT_EQ(error_of(refused).first, "forbidden");
  }
  // A form's csrf_token field is not the header.
  EXPECT_EQ(alice
                .call(Method::post, "/api/v1/hosts", "csrf_token=" + alice.csrf,
                      {{"content-type", "application/x-www-form-urlencoded"}})
                .status,
            403);
  const Response added = alice.api(Method::post, "/api/v1/hosts", body);
  ASSERT_EQ(added.status, 201) << added.body;
  const std::string target = header_of(added, "Location");
  EXPECT_EQ(
      alice.call(Method::patch, target, R"({"label":"x"})", {{"content-type", "application/json"}}).status,
      403);
  EXPECT_EQ(alice.call(Method::delete_, target).status, 403);
  EXPECT_EQ(alice
                .call(Method::post, "/api/v1/hosts/import", R"({"hosts":[{"hostname":"b.example"}]})",
                      {{"content-type", "application/json"}})
                .status,
            403);
  EXPECT_EQ(alice.call(Method::get, target).status, 200) << "reads need no header";
  EXPECT_EQ(store->count_hosts(user_id("alice@example.com")).value(), 1);
}

TEST_F(ApiV1Test, BodiesAreJson) {
  Browser alice{app()};
  alice.sign_up("alice%40example.com");
  const auto with_type = [&](const std::string& type, const std::string& body) {
    return alice.call(Method::post, "/api/v1/hosts", body,
                      {{"x-csrf-token", alice.csrf}, {"content-type", type}});
  };
  const Response form = with_type("application/x-www-form-urlencoded", "hostname=a.example");
  EXPECT_EQ(form.status, 415);
  EXPECT_EQ(error_of(form).first, "unsupported_media_type");
  EXPECT_EQ(with_type("text/plain", R"({"hostname":"a.example"})").status, 415);
  EXPECT_EQ(
      alice.call(Method::post, "/api/v1/hosts", R"({"hostname":"a.example"})", {{"x-csrf-token", alice.csrf}})
          .status,
      415)
      << "no Content-Type";
  for (const std::string bad : {"{", "{\"hostname\":}", "", "[1,2", "{\"a\":1}{}", "nul"}) {
    const Response response = with_type("application/json", bad);
    EXPECT_EQ(response.status, 400) << bad;
    EXPECT_EQ(error_of(response).first, "bad_json") << bad;
  }
  EXPECT_EQ(with_type("Application/JSON; charset=utf-8", R"({"hostname":"a.example"})").status, 201);
  const Response patch = alice.call(Method::patch, "/api/v1/hosts/1", "label=x",
                                    {{"x-csrf-token", alice.csrf}, {"content-type", "text/plain"}});
  EXPECT_EQ(patch.status, 415);
}

TEST_F(ApiV1Test, AddingAHostNamesEachBadField) {
  Browser alice{app()};
  alice.sign_up("alice%40example.com");
  const std::string long_text(101, 'x');
  const std::vector<std::pair<json::value, std::string>> cases = {
      {json::object{}, "hostname"},
      {json::object{{"hostname", "not a host!"}}, "hostname"},
      {json::object{{"hostname", "169.254.169.254"}}, "hostname"},
      {json::object{{"hostname", 42}}, "hostname"},
      {json::object{{"hostname", "a.example"}, {"provider", "Oracle"}}, "provider"},
      {json::object{{"hostname", "a.example"}, {"provider", 1}}, "provider"},
      {json::object{{"hostname", "a.example"}, {"service", long_text}}, "service"},
      {json::object{{"hostname", "a.example"}, {"label", long_text}}, "label"},
      {json::object{{"hostname", "a.example"}, {"label", "a\x01z"}}, "label"},
      {json::object{{"hostname", "a.example"}, {"enabled", "yes"}}, "enabled"},
      {json::object{{"hostname", "a.example"}, {"colour", "red"}}, "colour"},
  };
  for (const auto& [body, field] : cases) {
    const Response response = alice.api_json(Method::post, "/api/v1/hosts", body);
    EXPECT_EQ(response.status, 400) << json::serialize(body);
    EXPECT_EQ(error_of(response), std::make_pair(std::string("bad_field"), field)) << json::serialize(body);
  }
  const Response list = alice.api(Method::post, "/api/v1/hosts", std::string("[]"));
  EXPECT_EQ(list.status, 400);
  EXPECT_EQ(store->count_hosts(user_id("alice@example.com")).value(), 0) << "nothing was stored";

  const Response added = alice.api_json(Method::post, "/api/v1/hosts",
                                        json::object{{"hostname", "Dup.Example"},
                                                     {"provider", "aws"},
                                                     {"service", " EC2 "},
                                                     {"label", "prod"},
                                                     {"enabled", false}});
  ASSERT_EQ(added.status, 201) << added.body;
  const json::value host = body_of(added);
  EXPECT_EQ(header_of(added, "Location"), "/api/v1/hosts/" + std::to_string(host.at("id").as_int64()));
  EXPECT_EQ(host.at("hostname").as_string(), "dup.example");
  EXPECT_EQ(host.at("provider").as_string(), "AWS");
  EXPECT_EQ(host.at("service").as_string(), "EC2");
  EXPECT_EQ(host.at("label").as_string(), "prod");
  EXPECT_FALSE(host.at("enabled").as_bool());
  EXPECT_EQ(host.at("state").as_string(), "unknown");
  EXPECT_TRUE(host.at("latest").is_null());

  const Response duplicate = alice.api(Method::post, "/api/v1/hosts", R"({"hostname":"DUP.example"})");
  EXPECT_EQ(duplicate.status, 409);
  EXPECT_EQ(error_of(duplicate), std::make_pair(std::string("duplicate"), std::string("hostname")));
}

TEST_F(ApiV1Test, AHostsProbeIsReadAndWrittenAsASpec) {
  Browser alice{app()};
  alice.sign_up("alice%40example.com");
  const Response added =
      alice.api(Method::post, "/api/v1/hosts", R"({"hostname":"ssh.example","probe":"TCP:22"})");
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(body_of(added).at("probe").as_string(), "tcp:22");
  const Response plain = alice.api(Method::post, "/api/v1/hosts", R"({"hostname":"plain.example"})");
  EXPECT_EQ(body_of(plain).at("probe").as_string(), "icmp");
  for (const char* bad :
       {R"({"hostname":"b.example","probe":"udp"})", R"({"hostname":"b.example","probe":"tcp:0"})",
        R"({"hostname":"b.example","probe":22})"}) {
    const Response refused = alice.api(Method::post, "/api/v1/hosts", bad);
    EXPECT_EQ(refused.status, 400) << bad;
    EXPECT_EQ(error_of(refused), std::make_pair(std::string("bad_field"), std::string("probe"))) << bad;
  }

  const std::string target = "/api/v1/hosts/" + std::to_string(body_of(added).at("id").as_int64());
  const Response both = alice.api(Method::patch, target, R"({"probe":"both"})");
  ASSERT_EQ(both.status, 200) << both.body;
  EXPECT_EQ(body_of(both).at("probe").as_string(), "both:443");
  // A PATCH that does not name the probe keeps it.
  const Response label = alice.api(Method::patch, target, R"({"label":"x"})");
  EXPECT_EQ(body_of(label).at("probe").as_string(), "both:443");
  const Response bad_patch = alice.api(Method::patch, target, R"({"probe":"both:70000"})");
  EXPECT_EQ(error_of(bad_patch).second, "probe");

  const Response imported = alice.api(
      Method::post, "/api/v1/hosts/import",
      R"({"hosts":[{"hostname":"lb.example","probe":"tcp"},{"hostname":"x.example","probe":"icmp:1"}]})");
  ASSERT_EQ(imported.status, 200) << imported.body;
  const json::value outcome = body_of(imported);
  EXPECT_EQ(outcome.at("added").as_int64(), 1);
  EXPECT_EQ(outcome.at("results").as_array()[1].at("field").as_string(), "probe");
  const auto hosts = store->list_hosts(user_id("alice@example.com")).value();
  for (const auto& host : hosts) {
    if (host.hostname == "lb.example") {
      EXPECT_EQ(host.probe, (ProbeSpec{ProbeMethod::tcp, 443}));
    }
  }
}

TEST_F(ApiV1Test, ABothHostWhoseIcmpIsFilteredIsUpAndItsRoundsSayTheirMethod) {
  Browser alice{app()};
  alice.sign_up("alice%40example.com");
  const store::Id user = user_id("alice@example.com");
  store::Host host{
      0, user, "both.example", Provider::aws, "", "", true, 0, ProbeSpec{ProbeMethod::both, 443}};
  const store::Id id = store->add_host(host)->id;
  const EpochMs ts = (now_epoch_ms() / kMinute) * kMinute - kMinute;
  store::PingResult icmp{id, ts, 5, 0, {}, {}, {}, {}, {}, "timeout"};
  store::PingResult tcp{id, ts, 5, 5, 1.0, 2.0, 3.0, 2.0, 0.5, "", ProbeKind::tcp, 5};
  ASSERT_EQ(store->insert_results(std::vector<store::PingResult>{icmp, tcp}).value(), 2);

  const json::value one = body_of(alice.api(Method::get, "/api/v1/hosts/" + std::to_string(id)));
  EXPECT_EQ(one.at("state").as_string(), "up") << "ICMP filtered, TCP answered";
  EXPECT_EQ(one.at("latest").at("method").as_string(), "icmp");
  EXPECT_EQ(one.at("latest").at("received").as_int64(), 0);
  EXPECT_EQ(one.at("latest_tcp").at("method").as_string(), "tcp");
  EXPECT_EQ(one.at("latest_tcp").at("refused").as_int64(), 5);
  const json::value report = body_of(alice.api(Method::get, "/api/v1/report"));
  EXPECT_EQ(report.at("hosts").as_array()[0].at("state").as_string(), "up");

  // Raw results: one probe kind per request, the host's primary one (ICMP) without `method`, so that a
  // client written before probe methods reads one row per round.
  const std::string results = "/api/v1/hosts/" + std::to_string(id) +
                              "/results?resolution=raw&from=" + std::to_string((ts - kMinute) / 1000);
  const json::value primary = body_of(alice.api(Method::get, results));
  ASSERT_EQ(primary.at("results").as_array().size(), 1u);
  EXPECT_EQ(primary.at("method").as_string(), "icmp");
  EXPECT_EQ(primary.at("results").as_array()[0].at("method").as_string(), "icmp");
  const json::value tcp_page = body_of(alice.api(Method::get, results + "&method=tcp"));
  ASSERT_EQ(tcp_page.at("results").as_array().size(), 1u);
  EXPECT_EQ(tcp_page.at("results").as_array()[0].at("method").as_string(), "tcp");
  EXPECT_EQ(tcp_page.at("results").as_array()[0].at("refused").as_int64(), 5);
  // Hourly buckets from the raw rounds: per method, never mixed.
  const std::string hourly = "/api/v1/hosts/" + std::to_string(id) +
                             "/results?resolution=hour&from=" + std::to_string((ts - kHour) / 1000);
  for (const auto& [method, received] : {std::pair{"icmp", 0}, std::pair{"tcp", 5}}) {
    const json::value buckets = body_of(alice.api(Method::get, hourly + "&method=" + method));
    ASSERT_EQ(buckets.at("results").as_array().size(), 1u) << method;
    EXPECT_EQ(buckets.at("results").as_array()[0].at("method").as_string(), method);
    EXPECT_EQ(buckets.at("results").as_array()[0].at("received").as_int64(), received);
  }
}

TEST_F(ApiV1Test, TheHostLimitIs422) {
  options.hosts.max_hosts_per_user = 2;
  Browser alice{app()};
  alice.sign_up("alice%40example.com");
  EXPECT_EQ(alice.api(Method::post, "/api/v1/hosts", R"({"hostname":"a.example"})").status, 201);
  EXPECT_EQ(alice.api(Method::post, "/api/v1/hosts", R"({"hostname":"b.example"})").status, 201);
  const Response over = alice.api(Method::post, "/api/v1/hosts", R"({"hostname":"c.example"})");
  EXPECT_EQ(over.status, 422);
  EXPECT_EQ(error_of(over).first, "limit_exceeded");
}

TEST_F(ApiV1Test, PatchChangesProviderServiceLabelAndEnabledOnly) {
  Browser alice{app()};
  alice.sign_up("alice%40example.com");
  const std::string target =
      "/api/v1/hosts/" + std::to_string(add(user_id("alice@example.com"), "a.example"));
  const Response changed = alice.api(Method::patch, target,
                                     R"({"provider":"GCP","service":"GCE","label":"moved","enabled":false})");
  ASSERT_EQ(changed.status, 200) << changed.body;
  const json::value host = body_of(alice.api(Method::get, target));
  EXPECT_EQ(host.at("provider").as_string(), "GCP");
  EXPECT_EQ(host.at("service").as_string(), "GCE");
  EXPECT_EQ(host.at("label").as_string(), "moved");
  EXPECT_FALSE(host.at("enabled").as_bool());
  EXPECT_EQ(host.at("hostname").as_string(), "a.example");
  EXPECT_EQ(body_of(changed), host);

  const Response only_label = alice.api(Method::patch, target, R"({"label":"again"})");
  ASSERT_EQ(only_label.status, 200);
  EXPECT_EQ(body_of(only_label).at("provider").as_string(), "GCP") << "fields not sent stay";
  for (const auto& [body, field] : std::vector<std::pair<std::string, std::string>>{
           {R"({"hostname":"b.example"})", "hostname"},
           {R"({"provider":"Oracle"})", "provider"},
           {R"({"enabled":1})", "enabled"},
           {R"({"service":")" + std::string(101, 's') + "\"}", "service"},
           {R"({"id":7})", "id"}}) {
    const Response response = alice.api(Method::patch, target, body);
    EXPECT_EQ(response.status, 400) << body;
    EXPECT_EQ(error_of(response).second, field) << body;
  }
  EXPECT_EQ(body_of(alice.api(Method::get, target)).at("label").as_string(), "again");
}

TEST_F(ApiV1Test, DeleteAnswers204AndTheHostIsGone) {
  Browser alice{app()};
  alice.sign_up("alice%40example.com");
  const std::string target =
      "/api/v1/hosts/" + std::to_string(add(user_id("alice@example.com"), "a.example"));
  const Response deleted = alice.api(Method::delete_, target);
  EXPECT_EQ(deleted.status, 204);
  EXPECT_TRUE(deleted.body.empty());
  EXPECT_EQ(alice.api(Method::get, target).status, 404);
  EXPECT_EQ(alice.api(Method::delete_, target).status, 404);
}

TEST_F(ApiV1Test, PagesHaveNoGapsOrRepeatsWhileHostsComeAndGo) {
  Browser alice{app()};
  alice.sign_up("alice%40example.com");
  const store::Id user = user_id("alice@example.com");
  std::vector<store::Id> ids;
  for (int i = 0; i < 250; ++i) ids.push_back(add(user, "h" + std::to_string(i) + ".example"));

  std::vector<store::Id> seen;
  std::set<store::Id> expected(ids.begin(), ids.end());
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    const Response response =
        alice.api(Method::get, "/api/v1/hosts?limit=100" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(response.status, 200) << response.body;
    const json::value body = body_of(response);
    for (const auto& host : body.at("hosts").as_array()) seen.push_back(host.at("id").as_int64());
    if (page == 0) {
      // Between pages: one host not yet seen goes, one already seen goes, two are added (they come last).
      ASSERT_TRUE(store->delete_host(user, ids[200]));
      ASSERT_TRUE(store->delete_host(user, ids[10]));
      expected.erase(ids[200]);
      expected.insert(add(user, "new1.example"));
      expected.insert(add(user, "new2.example"));
    }
    if (body.at("next_cursor").is_null()) break;
    cursor = std::string(body.at("next_cursor").as_string());
  }
  const std::set<store::Id> unique(seen.begin(), seen.end());
  EXPECT_EQ(unique.size(), seen.size()) << "no repeats";
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(unique, expected) << "no gaps: every host that was there throughout is listed";
}

TEST_F(ApiV1Test, ListFiltersAndBadParameters) {
  Browser alice{app()};
  alice.sign_up("alice%40example.com");
  const store::Id user = user_id("alice@example.com");
  const store::Id up = add(user, "up.example", Provider::aws, "prod");
  add(user, "quiet.example", Provider::aws, "dev");
  add(user, "g.example", Provider::gcp, "prod");
  store::PingResult round{up, now_epoch_ms() - kMinute, 5, 5, 1.0, 2.0, 3.0, 2.0, 0.5, ""};
  ASSERT_TRUE(store->insert_results(std::span(&round, 1)));

  const auto hostnames = [&](const std::string& query) {
    std::vector<std::string> names;
    const Response response = alice.api(Method::get, "/api/v1/hosts?" + query);
    EXPECT_EQ(response.status, 200) << query << response.body;
    const json::value body = body_of(response);
    for (const auto& host : body.at("hosts").as_array()) names.emplace_back(host.at("hostname").as_string());
    return names;
  };
  EXPECT_EQ(hostnames("provider=AWS"), (std::vector<std::string>{"up.example", "quiet.example"}));
  EXPECT_EQ(hostnames("label=prod"), (std::vector<std::string>{"up.example", "g.example"}));
  EXPECT_EQ(hostnames("provider=aws&label=prod"), (std::vector<std::string>{"up.example"}));
  EXPECT_EQ(hostnames("state=up"), (std::vector<std::string>{"up.example"}));
  EXPECT_EQ(hostnames("state=unknown&limit=1").size(), 1u);
  EXPECT_EQ(hostnames("service=nothing").size(), 0u);

  for (const auto& [query, field] :
       std::vector<std::pair<std::string, std::string>>{{"limit=0", "limit"},
                                                        {"limit=1001", "limit"},
                                                        {"limit=ten", "limit"},
                                                        {"cursor=bm9wZQ", "cursor"},
                                                        {"cursor=", "cursor"},
                                                        {"provider=Oracle", "provider"},
                                                        {"state=sideways", "state"}}) {
    const Response response = alice.api(Method::get, "/api/v1/hosts?" + query);
    EXPECT_EQ(response.status, 400) << query;
    EXPECT_EQ(error_of(response), std::make_pair(std::string("bad_field"), field)) << query;
  }
}

TEST_F(ApiV1Test, ImportsTenThousandHostsInOneCallWithAResultPerItem) {
  Browser alice{app()};
  alice.sign_up("alice%40example.com");
  json::array hosts;
  for (int i = 0; i < 10'000; ++i) {
    hosts.push_back(json::object{{"hostname", "host-" + std::to_string(i) + ".example"},
                                 {"provider", i % 2 == 0 ? "AWS" : "GCP"},
                                 {"service", "svc"},
                                 {"label", "batch"}});
  }
  hosts[5] = json::object{{"hostname", "not a host!"}};
  hosts[17] = json::object{{"hostname", "x17.example"}, {"provider", "Oracle"}};
  hosts[99] = "just a string";
  hosts[500] = json::object{{"hostname", "HOST-0.example"}};  // a duplicate of item 0
  hosts[777] = json::object{{"hostname", "x777.example"}, {"size", 3}};
  const auto started = std::chrono::steady_clock::now();
  const Response response =
      alice.api_json(Method::post, "/api/v1/hosts/import", json::object{{"hosts", hosts}});
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(response.status, 200) << response.body.substr(0, 500);
  const json::value body = body_of(response);
  EXPECT_EQ(body.at("added").as_int64(), 9'995);
  EXPECT_EQ(body.at("rejected").as_int64(), 5);
  const json::array& results = body.at("results").as_array();
  ASSERT_EQ(results.size(), 10'000u);
  std::map<std::size_t, std::pair<std::string, std::string>> rejected;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const json::object& item = results[i].as_object();
    EXPECT_EQ(item.at("index").as_int64(), static_cast<std::int64_t>(i));
    if (item.at("status").as_string() == "rejected") {
      EXPECT_FALSE(item.at("reason").as_string().empty());
      rejected[i] = {std::string(item.at("code").as_string()),
                     item.contains("field") ? std::string(item.at("field").as_string()) : ""};
    } else {
      EXPECT_EQ(item.at("status").as_string(), "added");
      EXPECT_GT(item.at("id").as_int64(), 0);
    }
  }
  const std::map<std::size_t, std::pair<std::string, std::string>> want = {{5, {"bad_field", "hostname"}},
                                                                           {17, {"bad_field", "provider"}},
                                                                           {99, {"bad_field", ""}},
                                                                           {500, {"duplicate", "hostname"}},
                                                                           {777, {"bad_field", "size"}}};
  EXPECT_EQ(rejected, want);
  const auto listed = store->list_hosts(user_id("alice@example.com")).value();
  ASSERT_EQ(listed.size(), 9'995u) << "every valid item is stored";
  std::set<std::string> names;
  for (const auto& host : listed) names.insert(host.hostname);
  EXPECT_TRUE(names.contains("host-9999.example"));
  EXPECT_FALSE(names.contains("host-5.example"));
  std::cout << "import of 10,000 hosts through WebApp::handle: "
            << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms\n";
}

TEST_F(ApiV1Test, ImportRefusesMoreThanTenThousandAndEmptyOrMalformedBodies) {
  Browser alice{app()};
  alice.sign_up("alice%40example.com");
  json::array hosts;
  for (int i = 0; i < 10'001; ++i)
    hosts.push_back(json::object{{"hostname", "h" + std::to_string(i) + ".example"}});
  const Response too_many =
      alice.api_json(Method::post, "/api/v1/hosts/import", json::object{{"hosts", hosts}});
  EXPECT_EQ(too_many.status, 413);
  EXPECT_EQ(error_of(too_many).first, "too_large");
  EXPECT_EQ(store->count_hosts(user_id("alice@example.com")).value(), 0);
  for (const auto& [body, field] : std::vector<std::pair<std::string, std::string>>{
           {R"({"hosts":[]})", "hosts"},
           {R"({"hosts":{}})", "hosts"},
           {R"({})", "hosts"},
           {R"({"hosts":[{"hostname":"a.example"}],"dry_run":true})", "dry_run"}}) {
    const Response response = alice.api(Method::post, "/api/v1/hosts/import", body);
    EXPECT_EQ(response.status, 400) << body;
    EXPECT_EQ(error_of(response), std::make_pair(std::string("bad_field"), field)) << body;
  }
}

class ApiV1Results : public ApiV1Test {
 protected:
  // 3,000 rounds a minute apart ending an hour ago, every tenth with no reply.
  void SetUp() override {
    alice.sign_up("alice%40example.com");
    host = add(user_id("alice@example.com"), "a.example");
    end = (now_epoch_ms() / kHour) * kHour - kHour;
    start = end - 3000 * kMinute;
    std::vector<store::PingResult> rounds;
    for (int i = 0; i < 3000; ++i) {
      store::PingResult round{host, start + i * kMinute, 5, 5, 1.0, 2.0, 3.0, 2.0, 0.5, ""};
      if (i % 10 == 0) round = {host, start + i * kMinute, 5, 0, {}, {}, {}, {}, {}, "timeout"};
      rounds.push_back(round);
    }
    ASSERT_EQ(store->insert_results(rounds).value(), 3000);
  }
  std::string results(const std::string& query) {
    return "/api/v1/hosts/" + std::to_string(host) + "/results?" + query;
  }

  Browser alice{app()};
  store::Id host = 0;
  EpochMs start = 0, end = 0;
};

TEST_F(ApiV1Results, RawPagesFollowTheCursorWithoutGapsOrRepeats) {
  const std::string range =
      "from=" + std::to_string(start / 1000) + "&to=" + format_iso8601(end) + "&resolution=raw&limit=1000";
  std::vector<EpochMs> seen;
  std::string cursor;
  int pages = 0;
  while (true) {
    const Response response =
        alice.api(Method::get, results(range + (cursor.empty() ? "" : "&cursor=" + cursor)));
    ASSERT_EQ(response.status, 200) << response.body.substr(0, 300);
    const json::value body = body_of(response);
    EXPECT_EQ(body.at("resolution").as_string(), "raw");
    for (const auto& point : body.at("results").as_array()) {
      seen.push_back(*api::parse_time(point.at("ts").as_string()));
      EXPECT_EQ(point.at("rounds").as_int64(), 1);
    }
    if (++pages == 1) {
      // A round arrives late between pages, inside the range after the first page: it is on a later page.
      store::PingResult late{host, start + 2500 * kMinute + 30'000, 5, 5, 1.0, 1.0, 1.0, 1.0, 0.0, ""};
      ASSERT_TRUE(store->insert_results(std::span(&late, 1)));
    }
    if (body.at("next_cursor").is_null()) break;
    cursor = std::string(body.at("next_cursor").as_string());
    ASSERT_LT(pages, 10);
  }
  EXPECT_EQ(pages, 4);
  ASSERT_EQ(seen.size(), 3001u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(std::set<EpochMs>(seen.begin(), seen.end()).size(), seen.size());
  EXPECT_EQ(seen.front(), start);
  EXPECT_EQ(seen.back(), end - kMinute);
}

TEST_F(ApiV1Results, HourlyBucketsFromRollupsAndFromRawRoundsAgree) {
  const std::string range =
      "from=" + format_iso8601(start) + "&to=" + format_iso8601(end) + "&resolution=hour";
  const Response before = alice.api(Method::get, results(range));
  ASSERT_EQ(before.status, 200) << before.body.substr(0, 300);
  // The first half of the range rolled up by the store, the rest still raw.
  ASSERT_TRUE(store->refresh_rollups(3600, start, start + 25 * kHour, 100));
  const Response after = alice.api(Method::get, results(range));
  ASSERT_EQ(after.status, 200);
  const json::value before_body = body_of(before), after_body = body_of(after);
  const json::array& from_raw = before_body.at("results").as_array();
  const json::array& mixed = after_body.at("results").as_array();
  ASSERT_EQ(from_raw.size(), 50u);  // 3,000 minutes from a whole hour: 50 hours
  ASSERT_EQ(mixed.size(), from_raw.size());
  for (std::size_t i = 0; i < mixed.size(); ++i) {
    EXPECT_EQ(mixed[i].at("ts"), from_raw[i].at("ts")) << i;
    EXPECT_EQ(mixed[i].at("rounds"), from_raw[i].at("rounds")) << i;
    EXPECT_EQ(mixed[i].at("received"), from_raw[i].at("received")) << i;
  }
  // Small pages of buckets: the same buckets, in order.
  std::vector<json::value> paged;
  std::string cursor;
  for (int page = 0; page < 30; ++page) {
    const json::value body = body_of(
        alice.api(Method::get, results(range + "&limit=7" + (cursor.empty() ? "" : "&cursor=" + cursor))));
    for (const auto& point : body.at("results").as_array()) paged.push_back(point.at("ts"));
    if (body.at("next_cursor").is_null()) break;
    cursor = std::string(body.at("next_cursor").as_string());
  }
  ASSERT_EQ(paged.size(), mixed.size());
  for (std::size_t i = 0; i < paged.size(); ++i) EXPECT_EQ(paged[i], mixed[i].at("ts")) << i;
}

TEST_F(ApiV1Results, DefaultResolutionFollowsTheRange) {
  EXPECT_EQ(body_of(alice.api(Method::get, results(""))).at("resolution").as_string(), "raw");
  EXPECT_EQ(body_of(alice.api(Method::get, results("from=" + std::to_string((end - 7 * 24 * kHour) / 1000))))
                .at("resolution")
                .as_string(),
            "hour");
  EXPECT_EQ(body_of(alice.api(Method::get, results("from=2020-01-01"))).at("resolution").as_string(), "day");
}

TEST_F(ApiV1Results, CsvWithAHeaderLineAndTheCursorInAHeader) {
  const std::string query = "from=" + std::to_string(start / 1000) + "&resolution=raw&limit=2";
  const Response csv = alice.call(Method::get, results(query), "", {{"accept", "text/csv"}});
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.content_type, "text/csv; charset=utf-8");
  EXPECT_EQ(
      csv.body,
      "time_utc,rounds,sent,received,loss,min_ms,avg_ms,max_ms,median_ms,stddev_ms,error,method,refused\n" +
          format_iso8601(start) + ",1,5,0,1.0000,,,,,,timeout,icmp,0\n" + format_iso8601(start + kMinute) +
          ",1,5,5,0.0000,1.000,2.000,3.000,2.000,0.500,,icmp,0\n");
  const std::string next = header_of(csv, "X-Next-Cursor");
  ASSERT_FALSE(next.empty());
  const Response second =
      alice.call(Method::get, results(query + "&cursor=" + next), "", {{"accept", "text/csv"}});
  EXPECT_NE(second.body.find(format_iso8601(start + 2 * kMinute)), std::string::npos) << second.body;
}

TEST_F(ApiV1Results, BadParametersAreNamed) {
  for (const auto& [query, field] :
       std::vector<std::pair<std::string, std::string>>{{"from=yesterday", "from"},
                                                        {"from=2026-13-01", "from"},
                                                        {"to=2026-01-01T10:00:00", "to"},
                                                        {"from=2026-01-02&to=2026-01-01", "from"},
                                                        {"resolution=minute", "resolution"},
                                                        {"limit=10001", "limit"},
                                                        {"cursor=abc", "cursor"}}) {
    const Response response = alice.api(Method::get, results(query));
    EXPECT_EQ(response.status, 400) << query;
    EXPECT_EQ(error_of(response), std::make_pair(std::string("bad_field"), field)) << query;
  }
  // Another kind of cursor (a host page's) is not a results cursor.
  add(user_id("alice@example.com"), "b.example");
  const std::string host_cursor(
      body_of(alice.api(Method::get, "/api/v1/hosts?limit=1")).at("next_cursor").as_string());
  EXPECT_EQ(alice.api(Method::get, results("cursor=" + host_cursor)).status, 400);
  EXPECT_EQ(alice.api(Method::get, results("from=2026-01-01T10:00:00.5%2B02:00")).status, 200);
}

TEST_F(ApiV1Results, ReportHasEveryHostsStateAndLatestRound) {
  const Response report = alice.api(Method::get, "/api/v1/report");
  ASSERT_EQ(report.status, 200);
  const json::value body = body_of(report);
  ASSERT_EQ(body.at("hosts").as_array().size(), 1u);
  const json::value& listed = body.at("hosts").as_array()[0];
  EXPECT_EQ(listed.at("hostname").as_string(), "a.example");
  EXPECT_EQ(listed.at("state").as_string(), "unknown") << "the latest round is an hour old";
  EXPECT_EQ(listed.at("latest").at("ts").as_string(), format_iso8601(end - kMinute));
  EXPECT_TRUE(body.at("generated_at").is_string());
}

// The report a page at a time (issue 17): the counts cover every host, the page is a slice of the whole
// order, and the search and filters are the report page's.
TEST_F(ApiV1Test, ReportIsPagedFilteredAndCountsEveryHost) {
  Browser alice{app()}, mallory{app()};
  alice.sign_up("alice%40example.com");
  mallory.sign_up("mallory%40example.com");
  const store::Id owner = user_id("alice@example.com");
  add(user_id("mallory@example.com"), "mallory.example", Provider::aws);
  // Seven hosts: h1..h4 at AWS (h1, h2 down, the others up), h5..h7 at GCP (up), one with a label.
  std::vector<store::PingResult> rounds;
  const EpochMs ts = (now_epoch_ms() / kMinute) * kMinute - kMinute;
  for (int i = 1; i <= 7; ++i) {
    const store::Id id = add(owner, "h" + std::to_string(i) + ".example",
                             i <= 4 ? Provider::aws : Provider::gcp, i == 6 ? "edge" : "");
    if (i <= 2) {
      rounds.push_back({id, ts, 5, 0, {}, {}, {}, {}, {}, "timeout"});
    } else {
      rounds.push_back({id, ts, 5, 5, 1.0 * i, 2.0 * i, 3.0 * i, 2.0 * i, 0.5, ""});
    }
  }
  ASSERT_EQ(store->insert_results(rounds).value(), 7);
  const auto hostnames = [](const json::value& body) {
    std::vector<std::string> names;
    for (const auto& host : body.at("hosts").as_array()) names.emplace_back(host.at("hostname").as_string());
    return names;
  };

  // By default provider then hostname, 100 a page.
  const json::value all = body_of(alice.api(Method::get, "/api/v1/report"));
  EXPECT_EQ(hostnames(all), (std::vector<std::string>{"h1.example", "h2.example", "h3.example", "h4.example",
                                                      "h5.example", "h6.example", "h7.example"}));
  EXPECT_EQ(all.at("total").as_int64(), 7) << "mallory's host is not alice's";
  EXPECT_EQ(all.at("counts").at("down").as_int64(), 2);
  EXPECT_EQ(all.at("counts").at("up").as_int64(), 5);
  EXPECT_EQ(all.at("pages").as_int64(), 1);
  EXPECT_EQ(all.at("per").as_int64(), 100);
  EXPECT_EQ(all.at("hosts").as_array()[0].at("state").as_string(), "down");
  EXPECT_TRUE(all.at("hosts").as_array()[0].at("alert_state").is_string());

  // Pages of three: every host once, in one order; a page past the last is the last.
  std::vector<std::string> paged;
  for (int page = 1; page <= 3; ++page) {
    const json::value body =
        body_of(alice.api(Method::get, "/api/v1/report?per=3&page=" + std::to_string(page)));
    EXPECT_EQ(body.at("page").as_int64(), page);
    EXPECT_EQ(body.at("pages").as_int64(), 3);
    EXPECT_EQ(body.at("counts").at("down").as_int64(), 2) << "the counts cover every host on every page";
    for (auto& name : hostnames(body)) paged.push_back(std::move(name));
  }
  EXPECT_EQ(paged, hostnames(all));
  const json::value beyond = body_of(alice.api(Method::get, "/api/v1/report?per=3&page=99"));
  EXPECT_EQ(beyond.at("page").as_int64(), 3);
  EXPECT_EQ(hostnames(beyond), (std::vector<std::string>{"h7.example"}));

  // Filters, search and sort: the report page's.
  const json::value down = body_of(alice.api(Method::get, "/api/v1/report?state=down"));
  EXPECT_EQ(hostnames(down), (std::vector<std::string>{"h1.example", "h2.example"}));
  EXPECT_EQ(down.at("matched").as_int64(), 2);
  EXPECT_EQ(down.at("total").as_int64(), 7);
  EXPECT_EQ(hostnames(body_of(alice.api(Method::get, "/api/v1/report?provider=GCP&label=edge"))),
            (std::vector<std::string>{"h6.example"}));
  EXPECT_EQ(hostnames(body_of(alice.api(Method::get, "/api/v1/report?q=H7"))),
            (std::vector<std::string>{"h7.example"}));
  EXPECT_EQ(hostnames(body_of(alice.api(Method::get, "/api/v1/report?sort=median&dir=desc&per=2"))),
            (std::vector<std::string>{"h7.example", "h6.example"}));
  EXPECT_EQ(hostnames(body_of(mallory.api(Method::get, "/api/v1/report?q=h1"))), std::vector<std::string>{});

  // A bad parameter is a 400 naming it.
  for (const auto& [query, field] :
       {std::pair{"per=0", "per"}, std::pair{"per=501", "per"}, std::pair{"page=x", "page"},
        std::pair{"provider=IBM", "provider"}, std::pair{"state=sleepy", "state"}}) {
    const Response refused = alice.api(Method::get, std::string("/api/v1/report?") + query);
    EXPECT_EQ(refused.status, 400) << query;
    EXPECT_EQ(error_of(refused).first, "bad_field") << query;
    EXPECT_EQ(body_of(refused).at("error").at("field").as_string(), field) << query;
  }
}

TEST_F(ApiV1Test, UnknownApiPathsAndMethodsAnswerJson) {
  Browser alice{app()};
  alice.sign_up("alice%40example.com");
  const Response missing = alice.api(Method::get, "/api/v1/nothing");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(error_of(missing).first, "not_found");
  const Response old = alice.api(Method::get, "/api/hosts");
  EXPECT_EQ(old.status, 404) << "the old routes are gone";
  const Response wrong = alice.api(Method::other, "/api/v1/report");
  EXPECT_EQ(wrong.status, 405);
}

TEST_F(ApiV1Test, TheOpenApiDocumentDescribesEveryRoute) {
  Browser alice{app()};
  alice.sign_up("alice%40example.com");
  const Response response = alice.api(Method::get, "/api/v1/openapi.json");
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "application/json");
  const json::value document = body_of(response);
  EXPECT_EQ(document.at("openapi").as_string().subview(0, 4), "3.1.");
  std::set<std::string> documented;
  for (const auto& [path, item] : document.at("paths").as_object()) {
    for (const auto& [method, operation] : item.as_object()) {
      if (method == "parameters") continue;
      documented.insert(std::string(method) + " " + std::string(path));
    }
  }
  const std::set<std::string> served = {"get /api/v1/hosts",
                                        "post /api/v1/hosts",
                                        "post /api/v1/hosts/import",
                                        "get /api/v1/hosts/{id}",
                                        "patch /api/v1/hosts/{id}",
                                        "delete /api/v1/hosts/{id}",
                                        "get /api/v1/hosts/{id}/results",
                                        "get /api/v1/hosts/{id}/paths",
                                        "get /api/v1/report",
                                        "get /api/v1/events",
                                        "get /api/v1/maintenance",
                                        "post /api/v1/maintenance",
                                        "get /api/v1/maintenance/{id}",
                                        "delete /api/v1/maintenance/{id}",
                                        "get /api/v1/alert-rules",
                                        "put /api/v1/alert-rules",
                                        "get /api/v1/channels",
                                        "post /api/v1/channels",
                                        "get /api/v1/channels/{id}",
                                        "patch /api/v1/channels/{id}",
                                        "delete /api/v1/channels/{id}",
                                        "post /api/v1/channels/{id}/test",
                                        "get /api/v1/locations",
                                        "get /api/v1/agent/assignment",
                                        "post /api/v1/agent/results",
                                        "post /api/v1/agent/heartbeat",
                                        "get /api/v1/agent/status",
                                        "get /api/v1/openapi.json"};
  EXPECT_EQ(documented, served);
  // Each served route answers something other than "no such route" (404 JSON of the dispatcher or 405).
  for (const std::string& route : served) {
    const auto space = route.find(' ');
    std::string path = route.substr(space + 1);
    if (const auto at = path.find("{id}"); at != std::string::npos) path.replace(at, 4, "1");
    const std::string method = route.substr(0, space);
    const Method m = method == "get"     ? Method::get
                     : method == "post"  ? Method::post
                     : method == "put"   ? Method::put
                     : method == "patch" ? Method::patch
                                         : Method::delete_;
    const Response answer = alice.api(m, path, std::string("{}"));
    EXPECT_NE(answer.status, 405) << route;
  }
}

}  // namespace
}  // namespace semaphore::web

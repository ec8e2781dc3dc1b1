// /metrics, /healthz and /readyz through WebApp::handle over a real SQLite store (no sockets): requests are
// counted by route pattern (never by the path asked for), per-host gauges only with --metrics-hosts,
// readiness by the database and the in-process rounds. RequestMetrics and DatabaseCheck on their own.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <regex>
#include <set>

#include "core/clock.h"
#include "store/store.h"
#include "support/sqlite_store.h"
#include "support/temp_dir.h"
#include "unit/web/test_browser.h"
#include "web/app.h"
#include "web/health.h"
#include "web/metrics.h"

namespace semaphore::web {
namespace {

using namespace std::chrono_literals;

Request get(const std::string& path, const std::string& client = "127.0.0.1") {
  Request request;
  request.method = Method::get;
  request.path = path;
  request.target = path;
  request.client_address = client;
  return request;
}

// The value of the sample written exactly as `series` (name and labels), or -1.
double sample_value(const std::string& text, const std::string& series) {
  const std::string prefix = "\n" + series + " ";
  const auto at = text.find(prefix);
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + prefix.size()));
}

class MetricsHealthTest : public ::testing::Test {
 protected:
  void SetUp() override { store = semaphore::testing::open_migrated_sqlite(dir, "metrics.db"); }

  std::unique_ptr<WebApp> app(const WebOptions& options = {}) {
    return web_testing::app_over(*store, options);
  }

  testing::TempDir dir{"semaphore-web-metrics"};
  std::unique_ptr<store::Store> store;
};

TEST(RequestMetrics, CountsByRoutePatternAndStatusCode) {
  Router router;
  const int report_get = router.add(Method::get, "/report/{id}");
  const int report_post = router.add(Method::post, "/report/{id}");  // same pattern: one route label
  const int home = router.add(Method::get, "/");
  RequestMetrics metrics;
  metrics.set_routes(router);
  metrics.record(report_get, 200, 1ms);
  metrics.record(report_get, 200, 2ms);
  metrics.record(report_post, 200, 3ms);
  metrics.record(report_get, 404, 1ms);
  metrics.record(home, 299, 1ms);  // a code outside the known set
  metrics.record(RequestMetrics::kUnmatched, 404, 1ms);
  metrics.record(42, 404, 1ms);  // an index the router never gave: unmatched too
  metrics.record(RequestMetrics::kStatic, 304, 1ms);
  metrics.record(RequestMetrics::kNotRouted, 413, 1ms);
  PrometheusText out;
  metrics.write_prometheus(out);
  const std::string text = "\n" + out.text();
  EXPECT_EQ(sample_value(text, R"(semaphore_http_requests_total{route="/report/{id}",code="200"})"), 3);
  EXPECT_EQ(sample_value(text, R"(semaphore_http_requests_total{route="/report/{id}",code="404"})"), 1);
  EXPECT_EQ(sample_value(text, R"(semaphore_http_requests_total{route="/",code="other"})"), 1);
  EXPECT_EQ(sample_value(text, R"(semaphore_http_requests_total{route="unmatched",code="404"})"), 2);
  EXPECT_EQ(sample_value(text, R"(semaphore_http_requests_total{route="/static/{file}",code="304"})"), 1);
  EXPECT_EQ(sample_value(text, R"(semaphore_http_requests_total{route="not_routed",code="413"})"), 1);
  // Series of routes and codes never seen are left out.
  EXPECT_EQ(text.find(R"(code="500")"), std::string::npos);
  // The latency histogram, by route: 1 + 2 + 3 + 1 ms on /report/{id}, all within 5 ms.
  EXPECT_EQ(sample_value(text, R"(semaphore_http_request_duration_seconds_count{route="/report/{id}"})"), 4);
  EXPECT_EQ(sample_value(
                text, R"(semaphore_http_request_duration_seconds_bucket{route="/report/{id}",le="0.005"})"),
            4);
  EXPECT_EQ(sample_value(
                text, R"(semaphore_http_request_duration_seconds_bucket{route="/report/{id}",le="0.001"})"),
            2);
  EXPECT_NEAR(sample_value(text, R"(semaphore_http_request_duration_seconds_sum{route="/report/{id}"})"),
              0.007, 1e-12);
}

TEST_F(MetricsHealthTest, RequestsAreCountedByTheirRouteNeverByTheirPath) {
  auto web = app();
  for (const std::string path :
       {"/report/123", "/report/456", "/no/such/page", "/static/app.css", "/healthz"})
    web->handle(get(path));
  const Response response = web->handle(get("/metrics"));
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "text/plain; version=0.0.4; charset=utf-8");
  const std::string text = "\n" + response.body;
  // Signed out, the host report redirects to the sign-in page: both paths under the one pattern.
  EXPECT_EQ(sample_value(text, R"(semaphore_http_requests_total{route="/report/{id}",code="303"})"), 2);
  EXPECT_EQ(sample_value(text, R"(semaphore_http_requests_total{route="unmatched",code="404"})"), 1);
  EXPECT_EQ(sample_value(text, R"(semaphore_http_requests_total{route="/static/{file}",code="200"})"), 1);
  EXPECT_EQ(sample_value(text, R"(semaphore_http_requests_total{route="/healthz",code="200"})"), 1);
  EXPECT_EQ(text.find("/report/123"), std::string::npos);
  EXPECT_EQ(text.find("/no/such/page"), std::string::npos);
  // The process and the database; no ping service and no hosts in this process.
  EXPECT_EQ(sample_value(text, "semaphore_database_up"), 1);
  EXPECT_GT(sample_value(text, "process_start_time_seconds"), 1.6e9);
  EXPECT_GT(sample_value(text, "process_resident_memory_bytes"), 0);
  EXPECT_GT(sample_value(text, "process_open_fds"), 2);
  EXPECT_EQ(text.find("semaphore_probes_sent_total"), std::string::npos);
  EXPECT_EQ(text.find("semaphore_host_"), std::string::npos);
  // Every family once, with HELP before TYPE.
  std::regex help("\n# HELP ([a-z_]+) ");
  std::set<std::string> names;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), help); it != std::sregex_iterator(); ++it) {
    EXPECT_TRUE(names.insert((*it)[1]).second) << (*it)[1];
    EXPECT_NE(text.find("# TYPE " + (*it)[1].str() + " ", it->position()), std::string::npos);
  }
  EXPECT_GT(names.size(), 5u);
}

TEST_F(MetricsHealthTest, MetricsRefuseOtherMachinesWithoutAToken) {
  auto web = app();
  EXPECT_EQ(web->handle(get("/metrics", "192.0.2.7")).status, 403);
  WebOptions options;
  options.metrics_token = "scrape-secret";
  auto with_token = app(options);
  const Response refused = with_token->handle(get("/metrics"));
  EXPECT_EQ(refused.status, 401);
  Request asked = get("/metrics", "192.0.2.7");
  asked.headers.emplace_back("authorization", "Bearer scrape-secret");
  EXPECT_EQ(with_token->handle(asked).status, 200);
}

TEST_F(MetricsHealthTest, PerHostGaugesOnlyWithMetricsHosts) {
  // Two users' hosts: the operator's view shows both, with the labels escaped.
  auto alice = store->create_user("alice@example.com", "x", true);
  auto bob = store->create_user("bob@example.com", "x", false);
  ASSERT_TRUE(alice && bob);
  auto up = store->add_host({0, alice->id, "up.example", Provider::aws, "say \"hi\"\\", "", true, 0, {}});
  auto down = store->add_host({0, bob->id, "down.example", Provider::gcp, "GCE", "", true, 0, {}});
  auto fresh = store->add_host({0, bob->id, "new.example", Provider::other, "", "", true, 0, {}});
  ASSERT_TRUE(up && down && fresh);
  const EpochMs now = now_epoch_ms();
  std::vector<store::PingResult> rows(2);
  rows[0] = {up->id, now - 5000, 4, 3, 10.0, 12.0, 15.0, 12.5, 1.0, ""};
  rows[1] = {down->id,     now - 5000,   4,        0, std::nullopt, std::nullopt, std::nullopt,
             std::nullopt, std::nullopt, "timeout"};
  ASSERT_TRUE(store->insert_results(rows));

  EXPECT_EQ(app()->handle(get("/metrics")).body.find("semaphore_host_"), std::string::npos);

  WebOptions options;
  options.metrics_hosts = true;
  const std::string text = "\n" + app(options)->handle(get("/metrics")).body;
  const std::string up_labels = "{host_id=\"" + std::to_string(up->id) +
                                R"(",hostname="up.example",provider="AWS",service="say \"hi\"\\"})";
  const std::string down_labels =
      "{host_id=\"" + std::to_string(down->id) + R"(",hostname="down.example",provider="GCP",service="GCE"})";
  const std::string fresh_labels =
      "{host_id=\"" + std::to_string(fresh->id) + R"(",hostname="new.example",provider="Other",service=""})";
  EXPECT_DOUBLE_EQ(sample_value(text, "semaphore_host_rtt_median_seconds" + up_labels), 0.0125);
  EXPECT_DOUBLE_EQ(sample_value(text, "semaphore_host_loss_ratio" + up_labels), 0.25);
  EXPECT_EQ(sample_value(text, "semaphore_host_state" + up_labels), 2);  // degraded
  EXPECT_DOUBLE_EQ(sample_value(text, "semaphore_host_last_round_timestamp_seconds" + up_labels),
                   static_cast<double>(now - 5000) / 1000);
  EXPECT_EQ(sample_value(text, "semaphore_host_rtt_median_seconds" + down_labels), -1);  // no reply: no RTT
  EXPECT_EQ(sample_value(text, "semaphore_host_loss_ratio" + down_labels), 1);
  EXPECT_EQ(sample_value(text, "semaphore_host_state" + down_labels), 3);   // down
  EXPECT_EQ(sample_value(text, "semaphore_host_state" + fresh_labels), 1);  // unknown: no round yet
  EXPECT_EQ(sample_value(text, "semaphore_host_loss_ratio" + fresh_labels), -1);
}

TEST_F(MetricsHealthTest, HealthzSaysTheProcessAnswers) {
  const Response response = app()->handle(get("/healthz"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "ok\n");
}

TEST_F(MetricsHealthTest, ReadyzWithoutAPingServiceChecksTheDatabaseOnly) {
  const Response response = app()->handle(get("/readyz"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(response.body, "{\"status\":\"ready\",\"database\":\"up\",\"rounds\":\"not_checked\"}\n");
}

TEST_F(MetricsHealthTest, ReadyzJudgesTheInProcessRounds) {
  auto web = app();
  RoundProgress progress;
  std::mutex mutex;
  web->set_ping_service(InProcessService{{}, [&] {
                                           std::lock_guard lock(mutex);
                                           return progress;
                                         }});
  auto set = [&](EpochMs started, EpochMs last_end) {
    std::lock_guard lock(mutex);
    progress = {started, last_end, 60s};
  };
  const EpochMs now = now_epoch_ms();
  set(0, 0);  // not started
  Response response = web->handle(get("/readyz"));
  EXPECT_EQ(response.status, 503);
  EXPECT_NE(response.body.find(R"("reason":"the ping service is not running")"), std::string::npos)
      << response.body;

  set(now - 30'000, 0);  // started half an interval ago, no round yet: still in time
  response = web->handle(get("/readyz"));
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_NE(response.body.find(R"("rounds":"on_time")"), std::string::npos) << response.body;

  set(now - 200'000, 0);  // started 200 s ago with a 60 s interval and never finished a round
  response = web->handle(get("/readyz"));
  EXPECT_EQ(response.status, 503);
  EXPECT_NE(response.body.find(R"("status":"not_ready","reason":"no round finished since the start")"),
            std::string::npos)
      << response.body;

  set(now - 600'000, now - 20'000);  // the last round ended 20 s ago
  response = web->handle(get("/readyz"));
  EXPECT_EQ(response.status, 200) << response.body;
  std::smatch age;
  ASSERT_TRUE(std::regex_search(response.body, age,
                                std::regex(R"("last_round_age_ms":([0-9]+),"interval_ms":60000)")))
      << response.body;
  EXPECT_GE(std::stoll(age[1]), 20'000);
  EXPECT_LT(std::stoll(age[1]), 25'000);

  // Deadline: two intervals and 10 s of slack, 130 s here.
  set(now - 600'000, now - 129'000);
  EXPECT_EQ(web->handle(get("/readyz")).status, 200);
  set(now - 600'000, now - 140'000);
  response = web->handle(get("/readyz"));
  EXPECT_EQ(response.status, 503);
  EXPECT_NE(
      response.body.find(R"("reason":"no round finished in the last 130 s","database":"up","rounds":"late")"),
      std::string::npos)
      << response.body;
}

// A database that never answers (a PostgreSQL server frozen with its connections open) cannot be had
// cheaply for real; this store blocks in check_connection() until released.
class FrozenDatabase : public store::OperatorStore {
 public:
  Status check_connection() override {
    ++calls;
    std::unique_lock lock(mutex);
    released.wait(lock, [&] { return thawed; });
    if (fail) return make_error(Errc::unavailable, "connection refused");
    return {};
  }
  Result<std::vector<store::HostStatus>> all_host_statuses(store::Id) override {
    return std::vector<store::HostStatus>{};
  }
  void thaw(bool failing) {
    std::lock_guard lock(mutex);
    thawed = true;
    fail = failing;
    released.notify_all();
  }

  std::atomic<int> calls{0};
  std::mutex mutex;
  std::condition_variable released;
  bool thawed = false;
  bool fail = false;
};

TEST(DatabaseCheck, ACheckThatHangsAnswersNoAnswerInBoundedTime) {
  FrozenDatabase database;
  DatabaseCheck check(database, DatabaseCheck::Options{0ms, 200ms});
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(check.check(), DatabaseCheck::Outcome::no_answer);
  EXPECT_EQ(check.check(), DatabaseCheck::Outcome::no_answer);
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_GE(took, 400ms);
  EXPECT_LT(took, 5s);
  // The second caller waited for the query in flight instead of starting another.
  EXPECT_EQ(database.calls, 1);
  database.thaw(/*failing=*/true);
  EXPECT_EQ(check.check(), DatabaseCheck::Outcome::down);
}

TEST(DatabaseCheck, AnOutcomeIsReusedWhileFresh) {
  FrozenDatabase database;
  database.thaw(/*failing=*/false);
  DatabaseCheck check(database, DatabaseCheck::Options{60s, 2s});
  for (int i = 0; i < 5; ++i) EXPECT_EQ(check.check(), DatabaseCheck::Outcome::up);
  EXPECT_EQ(database.calls, 1);
}

}  // namespace
}  // namespace semaphore::web

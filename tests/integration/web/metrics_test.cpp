// /metrics, /healthz and /readyz on the real binary: `semaphore run` over SQLite pinging loopback hosts every
// second, `semaphore serve` with --metrics-token, and `semaphore serve` over a PostgreSQL server the test
// stops. Every scrape is piped to `promtool check metrics` (Debian's prometheus package), which must pass
// without a lint warning.
#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <thread>

#include "integration/web/web_server.h"
#include "support/postgres_server.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace semaphore::testing {
namespace {

using namespace std::chrono_literals;

bool have_promtool() {
  return run_command({"sh", "-c", "command -v promtool"}).exit_code == 0;
}

// promtool's verdict on a scrape: "" when it passed without a warning, else what it said.
std::string promtool_problems(const std::string& scrape) {
  const CommandResult checked = run_command({"promtool", "check", "metrics"}, scrape);
  if (checked.exit_code == 0 && checked.out.empty() && checked.err.empty()) return "";
  return "promtool exit " + std::to_string(checked.exit_code) + ":\n" + checked.out + checked.err;
}

// The value of the sample written exactly as `series` (name and labels), or -1 when there is none.
double sample_value(const std::string& scrape, const std::string& series) {
  const std::string text = "\n" + scrape;
  const std::string prefix = "\n" + series + " ";
  const auto at = text.find(prefix);
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + prefix.size()));
}

// Polls `predicate` every 200 ms until it holds or `timeout` passes.
template <class Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!predicate()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(200ms);
  }
  return true;
}

TEST(Metrics, RunScrapePassesPromtoolAndCountsWhatHappened) {
  if (!have_promtool())
    GTEST_SKIP() << "promtool is missing: scripts/bootstrap --test installs Debian's prometheus";
  TempDir spool("semaphore-metrics-spool");
  WebServer server(
      {"--interval", "1s", "--targets", "private", "--spool-dir", spool.file("spool"), "--metrics-hosts"},
      "run");
  HttpClient client = server.client();
  ASSERT_EQ(sign_up(client, "ops@example.com").status, 303) << server.log();
  // A service with a quote and a backslash: the hostname label and this one must come out escaped.
  ASSERT_EQ(add_host(client, "127.0.0.1", "AWS", "EC2 \"eu\" \\ west").status, 303) << server.log();
  ASSERT_EQ(add_host(client, "127.0.0.2").status, 303) << server.log();
  const long long id = host_id(client, "127.0.0.1");
  ASSERT_GT(id, 0);
  EXPECT_EQ(client.get("/report/999999").status, 404);  // a route's pattern with an error code
  EXPECT_EQ(client.get("/no/such/page").status, 404);   // no route at all
  EXPECT_EQ(client.get("/healthz").status, 200);

  // Rounds every second: wait until one pinged the hosts and the writer stored its rows.
  const std::string labels = "{host_id=\"" + std::to_string(id) +
                             R"(",hostname="127.0.0.1",provider="AWS",service="EC2 \"eu\" \\ west"})";
  std::string scrape;
  ASSERT_TRUE(eventually(
      [&] {
        const HttpResponse response = client.get("/metrics");
        scrape = response.body;
        return response.status == 200 && sample_value(scrape, "semaphore_probes_received_total") > 0 &&
               sample_value(scrape, "semaphore_host_rtt_median_seconds" + labels) > 0;
      },
      60s))
      << scrape << "\n"
      << server.log();
  EXPECT_EQ(promtool_problems(scrape), "") << scrape;

  // The ping engine and the rounds.
  EXPECT_GT(sample_value(scrape, "semaphore_probes_sent_total"), 0);
  EXPECT_GE(sample_value(scrape, "semaphore_rounds_total"), 1);
  EXPECT_GE(sample_value(scrape, "semaphore_round_duration_seconds_count"),
            sample_value(scrape, "semaphore_rounds_total"));
  EXPECT_EQ(sample_value(scrape, "semaphore_round_interval_seconds"), 1);
  EXPECT_GE(sample_value(scrape, "semaphore_results_written_total"), 2);
  EXPECT_GE(sample_value(scrape, "semaphore_insert_duration_seconds_count"), 1);
  EXPECT_EQ(sample_value(scrape, "semaphore_writer_database_up"), 1);
  EXPECT_EQ(sample_value(scrape, "semaphore_database_up"), 1);
  // HTTP, by route pattern: the host report's 404 under its pattern, the unknown path as "unmatched", and
  // neither path asked for anywhere.
  EXPECT_EQ(sample_value(scrape, R"(semaphore_http_requests_total{route="/report/{id}",code="404"})"), 1);
  EXPECT_GE(sample_value(scrape, R"(semaphore_http_requests_total{route="unmatched",code="404"})"), 1);
  EXPECT_GE(sample_value(scrape, R"(semaphore_http_requests_total{route="/healthz",code="200"})"), 1);
  EXPECT_EQ(sample_value(scrape, R"(semaphore_http_requests_total{route="/signup",code="303"})"), 1);
  EXPECT_EQ(scrape.find("/report/999999"), std::string::npos);
  EXPECT_EQ(scrape.find("/no/such/page"), std::string::npos);
  // Loopback answers: no loss, an RTT well under a second, state up (0).
  EXPECT_LT(sample_value(scrape, "semaphore_host_rtt_median_seconds" + labels), 0.5);
  EXPECT_EQ(sample_value(scrape, "semaphore_host_loss_ratio" + labels), 0);
  EXPECT_EQ(sample_value(scrape, "semaphore_host_state" + labels), 0);

  // Ready: the database answers and the rounds keep up.
  const HttpResponse ready = client.get("/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(ready.header("content-type"), "application/json");
  EXPECT_NE(ready.body.find(R"("status":"ready","database":"up","rounds":"on_time")"), std::string::npos)
      << ready.body;
}

TEST(Metrics, ServeNeedsTheTokenAndItsScrapePassesPromtool) {
  if (!have_promtool())
    GTEST_SKIP() << "promtool is missing: scripts/bootstrap --test installs Debian's prometheus";
  WebServer server({"--metrics-token", "scrape-secret", "--metrics-hosts"});
  HttpClient client = server.client();
  const HttpResponse refused = client.get("/metrics");
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(refused.header("www-authenticate"), "Bearer");
  EXPECT_EQ(client.get("/metrics", {{"Authorization", "Bearer wrong-secret!"}}).status, 401);
  ASSERT_EQ(sign_up(client, "ops@example.com").status, 303);
  ASSERT_EQ(add_host(client, "example.com", "GCP", "GCE").status, 303);
  const HttpResponse scraped = client.get("/metrics", {{"Authorization", "Bearer scrape-secret"}});
  ASSERT_EQ(scraped.status, 200);
  EXPECT_EQ(promtool_problems(scraped.body), "") << scraped.body;
  // No ping service in `serve`: no round series; the host has had no round: state unknown (1), no RTT.
  EXPECT_EQ(scraped.body.find("semaphore_probes_sent_total"), std::string::npos);
  const std::string labels = "{host_id=\"" + std::to_string(host_id(client, "example.com")) +
                             R"(",hostname="example.com",provider="GCP",service="GCE"})";
  EXPECT_EQ(sample_value(scraped.body, "semaphore_host_state" + labels), 1) << scraped.body;
  EXPECT_EQ(sample_value(scraped.body, "semaphore_host_rtt_median_seconds" + labels), -1);
  EXPECT_EQ(sample_value(scraped.body, R"(semaphore_http_requests_total{route="/metrics",code="401"})"), 2);

  // /healthz and /readyz need no token.
  EXPECT_EQ(client.get("/healthz").body, "ok\n");
  const HttpResponse ready = client.get("/readyz");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.body, "{\"status\":\"ready\",\"database\":\"up\",\"rounds\":\"not_checked\"}\n");
}

TEST(Metrics, ReadyzFollowsTheDatabase) {
  PostgresServer postgres;
  const std::string url = postgres.create_database("ready");
  TempDir dir("semaphore-ready");
  const int port = free_tcp_port();
  ChildProcess server(
      {semaphore_binary(), "serve", "--db", url, "--listen", "127.0.0.1:" + std::to_string(port)},
      dir.file("server.log"));
  ASSERT_TRUE(wait_for_tcp_port(port, 20s)) << server.log();
  HttpClient client(port);
  EXPECT_EQ(client.get("/readyz").status, 200) << server.log();

  postgres.stop();
  HttpResponse answer;
  const auto stopped_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(eventually(
      [&] {
        answer = client.get("/readyz");
        return answer.status == 503;
      },
      20s))
      << answer.status << " " << answer.body << "\n"
      << server.log();
  // Within a few seconds (a check is reused for 1 s; a refused connection fails at once).
  EXPECT_LT(std::chrono::steady_clock::now() - stopped_at, 10s);
  EXPECT_EQ(answer.header("content-type"), "application/json");
  EXPECT_EQ(answer.body,
            "{\"status\":\"not_ready\",\"reason\":\"database unreachable\",\"database\":\"down\","
            "\"rounds\":\"not_checked\"}\n");
  // Alive all the same, and /metrics says so without waiting for the database.
  EXPECT_EQ(client.get("/healthz").status, 200);
  const HttpResponse scraped = client.get("/metrics");
  EXPECT_EQ(scraped.status, 200);
  EXPECT_EQ(sample_value(scraped.body, "semaphore_database_up"), 0) << scraped.body;
  if (have_promtool()) {
    EXPECT_EQ(promtool_problems(scraped.body), "") << scraped.body;
  }

  postgres.start();
  EXPECT_TRUE(eventually([&] { return client.get("/readyz").status == 200; }, 30s)) << server.log();
}

}  // namespace
}  // namespace semaphore::testing

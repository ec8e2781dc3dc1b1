// The pages of issue 15's probe methods through WebApp::handle over a real SQLite store, with result rows of
// each kind stored by the store itself (MonitorStore::insert_results): the /manage add and edit forms (the
// method choice and the port, errors beside the field, values kept, CSRF), the host list's method, the
// states of /report, / and /report/{id} judged from the method ("up (port closed)", "up (ICMP filtered)",
// down), the host page's two series and per-method tables, and /api/v1/hosts/{id}/results per method.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <regex>

#include "store/store.h"
#include "support/sqlite_store.h"
#include "support/temp_dir.h"
#include "unit/web/test_browser.h"
#include "web/app.h"

namespace semaphore::web {
namespace {

namespace json = boost::json;
using namespace web_testing;  // the shared test browser (test_browser.h)

constexpr EpochMs kRound = 60'000;

class ProbeMethodUiTest : public ::testing::Test {
 protected:
  WebApp& app() {
    if (!app_) app_ = app_over(*store);
    return *app_;
  }
  store::Id user_id(const std::string& email) { return store->find_user_by_email(email)->id; }
  store::Id add_host(store::Id user, const std::string& hostname, ProbeSpec probe) {
    return store->add_host({0, user, hostname, Provider::other, "", "", true, 0, probe})->id;
  }
  // One row of `kind` for `host` at round `n`: `received` of 5 answered (`refused` of them RSTs).
  static store::PingResult row(store::Id host, EpochMs ts, ProbeKind kind, int received, int refused = 0) {
    store::PingResult result;
    result.host_id = host;
    result.ts = ts;
    result.method = kind;
    result.sent = 5;
    result.received = received;
    result.refused = refused;
    if (received > 0) {
      const double base = kind == ProbeKind::tcp ? 20 : 10;
      result.min_ms = base;
      result.avg_ms = result.median_ms = base + 1;
      result.max_ms = base + 2;
      result.stddev_ms = 0.5;
    } else {
      result.error = "timeout";
    }
    return result;
  }
  void insert(const std::vector<store::PingResult>& rows) { ASSERT_TRUE(store->insert_results(rows).ok()); }
  EpochMs at(int n) const { return start_ + n * kRound; }

  Browser signed_up(const std::string& email = "alice%40example.com") {
    Browser browser{app()};
    browser.sign_up(email);
    return browser;
  }
  store::Host host_named(const std::string& email, const std::string& hostname) {
    const std::vector<store::Host> hosts = store->list_hosts(user_id(email)).value();
    for (const auto& host : hosts) {
      if (host.hostname == hostname) return host;
    }
    ADD_FAILURE() << hostname << " not stored";
    return {};
  }

  testing::TempDir dir{"semaphore-probe-ui"};
  std::unique_ptr<store::Store> store = semaphore::testing::open_migrated_sqlite(dir, "probe.db");
  std::unique_ptr<WebApp> app_;
  EpochMs start_ = now_epoch_ms() - 10 * kRound;  // ten rounds ago: the last rounds are fresh
};

// The badge of the report row of `hostname`: (class, text), or empty.
std::pair<std::string, std::string> report_badge(const std::string& body, const std::string& hostname) {
  const auto row_end = body.find(">" + hostname + "</a>");
  if (row_end == std::string::npos) return {};
  const auto row_start = body.rfind("<tr class=\"row-", row_end);
  static const std::regex badge(R"re(<span class="badge state-([a-z]+)">([^<]*)</span>)re");
  std::smatch match;
  const std::string row = body.substr(row_start, row_end - row_start);
  if (!std::regex_search(row, match, badge)) return {};
  return {match[1], match[2]};
}

// --- /manage: the add form ---

TEST_F(ProbeMethodUiTest, TheAddFormOffersTheMethodsAndAPortThatDefaultsTo443) {
  Browser alice = signed_up();
  const Response page = alice.call(Method::get, "/manage");
  ASSERT_EQ(page.status, 200);
  EXPECT_TRUE(contains(page.body, "<select id=\"probe_method\" name=\"probe_method\"")) << page.body;
  EXPECT_TRUE(contains(page.body, "<option value=\"icmp\" selected>ICMP ping</option>"));
  EXPECT_TRUE(contains(page.body, "<option value=\"tcp\">TCP connect</option>"));
  EXPECT_TRUE(contains(page.body, "<option value=\"both\">Both (ICMP and TCP)</option>"));
  EXPECT_TRUE(contains(page.body,
                       "id=\"tcp_port\" name=\"tcp_port\" inputmode=\"numeric\" maxlength=\"5\" "
                       "value=\"443\""))
      << "the port field is always there (no JavaScript needed)";
  EXPECT_TRUE(contains(page.body, "<code>host,provider,service,tcp:22</code>")) << "the import help";
}

TEST_F(ProbeMethodUiTest, HostsAreAddedWithEachMethodAndListedWithIt) {
  Browser alice = signed_up();
  ASSERT_EQ(
      alice.post("/manage/hosts", "hostname=ping.example.com&provider=AWS&probe_method=icmp&tcp_port=junk")
          .status,
      303)
      << "the port is ignored for ICMP";
  ASSERT_EQ(alice.post("/manage/hosts", "hostname=ssh.example.com&provider=AWS&probe_method=tcp&tcp_port=22")
                .status,
            303);
  ASSERT_EQ(
      alice.post("/manage/hosts", "hostname=web.example.com&provider=AWS&probe_method=both&tcp_port=+8443+")
          .status,
      303);
  ASSERT_EQ(
      alice.post("/manage/hosts", "hostname=lb.example.com&provider=AWS&probe_method=tcp&tcp_port=").status,
      303)
      << "a blank port is the default";
  ASSERT_EQ(alice.post("/manage/hosts", "hostname=old.example.com&provider=AWS").status, 303)
      << "a form without the method: ICMP";
  const std::string alice_email = "alice@example.com";
  EXPECT_EQ(host_named(alice_email, "ping.example.com").probe, (ProbeSpec{ProbeMethod::icmp, 443}));
  EXPECT_EQ(host_named(alice_email, "ssh.example.com").probe, (ProbeSpec{ProbeMethod::tcp, 22}));
  EXPECT_EQ(host_named(alice_email, "web.example.com").probe, (ProbeSpec{ProbeMethod::both, 8443}));
  EXPECT_EQ(host_named(alice_email, "lb.example.com").probe, (ProbeSpec{ProbeMethod::tcp, 443}));
  EXPECT_EQ(host_named(alice_email, "old.example.com").probe.method, ProbeMethod::icmp);

  const Response list = alice.call(Method::get, "/manage");
  for (const char* label : {"ICMP", "TCP 22", "ICMP + TCP 8443", "TCP 443"}) {
    EXPECT_TRUE(contains(list.body, std::string("<span class=\"badge method\">") + label + "</span>"))
        << label;
  }
}

TEST_F(ProbeMethodUiTest, AWrongPortOrMethodIsNamedBesideItsFieldAndTheFormKeepsWhatWasTyped) {
  Browser alice = signed_up();
  for (const char* port : {"70000", "0", "ssh", "22x"}) {
    const Response refused =
        alice.post("/manage/hosts",
                   std::string("hostname=db.example.com&service=RDS&probe_method=both&tcp_port=") + port);
    EXPECT_EQ(refused.status, 400) << port;
    EXPECT_TRUE(contains(refused.body, "<p class=\"field-error\" id=\"tcp_port-error\">"))
        << port << refused.body;
    EXPECT_TRUE(contains(refused.body, "aria-describedby=\"tcp_port-error\"")) << port;
    EXPECT_FALSE(contains(refused.body, "id=\"probe_method-error\"")) << port;
    EXPECT_TRUE(contains(refused.body, std::string("value=\"") + port + "\""))
        << "the port as typed: " << port;
    EXPECT_TRUE(contains(refused.body, "<option value=\"both\" selected>")) << port;
    EXPECT_TRUE(contains(refused.body, "value=\"db.example.com\"")) << port;
    EXPECT_TRUE(contains(refused.body, "value=\"RDS\"")) << port;
  }
  const Response unknown =
      alice.post("/manage/hosts", "hostname=db.example.com&probe_method=udp&tcp_port=53");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_TRUE(contains(unknown.body, "<p class=\"field-error\" id=\"probe_method-error\">")) << unknown.body;
  EXPECT_FALSE(contains(unknown.body, "id=\"tcp_port-error\""));
  EXPECT_TRUE(store->list_hosts(user_id("alice@example.com")).value().empty()) << "nothing was added";

  // A port error and a hostname error are shown together, each beside its field.
  const Response both = alice.post("/manage/hosts", "hostname=not+a+host!&probe_method=tcp&tcp_port=99999");
  EXPECT_EQ(both.status, 400);
  EXPECT_TRUE(contains(both.body, "id=\"hostname-error\""));
  EXPECT_TRUE(contains(both.body, "id=\"tcp_port-error\""));
}

TEST_F(ProbeMethodUiTest, TheFormsNeedTheirCsrfToken) {
  Browser alice = signed_up();
  EXPECT_EQ(alice.post("/manage/hosts", "hostname=db.example.com&probe_method=tcp&tcp_port=22", false).status,
            403);
  const store::Id host = add_host(user_id("alice@example.com"), "db.example.com", {});
  EXPECT_EQ(alice
                .post("/manage/hosts/" + std::to_string(host),
                      "hostname=db.example.com&probe_method=tcp&tcp_port=22", false)
                .status,
            403);
  EXPECT_EQ(store->find_host(user_id("alice@example.com"), host)->probe.method, ProbeMethod::icmp);
}

// --- /manage: the edit form ---

TEST_F(ProbeMethodUiTest, TheEditFormShowsTheStoredMethodKeepsTypedValuesOnErrorAndSaves) {
  Browser alice = signed_up();
  const store::Id alice_id = user_id("alice@example.com");
  const store::Id host = add_host(alice_id, "ssh.example.com", {ProbeMethod::tcp, 2222});
  const std::string edit = "/manage/hosts/" + std::to_string(host);
  const Response page = alice.call(Method::get, edit);
  ASSERT_EQ(page.status, 200);
  EXPECT_TRUE(contains(page.body, "<option value=\"tcp\" selected>TCP connect</option>")) << page.body;
  EXPECT_TRUE(contains(page.body, "name=\"tcp_port\" inputmode=\"numeric\" maxlength=\"5\" value=\"2222\""));

  const Response refused = alice.post(
      edit, "hostname=ssh.example.com&provider=GCP&label=bastion&enabled=1&probe_method=both&tcp_port=65536");
  EXPECT_EQ(refused.status, 400);
  EXPECT_TRUE(contains(refused.body, "id=\"tcp_port-error\"")) << refused.body;
  EXPECT_TRUE(contains(refused.body, "value=\"65536\""));
  EXPECT_TRUE(contains(refused.body, "<option value=\"both\" selected>"));
  EXPECT_TRUE(contains(refused.body, "value=\"bastion\""));
  EXPECT_TRUE(contains(refused.body, "<option value=\"GCP\" selected>"));
  EXPECT_EQ(store->find_host(alice_id, host)->probe, (ProbeSpec{ProbeMethod::tcp, 2222})) << "nothing saved";

  ASSERT_EQ(alice.post(edit, "hostname=ssh.example.com&provider=GCP&enabled=1&probe_method=both&tcp_port=22")
                .status,
            303);
  EXPECT_EQ(store->find_host(alice_id, host)->probe, (ProbeSpec{ProbeMethod::both, 22}));
  ASSERT_EQ(
      alice.post(edit, "hostname=ssh.example.com&provider=GCP&enabled=1&probe_method=icmp&tcp_port=").status,
      303);
  EXPECT_EQ(store->find_host(alice_id, host)->probe.method, ProbeMethod::icmp);

  // Another user's host is not found, and stays as it was.
  Browser bob = signed_up("bob%40example.com");
  EXPECT_EQ(bob.post(edit, "hostname=ssh.example.com&probe_method=tcp&tcp_port=22").status, 404);
  EXPECT_EQ(store->find_host(alice_id, host)->probe.method, ProbeMethod::icmp);
}

// --- the states of /report, / and /report/{id} ---

TEST_F(ProbeMethodUiTest, TheReportJudgesEachHostByItsMethodWithABadgeForTheMethod) {
  Browser alice = signed_up();
  const store::Id alice_id = user_id("alice@example.com");
  const store::Id ping = add_host(alice_id, "ping.example.com", {});
  const store::Id closed = add_host(alice_id, "closed.example.com", {ProbeMethod::tcp, 22});
  const store::Id open = add_host(alice_id, "open.example.com", {ProbeMethod::tcp, 443});
  const store::Id filtered = add_host(alice_id, "filtered.example.com", {ProbeMethod::both, 443});
  const store::Id dark = add_host(alice_id, "dark.example.com", {ProbeMethod::both, 8443});
  const store::Id fine = add_host(alice_id, "fine.example.com", {ProbeMethod::both, 443});
  insert({row(ping, at(9), ProbeKind::icmp, 5), row(closed, at(9), ProbeKind::tcp, 5, 5),
          row(open, at(9), ProbeKind::tcp, 5), row(filtered, at(9), ProbeKind::icmp, 0),
          row(filtered, at(9), ProbeKind::tcp, 5), row(dark, at(9), ProbeKind::icmp, 0),
          row(dark, at(9), ProbeKind::tcp, 0), row(fine, at(9), ProbeKind::icmp, 5),
          row(fine, at(9), ProbeKind::tcp, 5)});

  const Response report = alice.call(Method::get, "/report");
  ASSERT_EQ(report.status, 200);
  EXPECT_EQ(report_badge(report.body, "ping.example.com"), (std::pair<std::string, std::string>{"up", "up"}));
  EXPECT_EQ(report_badge(report.body, "open.example.com"), (std::pair<std::string, std::string>{"up", "up"}));
  EXPECT_EQ(report_badge(report.body, "closed.example.com"),
            (std::pair<std::string, std::string>{"up", "up (port closed)"}));
  EXPECT_EQ(report_badge(report.body, "filtered.example.com"),
            (std::pair<std::string, std::string>{"filtered", "up (ICMP filtered)"}))
      << report.body;
  EXPECT_EQ(report_badge(report.body, "dark.example.com"),
            (std::pair<std::string, std::string>{"down", "down"}));
  EXPECT_EQ(report_badge(report.body, "fine.example.com"), (std::pair<std::string, std::string>{"up", "up"}));
  EXPECT_TRUE(contains(report.body, ">5 up</span>")) << "ICMP filtered and port closed count as up";
  EXPECT_TRUE(contains(report.body, ">1 down</span>"));
  for (const char* badge : {"<span class=\"badge method method-icmp\">ICMP</span>",
                            "<span class=\"badge method method-tcp\">TCP 22</span>",
                            "<span class=\"badge method method-both\">ICMP + TCP 8443</span>"}) {
    EXPECT_TRUE(contains(report.body, badge)) << badge;
  }
  // The filtered host's figures are its TCP round's (21 ms median), not its lost ICMP round's.
  const auto filtered_row = report.body.find(">filtered.example.com</a>");
  const auto filtered_end = report.body.find("</tr>", filtered_row);
  EXPECT_TRUE(contains(report.body.substr(filtered_row, filtered_end - filtered_row), ">21.0 ms</td>"));
  // The status filter: "up" includes the noted ups.
  const Response ups = alice.call(Method::get, "/report?status=up");
  EXPECT_TRUE(contains(ups.body, ">filtered.example.com</a>"));
  EXPECT_FALSE(contains(ups.body, ">dark.example.com</a>"));

  // The overview: the down host needs attention, the filtered one does not.
  const Response overview = alice.call(Method::get, "/");
  EXPECT_TRUE(contains(overview.body, ">dark.example.com</a>")) << overview.body;
  EXPECT_FALSE(contains(overview.body, ">filtered.example.com</a>"));
  EXPECT_TRUE(contains(overview.body, "<span class=\"count\">5</span> <span class=\"word\">up</span>"));

  // Each host page says the same as its report row.
  for (const auto& [host, badge] : std::vector<std::pair<store::Id, std::string>>{
           {closed, "<span class=\"badge state-up\">up (port closed)</span>"},
           {filtered, "<span class=\"badge state-filtered\">up (ICMP filtered)</span>"},
           {dark, "<span class=\"badge state-down\">down</span>"}}) {
    const Response page = alice.call(Method::get, "/report/" + std::to_string(host));
    ASSERT_EQ(page.status, 200);
    EXPECT_TRUE(contains(page.body, badge)) << badge << page.body;
  }
}

TEST_F(ProbeMethodUiTest, TheReportPageIsRenderedAgainWhenAMethodOrATcpRowChanges) {
  Browser alice = signed_up();
  const store::Id alice_id = user_id("alice@example.com");
  const store::Id host = add_host(alice_id, "web.example.com", {ProbeMethod::both, 443});
  insert({row(host, at(8), ProbeKind::icmp, 5), row(host, at(8), ProbeKind::tcp, 5)});
  EXPECT_EQ(report_badge(alice.call(Method::get, "/report").body, "web.example.com").second, "up");
  // Only the TCP row of the next round says something new: the kept body must not be reused.
  insert({row(host, at(9), ProbeKind::icmp, 5), row(host, at(9), ProbeKind::tcp, 5, 5)});
  EXPECT_EQ(report_badge(alice.call(Method::get, "/report").body, "web.example.com").second,
            "up (port closed)");
  ASSERT_EQ(alice
                .post("/manage/hosts/" + std::to_string(host),
                      "hostname=web.example.com&provider=Other&enabled=1&probe_method=icmp&tcp_port=443")
                .status,
            303);
  const Response report = alice.call(Method::get, "/report");
  EXPECT_EQ(report_badge(report.body, "web.example.com").second, "up");
  EXPECT_TRUE(contains(report.body, "<span class=\"badge method method-icmp\">ICMP</span>"));
}

// --- the host page of a both host ---

TEST_F(ProbeMethodUiTest, ABothHostsPageChartsBothMethodsAndListsARowPerMethod) {
  Browser alice = signed_up();
  const store::Id host = add_host(user_id("alice@example.com"), "web.example.com", {ProbeMethod::both, 443});
  for (int n = 7; n <= 9; ++n) {
    insert({row(host, at(n), ProbeKind::icmp, 5), row(host, at(n), ProbeKind::tcp, 5, n == 9 ? 2 : 0)});
  }
  const Response page = alice.call(Method::get, "/report/" + std::to_string(host) + "?range=1h");
  ASSERT_EQ(page.status, 200);
  EXPECT_TRUE(contains(page.body, "data-methods=\"icmp tcp\"")) << page.body;
  EXPECT_TRUE(
      contains(page.body, "<span class=\"series-key\" data-method=\"icmp\" data-location=\"local\">"));
  EXPECT_TRUE(contains(page.body, "<span class=\"series-key\" data-method=\"tcp\" data-location=\"local\">"));
  EXPECT_TRUE(contains(page.body, "Latency: ICMP and TCP"));
  EXPECT_TRUE(
      contains(page.body, "<span class=\"badge method method-both\" title=\"probe method\">ICMP + TCP 443"));
  // The latest round: one row per method, the TCP row with its refused count.
  const auto latest = page.body.substr(page.body.find("<table class=\"latest\">"));
  const std::string latest_table = latest.substr(0, latest.find("</table>"));
  EXPECT_TRUE(contains(latest_table, "<tr class=\"method-icmp\"><th scope=\"row\">ICMP</th>"))
      << latest_table;
  EXPECT_TRUE(contains(latest_table, "<tr class=\"method-tcp\"><th scope=\"row\">TCP 443</th>"));
  EXPECT_TRUE(std::regex_search(
      latest_table,
      std::regex(R"re(TCP 443</th>.*?<td class="num">5</td><td class="num">5</td><td class="num">2</td>)re")))
      << "sent, received, refused";
  // The rounds table: a row per method and round, newest first, ICMP before TCP.
  const auto rounds = page.body.substr(page.body.find("<table class=\"rounds\">"));
  EXPECT_TRUE(contains(rounds, "<th scope=\"col\">Method</th>"));
  EXPECT_TRUE(contains(rounds, "<th scope=\"col\" class=\"num\">Refused</th>"));
  const std::regex method_cell(R"re(<tr class="method-(icmp|tcp)">)re");
  std::vector<std::string> order;
  for (auto it = std::sregex_iterator(rounds.begin(), rounds.end(), method_cell);
       it != std::sregex_iterator(); ++it) {
    order.push_back((*it)[1]);
  }
  EXPECT_EQ(order, (std::vector<std::string>{"icmp", "tcp", "icmp", "tcp", "icmp", "tcp"}));

  // The CSV has both, with the method and the refused count.
  const Response csv = alice.call(Method::get, "/report/" + std::to_string(host) + ".csv?range=1h");
  ASSERT_EQ(csv.status, 200);
  EXPECT_TRUE(csv.body.starts_with(
      "time_utc,rounds,sent,received,loss,min_ms,avg_ms,max_ms,median_ms,stddev_ms,error,method,refused\n"));
  EXPECT_TRUE(contains(csv.body, ",icmp,0\n"));
  EXPECT_TRUE(contains(csv.body, ",tcp,2\n"));
}

TEST_F(ProbeMethodUiTest, ATcpHostsChartIsLabelledTcpAndReadsItsTcpRows) {
  Browser alice = signed_up();
  const store::Id host = add_host(user_id("alice@example.com"), "ssh.example.com", {ProbeMethod::tcp, 22});
  insert({row(host, at(9), ProbeKind::tcp, 5, 5)});
  const Response page = alice.call(Method::get, "/report/" + std::to_string(host));
  EXPECT_TRUE(contains(page.body, "data-methods=\"tcp\"")) << page.body;
  EXPECT_TRUE(contains(page.body, "Latency: TCP"));
  EXPECT_FALSE(contains(page.body, "data-method=\"icmp\""));
  const std::string rounds = page.body.substr(page.body.find("<table class=\"rounds\">"));
  EXPECT_FALSE(contains(rounds, "<th scope=\"col\">Method</th>")) << "one method: no Method column";
  EXPECT_TRUE(contains(rounds, "<th scope=\"col\" class=\"num\">Refused</th>"));
}

// --- /api/v1/hosts/{id}/results: the chart's data, per method ---

TEST_F(ProbeMethodUiTest, TheChartDataCarriesEachMethodsSeries) {
  Browser alice = signed_up();
  const store::Id alice_id = user_id("alice@example.com");
  const store::Id host = add_host(alice_id, "web.example.com", {ProbeMethod::both, 443});
  for (int n = 0; n < 10; ++n) {
    insert({row(host, at(n), ProbeKind::icmp, n == 3 ? 0 : 5), row(host, at(n), ProbeKind::tcp, 5, 1)});
  }
  const std::string base = "/api/v1/hosts/" + std::to_string(host) +
                           "/results?from=" + std::to_string(start_ / 1000) + "&resolution=raw";
  const auto points = [&](const std::string& query) {
    const Response response = alice.api(Method::get, base + query);
    EXPECT_EQ(response.status, 200) << response.body;
    return body_of(response);
  };
  const json::value icmp = points("&method=icmp");
  const json::value tcp = points("&method=tcp");
  const json::value plain = points("");
  EXPECT_EQ(icmp.at("method").as_string(), "icmp");
  EXPECT_EQ(tcp.at("method").as_string(), "tcp");
  ASSERT_EQ(icmp.at("results").as_array().size(), 10u);
  ASSERT_EQ(tcp.at("results").as_array().size(), 10u);
  for (const auto& point : tcp.at("results").as_array()) {
    EXPECT_EQ(point.at("method").as_string(), "tcp");
    EXPECT_EQ(point.at("refused").as_int64(), 1);
    EXPECT_DOUBLE_EQ(point.at("median_ms").as_double(), 21.0);
  }
  for (const auto& point : icmp.at("results").as_array()) EXPECT_EQ(point.at("method").as_string(), "icmp");
  EXPECT_EQ(icmp.at("results").as_array()[3].at("received").as_int64(), 0);
  EXPECT_EQ(plain.at("results"), icmp.at("results"))
      << "without method: a both host's primary kind, ICMP (one row per round, as before)";

  // Pages of one kind walk every round of it, with no gap or repeat, although rows of both kinds are read.
  for (const std::string kind : {"icmp", "tcp"}) {
    std::vector<std::string> seen;
    std::string cursor;
    for (int pages = 0; pages < 30; ++pages) {
      const json::value page =
          points("&method=" + kind + "&limit=3" + (cursor.empty() ? "" : "&cursor=" + cursor));
      for (const auto& point : page.at("results").as_array()) seen.emplace_back(point.at("ts").as_string());
      if (page.at("next_cursor").is_null()) break;
      cursor = std::string(page.at("next_cursor").as_string());
    }
    ASSERT_EQ(seen.size(), 10u) << kind;
    EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
    EXPECT_EQ(std::adjacent_find(seen.begin(), seen.end()), seen.end()) << kind << ": no repeats";
  }

  // Hourly buckets per kind too (made from the raw rounds here: no rollups yet).
  const json::value hours = points("&method=tcp&resolution=hour");
  ASSERT_GE(hours.at("results").as_array().size(), 1u);
  int refused = 0, rounds = 0;
  for (const auto& point : hours.at("results").as_array()) {
    EXPECT_EQ(point.at("method").as_string(), "tcp");
    refused += static_cast<int>(point.at("refused").as_int64());
    rounds += static_cast<int>(point.at("rounds").as_int64());
  }
  EXPECT_EQ(rounds, 10);
  EXPECT_EQ(refused, 10);

  // A tcp host's default is its TCP rows; a wrong method is named.
  const store::Id ssh = add_host(alice_id, "ssh.example.com", {ProbeMethod::tcp, 22});
  insert({row(ssh, at(9), ProbeKind::tcp, 5, 5)});
  const Response tcp_default = alice.api(Method::get, "/api/v1/hosts/" + std::to_string(ssh) + "/results");
  ASSERT_EQ(tcp_default.status, 200);
  EXPECT_EQ(body_of(tcp_default).at("method").as_string(), "tcp");
  EXPECT_EQ(body_of(tcp_default).at("results").as_array().size(), 1u);
  const Response wrong = alice.api(Method::get, base + "&method=udp");
  EXPECT_EQ(wrong.status, 400);
  EXPECT_EQ(error_of(wrong), (std::pair<std::string, std::string>{"bad_field", "method"}));
  // Another user's host is 404 with or without a method.
  Browser bob = signed_up("bob%40example.com");
  EXPECT_EQ(bob.api(Method::get, base + "&method=tcp").status, 404);
  EXPECT_EQ(bob.api(Method::get, base).status, 404);
}

TEST_F(ProbeMethodUiTest, LongRangesReadTheRollupsOfEachMethod) {
  Browser alice = signed_up();
  const store::Id host = add_host(user_id("alice@example.com"), "web.example.com", {ProbeMethod::both, 443});
  // Rounds two days ago, rolled up by hour as the ping service's maintenance does.
  constexpr EpochMs kHour = 3'600'000;
  const EpochMs hour = (now_epoch_ms() / kHour - 48) * kHour;
  for (int n = 0; n < 4; ++n) {
    insert(
        {row(host, hour + n * kRound, ProbeKind::icmp, 5), row(host, hour + n * kRound, ProbeKind::tcp, 4)});
  }
  ASSERT_EQ(store->refresh_rollups(3600, hour, hour + kHour, 100).value(), 2) << "one rollup per method";
  const std::string base = "/api/v1/hosts/" + std::to_string(host) +
                           "/results?from=" + std::to_string((hour - kHour) / 1000) +
                           "&to=" + std::to_string((hour + 2 * kHour) / 1000) + "&resolution=hour";
  for (const auto& [kind, median, received] :
       std::vector<std::tuple<std::string, double, int>>{{"icmp", 11.0, 20}, {"tcp", 21.0, 16}}) {
    const Response response = alice.api(Method::get, base + "&method=" + kind);
    ASSERT_EQ(response.status, 200) << response.body;
    const json::value body = body_of(response);
    const auto& results = body.at("results").as_array();
    ASSERT_EQ(results.size(), 1u) << kind << response.body;
    EXPECT_EQ(results[0].at("method").as_string(), kind);
    EXPECT_EQ(results[0].at("rounds").as_int64(), 4) << kind;
    EXPECT_EQ(results[0].at("received").as_int64(), received) << kind;
    EXPECT_DOUBLE_EQ(results[0].at("median_ms").as_double(), median) << kind;
  }
  // The host page's 7-day range (rollups) shows a row per method for that hour.
  const Response page = alice.call(Method::get, "/report/" + std::to_string(host) + "?range=7d");
  ASSERT_EQ(page.status, 200);
  const auto rounds = page.body.substr(page.body.find("<table class=\"rounds\">"));
  EXPECT_TRUE(contains(rounds, "<tr class=\"method-icmp\">")) << rounds;
  EXPECT_TRUE(contains(rounds, "<tr class=\"method-tcp\">"));
}

}  // namespace
}  // namespace semaphore::web

// The alerts' pages and API (issue 14) through WebApp::handle over a real SQLite store, with events made by
// the real evaluator in the writer's transaction (MonitorStore::insert_results_evaluated): /alerts (the
// default rules form, maintenance windows, the last events), the host edit page's overrides and state, the
// report's alert column and strip, the host page's events; /api/v1/events (pages, host and time filters),
// /api/v1/maintenance, /api/v1/alert-rules and the alert fields of /api/v1/hosts/{id}. CSRF on every form,
// every field error named, another user's host or window 404.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <regex>
#include <set>

#include "alerts/round_evaluator.h"
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

class AlertsUiTest : public ::testing::Test {
 protected:
  WebApp& app() {
    if (!app_) app_ = app_over(*store);
    return *app_;
  }
  store::Id user_id(const std::string& email) { return store->find_user_by_email(email)->id; }
  store::Id add_host(store::Id user, const std::string& hostname) {
    return store->add_host({0, user, hostname, Provider::other, "", "", true, 0, {}})->id;
  }
  // One round of `host` at round number `n`, all answered or all lost, evaluated as the writer does.
  void round(store::Id host, int n, bool answered) {
    store::PingResult row;
    row.host_id = host;
    row.ts = start_ + n * kRound;
    row.sent = 5;
    row.received = answered ? 5 : 0;
    if (answered) {
      row.min_ms = 10;
      row.avg_ms = row.median_ms = 11;
      row.max_ms = 12;
      row.stddev_ms = 0.5;
    } else {
      row.error = "timeout";
    }
    const std::vector<store::PingResult> rows = {row};
    ASSERT_TRUE(store->insert_results_evaluated(rows, evaluator_).ok());
  }
  // A good first round (unknown -> up, quiet) and then `cycles` times down (3 lost) and up (2 good):
  // 1 + 2 x cycles events. Returns the next round number.
  int cycle(store::Id host, int cycles, int n = 0) {
    round(host, n++, true);
    for (int c = 0; c < cycles; ++c) {
      for (int i = 0; i < 3; ++i) round(host, n++, false);
      for (int i = 0; i < 2; ++i) round(host, n++, true);
    }
    return n;
  }

  testing::TempDir dir{"semaphore-alerts-ui"};
  std::unique_ptr<store::Store> store = semaphore::testing::open_migrated_sqlite(dir, "alerts.db");
  std::unique_ptr<WebApp> app_;
  alerts::StoreRoundEvaluator evaluator_;
  EpochMs start_ = now_epoch_ms() - 2 * 3'600'000;  // two hours ago: inside the pages' default ranges
};

// --- /alerts: the default rules ---

TEST_F(AlertsUiTest, TheAlertsPageShowsEveryRuleWithItsDefaultAndIsLinkedInTheMenu) {
  Browser anonymous{app()};
  EXPECT_EQ(anonymous.call(Method::get, "/alerts").status, 303);
  Browser alice{app()};
  alice.sign_up("alice%40example.com");
  const Response page = alice.call(Method::get, "/alerts");
  ASSERT_EQ(page.status, 200);
  EXPECT_TRUE(contains(page.body, "<a href=\"/alerts\" aria-current=\"page\">Alerts</a>")) << page.body;
  for (const char* name : {"down_after", "up_after", "degraded_after", "loss_percent", "median_ms",
                           "baseline_factor", "flap_changes", "flap_window_s"}) {
    EXPECT_TRUE(contains(page.body, std::string("name=\"") + name + "\"")) << name;
  }
  EXPECT_TRUE(contains(page.body,
                       "id=\"rule-down_after\" name=\"down_after\" inputmode=\"decimal\" "
                       "maxlength=\"20\" value=\"3\""));
  EXPECT_TRUE(contains(page.body, "Default: 20 %."));
  EXPECT_TRUE(contains(page.body, "Default: off."));  // median and baseline
  EXPECT_TRUE(contains(page.body,
                       "id=\"rule-median_ms\" name=\"median_ms\" inputmode=\"decimal\" "
                       "maxlength=\"20\" value=\"\""));
  EXPECT_TRUE(contains(page.body, "id=\"channels\"")) << "the channels' place";
}

TEST_F(AlertsUiTest, SavingTheRulesNeedsTheFormsCsrfToken) {
  Browser alice{app()};
  alice.sign_up("alice%40example.com");
  EXPECT_EQ(alice.post("/alerts/rules", "down_after=5", /*with_csrf=*/false).status, 403);
  EXPECT_EQ(alice.post("/alerts/rules", "csrf_token=forged&down_after=5", false).status, 403);
  EXPECT_FALSE(store->user_alert_rules(user_id("alice@example.com")).value().has_value());
}

TEST_F(AlertsUiTest, SavedRulesAreStoredAndABlankMedianIsOff) {
  Browser alice{app()};
  alice.sign_up("alice%40example.com");
  const Response saved = alice.post("/alerts/rules",
                                    "down_after=5&up_after=&degraded_after=4&loss_percent=12.5&median_ms=&"
                                    "baseline_factor=2&flap_changes=6&flap_window_s=1800");
  ASSERT_EQ(saved.status, 303) << saved.body;
  const auto rules = store->user_alert_rules(user_id("alice@example.com")).value();
  ASSERT_TRUE(rules.has_value());
  EXPECT_EQ(rules->down_after, 5);
  EXPECT_EQ(rules->up_after, 2) << "blank: the built-in default";
  EXPECT_EQ(rules->degraded_after, 4);
  EXPECT_DOUBLE_EQ(rules->loss_percent, 12.5);
  EXPECT_FALSE(rules->median_ms.has_value());
  EXPECT_EQ(rules->baseline_factor, 2.0);
  EXPECT_EQ(rules->flap_window_s, 1800);
  const Response page = alice.call(Method::get, "/alerts");
  EXPECT_TRUE(contains(page.body, "name=\"down_after\" inputmode=\"decimal\" maxlength=\"20\" value=\"5\""));
  EXPECT_TRUE(
      contains(page.body, "name=\"loss_percent\" inputmode=\"decimal\" maxlength=\"20\" value=\"12.5\""));
}

TEST_F(AlertsUiTest, WrongRulesAreNamedFieldByFieldAndNothingIsSaved) {
  Browser alice{app()};
  alice.sign_up("alice%40example.com");
  const Response refused =
      alice.post("/alerts/rules",
                 "down_after=0&up_after=2.5&loss_percent=abc&median_ms=-3&flap_window_s=10&flap_changes=6");
  EXPECT_EQ(refused.status, 400);
  for (const char* field : {"down_after", "up_after", "loss_percent", "median_ms", "flap_window_s"}) {
    EXPECT_TRUE(contains(refused.body, std::string("id=\"rule-") + field + "-error\"")) << field;
    EXPECT_TRUE(contains(refused.body, std::string("id=\"rule-") + field + "\" name=\"" + field + "\""))
        << field;
  }
  EXPECT_FALSE(contains(refused.body, "id=\"rule-flap_changes-error\""));
  EXPECT_TRUE(contains(refused.body, "down_after must be between 1 and 100"));
  EXPECT_TRUE(contains(refused.body, "up_after must be a whole number"));
  EXPECT_TRUE(contains(refused.body, "value=\"abc\"")) << "what was typed is shown again";
  EXPECT_FALSE(store->user_alert_rules(user_id("alice@example.com")).value().has_value());
}

// --- /alerts: maintenance windows ---

TEST_F(AlertsUiTest, WeeklyAndOneOffWindowsAreAddedListedAndDeleted) {
  Browser alice{app()};
  alice.sign_up("alice%40example.com");
  const store::Id alice_id = user_id("alice@example.com");
  const store::Id host = add_host(alice_id, "db.example.com");
  ASSERT_EQ(alice
                .post("/alerts/maintenance",
                      "kind=weekly&host_id=&day_sat=1&day_sun=1&start=02%3A00&end=04%3A00&"
                      "time_zone=Europe%2FBerlin&note=backups")
                .status,
            303);
  ASSERT_EQ(alice
                .post("/alerts/maintenance", "kind=once&host_id=" + std::to_string(host) +
                                                 "&starts=2026-07-01T10%3A00&ends=2026-07-01T12%3A30&"
                                                 "time_zone=Europe%2FBerlin")
                .status,
            303);
  const auto windows = store->list_maintenance_windows(alice_id).value();
  ASSERT_EQ(windows.size(), 2u);
  EXPECT_EQ(windows[0].kind, "weekly");
  EXPECT_FALSE(windows[0].host_id.has_value());
  EXPECT_EQ(windows[0].days, (1 << 5) | (1 << 6));
  EXPECT_EQ(windows[0].start_minute, 120);
  EXPECT_EQ(windows[0].end_minute, 240);
  EXPECT_EQ(windows[0].time_zone, "Europe/Berlin");
  EXPECT_EQ(windows[0].note, "backups");
  EXPECT_EQ(windows[1].kind, "once");
  EXPECT_EQ(windows[1].host_id, host);
  // 10:00 in Berlin in July (CEST, UTC+2) is 08:00 UTC.
  EXPECT_EQ(format_iso8601(windows[1].starts_at), "2026-07-01T08:00:00.000Z");
  EXPECT_EQ(format_iso8601(windows[1].ends_at), "2026-07-01T10:30:00.000Z");

  const Response page = alice.call(Method::get, "/alerts");
  EXPECT_TRUE(contains(page.body, "Sat, Sun 02:00–04:00 Europe/Berlin")) << page.body;
  EXPECT_TRUE(contains(page.body, "2026-07-01 08:00 – 2026-07-01 10:30 UTC"));
  EXPECT_TRUE(contains(page.body, "<td>db.example.com</td>"));

  const std::string target = "/alerts/maintenance/" + std::to_string(windows[0].id) + "/delete";
  EXPECT_EQ(alice.post(target, "", /*with_csrf=*/false).status, 403);
  EXPECT_EQ(alice.post(target, "").status, 303);
  EXPECT_EQ(store->list_maintenance_windows(alice_id).value().size(), 1u);
}

TEST_F(AlertsUiTest, AWrongWindowIsRefusedWithTheFieldNamed) {
  Browser alice{app()};
  alice.sign_up("alice%40example.com");
  const auto field_error = [&](const std::string& fields, const std::string& expected) {
    const Response refused = alice.post("/alerts/maintenance", fields);
    EXPECT_EQ(refused.status, 400) << fields;
    EXPECT_TRUE(contains(refused.body, expected)) << fields << "\n" << refused.body;
  };
  field_error("kind=weekly&day_mon=1&start=02%3A00&end=04%3A00&time_zone=Mars%2FOlympus",
              "Unknown time zone");
  field_error("kind=weekly&start=02%3A00&end=04%3A00&time_zone=UTC", "Choose at least one day.");
  field_error("kind=weekly&day_mon=1&start=25%3A00&end=04%3A00&time_zone=UTC", "Enter the start as HH:MM.");
  field_error("kind=weekly&day_mon=1&start=02%3A00&end=02%3A00&time_zone=UTC", "The end must differ");
  field_error("kind=once&starts=2026-07-01T10%3A00&ends=2026-07-01T09%3A00&time_zone=UTC",
              "The end must be after the start.");
  field_error("kind=once&starts=soon&ends=2026-07-01T09%3A00&time_zone=UTC", "Enter the start as a date");
  EXPECT_TRUE(store->list_maintenance_windows(user_id("alice@example.com")).value().empty());
}

TEST_F(AlertsUiTest, AnotherUsersWindowOrHostIs404) {
  Browser alice{app()}, bob{app()};
  alice.sign_up("alice%40example.com");
  bob.sign_up("bob%40example.com");
  const store::Id bob_id = user_id("bob@example.com");
  const store::Id bobs_host = add_host(bob_id, "bob.example.com");
  ASSERT_EQ(
      bob.post("/alerts/maintenance", "kind=weekly&day_mon=1&start=02%3A00&end=04%3A00&time_zone=UTC").status,
      303);
  const store::Id bobs_window = store->list_maintenance_windows(bob_id).value().at(0).id;
  EXPECT_EQ(alice.post("/alerts/maintenance/" + std::to_string(bobs_window) + "/delete", "").status, 404);
  EXPECT_EQ(store->list_maintenance_windows(bob_id).value().size(), 1u);
  EXPECT_EQ(alice
                .post("/alerts/maintenance", "kind=weekly&host_id=" + std::to_string(bobs_host) +
                                                 "&day_mon=1&start=02%3A00&end=04%3A00&time_zone=UTC")
                .status,
            404);
  EXPECT_FALSE(
      contains(alice.call(Method::get, "/alerts").body, "data-window=\"" + std::to_string(bobs_window)));
}

// --- events on the pages ---

TEST_F(AlertsUiTest, EventsShowOnAlertsTheReportAndTheHostPageOfTheirOwnerOnly) {
  Browser alice{app()}, bob{app()};
  alice.sign_up("alice%40example.com");
  bob.sign_up("bob%40example.com");
  const store::Id host = add_host(user_id("alice@example.com"), "web.example.com");
  int n = cycle(host, 1);                               // up (quiet: first round), down, up
  for (int i = 0; i < 3; ++i) round(host, n++, false);  // down again
  const auto events = store->user_events(user_id("alice@example.com"), 0, 100).value();
  ASSERT_EQ(events.size(), 4u);

  const Response page = alice.call(Method::get, "/alerts");
  for (const auto& event : events) {
    EXPECT_TRUE(contains(page.body, "data-event=\"" + std::to_string(event.id) + "\"")) << event.id;
  }
  EXPECT_TRUE(contains(page.body, events[0].reason)) << page.body;
  EXPECT_TRUE(contains(page.body, "quiet: first round"));
  EXPECT_TRUE(contains(page.body, "notify"));
  EXPECT_TRUE(contains(page.body, "0 of 5 replies"));
  EXPECT_TRUE(contains(page.body, ">web.example.com</a>"));
  EXPECT_FALSE(contains(bob.call(Method::get, "/alerts").body, "data-event=")) << "Bob sees none of them";

  const Response report = alice.call(Method::get, "/report");
  EXPECT_TRUE(contains(report.body, "<td data-value=\"5\"><span class=\"badge state-down\">down</span>"))
      << "the alert column: " << report.body;
  EXPECT_TRUE(contains(report.body, "Latest events"));
  EXPECT_TRUE(contains(report.body, "data-event=\"" + std::to_string(events[0].id) + "\""));

  const Response host_page = alice.call(Method::get, "/report/" + std::to_string(host));
  EXPECT_TRUE(contains(host_page.body, "alert: down"));
  EXPECT_TRUE(contains(host_page.body, "data-events=\"/api/v1/events?host_id=" + std::to_string(host)));
  for (const auto& event : events) {
    EXPECT_TRUE(contains(host_page.body, "data-event=\"" + std::to_string(event.id) + "\"")) << event.id;
  }
  EXPECT_EQ(bob.call(Method::get, "/report/" + std::to_string(host)).status, 404);
}

// Issue 15: the verdict of the path traced for an event, stored by the ping service (PathStore::insert_path
// with the event's round), shows under the event on /alerts, /report and the host page, escaped, and in
// /api/v1/events as path_verdict (null for the events without a path).
TEST_F(AlertsUiTest, AnEventsPathVerdictShowsUnderItOnThePagesAndInTheApi) {
  Browser alice{app()};
  alice.sign_up("alice%40example.com");
  const store::Id host = add_host(user_id("alice@example.com"), "web.example.com");
  cycle(host, 1);  // up (quiet: first round), down, up
  auto events = store->user_events(user_id("alice@example.com"), 0, 100).value();
  ASSERT_EQ(events.size(), 3u);
  const store::AlertEventRecord down = events[1];  // newest first: up, down, up
  ASSERT_EQ(down.to_state, "down");
  store::HostPathRecord path;
  path.host_id = host;
  path.measured_at = down.at + 70'000;
  path.trigger = "state_change";
  path.hops = R"([{"t":1,"a":"10.0.0.6","n":"<b>r1</b>","s":10,"r":4,"md":5,"d":1}])";
  path.verdict = "the loss starts at hop 1, <b>r1</b> (10.0.0.6), and continues to the host";
  path.verdict_kind = "loss_from_hop";
  path.verdict_hop = 1;
  const auto stored = store->insert_path(path, down.at);
  ASSERT_TRUE(stored.ok());

  const std::string shown = "<div class=\"small path-verdict\"><a href=\"/report/" + std::to_string(host) +
                            "#path\">Path</a>: the loss starts at hop 1, &lt;b&gt;r1&lt;/b&gt; (10.0.0.6), "
                            "and continues to the host</div>";
  for (const std::string& target :
       std::vector<std::string>{"/alerts", "/report", "/report/" + std::to_string(host)}) {
    const Response page = alice.call(Method::get, target);
    ASSERT_EQ(page.status, 200) << target;
    EXPECT_TRUE(contains(page.body, shown)) << target << ": " << page.body;
    EXPECT_FALSE(contains(page.body, "<b>r1</b>")) << target << ": escaped";
    // Only the down event has one: its row holds the verdict, the others none.
    const std::size_t row = page.body.find("data-event=\"" + std::to_string(down.id) + "\"");
    ASSERT_NE(row, std::string::npos) << target;
    EXPECT_LT(page.body.find("path-verdict", row), page.body.find("</tr>", row)) << target;
    EXPECT_EQ(page.body.find("path-verdict"), page.body.rfind("path-verdict")) << target << ": one verdict";
  }

  const json::value body = json::parse(alice.api(Method::get, "/api/v1/events").body);
  int with_verdict = 0;
  for (const json::value& event : body.at("events").as_array()) {
    const json::value& verdict = event.at("path_verdict");
    if (event.at("id").as_int64() == down.id) {
      ASSERT_TRUE(verdict.is_string());
      EXPECT_EQ(std::string(verdict.as_string()), path.verdict);
      ++with_verdict;
    } else {
      EXPECT_TRUE(verdict.is_null()) << "no path traced for it";
    }
  }
  EXPECT_EQ(with_verdict, 1);
}

TEST_F(AlertsUiTest, AHostInAMaintenanceWindowIsPausedOnTheReport) {
  Browser alice{app()};
  alice.sign_up("alice%40example.com");
  const store::Id host = add_host(user_id("alice@example.com"), "web.example.com");
  round(host, 0, true);
  store::MaintenanceWindowRecord window;
  window.user_id = user_id("alice@example.com");
  window.host_id = host;
  window.kind = "once";
  window.starts_at = now_epoch_ms() - 60'000;
  window.ends_at = now_epoch_ms() + 3'600'000;
  ASSERT_TRUE(store->add_maintenance_window(window).ok());
  EXPECT_TRUE(
      contains(alice.call(Method::get, "/report").body, "<span class=\"badge state-paused\">paused</span>"));
}

// --- the host edit page: overrides and state ---

TEST_F(AlertsUiTest, AHostsOverridesAreSavedBlankKeepsTheDefaultAndWrongOnesAreNamed) {
  Browser alice{app()}, bob{app()};
  alice.sign_up("alice%40example.com");
  bob.sign_up("bob%40example.com");
  const store::Id alice_id = user_id("alice@example.com");
  ASSERT_EQ(alice.post("/alerts/rules", "down_after=4").status, 303);
  const store::Id host = add_host(alice_id, "web.example.com");
  cycle(host, 0);
  const std::string edit = "/manage/hosts/" + std::to_string(host);

  const Response page = alice.call(Method::get, edit);
  ASSERT_EQ(page.status, 200);
  EXPECT_TRUE(contains(page.body, "Alert state: <span class=\"badge state-up\">up</span>")) << page.body;
  EXPECT_TRUE(contains(page.body,
                       "name=\"down_after\" inputmode=\"decimal\" maxlength=\"20\" value=\"\" "
                       "placeholder=\"4\""))
      << "blank, the user's default as the placeholder";
  EXPECT_TRUE(contains(page.body, "placeholder=\"off\""));

  EXPECT_EQ(alice.post(edit + "/alerts", "down_after=7", /*with_csrf=*/false).status, 403);
  ASSERT_EQ(alice.post(edit + "/alerts", "down_after=7&median_ms=0&loss_percent=").status, 303);
  const auto overrides = store->host_alert_overrides(alice_id, host).value();
  EXPECT_EQ(overrides.down_after, 7);
  EXPECT_EQ(overrides.median_ms, 0.0) << "0: the median rule off for this host";
  EXPECT_FALSE(overrides.loss_percent.has_value());
  EXPECT_TRUE(contains(alice.call(Method::get, edit).body,
                       "name=\"down_after\" inputmode=\"decimal\" "
                       "maxlength=\"20\" value=\"7\""));

  const Response refused = alice.post(edit + "/alerts", "down_after=500&baseline_factor=1.05");
  EXPECT_EQ(refused.status, 400);
  EXPECT_TRUE(contains(refused.body, "id=\"override-down_after-error\""));
  EXPECT_TRUE(contains(refused.body, "id=\"override-baseline_factor-error\""));
  EXPECT_EQ(store->host_alert_overrides(alice_id, host).value().down_after, 7) << "nothing saved";

  EXPECT_EQ(bob.call(Method::get, edit).status, 404);
  EXPECT_EQ(bob.post(edit + "/alerts", "down_after=1").status, 404);
  EXPECT_EQ(store->host_alert_overrides(alice_id, host).value().down_after, 7);
}

// --- /api/v1/events ---

TEST_F(AlertsUiTest, ApiEventsComeNewestFirstInPagesWithoutGapsOrRepeats) {
  Browser alice{app()};
  alice.sign_up("alice%40example.com");
  const store::Id alice_id = user_id("alice@example.com");
  const store::Id a = add_host(alice_id, "a.example.com");
  const store::Id b = add_host(alice_id, "b.example.com");
  cycle(a, 3);
  cycle(b, 2);  // 7 + 5 events
  const auto stored = store->user_events(alice_id, 0, 100).value();
  ASSERT_EQ(stored.size(), 12u);

  std::vector<std::int64_t> seen;
  std::string target = "/api/v1/events?limit=5";
  for (int pages = 0; pages < 10 && !target.empty(); ++pages) {
    const Response page = alice.api(Method::get, target);
    ASSERT_EQ(page.status, 200) << page.body;
    const json::value body = body_of(page);
    for (const auto& event : body.at("events").as_array()) seen.push_back(event.at("id").as_int64());
    if (pages == 0) {
      const json::object& first = body.at("events").as_array().at(0).as_object();
      EXPECT_EQ(first.at("id").as_int64(), stored[0].id);
      EXPECT_EQ(first.at("to").as_string(), stored[0].to_state);
      EXPECT_EQ(first.at("trigger").as_string(), stored[0].trigger);
      EXPECT_TRUE(first.at("round").as_object().contains("median_ms"));
    }
    const json::value& next = body.at("next_cursor");
    target = next.is_null() ? "" : "/api/v1/events?limit=5&cursor=" + std::string(next.as_string());
    if (pages == 0) {  // a newer event written between pages is not in the later ones
      for (int i = 0; i < 3; ++i) round(b, 100 + i, false);
    }
  }
  ASSERT_EQ(store->user_events(alice_id, 0, 100).value().size(), 13u) << "b went down between the pages";
  ASSERT_EQ(seen.size(), 12u);
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], stored[i].id) << i;
}

TEST_F(AlertsUiTest, ApiEventsFilterByHostAndSinceAndAnotherUsersHostIs404) {
  Browser alice{app()}, bob{app()};
  alice.sign_up("alice%40example.com");
  bob.sign_up("bob%40example.com");
  const store::Id a = add_host(user_id("alice@example.com"), "a.example.com");
  const store::Id b = add_host(user_id("alice@example.com"), "b.example.com");
  const store::Id bobs = add_host(user_id("bob@example.com"), "bob.example.com");
  cycle(a, 2);
  cycle(b, 1);
  cycle(bobs, 1);

  const Response of_a = alice.api(Method::get, "/api/v1/events?host_id=" + std::to_string(a) + "&limit=2");
  ASSERT_EQ(of_a.status, 200) << of_a.body;
  std::vector<std::int64_t> ids;
  json::value body = body_of(of_a);
  for (const auto& event : body.at("events").as_array()) {
    EXPECT_EQ(event.at("host_id").as_int64(), a);
    ids.push_back(event.at("id").as_int64());
  }
  ASSERT_FALSE(body.at("next_cursor").is_null());
  body = body_of(alice.api(Method::get, "/api/v1/events?host_id=" + std::to_string(a) + "&limit=10&cursor=" +
                                            std::string(body.at("next_cursor").as_string())));
  for (const auto& event : body.at("events").as_array()) ids.push_back(event.at("id").as_int64());
  EXPECT_TRUE(body.at("next_cursor").is_null());
  EXPECT_EQ(ids.size(), 5u);
  EXPECT_TRUE(std::is_sorted(ids.rbegin(), ids.rend()));

  // since: the events from b's 2nd round on (its down, then up); as ISO 8601 and as epoch seconds.
  const EpochMs since = start_ + 2 * kRound;
  for (const std::string& text : {format_iso8601(since), std::to_string(since / 1000)}) {
    const json::value filtered =
        body_of(alice.api(Method::get, "/api/v1/events?host_id=" + std::to_string(b) + "&since=" + text));
    ASSERT_EQ(filtered.at("events").as_array().size(), 2u) << text;
    for (const auto& event : filtered.at("events").as_array()) {
      EXPECT_GE(event.at("at").as_string(), format_iso8601(since));
    }
  }
  const json::value all_since =
      body_of(alice.api(Method::get, "/api/v1/events?since=" + format_iso8601(since)));
  EXPECT_EQ(all_since.at("events").as_array().size(), 2u + 4u) << "a's and b's, not Bob's";

  const Response foreign = alice.api(Method::get, "/api/v1/events?host_id=" + std::to_string(bobs));
  EXPECT_EQ(foreign.status, 404);
  EXPECT_EQ(error_of(foreign), (std::pair<std::string, std::string>{"not_found", "host_id"}));
  EXPECT_EQ(error_of(alice.api(Method::get, "/api/v1/events?since=soon")).second, "since");
  EXPECT_EQ(error_of(alice.api(Method::get, "/api/v1/events?cursor=xyz")).second, "cursor");
  EXPECT_EQ(error_of(alice.api(Method::get, "/api/v1/events?limit=0")).second, "limit");
  EXPECT_EQ(error_of(alice.api(Method::get, "/api/v1/events?host_id=abc")).second, "host_id");
}

// --- /api/v1/maintenance ---

TEST_F(AlertsUiTest, ApiMaintenanceWindowsAreAddedReadListedAndDeleted) {
  Browser alice{app()}, bob{app()};
  alice.sign_up("alice%40example.com");
  bob.sign_up("bob%40example.com");
  const store::Id host = add_host(user_id("alice@example.com"), "a.example.com");
  const store::Id bobs = add_host(user_id("bob@example.com"), "bob.example.com");

  const Response weekly = alice.api(Method::post, "/api/v1/maintenance",
                                    R"({"kind":"weekly","days":["sat","SUN"],"start":"23:00","end":"01:00",)"
                                    R"("time_zone":"America/New_York","note":"patching"})");
  ASSERT_EQ(weekly.status, 201) << weekly.body;
  const json::object created = body_of(weekly).as_object();
  EXPECT_EQ(header_of(weekly, "Location"),
            "/api/v1/maintenance/" + std::to_string(created.at("id").as_int64()));
  EXPECT_EQ(json::serialize(created.at("days")), R"(["sat","sun"])");
  EXPECT_EQ(created.at("start").as_string(), "23:00");
  EXPECT_TRUE(created.at("host_id").is_null());
  EXPECT_TRUE(created.at("starts_at").is_null());

  const Response once = alice.api(Method::post, "/api/v1/maintenance",
                                  R"({"kind":"once","host_id":)" + std::to_string(host) +
                                      R"(,"starts_at":"2026-07-01T10:00:00+02:00","ends_at":1782907200})");
  ASSERT_EQ(once.status, 201) << once.body;
  const json::object one = body_of(once).as_object();
  EXPECT_EQ(one.at("starts_at").as_string(), "2026-07-01T08:00:00.000Z");
  EXPECT_EQ(one.at("ends_at").as_string(), "2026-07-01T12:00:00.000Z") << "epoch seconds as a number";
  EXPECT_EQ(one.at("host_id").as_int64(), host);

  const json::value listed = body_of(alice.api(Method::get, "/api/v1/maintenance"));
  EXPECT_EQ(listed.at("windows").as_array().size(), 2u);
  const std::string target = "/api/v1/maintenance/" + std::to_string(one.at("id").as_int64());
  EXPECT_EQ(body_of(alice.api(Method::get, target)).at("kind").as_string(), "once");

  // Bob: not his window (404 on read and delete), not his host.
  EXPECT_EQ(bob.api(Method::get, target).status, 404);
  EXPECT_EQ(bob.api(Method::delete_, target).status, 404);
  EXPECT_TRUE(body_of(bob.api(Method::get, "/api/v1/maintenance")).at("windows").as_array().empty());
  const Response foreign_host = alice.api(Method::post, "/api/v1/maintenance",
                                          R"({"kind":"weekly","host_id":)" + std::to_string(bobs) +
                                              R"(,"days":["mon"],"start":"01:00","end":"02:00"})");
  EXPECT_EQ(foreign_host.status, 404);
  EXPECT_EQ(error_of(foreign_host).second, "host_id");

  EXPECT_EQ(alice.api(Method::delete_, target).status, 204);
  EXPECT_EQ(alice.api(Method::get, target).status, 404);
  EXPECT_EQ(alice.api(Method::delete_, target).status, 404);
}

TEST_F(AlertsUiTest, ApiMaintenanceErrorsNameTheirField) {
  Browser alice{app()};
  alice.sign_up("alice%40example.com");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"days":["mon"]})", "kind"},
      {R"({"kind":"monthly"})", "kind"},
      {R"({"kind":"weekly","days":["mon"],"start":"01:00","end":"02:00","time_zone":"Mars/Olympus"})",
       "time_zone"},
      {R"({"kind":"weekly","days":["someday"],"start":"01:00","end":"02:00"})", "days"},
      {R"({"kind":"weekly","days":[],"start":"01:00","end":"02:00"})", "days"},
      {R"({"kind":"weekly","days":["mon"],"start":"1am","end":"02:00"})", "start"},
      {R"({"kind":"weekly","days":["mon"],"start":"01:00","end":"01:00"})", "end"},
      {R"({"kind":"weekly","days":["mon"],"start":"01:00","end":"02:00","starts_at":"2026-01-01"})",
       "starts_at"},
      {R"({"kind":"once","starts_at":"2026-01-02","ends_at":"2026-01-01"})", "ends_at"},
      {R"({"kind":"once","starts_at":"tomorrow","ends_at":"2026-01-01"})", "starts_at"},
      {R"({"kind":"once","starts_at":"2026-01-01","ends_at":"2026-01-02","host_id":"x"})", "host_id"},
      {R"({"kind":"once","starts_at":"2026-01-01","ends_at":"2026-01-02","note":7})", "note"},
  };
  for (const auto& [body, field] : cases) {
    const Response refused = alice.api(Method::post, "/api/v1/maintenance", body);
    EXPECT_EQ(refused.status, 400) << body;
    EXPECT_EQ(error_of(refused), (std::pair<std::string, std::string>{"bad_field", field})) << body;
  }
  EXPECT_TRUE(store->list_maintenance_windows(user_id("alice@example.com")).value().empty());
  // Cookie writes need the header (as every API write).
  Browser no_header = alice;
  no_header.csrf = "wrong";
  EXPECT_EQ(no_header.api(Method::post, "/api/v1/maintenance", R"({"kind":"once"})").status, 403);
}

// --- /api/v1/alert-rules and the host's alert fields ---

TEST_F(AlertsUiTest, ApiAlertRulesReadTheDefaultsAndPutReplacesThem) {
  Browser alice{app()};
  alice.sign_up("alice%40example.com");
  const json::value defaults = body_of(alice.api(Method::get, "/api/v1/alert-rules"));
  EXPECT_EQ(json::serialize(defaults),
            R"({"down_after":3,"up_after":2,"degraded_after":3,"loss_percent":20,"median_ms":null,)"
            R"("baseline_factor":null,"flap_changes":6,"flap_window_s":3600,"quorum":null})");
  const Response put = alice.api(Method::put, "/api/v1/alert-rules", R"({"down_after":5,"median_ms":150})");
  ASSERT_EQ(put.status, 200) << put.body;
  const auto stored = store->user_alert_rules(user_id("alice@example.com")).value();
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->down_after, 5);
  EXPECT_EQ(stored->up_after, 2) << "left out: the built-in default";
  EXPECT_EQ(stored->median_ms, 150.0);
  EXPECT_EQ(body_of(alice.api(Method::get, "/api/v1/alert-rules")).at("median_ms").to_number<double>(),
            150.0);

  for (const auto& [body, field] :
       std::vector<std::pair<std::string, std::string>>{{R"({"down_after":0})", "down_after"},
                                                        {R"({"down_after":2.5})", "down_after"},
                                                        {R"({"up_after":null})", "up_after"},
                                                        {R"({"loss_percent":"20"})", "loss_percent"},
                                                        {R"({"baseline_factor":1})", "baseline_factor"},
                                                        {R"({"flap_window_s":30})", "flap_window_s"},
                                                        {R"({"sms":true})", "sms"}}) {
    const Response refused = alice.api(Method::put, "/api/v1/alert-rules", body);
    EXPECT_EQ(refused.status, 400) << body;
    EXPECT_EQ(error_of(refused), (std::pair<std::string, std::string>{"bad_field", field})) << body;
  }
  EXPECT_EQ(store->user_alert_rules(user_id("alice@example.com")).value()->down_after, 5) << "unchanged";
}

TEST_F(AlertsUiTest, ApiHostShowsItsAlertStateAndPatchSetsAndClearsOverrides) {
  Browser alice{app()}, bob{app()};
  alice.sign_up("alice%40example.com");
  bob.sign_up("bob%40example.com");
  const store::Id alice_id = user_id("alice@example.com");
  const store::Id host = add_host(alice_id, "a.example.com");
  const std::string target = "/api/v1/hosts/" + std::to_string(host);
  json::value body = body_of(alice.api(Method::get, target));
  EXPECT_EQ(body.at("alert_state").as_string(), "unknown");
  for (const auto& [name, value] : body.at("alert_rules").as_object()) EXPECT_TRUE(value.is_null()) << name;

  int n = cycle(host, 0);
  for (int i = 0; i < 3; ++i) round(host, n++, false);
  EXPECT_EQ(body_of(alice.api(Method::get, target)).at("alert_state").as_string(), "down");

  const Response patched =
      alice.api(Method::patch, target, R"({"label":"edge","alert_rules":{"down_after":6,"median_ms":0}})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  body = body_of(patched);
  EXPECT_EQ(body.at("label").as_string(), "edge");
  EXPECT_EQ(body.at("alert_rules").at("down_after").as_int64(), 6);
  EXPECT_EQ(body.at("alert_rules").at("median_ms").to_number<double>(), 0.0);
  EXPECT_EQ(store->host_alert_overrides(alice_id, host).value().down_after, 6);

  // null clears one override; the others stay.
  body = body_of(alice.api(Method::patch, target, R"({"alert_rules":{"down_after":null}})"));
  EXPECT_TRUE(body.at("alert_rules").at("down_after").is_null());
  EXPECT_EQ(store->host_alert_overrides(alice_id, host).value().median_ms, 0.0);

  // A wrong rule refuses the whole PATCH, naming it.
  const Response refused =
      alice.api(Method::patch, target, R"({"label":"x","alert_rules":{"loss_percent":120}})");
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(error_of(refused).second, "alert_rules.loss_percent");
  EXPECT_EQ(error_of(alice.api(Method::patch, target, R"({"alert_rules":{"sms":1}})")).second,
            "alert_rules.sms");
  EXPECT_EQ(error_of(alice.api(Method::patch, target, R"({"alert_rules":5})")).second, "alert_rules");
  EXPECT_EQ(store->find_host(alice_id, host)->label, "edge") << "nothing changed";

  EXPECT_EQ(bob.api(Method::get, target).status, 404);
  EXPECT_EQ(bob.api(Method::patch, target, R"({"alert_rules":{"down_after":1}})").status, 404);
  EXPECT_FALSE(store->host_alert_overrides(alice_id, host).value().down_after.has_value());
}

}  // namespace
}  // namespace semaphore::web

// `semaphore event list` and `semaphore alert-rules show|set` as an operator runs them: the real binary over
// a SQLite file whose events were made by the real evaluator in the writer's transaction
// (MonitorStore::insert_results_evaluated), as the ping service makes them.
#include <gtest/gtest.h>

#include <sstream>

#include "alerts/round_evaluator.h"
#include "store/store.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "support/text_lines.h"

namespace semaphore::testing {
namespace {

class EventCli : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(run_semaphore({"migrate", "--db", db_}).exit_code, 0);
    for (const char* email : {"ops@example.com", "other@example.com"}) {
      const auto added =
          run_command({semaphore_binary(), "user", "add", "--db", db_, email}, "long enough password\n");
      ASSERT_EQ(added.exit_code, 0) << added.err;
    }
    for (const auto& [email, host] :
         std::vector<std::pair<std::string, std::string>>{{"ops@example.com", "web.example.com"},
                                                          {"ops@example.com", "db.example.com"},
                                                          {"other@example.com", "secret.example.com"}}) {
      const auto added = run_semaphore({"host", "add", "--db", db_, "--user", email, host});
      ASSERT_EQ(added.exit_code, 0) << added.err;
    }
    store_ = store::Store::open(*parse_db_url(db_)).value();
  }

  // host: a good round, then 3 lost (down), then 2 good (up) from round `n` on: 3 events (the first quiet).
  void down_and_up(const std::string& email, const std::string& hostname, int n) {
    const store::Id user = store_->find_user_by_email(email)->id;
    store::Id host = 0;
    const auto hosts = store_->list_hosts(user).value();
    for (const auto& each : hosts) {
      if (each.hostname == hostname) host = each.id;
    }
    ASSERT_NE(host, 0);
    for (int i = 0; i < 6; ++i) {
      store::PingResult row;
      row.host_id = host;
      row.ts = 1'767'225'600'000 + (n + i) * 60'000;  // 2026-01-01T00:00Z + rounds
      row.sent = 5;
      row.received = (i == 0 || i >= 4) ? 5 : 0;
      if (row.received) row.min_ms = row.avg_ms = row.median_ms = row.max_ms = 10;
      const std::vector<store::PingResult> rows = {row};
      ASSERT_TRUE(store_->insert_results_evaluated(rows, evaluator_).ok());
    }
  }

  TempDir dir_;
  std::string db_ = "sqlite:" + dir_.file("events.db");
  std::unique_ptr<store::Store> store_;
  alerts::StoreRoundEvaluator evaluator_;
};

TEST_F(EventCli, EventListPrintsTheUsersEventsNewestFirstOneLineEach) {
  down_and_up("ops@example.com", "web.example.com", 0);
  down_and_up("ops@example.com", "db.example.com", 10);
  down_and_up("other@example.com", "secret.example.com", 20);

  const auto listed = run_semaphore({"event", "list", "--db", db_, "--user", "ops@example.com"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  const auto lines = lines_of(listed.out);
  ASSERT_EQ(lines.size(), 1u + 6u) << listed.out;
  EXPECT_EQ(lines[0].rfind("TIME (UTC)", 0), 0u) << lines[0];
  // Newest first: db's up (round 15), db's down (13), db's first up (10), then web's.
  EXPECT_EQ(lines[1].rfind("2026-01-01 00:15:00  db.example.com   down      up        notify", 0), 0u)
      << lines[1];
  EXPECT_NE(lines[1].find("good in a row"), std::string::npos) << lines[1];
  EXPECT_EQ(lines[2].rfind("2026-01-01 00:13:00  db.example.com   up        down      notify", 0), 0u)
      << lines[2];
  EXPECT_NE(lines[2].find("every probe lost for 3 rounds"), std::string::npos) << lines[2];
  EXPECT_EQ(lines[3].rfind("2026-01-01 00:10:00  db.example.com   unknown   up        quiet:first_round", 0),
            0u)
      << lines[3];
  EXPECT_EQ(lines[6].rfind("2026-01-01 00:00:00  web.example.com  unknown   up", 0), 0u) << lines[6];
  EXPECT_EQ(listed.out.find("secret.example.com"), std::string::npos) << "another user's events";

  const auto one_host =
      run_semaphore({"event", "list", "--db", db_, "--user", "ops@example.com", "--host", "web.example.com"});
  ASSERT_EQ(one_host.exit_code, 0) << one_host.err;
  EXPECT_EQ(lines_of(one_host.out).size(), 1u + 3u);
  EXPECT_EQ(one_host.out.find("db.example.com"), std::string::npos);

  const auto limited =
      run_semaphore({"event", "list", "--db", db_, "--user", "ops@example.com", "--limit", "2"});
  ASSERT_EQ(limited.exit_code, 0) << limited.err;
  EXPECT_EQ(lines_of(limited.out).size(), 1u + 2u);

  const auto foreign = run_semaphore(
      {"event", "list", "--db", db_, "--user", "ops@example.com", "--host", "secret.example.com"});
  EXPECT_EQ(foreign.exit_code, 1);
  EXPECT_NE(foreign.err.find("has no host secret.example.com"), std::string::npos) << foreign.err;
  EXPECT_EQ(run_semaphore({"event", "list", "--db", db_, "--user", "nobody@example.com"}).exit_code, 1);
  EXPECT_EQ(
      run_semaphore({"event", "list", "--db", db_, "--user", "ops@example.com", "--limit", "0"}).exit_code,
      2);
}

TEST_F(EventCli, AlertRulesShowTheDefaultsAndSetChangesOnlyTheRulesGiven) {
  const auto shown = run_semaphore({"alert-rules", "show", "--db", db_, "--user", "ops@example.com"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("down_after       3 rounds\n"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("median_ms        off\n"), std::string::npos) << shown.out;

  const auto set = run_semaphore({"alert-rules", "set", "--db", db_, "--user", "ops@example.com",
                                  "--down-after", "5", "--median-ms", "250"});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  const auto rules = store_->user_alert_rules(store_->find_user_by_email("ops@example.com")->id).value();
  ASSERT_TRUE(rules.has_value());
  EXPECT_EQ(rules->down_after, 5);
  EXPECT_EQ(rules->median_ms, 250.0);
  EXPECT_EQ(rules->up_after, 2);
  ASSERT_EQ(
      run_semaphore({"alert-rules", "set", "--db", db_, "--user", "ops@example.com", "--median-ms", "off"})
          .exit_code,
      0);
  EXPECT_FALSE(store_->user_alert_rules(store_->find_user_by_email("ops@example.com")->id)
                   .value()
                   ->median_ms.has_value());

  const auto refused =
      run_semaphore({"alert-rules", "set", "--db", db_, "--user", "ops@example.com", "--down-after", "0"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("--down-after: down_after must be between 1 and 100"), std::string::npos)
      << refused.err;
  EXPECT_EQ(store_->user_alert_rules(store_->find_user_by_email("ops@example.com")->id).value()->down_after,
            5);
}

}  // namespace
}  // namespace semaphore::testing

// Issue 17 on a real PostgreSQL: ping_results partitioned by UTC day and ping_rollups by UTC month. A row for
// any day lands (the writer makes the partition it needs), maintenance creates the coming days ahead,
// retention drops exactly the expired partitions and the rows in them, and with several workers on one
// database only one of them runs maintenance (the advisory lock). SQLite's row-deleting retention is
// MonitorStoreTest's.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "monitor/maintenance.h"
#include "support/durations.h"
#include "unit/store/store_fixture.h"

namespace semaphore::testing {
namespace {

using store::Id;

// 2026-11-30 12:00 UTC: day 20,787 since the epoch.
constexpr EpochMs kNoon = 20'787 * kDay + 12 * kHour;

class PartitionTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (GetParam() == DbKind::sqlite) GTEST_SKIP() << "SQLite has no partitions";
  }

  // The database's own answer, through psql.
  std::string query(const std::string& sql) const {
    const std::string command = "psql -At '" + url_.location + "' -c \"" + sql + "\"";
    std::string out;
    if (FILE* pipe = ::popen(command.c_str(), "r")) {
      char buffer[512];
      while (std::fgets(buffer, sizeof buffer, pipe)) out += buffer;
      ::pclose(pipe);
    }
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }

  // The partitions of `parent`, by name, in order.
  std::string partitions(const std::string& parent) const {
    return query(
        "SELECT string_agg(CAST(c.relname AS TEXT), ' ' ORDER BY c.relname) FROM pg_inherits i "
        "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = CAST('" +
        parent + "' AS regclass)");
  }

  std::string rows_between(EpochMs from, EpochMs to) const {
    return query("SELECT COUNT(*) FROM ping_results WHERE ts >= " + std::to_string(from) + " AND ts < " +
                 std::to_string(to));
  }

  static store::PingResult row(Id host, EpochMs ts) {
    store::PingResult result;
    result.host_id = host;
    result.ts = ts;
    result.sent = 5;
    result.received = 5;
    result.min_ms = result.avg_ms = result.max_ms = result.median_ms = 12.5;
    result.stddev_ms = 0.25;
    return result;
  }
};

TEST_P(PartitionTest, ARowForAnyDayLandsInItsDaysPartition) {
  const auto user = make_user("a@example.com");
  const Id host = make_host(user.id, "p.example").id;
  // Tomorrow (a clock ahead), today, and a day long gone (a replay of an old spool): each lands.
  const std::vector<store::PingResult> rows{row(host, kNoon + kDay), row(host, kNoon),
                                            row(host, kNoon - 40 * kDay)};
  auto inserted = store_->insert_results(rows);
  ASSERT_TRUE(inserted) << inserted.error().message;
  EXPECT_EQ(*inserted, 3);
  // Each partition has the parent's unique key (attached with it): a replay inserts nothing.
  EXPECT_EQ(*store_->insert_results(rows), 0);
  EXPECT_EQ(query("SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'ping_results_20261201_pkey'"), "1");
  const std::string names = partitions("ping_results");
  for (const char* day : {"ping_results_20261201", "ping_results_20261130", "ping_results_20261021"}) {
    EXPECT_NE(names.find(day), std::string::npos) << day << " in " << names;
  }
  // Each row is in its own day's partition, not elsewhere.
  EXPECT_EQ(query("SELECT COUNT(*) FROM ping_results_20261201"), "1");
  EXPECT_EQ(query("SELECT COUNT(*) FROM ping_results_20261021"), "1");
  // And reads back through the store with its figures (REAL keeps these exactly).
  const auto back = store_->results_between(user.id, host, store::kLocalLocationId, 0, kNoon + 2 * kDay);
  ASSERT_TRUE(back);
  ASSERT_EQ(back->size(), 3u);
  EXPECT_DOUBLE_EQ(*back->front().median_ms, 12.5);
  EXPECT_DOUBLE_EQ(*back->front().stddev_ms, 0.25);
  // Rollups land in their month's partition.
  ASSERT_TRUE(store_->refresh_rollups(3600, kNoon - 41 * kDay, kNoon + 2 * kDay, 10));
  EXPECT_EQ(query("SELECT COUNT(*) FROM ping_rollups_202610"), "1");
  EXPECT_EQ(query("SELECT COUNT(*) FROM ping_rollups_202611"), "1");
  EXPECT_EQ(query("SELECT COUNT(*) FROM ping_rollups_202612"), "1");
}

TEST_P(PartitionTest, MaintenanceCreatesTheComingDaysAhead) {
  monitor::Metrics metrics;
  monitor::Maintenance maintenance(*store_, metrics, monitor::MaintenanceOptions{});
  maintenance.run_once(kNoon);
  EXPECT_EQ(metrics.maintenance_errors, 0u);
  const std::string names = partitions("ping_results");
  for (const char* day : {"ping_results_20261129", "ping_results_20261130", "ping_results_20261201",
                          "ping_results_20261202", "ping_results_20261203"}) {
    EXPECT_NE(names.find(day), std::string::npos) << day << " in " << names;
  }
  EXPECT_NE(partitions("ping_rollups").find("ping_rollups_202612"), std::string::npos);
  // Idempotent: another pass makes none.
  auto again = store_->create_partitions(kNoon);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, 0);
}

TEST_P(PartitionTest, RetentionDropsExactlyTheExpiredDaysAndTheirRows) {
  const auto user = make_user("a@example.com");
  std::vector<Id> hosts;
  for (int i = 0; i < 3; ++i) hosts.push_back(make_host(user.id, "r" + std::to_string(i) + ".example").id);
  // Four days of rounds every 30 minutes: Nov 27, 28, 29 and 30 (until noon).
  std::vector<store::PingResult> rows;
  for (Id host : hosts) {
    for (EpochMs ts = kNoon - 3 * kDay - 12 * kHour; ts < kNoon; ts += 30 * 60'000)
      rows.push_back(row(host, ts));
  }
  ASSERT_EQ(*store_->insert_results(rows), static_cast<std::int64_t>(rows.size()));
  const std::string day29 = rows_between(kNoon - kDay - 12 * kHour, kNoon - 12 * kHour);
  const std::string day30 = rows_between(kNoon - 12 * kHour, kNoon);
  ASSERT_EQ(day29, "144");
  ASSERT_EQ(day30, "72");

  // The cutoff is Nov 29 06:00: Nov 27 and 28 have expired whole; Nov 29 has not (its morning rows stay until
  // the whole day has expired).
  auto dropped = store_->prune_results(kNoon - kDay - 6 * kHour, 2);
  ASSERT_TRUE(dropped) << dropped.error().message;
  EXPECT_EQ(*dropped, 2 * 3 * 48);
  const std::string names = partitions("ping_results");
  EXPECT_EQ(names.find("ping_results_20261127"), std::string::npos) << names;
  EXPECT_EQ(names.find("ping_results_20261128"), std::string::npos) << names;
  EXPECT_NE(names.find("ping_results_20261129"), std::string::npos) << names;
  EXPECT_NE(names.find("ping_results_20261130"), std::string::npos) << names;
  EXPECT_EQ(rows_between(0, kNoon - kDay - 12 * kHour), "0");
  EXPECT_EQ(rows_between(kNoon - kDay - 12 * kHour, kNoon - 12 * kHour), day29);
  EXPECT_EQ(rows_between(kNoon - 12 * kHour, kNoon), day30);
  EXPECT_EQ(*store_->prune_results(kNoon - kDay - 6 * kHour, 2), 0);  // nothing more has expired

  // A late row for a dropped day still lands: the writer makes its partition again.
  EXPECT_EQ(*store_->insert_results(std::vector<store::PingResult>{row(hosts[0], kNoon - 3 * kDay)}), 1);
  EXPECT_EQ(rows_between(0, kNoon - kDay - 12 * kHour), "1");

  // Rollups go by month: a cutoff in December drops November's partition, not December's.
  ASSERT_TRUE(store_->refresh_rollups(3600, kNoon - 4 * kDay, kNoon, 10));
  ASSERT_TRUE(store_->insert_results(std::vector<store::PingResult>{row(hosts[0], kNoon + 2 * kDay)}));
  ASSERT_TRUE(store_->refresh_rollups(86400, kNoon + 2 * kDay, kNoon + 3 * kDay, 10));
  const std::string december = query("SELECT COUNT(*) FROM ping_rollups WHERE bucket_start >= " +
                                     std::to_string(kNoon + 12 * kHour + kDay));
  ASSERT_EQ(december, "1");
  auto rollups = store_->prune_rollups(kNoon + 2 * kDay, 2);
  ASSERT_TRUE(rollups) << rollups.error().message;
  EXPECT_GT(*rollups, 0);
  EXPECT_EQ(query("SELECT COUNT(*) FROM ping_rollups"), december);
}

TEST_P(PartitionTest, OnlyOneOfTwoWorkersRunsMaintenance) {
  // A second worker: its own store (its own connections) on the same database.
  auto opened = store::Store::open(url_);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  auto other_store = std::move(opened).value();
  const auto user = make_user("a@example.com");
  const Id host = make_host(user.id, "w.example").id;
  ASSERT_TRUE(store_->insert_results(std::vector<store::PingResult>{row(host, kNoon - 10 * 60'000)}));

  monitor::Metrics metrics_a, metrics_b;
  auto first = std::make_unique<monitor::Maintenance>(*store_, metrics_a, monitor::MaintenanceOptions{});
  monitor::Maintenance second(*other_store, metrics_b, monitor::MaintenanceOptions{});
  first->run_once(kNoon);
  EXPECT_TRUE(first->leads());
  EXPECT_EQ(metrics_a.rollup_runs, 1u);
  // While the first leads, the second's passes do nothing: no rollup of a new round, no lock for it.
  ASSERT_TRUE(store_->insert_results(std::vector<store::PingResult>{row(host, kNoon + 2 * kHour)}));
  second.run_once(kNoon + 2 * kHour + 60'000);
  EXPECT_FALSE(second.leads());
  EXPECT_EQ(metrics_b.rollup_runs, 0u);
  EXPECT_EQ(metrics_b.maintenance_errors, 0u);
  EXPECT_TRUE(store_
                  ->rollups_between(user.id, host, store::kLocalLocationId, 3600, kNoon + 2 * kHour,
                                    kNoon + 3 * kHour)
                  ->empty());
  auto lock = other_store->try_lock_maintenance();
  ASSERT_TRUE(lock);
  EXPECT_EQ(*lock, nullptr);
  // The leader keeps leading from pass to pass.
  first->run_once(kNoon + 5 * 60'000);
  EXPECT_TRUE(first->leads());

  // The leader stops: the second takes over at its next pass and does the work.
  first.reset();
  second.run_once(kNoon + 2 * kHour + 2 * 60'000);
  EXPECT_TRUE(second.leads());
  EXPECT_EQ(metrics_b.rollup_runs, 1u);
  EXPECT_EQ(store_
                ->rollups_between(user.id, host, store::kLocalLocationId, 3600, kNoon + 2 * kHour,
                                  kNoon + 3 * kHour)
                ->size(),
            1u);
  EXPECT_EQ(*store_->try_lock_maintenance(), nullptr);
}

TEST_P(PartitionTest, MaintenanceRebuildsOneClosedDaysKeyAPassAndNeverTodays) {
  const auto user = make_user("a@example.com");
  std::vector<Id> hosts;
  for (int i = 0; i < 40; ++i) hosts.push_back(make_host(user.id, "k" + std::to_string(i) + ".example").id);
  // Yesterday's rounds as the writer writes them (round after round: every host appends at its own place in
  // the key), and a few of today's.
  std::vector<store::PingResult> rows;
  for (int round = 0; round < 300; ++round) {
    for (const Id host : hosts) rows.push_back(row(host, kNoon - kDay + round * 60'000LL));
    if (rows.size() >= 1000 || round == 299) {
      ASSERT_TRUE(store_->insert_results(rows));
      rows.clear();
    }
  }
  for (const Id host : hosts) rows.push_back(row(host, kNoon - 60'000));
  rows.push_back(row(hosts[0], kNoon - 2 * kDay));  // and a day before
  ASSERT_TRUE(store_->insert_results(rows));
  query("CREATE EXTENSION IF NOT EXISTS pgstattuple");
  const auto density = [&](const std::string& index) {
    return std::stod(query("SELECT avg_leaf_density FROM pgstatindex('" + index + "')"));
  };
  const auto options = [&](const std::string& index) {
    return query("SELECT COALESCE(array_to_string(reloptions, ','), '') FROM pg_class WHERE relname = '" +
                 index + "'");
  };
  const std::string yesterday = "ping_results_20261129_pkey", today = "ping_results_20261130_pkey";
  const double before = density(yesterday);
  EXPECT_LT(before, 80.0) << "the write pattern should leave the key's pages part empty";
  const std::string rows_before = rows_between(kNoon - kDay, kNoon + kDay);

  // Half an hour after midnight yesterday is not closed yet: the day before is rebuilt first.
  EXPECT_EQ(*store_->compact_partitions(kNoon - 11 * kHour - 30 * 60'000), 1);
  EXPECT_EQ(options("ping_results_20261128_pkey"), "fillfactor=100");
  EXPECT_EQ(options(yesterday), "");

  monitor::Metrics metrics;
  monitor::Maintenance maintenance(*store_, metrics, monitor::MaintenanceOptions{});
  maintenance.run_once(kNoon);
  EXPECT_EQ(metrics.maintenance_errors, 0u);
  // Yesterday's key rebuilt packed full (and marked so); today's, still written, untouched.
  EXPECT_EQ(options(yesterday), "fillfactor=100");
  EXPECT_GT(density(yesterday), 95.0) << "before: " << before;
  EXPECT_EQ(options(today), "");
  // Same rows, still found through the key; a replay of yesterday still inserts nothing twice.
  EXPECT_EQ(rows_between(kNoon - kDay, kNoon + kDay), rows_before);
  EXPECT_EQ(*store_->insert_results(std::vector<store::PingResult>{row(hosts[3], kNoon - kDay)}), 0);
  EXPECT_EQ(
      store_->results_between(user.id, hosts[3], store::kLocalLocationId, kNoon - kDay, kNoon - 12 * kHour)
          ->size(),
      300u);
  // Each day once: nothing is left to do.
  EXPECT_EQ(*store_->compact_partitions(kNoon), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, PartitionTest, ::testing::Values(DbKind::sqlite, DbKind::postgresql),
                         backend_name);

}  // namespace
}  // namespace semaphore::testing

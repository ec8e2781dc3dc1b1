// Migration 013 (issue 16, phase 1) on a database that has rows, on SQLite and on a real PostgreSQL: results,
// their latest copies, rollups and alert state become keyed by (host, location). Not a row is lost or
// changed: every row of ping_results, latest_results, ping_rollups and alert_state, each column, with a count
// and a checksum, before and after; every row is then the `local` location's (id 1). ping_results' location
// is packed into `method` (store/result_location.h), so its rows are exactly as they were. After it, two
// locations' rows of one host and round both stay, a replay doubles nothing, the latest copy is kept per
// location, rollups are computed per location, and each read shows the location it is given.
#include <string>
#include <vector>

#include "old_database_fixture.h"
#include "store/result_location.h"
#include "store_fixture.h"

namespace semaphore::testing {
namespace {

class Migration013Test : public OldDatabaseTest {
 protected:
  Migration013Test() : OldDatabaseTest("migration_013") {}

  // Every row of a table in key order, one line each, with its count and a checksum over every column
  // (the same text on both back ends; RTTs to the microsecond, as PostgreSQL's REAL keeps them).
  std::string every_row(const std::string& table, const std::string& columns, const std::string& order) {
    return query("SELECT COUNT(*) FROM " + table) + "\n" +
           query("SELECT " + checksum(columns) + " FROM " + table) + "\n" +
           query("SELECT " + row_text(columns) + " FROM " + table + " ORDER BY " + order);
  }

  static std::string value(const std::string& column) {
    if (column.ends_with("_ms")) {
      return "COALESCE(CAST(CAST(ROUND(" + column + " * 1000) AS BIGINT) AS TEXT), '-')";
    }
    return "COALESCE(CAST(" + column + " AS TEXT), '-')";
  }
  static std::string row_text(const std::string& columns) {
    std::string text;
    std::size_t at = 0;
    while (at < columns.size()) {
      const auto end = columns.find(',', at);
      std::string column = columns.substr(at, end == std::string::npos ? std::string::npos : end - at);
      while (!column.empty() && column.front() == ' ') column.erase(0, 1);
      text += (text.empty() ? "" : " || ' ' || ") + value(column);
      if (end == std::string::npos) break;
      at = end + 1;
    }
    return text;
  }
  static std::string checksum(const std::string& columns) {
    // The sum of each row's text length times a column-dependent weight: any changed value moves it.
    return "SUM(LENGTH(" + row_text(columns) + ") * 7 + LENGTH(" + row_text(columns) + ") % 13)";
  }
};

constexpr const char* kResultColumns =
    "host_id, ts, method, sent, received, refused, min_ms, avg_ms, max_ms, median_ms, stddev_ms";
constexpr const char* kLatestColumns =
    "user_id, host_id, method, ts, sent, received, refused, min_ms, avg_ms, max_ms, median_ms, stddev_ms";
constexpr const char* kRollupColumns =
    "host_id, period_s, bucket_start, method, rounds, sent, received, min_ms, max_ms, avg_ms, median_ms";
constexpr const char* kStateColumns =
    "host_id, measured, shown, lost_streak, poor_streak, good_streak, recent_changes, last_change_at, "
    "last_round_at, window_start_state";

TEST_P(Migration013Test, KeysEveryRowByLocationWithoutLosingOne) {
  const bool postgres = GetParam() == DbKind::postgresql;
  const long long kStart = 1'790'000'000'000LL;  // 2026-09-21 UTC
  const long long kStep = 3'600'000LL * 7;       // every 7 hours: 40 rounds span 12 days
  const long long kDay = 86'400'000LL;
  const int kHosts = 4, kRounds = 40;
  std::string data;
  for (int host = 1; host <= kHosts; ++host) {
    data +=
        "INSERT INTO hosts (id, user_id, hostname, provider, created_at, probe_method, tcp_port) VALUES (" +
        std::to_string(host) + ", 1, 'h" + std::to_string(host) + ".example.com', 'AWS', 0, " +
        (host == 2 ? "'both', 443" : "'icmp', 443") + ");\n";
    std::string values;
    for (int round = 0; round < kRounds; ++round) {
      for (int method : {0, 1}) {
        if (method == 1 && host != 2) continue;
        const long long ts = kStart + round * kStep + host;
        const bool lost = (round + host) % 3 == 0;
        const double median = 1.0 + host + round * 0.013;
        values += values.empty() ? "" : ",";
        // A lost round carries an error code (4 'timeout', migration 011); a good tcp round RSTs.
        values += "(" + std::to_string(host) + "," + std::to_string(ts) + ",5," + (lost ? "0" : "4") + "," +
                  (lost ? "NULL,NULL,NULL,NULL,NULL"
                        : std::to_string(median - 0.5) + "," + std::to_string(median) + "," +
                              std::to_string(median + 0.75) + "," + std::to_string(median) + ",0.125") +
                  "," + std::to_string(method) + "," +
                  (lost          ? "16384"
                   : method == 1 ? "2"
                                 : "0") +
                  ")";
      }
    }
    data +=
        "INSERT INTO ping_results (host_id, ts, sent, received, min_ms, avg_ms, max_ms, median_ms, "
        "stddev_ms, method, refused) VALUES " +
        values + ";\n";
    for (int day = 0; day < 12; ++day) {
      for (int period : {3600, 86400}) {
        data +=
            "INSERT INTO ping_rollups (host_id, period_s, bucket_start, method, rounds, sent, received, "
            "min_ms, max_ms, avg_ms, median_ms) VALUES (" +
            std::to_string(host) + ", " + std::to_string(period) + ", " +
            std::to_string(kStart / kDay * kDay + day * kDay) + ", 0, 3, 15, 12, 1.5, 9.5, " +
            std::to_string(3.25 + day) + ", " +
            (day % 5 == 0 ? std::string("NULL") : std::to_string(3.0 + day + host)) + ");\n";
      }
    }
    data +=
        "INSERT INTO alert_state (host_id, measured, shown, lost_streak, poor_streak, good_streak, "
        "recent_changes, last_change_at, last_round_at, window_start_state) VALUES (" +
        std::to_string(host) + ", '" + (host == 3 ? "down" : "up") + "', '" + (host == 3 ? "down" : "up") +
        "', " + std::to_string(host % 2) + ", 0, " + std::to_string(host * 3) + ", '" +
        std::to_string(kStart) + "," + std::to_string(kStart + host) + "', " + std::to_string(kStart) + ", " +
        std::to_string(kStart + kRounds * kStep) + ", " + (host == 4 ? "'up'" : "NULL") + ");\n";
  }
  data +=
      "INSERT INTO probe_workers (worker_id, last_seen) VALUES ('w1', 5);\n"
      "INSERT INTO host_leases (host_id, worker_id, expires_at) VALUES (1, 'w1', 9), (2, 'w1', 9);\n";
  // PostgreSQL: the day and month partitions the rows need, and some made ahead with no rows yet.
  const std::string partitions =
      postgres ? "SELECT semaphore_ensure_partitions('ping_results', 'day', " + std::to_string(kStart) +
                     ", " + std::to_string(kStart + (kRounds + 8) * kStep) +
                     ");\nSELECT semaphore_ensure_partitions('ping_rollups', 'month', " +
                     std::to_string(kStart) + ", " + std::to_string(kStart + 40 * kDay) + ");\n"
               : "";
  run_sql(schema_up_to(12) + partitions + data);

  const std::string results_before = every_row("ping_results", kResultColumns, "host_id, method, ts");
  const std::string latest_before = every_row("latest_results", kLatestColumns, "host_id, method");
  const std::string rollups_before =
      every_row("ping_rollups", kRollupColumns, "host_id, period_s, bucket_start, method");
  const std::string states_before = every_row("alert_state", kStateColumns, "host_id");
  constexpr const char* kQuorumColumns = "host_id, shown, last_change_at, window_start_state";
  const std::string shown_before = every_row("alert_state", kQuorumColumns, "host_id");
  const std::string partitions_sql =
      "SELECT string_agg(CAST(CAST(inhrelid AS regclass) AS TEXT), ',' ORDER BY CAST(CAST(inhrelid AS "
      "regclass) AS TEXT)) FROM pg_inherits WHERE inhparent IN (to_regclass('ping_results'), "
      "to_regclass('ping_rollups'))";
  const std::string partitions_before = postgres ? query(partitions_sql) : "";
  ASSERT_EQ(query("SELECT COUNT(*) FROM ping_results"), std::to_string(kHosts * kRounds + kRounds));
  ASSERT_EQ(query("SELECT COUNT(*) FROM latest_results"), "5");
  ASSERT_EQ(query("SELECT COUNT(*) FROM ping_rollups"), std::to_string(kHosts * 24));
  ASSERT_EQ(query("SELECT COUNT(*) FROM alert_state"), std::to_string(kHosts));

  auto opened = store::Store::open(url_);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  auto store = std::move(opened).value();
  ASSERT_EQ(*store->schema_version(), 12);
  auto migrated = store->migrate();
  ASSERT_TRUE(migrated.ok()) << migrated.error().message;
  EXPECT_EQ(*store->schema_version(), store::Store::latest_schema_version(GetParam()));

  // Every row, every column, as before, and every one of them the local location's.
  EXPECT_EQ(every_row("ping_results", kResultColumns, "host_id, method, ts"), results_before);
  EXPECT_EQ(every_row("latest_results", kLatestColumns, "host_id, method"), latest_before);
  EXPECT_EQ(every_row("ping_rollups", kRollupColumns, "host_id, period_s, bucket_start, method"),
            rollups_before);
  EXPECT_EQ(every_row("alert_state", kStateColumns, "host_id"), states_before);
  // Migration 014 (quorum alerts): each host's state across locations starts as the state the pages showed,
  // local's, so an upgrade raises no event.
  EXPECT_EQ(every_row("alert_quorum", kQuorumColumns, "host_id"), shown_before);
  EXPECT_EQ(query("SELECT COUNT(*) FROM ping_results WHERE method NOT IN (0, 1)"), "0");
  for (const char* table :
       {"latest_results", "ping_rollups", "alert_state", "host_leases", "probe_workers"}) {
    EXPECT_EQ(query("SELECT COUNT(*) FROM " + std::string(table) + " WHERE location_id <> 1"), "0") << table;
  }
  EXPECT_EQ(query("SELECT COUNT(*) FROM host_leases"), "2");
  EXPECT_EQ(query("SELECT COUNT(*) FROM probe_workers"), "1");
  if (postgres) {
    EXPECT_EQ(query(partitions_sql), partitions_before);
    EXPECT_EQ(query("SELECT pg_get_indexdef(CAST('ping_results_pkey' AS regclass))"),
              "CREATE UNIQUE INDEX ping_results_pkey ON ONLY public.ping_results USING btree (host_id, "
              "method, ts)");
    EXPECT_EQ(query("SELECT pg_get_indexdef(CAST('ping_rollups_pkey' AS regclass))"),
              "CREATE UNIQUE INDEX ping_rollups_pkey ON ONLY public.ping_rollups USING btree (host_id, "
              "period_s, bucket_start, location_id, method)");
    EXPECT_EQ(query("SELECT pg_get_indexdef(CAST('latest_results_pkey' AS regclass))"),
              "CREATE UNIQUE INDEX latest_results_pkey ON public.latest_results USING btree (user_id, "
              "host_id, location_id, method)");
    // No partition keeps the old CHECK (method IN (0, 1)).
    EXPECT_EQ(query("SELECT COUNT(*) FROM pg_constraint c JOIN pg_inherits i ON i.inhrelid = c.conrelid "
                    "WHERE i.inhparent = to_regclass('ping_results') AND c.contype = 'c' AND "
                    "pg_get_constraintdef(c.oid) LIKE '%method%' AND pg_get_constraintdef(c.oid) NOT LIKE "
                    "'%method >= 0%'"),
              "0");
  }

  // Through the store: a second location's rows of the same hosts and rounds are stored beside local's.
  auto paris = store->add_location([] {
    store::Location location;
    location.name = "paris";
    return location;
  }());
  ASSERT_TRUE(paris.ok()) << paris.error().message;
  ASSERT_EQ(paris->id, 2);
  const long long ts = kStart + (kRounds - 1) * kStep + 1;  // host 1's last round
  std::vector<store::PingResult> batch;
  for (int method : {0, 1}) {
    store::PingResult row;
    row.host_id = 2;
    row.ts = kStart + (kRounds - 1) * kStep + 2;  // host 2's last round: both kinds, from paris
    row.sent = 5;
    row.received = 3;
    row.median_ms = 42.0;
    row.method = method == 1 ? ProbeKind::tcp : ProbeKind::icmp;
    row.location_id = paris->id;
    batch.push_back(row);
  }
  store::PingResult host1 = batch[0];
  host1.host_id = 1;
  host1.ts = ts;
  batch.push_back(host1);
  EXPECT_EQ(*store->insert_results(batch), 3);
  EXPECT_EQ(*store->insert_results(batch), 0);  // a replay doubles nothing
  EXPECT_EQ(query("SELECT COUNT(*) FROM ping_results"), std::to_string(kHosts * kRounds + kRounds + 3));
  EXPECT_EQ(query("SELECT COUNT(*) FROM ping_results WHERE host_id = 1 AND ts = " + std::to_string(ts)), "2");
  EXPECT_EQ(query("SELECT location_id || ' ' || method FROM latest_results WHERE host_id = 2 ORDER BY "
                  "location_id, method"),
            "1 0\n1 1\n2 0\n2 1");
  // Each read shows the location it is given: local's last round of host 1, not paris' beside it.
  const auto host1_rows = *store->results_between(1, 1, store::kLocalLocationId, ts, ts + 1);
  ASSERT_EQ(host1_rows.size(), 1u);
  EXPECT_EQ(host1_rows[0].location_id, 1);
  EXPECT_NE(host1_rows[0].median_ms, std::optional<double>(42.0));
  const auto statuses = *store->host_statuses(1, store::kLocalLocationId);
  ASSERT_EQ(statuses.size(), static_cast<std::size_t>(kHosts));
  ASSERT_TRUE(statuses[1].latest);
  EXPECT_EQ(statuses[1].latest->location_id, 1);
  EXPECT_NE(statuses[1].latest->median_ms, std::optional<double>(42.0));
  const auto paris_rows = *store->results_between(1, 1, paris->id, ts, ts + 1);
  ASSERT_EQ(paris_rows.size(), 1u);
  EXPECT_EQ(paris_rows[0].median_ms, std::optional<double>(42.0));
  // The latest rounds of every location, in key order (host, location, kind).
  const auto latest = *store->latest_rounds(1);
  std::size_t of_paris = 0;
  for (std::size_t i = 0; i < latest.size(); ++i) {
    if (latest[i].location_id == paris->id) ++of_paris;
    if (i == 0) continue;
    const auto& a = latest[i - 1];
    const auto& b = latest[i];
    EXPECT_TRUE(a.host_id < b.host_id || (a.host_id == b.host_id && a.location_id < b.location_id) ||
                (a.host_id == b.host_id && a.location_id == b.location_id && a.method < b.method))
        << i;
  }
  EXPECT_EQ(of_paris, 3u) << "host 1's round and host 2's two kinds";

  // Rollups per location: paris' hour of host 1 beside local's, each from its own rows.
  const long long hour = ts / 3'600'000 * 3'600'000;
  ASSERT_TRUE(store->refresh_rollups(3600, hour, hour + 3'600'000, 100).ok());
  EXPECT_EQ(
      query("SELECT location_id || ' ' || rounds || ' ' || CAST(CAST(ROUND(median_ms * 1000) AS "
            "BIGINT) AS TEXT) FROM ping_rollups WHERE host_id = 1 AND period_s = 3600 AND bucket_start = " +
            std::to_string(hour) + " ORDER BY location_id"),
      "1 1 2507\n2 1 42000");  // local's median 1 + 1 + 39 * 0.013 ms
  const auto rollups = *store->rollups_between(1, 1, store::kLocalLocationId, 3600, hour, hour + 3'600'000);
  ASSERT_EQ(rollups.size(), 1u);
  EXPECT_EQ(rollups[0].location_id, 1);
  const auto paris_rollups = *store->rollups_between(1, 1, paris->id, 3600, hour, hour + 3'600'000);
  ASSERT_EQ(paris_rollups.size(), 1u);
  EXPECT_EQ(paris_rollups[0].location_id, paris->id);
  EXPECT_EQ(paris_rollups[0].median_ms, std::optional<double>(42.0));
  const std::vector<store::Id> page{1};
  const auto paris_page = *store->rollups_of_hosts(1, page, paris->id, 3600, hour, hour + 3'600'000);
  ASSERT_EQ(paris_page.size(), 1u);
  EXPECT_EQ(paris_page[0].location_id, paris->id);

  // Hosts still cascade: a deleted host's rows of every location go with it.
  ASSERT_TRUE(store->delete_host(1, 2).ok());
  for (const char* table : {"ping_results", "latest_results", "ping_rollups", "alert_state"}) {
    EXPECT_EQ(query("SELECT COUNT(*) FROM " + std::string(table) + " WHERE host_id = 2"), "0") << table;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, Migration013Test, ::testing::Values(DbKind::sqlite, DbKind::postgresql),
                         backend_name);

}  // namespace
}  // namespace semaphore::testing

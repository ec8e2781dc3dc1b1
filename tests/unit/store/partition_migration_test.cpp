// Migration 009 (issue 17) on a database that has rows: PostgreSQL's ping_results and ping_rollups become
// partitioned by time with narrower rows, and not a row is lost or changed (a count and a checksum over every
// column, before and after); SQLite's 009 changes nothing.
#include <cstdio>
#include <fstream>
#include <string>

#include "old_database_fixture.h"
#include "store/migrations.h"
#include "store_fixture.h"

namespace semaphore::testing {
namespace {

class Migration009Test : public OldDatabaseTest {
 protected:
  Migration009Test() : OldDatabaseTest("migration_009") {}
};

// The same text on both back ends: a row count and a sum over every column, NULLs counted apart. RTTs are
// compared to the microsecond (PostgreSQL's REAL keeps 7 significant digits: 0.1 us below 1 s).
// `coded`: the schema from migration 011 on (the error word as a code: error_word_sql).
std::string results_checksum(bool coded) {
  return "SELECT COUNT(*) || ' ' || SUM(CAST(host_id AS BIGINT) * 1000003 + ts % 1000003 + sent * 7 + "
         "received * 11 + method * 37 + " +
         refused_count_sql(coded) +
         " * 41 + COALESCE(CAST(ROUND(min_ms * 1000) AS BIGINT), -1) * 13 + "
         "COALESCE(CAST(ROUND(avg_ms * 1000) AS BIGINT), -1) * 17 + COALESCE(CAST(ROUND(max_ms * 1000) AS "
         "BIGINT), -1) * 19 + COALESCE(CAST(ROUND(median_ms * 1000) AS BIGINT), -1) * 23 + "
         "COALESCE(CAST(ROUND(stddev_ms * 1000) AS BIGINT), -1) * 29 + COALESCE(LENGTH(" +
         error_word_sql(coded) + "), -1) * 31) FROM ping_results";
}
constexpr const char* kRollupsChecksum =
    "SELECT COUNT(*) || ' ' || SUM(CAST(host_id AS BIGINT) * 1000003 + period_s + bucket_start % 1000003 + "
    "rounds * 7 + sent * 11 + received * 13 + method * 37 + COALESCE(CAST(ROUND(min_ms * 1000) AS BIGINT), "
    "-1) "
    "* 41 + COALESCE(CAST(ROUND(max_ms * 1000) AS BIGINT), -1) * 43 + COALESCE(CAST(ROUND(median_ms * 1000) "
    "AS "
    "BIGINT), -1) * 17 + COALESCE(CAST(ROUND(avg_ms * 1000) AS BIGINT), -1) * 19) FROM ping_rollups";

TEST_P(Migration009Test, PartitionsEveryRowWithoutLosingOne) {
  // The schema as version 7 left it, with a user, hosts, icmp and tcp rounds over several days and months,
  // and rollups.
  const std::string schema = schema_up_to(7);
  std::string data;
  const int kHosts = 4, kRounds = 300;
  const long long kStart = 1'700'000'000'000LL;  // 2023-11-14 22:13 UTC
  const long long kStep = 3'600'000LL * 5;       // every 5 hours: 300 rounds span 62 days, three months
  for (int host = 1; host <= kHosts; ++host) {
    data += "INSERT INTO hosts (id, user_id, hostname, provider, created_at) VALUES (" +
            std::to_string(host) + ", 1, 'h" + std::to_string(host) + ".example.com', 'AWS', 0);\n";
    std::string values;
    for (int round = 0; round < kRounds; ++round) {
      const long long ts = kStart + round * kStep + host;
      const bool lost = (round + host) % 7 == 0;
      const double median = 1.0 + host + round * 0.013;
      const int method = round % 3 == 0 ? 1 : 0;
      values += values.empty() ? "" : ",";
      values += "(" + std::to_string(host) + "," + std::to_string(ts) + ",5," + (lost ? "0" : "4") + "," +
                (lost ? "NULL,NULL,NULL,NULL,NULL,'timeout'"
                      : std::to_string(median - 0.5) + "," + std::to_string(median) + "," +
                            std::to_string(median + 0.75) + "," + std::to_string(median) + ",0.125,NULL") +
                "," + std::to_string(method) + "," + (method == 1 && !lost ? "1" : "0") + ")";
    }
    data +=
        "INSERT INTO ping_results (host_id, ts, sent, received, min_ms, avg_ms, max_ms, median_ms, "
        "stddev_ms, "
        "error, method, refused) VALUES " +
        values + ";\n";
    for (int day = 0; day < 40; ++day) {
      data +=
          "INSERT INTO ping_rollups (host_id, period_s, bucket_start, rounds, sent, received, min_ms, "
          "max_ms, "
          "avg_ms, median_ms, method) VALUES (" +
          std::to_string(host) + ", 86400, " +
          std::to_string(kStart / 86'400'000 * 86'400'000 + day * 86'400'000LL) + ", 5, 25, 20, 1.5, 9.5, " +
          std::to_string(3.25 + day) + ", " +
          (day % 5 == 0 ? std::string("NULL") : std::to_string(3.0 + day)) + ", 0);\n";
    }
  }
  run_sql(schema + data);
  const std::string results_before = query(results_checksum(false)), rollups_before = query(kRollupsChecksum);
  ASSERT_EQ(results_before.substr(0, results_before.find(' ')), std::to_string(kHosts * kRounds));
  ASSERT_EQ(rollups_before.substr(0, rollups_before.find(' ')), std::to_string(kHosts * 40));

  auto opened = store::Store::open(url_);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  auto store = std::move(opened).value();
  ASSERT_EQ(*store->schema_version(), 7);
  auto migrated = store->migrate();
  ASSERT_TRUE(migrated.ok()) << migrated.error().message;
  EXPECT_EQ(*store->schema_version(), store::Store::latest_schema_version(GetParam()));

  EXPECT_EQ(query(results_checksum(true)), results_before);
  EXPECT_EQ(query(kRollupsChecksum), rollups_before);
  if (GetParam() == DbKind::sqlite) return;

  // Partitioned by range on the time column, a partition for each day that has rows (and no default one),
  // each row in its day's partition.
  EXPECT_EQ(
      query(
          "SELECT CAST(partstrat AS TEXT) || ' ' || pg_get_partkeydef(CAST('ping_results' AS regclass)) FROM "
          "pg_partitioned_table WHERE partrelid = CAST('ping_results' AS regclass)"),
      "r RANGE (ts)");
  EXPECT_EQ(query("SELECT pg_get_partkeydef(CAST('ping_rollups' AS regclass))"), "RANGE (bucket_start)");
  EXPECT_EQ(query("SELECT COUNT(*) FROM pg_partitioned_table WHERE partdefid <> 0"), "0");
  const std::string days_with_rows = query(
      "SELECT COUNT(DISTINCT to_char(to_timestamp(ts / 1000) AT TIME ZONE 'UTC', 'YYYYMMDD')) FROM "
      "ping_results");
  EXPECT_EQ(query("SELECT COUNT(*) FROM pg_inherits WHERE inhparent = CAST('ping_results' AS regclass) AND "
                  "inhrelid::regclass::text < 'ping_results_2025'"),
            days_with_rows);
  EXPECT_EQ(query("SELECT COUNT(*) FROM ping_results_20231114"), std::to_string(kHosts));
  // The primary keys hold the partition keys, so the writer's ON CONFLICT still has its unique index.
  EXPECT_EQ(
      query("SELECT pg_get_indexdef(CAST('ping_results_pkey' AS regclass))"),
      "CREATE UNIQUE INDEX ping_results_pkey ON ONLY public.ping_results USING btree (host_id, method, ts)");
  EXPECT_EQ(
      query("SELECT pg_get_indexdef(CAST('ping_rollups_pkey' AS regclass))"),
      "CREATE UNIQUE INDEX ping_rollups_pkey ON ONLY public.ping_rollups USING btree (host_id, period_s, "
      "bucket_start, location_id, method)");  // the location since migration 013
  // Through the store: a replayed row is skipped, a new one goes in, the rows read back as they were.
  const auto rows = *store->results_between(1, 2, store::kLocalLocationId, 0, 2'000'000'000'000LL);
  ASSERT_EQ(rows.size(), static_cast<std::size_t>(kRounds));
  store::PingResult fresh = rows.back();
  fresh.ts += kStep;
  EXPECT_EQ(*store->insert_results(std::vector<store::PingResult>{rows[5], fresh}), 1);
  EXPECT_NEAR(*rows[1].median_ms, 3.013, 1e-6);
}

INSTANTIATE_TEST_SUITE_P(Backends, Migration009Test, ::testing::Values(DbKind::sqlite, DbKind::postgresql),
                         backend_name);

}  // namespace
}  // namespace semaphore::testing

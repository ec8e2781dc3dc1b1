// Migration 011 (issue 17) on a database that has rows, on SQLite and on a real PostgreSQL: the result
// rows' free-text `error` column becomes a code in the high bits of `refused` (store/result_error.h), in
// ping_results and latest_results. Not a row is lost or changed in meaning: every row, each error word
// decoded, before and after; the rows read back through the store with the same words; latest_results'
// trigger keeps working (its rules: the newest round wins, a late replay does not). On PostgreSQL the table
// is really rewritten: no dropped column left in any partition, the same day partitions, the keys and the
// foreign key in place.
#include <string>
#include <vector>

#include "old_database_fixture.h"
#include "store/result_error.h"
#include "store_fixture.h"

namespace semaphore::testing {
namespace {

class Migration011Test : public OldDatabaseTest {
 protected:
  Migration011Test() : OldDatabaseTest("migration_011") {}

  // Every row of `table` in key order, its error word decoded (error_word_sql); RTTs to the microsecond.
  std::string every_row(const std::string& table, bool coded) {
    return query(
        "SELECT host_id || ' ' || ts || ' ' || method || ' ' || sent || ' ' || received || ' ' || " +
        refused_count_sql(coded) + " || ' ' || COALESCE(" + error_word_sql(coded) +
        ", '-') || ' ' || COALESCE(CAST(CAST(ROUND(min_ms * 1000) AS BIGINT) AS TEXT), '-') || ' ' || "
        "COALESCE(CAST(CAST(ROUND(median_ms * 1000) AS BIGINT) AS TEXT), '-') || ' ' || "
        "COALESCE(CAST(CAST(ROUND(stddev_ms * 1000) AS BIGINT) AS TEXT), '-') FROM " +
        table + " ORDER BY host_id, method, ts");
  }
};

const std::vector<std::string> kWords = {"unresolvable", "refused", "unreachable", "timeout", "send failed"};

TEST_P(Migration011Test, TurnsEveryErrorWordIntoItsCodeWithoutLosingARow) {
  const bool postgres = GetParam() == DbKind::postgresql;
  const long long kStart = 1'790'000'000'000LL;  // 2026-09-21 UTC
  const long long kStep = 3'600'000LL * 7;       // every 7 hours: 40 rounds span 12 days
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
        // Every third round of a host fails, with each word in turn; a good tcp round has RSTs.
        const bool lost = (round + host) % 3 == 0;
        const std::string& word = kWords[static_cast<std::size_t>((round / 3 + host + method) % 5)];
        const double median = 1.0 + host + round * 0.013;
        values += values.empty() ? "" : ",";
        values += "(" + std::to_string(host) + "," + std::to_string(ts) + ",5," + (lost ? "0" : "4") + "," +
                  (lost ? "NULL,NULL,NULL,NULL,NULL,'" + word + "'"
                        : std::to_string(median - 0.5) + "," + std::to_string(median) + "," +
                              std::to_string(median + 0.75) + "," + std::to_string(median) + ",0.125,NULL") +
                  "," + std::to_string(method) + "," + (method == 1 && !lost ? "2" : "0") + ")";
      }
    }
    data +=
        "INSERT INTO ping_results (host_id, ts, sent, received, min_ms, avg_ms, max_ms, median_ms, "
        "stddev_ms, error, method, refused) VALUES " +
        values + ";\n";
  }
  // Rows no ping service writes, kept all the same: an error and RSTs in one row, an empty word (no
  // error), a word the store does not know (kept as an error: "error").
  data +=
      "INSERT INTO ping_results (host_id, ts, sent, received, min_ms, avg_ms, max_ms, median_ms, stddev_ms, "
      "error, method, refused) VALUES (2, " +
      std::to_string(kStart + 5) + ", 5, 3, 1, 2, 3, 2, 0.5, 'timeout', 1, 3), (3, " +
      std::to_string(kStart + 5) + ", 5, 5, 1, 2, 3, 2, 0.5, '', 0, 0), (4, " + std::to_string(kStart + 5) +
      ", 5, 0, NULL, NULL, NULL, NULL, NULL, 'no address', 0, 0);\n";
  // The newest round of host 1 failed: its latest_results copy carries a word too.
  data +=
      "INSERT INTO ping_results (host_id, ts, sent, received, min_ms, avg_ms, max_ms, median_ms, stddev_ms, "
      "error, method, refused) VALUES (1, " +
      std::to_string(kStart + kRounds * kStep) +
      ", 5, 0, NULL, NULL, NULL, NULL, NULL, 'unreachable', 0, 0);\n";
  // PostgreSQL: the day partitions the rows need, and some made ahead with no rows yet.
  const std::string partitions = postgres ? "SELECT semaphore_ensure_partitions('ping_results', 'day', " +
                                                std::to_string(kStart) + ", " +
                                                std::to_string(kStart + (kRounds + 8) * kStep) + ");\n"
                                          : "";
  run_sql(schema_up_to(10) + partitions + data);

  const std::string rows_before = every_row("ping_results", false);
  const std::string latest_before = every_row("latest_results", false);
  const std::string partitions_sql =
      "SELECT string_agg(CAST(CAST(inhrelid AS regclass) AS TEXT), ',' ORDER BY CAST(CAST(inhrelid AS "
      "regclass) AS TEXT)) FROM pg_inherits WHERE inhparent = to_regclass('ping_results')";
  const std::string partitions_before = postgres ? query(partitions_sql) : "";
  const int kRows = kHosts * kRounds + kRounds + 3 + 1;
  ASSERT_EQ(query("SELECT COUNT(*) FROM ping_results"), std::to_string(kRows));
  ASSERT_EQ(query("SELECT COUNT(*) FROM latest_results"), "5");
  for (const std::string& word : kWords) ASSERT_NE(rows_before.find(" " + word + " "), std::string::npos);

  auto opened = store::Store::open(url_);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  auto store = std::move(opened).value();
  ASSERT_EQ(*store->schema_version(), 10);
  auto migrated = store->migrate();
  ASSERT_TRUE(migrated.ok()) << migrated.error().message;
  EXPECT_EQ(*store->schema_version(), store::Store::latest_schema_version(GetParam()));

  // Every row, every word, as before; the unknown word alone reads as the fallback.
  std::string rows_expected = rows_before;
  rows_expected.replace(rows_expected.find("no address"), 10, std::string(store::kOtherErrorWord));
  EXPECT_EQ(every_row("ping_results", true), rows_expected);
  EXPECT_EQ(every_row("latest_results", true), latest_before);
  EXPECT_NE(latest_before.find(" unreachable "), std::string::npos);
  // No `error` column left anywhere, and (PostgreSQL) no dropped one in any partition: the rows were
  // rewritten, not just relabelled.
  if (postgres) {
    EXPECT_EQ(
        query("SELECT COUNT(*) FROM pg_attribute WHERE attname = 'error' AND attrelid IN (SELECT "
              "CAST(relname AS regclass) FROM pg_class WHERE relname LIKE 'ping_results%' AND relkind IN "
              "('r', 'p'))"),
        "0");
    EXPECT_EQ(query("SELECT COUNT(*) FROM pg_attribute a JOIN pg_inherits i ON i.inhrelid = a.attrelid WHERE "
                    "i.inhparent = to_regclass('ping_results') AND a.attisdropped"),
              "0");
    EXPECT_EQ(query("SELECT COUNT(*) FROM pg_attribute WHERE attrelid = to_regclass('ping_results') AND "
                    "attisdropped"),
              "0");
    EXPECT_EQ(query(partitions_sql), partitions_before);
    EXPECT_EQ(query("SELECT COUNT(*) FROM pg_class WHERE relname ~ '_010$'"), "0");
    EXPECT_EQ(query("SELECT pg_get_indexdef(CAST('ping_results_pkey' AS regclass))"),
              "CREATE UNIQUE INDEX ping_results_pkey ON ONLY public.ping_results USING btree (host_id, "
              "method, ts)");
    EXPECT_EQ(query("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = "
                    "to_regclass('ping_results') AND contype = 'f'"),
              "FOREIGN KEY (host_id) REFERENCES hosts(id) ON DELETE CASCADE");
  } else {
    EXPECT_EQ(query("SELECT COUNT(*) FROM pragma_table_info('ping_results') WHERE name = 'error'"), "0");
  }
  EXPECT_EQ(query("SELECT COUNT(*) FROM " +
                  std::string(postgres ? "information_schema.columns WHERE table_name = 'latest_results' AND "
                                         "column_name = 'error'"
                                       : "pragma_table_info('latest_results') WHERE name = 'error'")),
            "0");

  // Through the store: the words as they were written, the RSTs beside an error kept.
  const auto host2 = *store->results_between(1, 2, store::kLocalLocationId, 0, 4'000'000'000'000LL);
  ASSERT_EQ(host2.size(), static_cast<std::size_t>(2 * kRounds + 1));
  int words_seen = 0;
  for (const store::PingResult& row : host2) {
    if (row.ts == kStart + 5) {
      EXPECT_EQ(row.error, "timeout");
      EXPECT_EQ(row.refused, 3);
      continue;
    }
    const int round = static_cast<int>((row.ts - kStart - 2) / kStep);
    const int method = row.method == ProbeKind::tcp ? 1 : 0;
    const bool lost = (round + 2) % 3 == 0;
    EXPECT_EQ(row.error, lost ? kWords[static_cast<std::size_t>((round / 3 + 2 + method) % 5)] : "")
        << row.ts;
    EXPECT_EQ(row.refused, method == 1 && !lost ? 2 : 0) << row.ts;
    words_seen += lost ? 1 : 0;
  }
  EXPECT_GT(words_seen, 10);
  const auto host4 = *store->results_between(1, 4, store::kLocalLocationId, kStart + 5, kStart + 6);
  ASSERT_EQ(host4.size(), 1u);
  EXPECT_EQ(host4[0].error, "error");
  const auto host3 = *store->results_between(1, 3, store::kLocalLocationId, kStart + 5, kStart + 6);
  ASSERT_EQ(host3.size(), 1u);
  EXPECT_EQ(host3[0].error, "");
  const auto statuses = *store->host_statuses(1, store::kLocalLocationId);
  ASSERT_EQ(statuses.size(), static_cast<std::size_t>(kHosts));
  ASSERT_TRUE(statuses[0].latest);
  EXPECT_EQ(statuses[0].latest->error, "unreachable");

  // The trigger, redefined for the new columns: a newer round replaces host 1's copy (with its word), a
  // late replay of an older one does not; a replayed row is skipped.
  store::PingResult newer;
  newer.host_id = 1;
  newer.ts = kStart + (kRounds + 1) * kStep;
  newer.sent = 5;
  newer.error = "send failed";
  store::PingResult late = newer;
  late.ts = kStart + kStep / 2;
  late.error = "refused";
  EXPECT_EQ(*store->insert_results(std::vector<store::PingResult>{newer, late}), 2);
  EXPECT_EQ(*store->insert_results(std::vector<store::PingResult>{newer}), 0);
  const auto latest = *store->latest_rounds(1);
  bool found = false;
  for (const store::PingResult& row : latest) {
    if (row.host_id != 1) continue;
    found = true;
    EXPECT_EQ(row.ts, newer.ts);
    EXPECT_EQ(row.error, "send failed");
  }
  EXPECT_TRUE(found);
  const auto replayed = *store->results_between(1, 1, store::kLocalLocationId, late.ts, late.ts + 1);
  ASSERT_EQ(replayed.size(), 1u);
  EXPECT_EQ(replayed[0].error, "refused");

  // The foreign key still cascades: a deleted host's rows go with it.
  ASSERT_TRUE(store->delete_host(1, 4).ok());
  EXPECT_EQ(query("SELECT COUNT(*) FROM ping_results WHERE host_id = 4"), "0");
}

INSTANTIATE_TEST_SUITE_P(Backends, Migration011Test, ::testing::Values(DbKind::sqlite, DbKind::postgresql),
                         backend_name);

}  // namespace
}  // namespace semaphore::testing

#include "store/migrations.h"

#include <gtest/gtest.h>

namespace semaphore::store {
namespace {

TEST(Migrations, BothBackEndsHaveTheSameGaplessVersions) {
  const auto sqlite = migrations_for(DbKind::sqlite);
  const auto postgresql = migrations_for(DbKind::postgresql);
  ASSERT_FALSE(sqlite.empty());
  ASSERT_EQ(sqlite.size(), postgresql.size());
  for (std::size_t i = 0; i < sqlite.size(); ++i) {
    EXPECT_EQ(sqlite[i].version, static_cast<int>(i) + 1) << sqlite[i].name;
    EXPECT_EQ(postgresql[i].version, static_cast<int>(i) + 1) << postgresql[i].name;
    EXPECT_EQ(sqlite[i].name, postgresql[i].name);
  }
}

TEST(Migrations, FirstMigrationCreatesTheFourTables) {
  const auto first = migrations_for(DbKind::sqlite).front();
  for (const char* table :
       {"CREATE TABLE users", "CREATE TABLE sessions", "CREATE TABLE hosts", "CREATE TABLE ping_results"}) {
    EXPECT_NE(first.sql.find(table), std::string_view::npos) << table;
  }
}

TEST(SplitSqlStatements, SplitsAtLineEndingSemicolonsAndDropsComments) {
  const auto statements = split_sql_statements(
      "-- a comment; with a semicolon\n"
      "CREATE TABLE a (\n  x INTEGER -- trailing\n);\n\n"
      "CREATE INDEX i ON a(x);\n"
      "INSERT INTO a VALUES (1)");
  ASSERT_EQ(statements.size(), 3u);
  EXPECT_EQ(statements[0], "CREATE TABLE a (\n  x INTEGER -- trailing\n)");
  EXPECT_EQ(statements[1], "CREATE INDEX i ON a(x)");
  EXPECT_EQ(statements[2], "INSERT INTO a VALUES (1)\n");
}

}  // namespace
}  // namespace semaphore::store

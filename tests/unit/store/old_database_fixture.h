#pragma once
// OldDatabaseTest: an empty database of either back end (the test's parameter) that a migration test fills
// by hand up to an old schema version, with the database's own client (`sqlite3`, `psql`) — the store has
// no way to stop at an old version, on purpose — before migrating it and comparing. Used by the tests that
// migrate a database with rows (006, 009, 010, 011).
#include <cstdio>
#include <fstream>
#include <string>
#include <utility>

#include "store/migrations.h"
#include "store_fixture.h"

namespace semaphore::testing {

// A result row's error word (NULL when none) and its refused count as SQL over `ping_results` or
// `latest_results`, the same text on both back ends: before migration 011 (`coded` false) the `error` column
// and `refused`; from 011 on (`coded`) the code in refused's high bits, decoded here independently of the
// store (store/result_error.h: code * 4096 + count).
inline std::string error_word_sql(bool coded) {
  if (!coded) return "NULLIF(error, '')";
  return "CASE refused / 4096 WHEN 0 THEN NULL WHEN 1 THEN 'unresolvable' WHEN 2 THEN 'refused' WHEN 3 THEN "
         "'unreachable' WHEN 4 THEN 'timeout' WHEN 5 THEN 'send failed' ELSE 'error' END";
}
inline std::string refused_count_sql(bool coded) {
  return coded ? "(refused % 4096)" : "refused";
}

class OldDatabaseTest : public ::testing::TestWithParam<DbKind> {
 protected:
  // `name`: the PostgreSQL database's name prefix, e.g. "migration_009".
  explicit OldDatabaseTest(std::string name) : name_(std::move(name)) {}

  void SetUp() override {
    if (GetParam() == DbKind::sqlite) {
      url_ = *parse_db_url("sqlite:" + dir_.file("old.db"));
    } else {
      static int counter = 0;
      url_ = *parse_db_url(shared_postgres().create_database(name_ + "_" + std::to_string(++counter)));
    }
  }

  // The schema as migration `version` left it on this back end, as one script (with schema_version rows),
  // and a first user (id 1) for the rows a test adds.
  std::string schema_up_to(int version) const {
    std::string schema =
        "CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at BIGINT NOT NULL);\n";
    for (const store::Migration& migration : store::migrations_for(GetParam())) {
      if (migration.version > version) continue;
      schema += std::string(migration.sql) + "\n";
      schema += "INSERT INTO schema_version VALUES (" + std::to_string(migration.version) + ", 0);\n";
    }
    return schema +
           "INSERT INTO users (id, email, password_hash, is_admin, created_at) VALUES (1, "
           "'a@example.com', 'h', 1, 0);\n";
  }

  // Runs `sql` as a script; stops at the first error and fails the test.
  void run_sql(const std::string& sql) {
    const std::string file = dir_.file("script-" + std::to_string(++scripts_) + ".sql");
    std::ofstream(file) << sql;
    const std::string command = GetParam() == DbKind::sqlite
                                    ? "sqlite3 -bail " + url_.location + " < " + file
                                    : "psql -q -v ON_ERROR_STOP=1 '" + url_.location + "' -f " + file;
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }

  // One query's output, rows on lines, columns separated by '|', without the last newline.
  std::string query(const std::string& sql) {
    const std::string command = GetParam() == DbKind::sqlite
                                    ? "sqlite3 " + url_.location + " \"" + sql + "\""
                                    : "psql -At '" + url_.location + "' -c \"" + sql + "\"";
    std::string out;
    if (FILE* pipe = ::popen(command.c_str(), "r")) {
      char buffer[256];
      while (std::fgets(buffer, sizeof buffer, pipe)) out += buffer;
      ::pclose(pipe);
    }
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }

  TempDir dir_;
  DbUrl url_;

 private:
  std::string name_;
  int scripts_ = 0;
};

}  // namespace semaphore::testing

#include "core/db_url.h"

#include <gtest/gtest.h>

namespace semaphore {
namespace {

TEST(ParseDbUrl, SqliteAndPostgresql) {
  auto sqlite = parse_db_url("sqlite:data/semaphore.db");
  ASSERT_TRUE(sqlite.ok());
  EXPECT_EQ(sqlite->kind, DbKind::sqlite);
  EXPECT_EQ(sqlite->location, "data/semaphore.db");
  auto pg = parse_db_url("postgresql://u:p@127.0.0.1:5432/db");
  ASSERT_TRUE(pg.ok());
  EXPECT_EQ(pg->kind, DbKind::postgresql);
  EXPECT_EQ(parse_db_url("postgres://h/db")->kind, DbKind::postgresql);
}

TEST(ParseDbUrl, RejectsOtherSchemesWithoutLeakingPasswords) {
  auto bad = parse_db_url("mysql://root:hunter2@db/x");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message.find("hunter2"), std::string::npos);
  EXPECT_FALSE(parse_db_url("sqlite:").ok());
}

TEST(RedactDbUrl, HidesOnlyThePassword) {
  EXPECT_EQ(redact_db_url("postgresql://u:secret@h:5432/db"), "postgresql://u:***@h:5432/db");
  EXPECT_EQ(redact_db_url("postgresql://u@h/db"), "postgresql://u@h/db");
}

}  // namespace
}  // namespace semaphore

#pragma once
// A fresh, migrated Store per test, on SQLite (a temp file) or on PostgreSQL (a new database in a cluster
// started once for the whole test binary). Used as TEST_P(StoreTest, ...) with both back ends.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "store/store.h"
#include "support/postgres_server.h"
#include "support/temp_dir.h"

namespace semaphore::testing {

// The cluster shared by every PostgreSQL test in this binary; started on first use, stopped at exit.
PostgresServer& shared_postgres();

class StoreTest : public ::testing::TestWithParam<DbKind> {
 protected:
  void SetUp() override;

  store::User make_user(const std::string& email);
  store::Host make_host(store::Id user_id, const std::string& hostname, bool enabled = true);

  TempDir dir_;
  DbUrl url_;
  std::unique_ptr<store::Store> store_;
};

std::string backend_name(const ::testing::TestParamInfo<DbKind>& info);

}  // namespace semaphore::testing

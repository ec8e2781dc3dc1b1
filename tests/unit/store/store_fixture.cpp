#include "store_fixture.h"

#include <atomic>

namespace semaphore::testing {

PostgresServer& shared_postgres() {
  static PostgresServer server;  // destroyed at exit: pg_ctl stop, temp dir removed
  return server;
}

void StoreTest::SetUp() {
  if (GetParam() == DbKind::sqlite) {
    url_ = *parse_db_url("sqlite:" + dir_.file("test.db"));
  } else {
    static std::atomic<int> counter{0};
    const std::string name = "store_test_" + std::to_string(++counter);
    url_ = *parse_db_url(shared_postgres().create_database(name));
  }
  auto opened = store::Store::open(url_);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  store_ = std::move(opened).value();
  auto migrated = store_->migrate();
  ASSERT_TRUE(migrated.ok()) << migrated.error().message;
}

store::User StoreTest::make_user(const std::string& email) {
  auto user = store_->create_user(email, "hash-of-" + email, true);
  EXPECT_TRUE(user.ok()) << user.error().message;
  return *user;
}

store::Host StoreTest::make_host(store::Id user_id, const std::string& hostname, bool enabled) {
  store::Host host;
  host.user_id = user_id;
  host.hostname = hostname;
  host.provider = Provider::aws;
  host.service = "EC2";
  host.enabled = enabled;
  auto added = store_->add_host(host);
  EXPECT_TRUE(added.ok()) << added.error().message;
  return *added;
}

std::string backend_name(const ::testing::TestParamInfo<DbKind>& info) {
  return info.param == DbKind::sqlite ? "SQLite" : "PostgreSQL";
}

}  // namespace semaphore::testing

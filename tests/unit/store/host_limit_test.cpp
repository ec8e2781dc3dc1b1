// Store::add_hosts (src/store/store.h): the per-user host limit is enforced inside the insert's transaction,
// so concurrent adds — replicas of the web UI, the CLI beside them — cannot take a user past it. On SQLite
// and on a real PostgreSQL.
#include <atomic>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "store_fixture.h"

namespace semaphore::testing {
namespace {

class HostLimitTest : public StoreTest {
 protected:
  std::vector<store::Host> hosts(const std::string& prefix, int count) {
    std::vector<store::Host> made;
    for (int i = 0; i < count; ++i) {
      store::Host host;
      host.hostname = prefix + std::to_string(i) + ".example";
      host.service = "EC2";
      made.push_back(host);
    }
    return made;
  }
};

TEST_P(HostLimitTest, OneOutcomePerHostInOrder) {
  const auto alice = make_user("alice@example.com");
  const auto bob = make_user("bob@example.com");
  auto first = hosts("a", 2);
  first.push_back(first[0]);  // the same name again, in the same call
  auto added = store_->add_hosts(alice.id, first, 3);
  ASSERT_TRUE(added) << added.error().message;
  ASSERT_EQ(added->size(), 3u);
  ASSERT_TRUE((*added)[0]);
  EXPECT_GT((*added)[0]->id, 0);
  EXPECT_GT((*added)[0]->created_at, 0);
  EXPECT_EQ((*added)[0]->user_id, alice.id);
  EXPECT_EQ((*added)[0]->service, "EC2");
  ASSERT_TRUE((*added)[1]);
  ASSERT_FALSE((*added)[2]);
  EXPECT_EQ((*added)[2].error().code, Errc::duplicate);
  EXPECT_NE((*added)[2].error().message.find("a0.example"), std::string::npos);

  // One room left: the first new host takes it; a name the user has is a duplicate only while there is room.
  auto more = store_->add_hosts(alice.id, hosts("b", 3), 3);
  ASSERT_TRUE(more) << more.error().message;
  EXPECT_TRUE((*more)[0]);
  EXPECT_EQ((*more)[1].error().code, Errc::limit_exceeded);
  EXPECT_EQ((*more)[2].error().code, Errc::limit_exceeded);
  EXPECT_EQ((*store_->add_hosts(alice.id, hosts("a", 1), 3))[0].error().code, Errc::limit_exceeded);
  EXPECT_EQ(*store_->count_hosts(alice.id), 3);

  // The limit is per user; an unknown user is an error of the call.
  EXPECT_TRUE((*store_->add_hosts(bob.id, hosts("a", 1), 3))[0]);
  auto nobody = store_->add_hosts(bob.id + 100, hosts("c", 1), 3);
  ASSERT_FALSE(nobody);
  EXPECT_EQ(nobody.error().code, Errc::not_found);
  EXPECT_TRUE(store_->add_hosts(alice.id, {}, 3)->empty());
}

TEST_P(HostLimitTest, AUsersOwnLimitOverridesTheServersDefault) {
  const auto alice = make_user("alice@example.com");
  const auto bob = make_user("bob@example.com");
  EXPECT_FALSE(store_->find_user(alice.id)->max_hosts) << "a new user has the server's limit";

  // An admin raised Alice's limit to 4 while the server's default is 2: she gets 4, Bob still 2.
  ASSERT_TRUE(store_->set_user_max_hosts(alice.id, 4));
  EXPECT_EQ(store_->find_user(alice.id)->max_hosts, std::optional<std::int64_t>(4));
  EXPECT_EQ(store_->find_user_by_email("alice@example.com")->max_hosts, std::optional<std::int64_t>(4));
  auto raised = store_->add_hosts(alice.id, hosts("a", 5), 2);
  ASSERT_TRUE(raised) << raised.error().message;
  for (int i = 0; i < 4; ++i) EXPECT_TRUE((*raised)[static_cast<std::size_t>(i)]) << i;
  ASSERT_FALSE((*raised)[4]);
  EXPECT_EQ((*raised)[4].error().code, Errc::limit_exceeded);
  EXPECT_NE((*raised)[4].error().message.find("limit of 4"), std::string::npos)
      << (*raised)[4].error().message;
  auto plain = store_->add_hosts(bob.id, hosts("b", 3), 2);
  EXPECT_TRUE((*plain)[1]);
  EXPECT_EQ((*plain)[2].error().code, Errc::limit_exceeded);

  // Lowered below what she holds: nothing is removed, nothing more is added. Back to the default.
  // A list reads each user's own value (alice's 4, bob's none), whatever the row before had.
  ASSERT_TRUE(store_->set_user_max_hosts(alice.id, 1));
  const auto users = store_->list_users();
  ASSERT_EQ(users->size(), 2u);
  EXPECT_EQ((*users)[0].max_hosts, std::optional<std::int64_t>(1));
  EXPECT_EQ((*users)[1].max_hosts, std::nullopt);
  EXPECT_EQ((*store_->add_hosts(alice.id, hosts("c", 1), 10))[0].error().code, Errc::limit_exceeded);
  EXPECT_EQ(*store_->count_hosts(alice.id), 4);
  ASSERT_TRUE(store_->set_user_max_hosts(alice.id, std::nullopt));
  EXPECT_FALSE(store_->find_user(alice.id)->max_hosts);
  EXPECT_TRUE((*store_->add_hosts(alice.id, hosts("d", 1), 5))[0]) << "the default of 5 applies again";

  EXPECT_EQ(store_->set_user_max_hosts(bob.id + 100, 3).error().code, Errc::not_found);
}

TEST_P(HostLimitTest, ParallelAddsCannotOverrunTheLimit) {
  // Each thread has its own Store (its own connections), like replicas of the web UI. Every round, all of
  // them count the user's hosts at once; without the lock each would see room and insert.
  constexpr int kThreads = 6, kPerCall = 4, kRounds = 5;
  constexpr std::int64_t kLimit = 10;
  std::vector<std::unique_ptr<store::Store>> stores;
  for (int i = 0; i < kThreads; ++i) {
    auto opened = store::Store::open(url_);
    ASSERT_TRUE(opened) << opened.error().message;
    stores.push_back(std::move(*opened));
  }
  for (int round = 0; round < kRounds; ++round) {
    const auto user = make_user("user" + std::to_string(round) + "@example.com");
    std::atomic<int> added{0}, over_limit{0}, failed{0};
    std::latch start(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        const auto batch = hosts("t" + std::to_string(t) + "-", kPerCall);
        start.arrive_and_wait();
        auto outcomes = stores[static_cast<std::size_t>(t)]->add_hosts(user.id, batch, kLimit);
        if (!outcomes) {
          ++failed;
          return;
        }
        for (const auto& outcome : *outcomes) {
          if (outcome) {
            ++added;
          } else if (outcome.error().code == Errc::limit_exceeded) {
            ++over_limit;
          } else {
            ++failed;
          }
        }
      });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(failed.load(), 0) << "round " << round;
    EXPECT_EQ(added.load(), kLimit) << "round " << round;
    EXPECT_EQ(over_limit.load(), kThreads * kPerCall - kLimit) << "round " << round;
    EXPECT_EQ(*store_->count_hosts(user.id), kLimit) << "round " << round;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, HostLimitTest, ::testing::Values(DbKind::sqlite, DbKind::postgresql),
                         backend_name);

}  // namespace
}  // namespace semaphore::testing

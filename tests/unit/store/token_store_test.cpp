// TokenStore (src/store/token_store.h): users' API tokens, on SQLite and on a real PostgreSQL.
#include <atomic>
#include <cstdlib>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "store_fixture.h"

namespace semaphore::testing {
namespace {

using store::ApiToken;
using store::TokenScope;

class TokenStoreTest : public StoreTest {
 protected:
  static ApiToken token(store::Id user_id, const std::string& name, TokenScope scope = TokenScope::read) {
    ApiToken made;
    made.user_id = user_id;
    made.name = name;
    made.token_hash = "hash-of-" + name + "-" + std::to_string(user_id);
    made.scope = scope;
    return made;
  }
};

TEST_P(TokenStoreTest, CreatedTokensAreFoundByHashWithEveryField) {
  const auto alice = make_user("alice@example.com");
  ApiToken input = token(alice.id, "ci", TokenScope::write);
  input.expires_at = 9'000'000'000'000;
  const EpochMs before = now_epoch_ms();
  auto created = store_->create_token(input, 50);
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_GT(created->id, 0);
  EXPECT_GE(created->created_at, before);

  auto found = store_->find_token(input.token_hash);
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_EQ(found->id, created->id);
  EXPECT_EQ(found->user_id, alice.id);
  EXPECT_EQ(found->name, "ci");
  EXPECT_EQ(found->scope, TokenScope::write);
  EXPECT_EQ(found->created_at, created->created_at);
  EXPECT_EQ(found->expires_at, std::optional<EpochMs>(9'000'000'000'000));
  EXPECT_FALSE(found->last_used_at.has_value());

  // Never-expiring tokens keep NULL, not 0.
  ASSERT_TRUE(store_->create_token(token(alice.id, "forever"), 50).ok());
  const auto forever = store_->find_token(token(alice.id, "forever").token_hash);
  ASSERT_TRUE(forever.ok());
  EXPECT_FALSE(forever->expires_at.has_value());
  EXPECT_EQ(forever->scope, TokenScope::read);

  EXPECT_EQ(store_->find_token("no-such-hash").error().code, Errc::not_found);
}

TEST_P(TokenStoreTest, NamesAreUniquePerUserOnly) {
  const auto alice = make_user("alice@example.com");
  const auto bob = make_user("bob@example.com");
  ASSERT_TRUE(store_->create_token(token(alice.id, "laptop"), 50).ok());
  ApiToken again = token(alice.id, "laptop");
  again.token_hash = "another-hash";
  auto clash = store_->create_token(again, 50);
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.error().code, Errc::duplicate);
  // The failed insert left the store usable (on PostgreSQL an aborted transaction would not be).
  EXPECT_TRUE(store_->create_token(token(bob.id, "laptop"), 50).ok());
  EXPECT_EQ(store_->list_tokens(alice.id)->size(), 1u);
  EXPECT_EQ(store_->list_tokens(bob.id)->size(), 1u);

  EXPECT_EQ(store_->create_token(token(9999, "x"), 50).error().code, Errc::not_found);
}

TEST_P(TokenStoreTest, ListingIsPerUserOldestFirst) {
  const auto alice = make_user("alice@example.com");
  const auto bob = make_user("bob@example.com");
  for (const char* name : {"one", "two", "three"})
    ASSERT_TRUE(store_->create_token(token(alice.id, name), 50));
  ASSERT_TRUE(store_->create_token(token(bob.id, "bobs"), 50));
  auto listed = store_->list_tokens(alice.id);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 3u);
  EXPECT_EQ((*listed)[0].name, "one");
  EXPECT_EQ((*listed)[1].name, "two");
  EXPECT_EQ((*listed)[2].name, "three");
  for (const auto& listed_token : *listed) EXPECT_EQ(listed_token.user_id, alice.id);
  EXPECT_TRUE(store_->list_tokens(9999)->empty());
}

TEST_P(TokenStoreTest, RevokingIsScopedByUserAndDeletesTheRow) {
  const auto alice = make_user("alice@example.com");
  const auto bob = make_user("bob@example.com");
  const auto by_name = *store_->create_token(token(alice.id, "by-name"), 50);
  const auto by_id = *store_->create_token(token(alice.id, "by-id"), 50);

  // Bob cannot revoke Alice's tokens, by name or by id: not_found, and they still work.
  EXPECT_EQ(store_->revoke_token(bob.id, "by-name").error().code, Errc::not_found);
  EXPECT_EQ(store_->revoke_token_by_id(bob.id, by_id.id).error().code, Errc::not_found);
  EXPECT_TRUE(store_->find_token(by_name.token_hash).ok());
  EXPECT_TRUE(store_->find_token(by_id.token_hash).ok());

  ASSERT_TRUE(store_->revoke_token(alice.id, "by-name").ok());
  EXPECT_EQ(store_->find_token(by_name.token_hash).error().code, Errc::not_found);
  EXPECT_EQ(store_->revoke_token(alice.id, "by-name").error().code, Errc::not_found);

  ASSERT_TRUE(store_->revoke_token_by_id(alice.id, by_id.id).ok());
  EXPECT_EQ(store_->find_token(by_id.token_hash).error().code, Errc::not_found);
  EXPECT_TRUE(store_->list_tokens(alice.id)->empty());
}

TEST_P(TokenStoreTest, TouchSetsLastUsedAndCommitsAWrite) {
  const auto alice = make_user("alice@example.com");
  const auto created = *store_->create_token(token(alice.id, "ci"), 50);
  const std::string before = *store_->data_version();
  ASSERT_TRUE(store_->touch_token(created.id, 123'456).ok());
  EXPECT_EQ(store_->find_token(created.token_hash)->last_used_at, std::optional<EpochMs>(123'456));
  EXPECT_NE(*store_->data_version(), before);  // so a token cached under the version is read again
}

TEST_P(TokenStoreTest, DeletingTheUserDeletesItsTokens) {
  const auto alice = make_user("alice@example.com");
  const auto created = *store_->create_token(token(alice.id, "ci"), 50);
  // The store has no user deletion; the database's own client deletes the row, as an operator would.
  const std::string statement = "DELETE FROM users WHERE id = " + std::to_string(alice.id);
  const std::string command =
      GetParam() == DbKind::sqlite
          ? "sqlite3 " + url_.location + " \"PRAGMA foreign_keys=ON; " + statement + "\""
          : "psql -q '" + url_.location + "' -c \"" + statement + "\"";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  EXPECT_EQ(store_->find_token(created.token_hash).error().code, Errc::not_found);
}

TEST_P(TokenStoreTest, PurgingDeletesTokensOfEveryUserExpiredBeforeTheCutOffInBatches) {
  const auto alice = make_user("alice@example.com");
  const auto bob = make_user("bob@example.com");
  const EpochMs cutoff = 1'700'000'000'000;
  auto add = [&](store::Id user, const std::string& name, std::optional<EpochMs> expires) {
    ApiToken made = token(user, name);
    made.expires_at = expires;
    ASSERT_TRUE(store_->create_token(made, 50).ok()) << name;
  };
  for (int i = 0; i < 4; ++i) add(alice.id, "old-" + std::to_string(i), cutoff - 1 - i);
  add(bob.id, "old", cutoff - 86'400'000);
  add(alice.id, "at-cutoff", cutoff);  // not before the cut-off: kept
  add(bob.id, "later", cutoff + 1);
  add(bob.id, "never", std::nullopt);  // NULL never expires

  // Batches of at most `limit`, repeated until one comes back short.
  EXPECT_EQ(*store_->delete_tokens_expired_before(cutoff, 2), 2);
  EXPECT_EQ(*store_->delete_tokens_expired_before(cutoff, 2), 2);
  EXPECT_EQ(*store_->delete_tokens_expired_before(cutoff, 2), 1);
  EXPECT_EQ(*store_->delete_tokens_expired_before(cutoff, 2), 0);
  std::vector<std::string> left;
  for (const auto& user : {alice, bob}) {
    const auto tokens = store_->list_tokens(user.id);
    ASSERT_TRUE(tokens.ok());
    for (const auto& kept : *tokens) left.push_back(kept.name);
  }
  EXPECT_EQ(left, (std::vector<std::string>{"at-cutoff", "later", "never"}));
}

TEST_P(TokenStoreTest, ParallelCreationsCannotOverrunTheLimit) {
  constexpr int kThreads = 6, kPerThread = 3;
  constexpr std::int64_t kLimit = 10;
  std::vector<std::unique_ptr<store::Store>> stores;
  for (int i = 0; i < kThreads; ++i) {
    auto opened = store::Store::open(url_);
    ASSERT_TRUE(opened) << opened.error().message;
    stores.push_back(std::move(*opened));
  }
  const auto alice = make_user("alice@example.com");
  std::atomic<int> created{0}, over_limit{0}, failed{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < kPerThread; ++i) {
        auto made = stores[static_cast<std::size_t>(t)]->create_token(
            token(alice.id, "t" + std::to_string(t) + "-" + std::to_string(i)), kLimit);
        if (made) {
          ++created;
        } else if (made.error().code == Errc::limit_exceeded) {
          ++over_limit;
        } else {
          ++failed;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(created.load(), kLimit);
  EXPECT_EQ(over_limit.load(), kThreads * kPerThread - kLimit);
  EXPECT_EQ(store_->list_tokens(alice.id)->size(), static_cast<std::size_t>(kLimit));
}

INSTANTIATE_TEST_SUITE_P(Backends, TokenStoreTest, ::testing::Values(DbKind::sqlite, DbKind::postgresql),
                         backend_name);

}  // namespace
}  // namespace semaphore::testing

// Housekeeping over a real SQLite store: ended sessions, old sign-in failures and long-expired API tokens
// really leave the tables, live ones stay. Times are passed in, never slept.
#include "web/housekeeping.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/durations.h"
#include "support/sqlite_store.h"
#include "support/temp_dir.h"
#include "web/security/throttle.h"

namespace semaphore::web {
namespace {

using testing::kDay;
using testing::kHour;
using testing::kMinute;

class HousekeepingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = semaphore::testing::open_migrated_sqlite(dir_, "housekeeping.db");
    auto user = store_->create_user("someone@example.com", "hash", false);
    ASSERT_TRUE(user);
    user_id_ = user->id;
  }

  void add_session(const std::string& hash, EpochMs created, EpochMs last_seen, EpochMs expires) {
    ASSERT_TRUE(store_->create_session({hash, user_id_, "csrf", created, last_seen, expires}));
  }
  bool has_session(const std::string& hash) { return store_->find_session(hash).ok(); }
  void add_token(const std::string& name, std::optional<EpochMs> expires) {
    store::ApiToken token;
    token.user_id = user_id_;
    token.name = name;
    token.token_hash = "hash-of-" + name;
    token.expires_at = expires;
    ASSERT_TRUE(store_->create_token(token, 50).ok()) << name;
  }
  std::vector<std::string> token_names() {
    std::vector<std::string> names;
    const auto tokens = store_->list_tokens(user_id_);
    if (tokens.ok()) {
      for (const auto& token : *tokens) names.push_back(token.name);
    }
    return names;
  }
  std::size_t failures(const std::string& key) {
    auto found = store_->signin_failures_since(key, 0);
    return found ? found->size() : 0;
  }

  semaphore::testing::TempDir dir_{"semaphore-housekeeping"};
  std::unique_ptr<store::Store> store_;
  store::Id user_id_ = 0;
  // 12 hours idle, 7 days at most.
  HousekeepingOptions options_{SessionRules{std::chrono::hours(12), std::chrono::hours(24 * 7)}};
  const EpochMs t0_ = 1'700'000'000'000;
};

TEST_F(HousekeepingTest, DeletesSessionsPastTheirExpiryIdleOrMaximumAgeAndKeepsLiveOnes) {
  const EpochMs now = t0_ + 30 * kDay;
  add_session("live", now - kHour, now - kMinute, now + kDay);
  add_session("expired", now - kHour, now - kMinute, now - 1);
  add_session("idle", now - kDay, now - 12 * kHour, now + kDay);      // idle exactly 12 h: ended
  add_session("too-old", now - 7 * kDay, now - kMinute, now + kDay);  // 7 days after sign-in: ended
  add_session("almost-idle", now - kDay, now - 12 * kHour + 1, now + kDay);

  Housekeeping housekeeping(*store_, *store_, options_);
  const auto purged = housekeeping.purge(now);
  EXPECT_EQ(purged.sessions, 3);
  EXPECT_TRUE(has_session("live"));
  EXPECT_TRUE(has_session("almost-idle"));
  EXPECT_FALSE(has_session("expired"));
  EXPECT_FALSE(has_session("idle"));
  EXPECT_FALSE(has_session("too-old"));
}

TEST_F(HousekeepingTest, DeletesSignInFailuresOlderThanTheThrottlesWindowOfEveryKey) {
  const EpochMs now = t0_;
  const EpochMs window = SigninThrottle::kWindowMs;
  for (const std::string key : {"account:a@example.com", "client:192.0.2.1", "client:2001:db8::"}) {
    ASSERT_TRUE(store_->record_signin_failure(key, now - window - kDay));
    ASSERT_TRUE(store_->record_signin_failure(key, now - window - 1));
    ASSERT_TRUE(store_->record_signin_failure(key, now - window + 1));  // still counts: kept
  }
  Housekeeping housekeeping(*store_, *store_, options_);
  EXPECT_EQ(housekeeping.purge(now).signin_failures, 6);
  EXPECT_EQ(failures("account:a@example.com"), 1u);
  EXPECT_EQ(failures("client:192.0.2.1"), 1u);
  EXPECT_EQ(failures("client:2001:db8::"), 1u);
}

TEST_F(HousekeepingTest, DeletesApiTokensExpiredMoreThanThirtyDaysAgoAndKeepsTheRest) {
  const EpochMs now = t0_ + 365 * kDay;
  add_token("never", std::nullopt);
  add_token("live", now + kDay);
  add_token("expired-yesterday", now - kDay);  // /account still shows it as expired
  add_token("expired-30-days-ago", now - 30 * kDay);
  add_token("expired-longer-ago", now - 30 * kDay - 1);
  add_token("expired-last-year", t0_);

  Housekeeping housekeeping(*store_, *store_, options_);
  EXPECT_EQ(housekeeping.purge(now).tokens, 2);
  EXPECT_EQ(token_names(),
            (std::vector<std::string>{"never", "live", "expired-yesterday", "expired-30-days-ago"}));

  // The time kept is an option.
  HousekeepingOptions shorter = options_;
  shorter.expired_tokens_kept = std::chrono::hours(1);
  Housekeeping impatient(*store_, *store_, shorter);
  EXPECT_EQ(impatient.purge(now).tokens, 2);
  EXPECT_EQ(token_names(), (std::vector<std::string>{"never", "live"}));
}

TEST_F(HousekeepingTest, DeletesInBatchesUntilNothingIsLeft) {
  const EpochMs now = t0_ + 30 * kDay;
  for (int i = 0; i < 23; ++i) add_session("old-" + std::to_string(i), t0_, t0_, t0_ + kDay);
  for (int i = 0; i < 17; ++i) ASSERT_TRUE(store_->record_signin_failure("client:192.0.2.9", t0_ + i));
  for (int i = 0; i < 11; ++i)
    add_token("old-" + std::to_string(i), t0_ - 1 - i);  // 30 days + 1 ms and more before now
  add_session("live", now - kHour, now - kMinute, now + kDay);
  add_token("live", now + kDay);

  HousekeepingOptions small = options_;
  small.batch_rows = 5;  // several batches per table, the last one short
  Housekeeping housekeeping(*store_, *store_, small);
  const auto purged = housekeeping.purge(now);
  EXPECT_EQ(purged.sessions, 23);
  EXPECT_EQ(purged.signin_failures, 17);
  EXPECT_EQ(purged.tokens, 11);
  EXPECT_EQ(token_names(), std::vector<std::string>{"live"});
  for (int i = 0; i < 23; ++i) EXPECT_FALSE(has_session("old-" + std::to_string(i))) << i;
  EXPECT_EQ(failures("client:192.0.2.9"), 0u);
  EXPECT_TRUE(has_session("live"));

  // A pass's share of batches is bounded: the rest waits for the next pass.
  for (int i = 0; i < 12; ++i) add_session("later-" + std::to_string(i), t0_, t0_, t0_ + kDay);
  small.max_batches_per_pass = 2;
  Housekeeping bounded(*store_, *store_, small);
  EXPECT_EQ(bounded.purge(now).sessions, 10);
  EXPECT_EQ(bounded.purge(now).sessions, 2);
}

TEST_F(HousekeepingTest, TheWorkerThreadPurgesOnStart) {
  // The worker's first pass runs at once with the real clock: a session that ended long ago goes.
  add_session("ancient", 1000, 1000, 2000);
  Housekeeping housekeeping(*store_, *store_, options_);
  housekeeping.start();
  for (int i = 0; i < 6000 && has_session("ancient"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // only bounds the wait for a broken worker
  }
  housekeeping.stop();
  EXPECT_FALSE(has_session("ancient"));
}

}  // namespace
}  // namespace semaphore::web

// Session tokens and rules, the sign-in throttle's schedule. (Passwords and hosts as typed are the domain's:
// tests/unit/domain/.)
#include <gtest/gtest.h>

#include "web/security/sessions.h"
#include "web/security/throttle.h"

namespace semaphore::web {
namespace {

TEST(Sessions, TokensAre256BitAndHashed) {
  const std::string a = random_token(), b = random_token();
  EXPECT_EQ(a.size(), 43u);
  EXPECT_NE(a, b);
  EXPECT_TRUE(looks_like_token(a));
  EXPECT_FALSE(looks_like_token("short"));
  EXPECT_FALSE(looks_like_token(std::string(42, 'a') + ";"));
  const std::string hash = hash_token(a);
  EXPECT_EQ(hash.size(), 64u);
  EXPECT_EQ(hash, hash_token(a));
  EXPECT_NE(hash, hash_token(b));
  EXPECT_EQ(hash_token("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_TRUE(tokens_equal(a, a));
  EXPECT_FALSE(tokens_equal(a, b));
  EXPECT_FALSE(tokens_equal("", ""));
}

TEST(Sessions, IdleAndAbsoluteExpiry) {
  SessionRules rules{std::chrono::hours(12), std::chrono::hours(24 * 7), std::chrono::seconds(60)};
  store::Session session;
  session.created_at = 0;
  session.last_seen_at = 0;
  session.expires_at = 7LL * 24 * 3'600'000;
  const EpochMs hour = 3'600'000;
  EXPECT_FALSE(rules.expired(session, 11 * hour));
  EXPECT_TRUE(rules.expired(session, 12 * hour)) << "idle";
  session.last_seen_at = 7 * 24 * hour - 1;
  EXPECT_FALSE(rules.expired(session, 7 * 24 * hour - 2));
  EXPECT_TRUE(rules.expired(session, 7 * 24 * hour)) << "absolute, however active";
  EXPECT_FALSE(rules.needs_touch(session, session.last_seen_at + 59'000));
  EXPECT_TRUE(rules.needs_touch(session, session.last_seen_at + 60'000));
}

TEST(Throttle, AccountDelayGrowsToFifteenMinutes) {
  EXPECT_EQ(SigninThrottle::account_delay(4).count(), 0);
  EXPECT_EQ(SigninThrottle::account_delay(5).count(), 30);
  EXPECT_EQ(SigninThrottle::account_delay(6).count(), 60);
  EXPECT_EQ(SigninThrottle::account_delay(8).count(), 240);
  EXPECT_EQ(SigninThrottle::account_delay(10).count(), 900);
  EXPECT_EQ(SigninThrottle::account_delay(1000).count(), 900);
}

}  // namespace
}  // namespace semaphore::web

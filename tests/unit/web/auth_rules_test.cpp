// Passwords, session tokens and rules, the sign-in throttle's schedule, hosts as typed.
#include <gtest/gtest.h>

#include "web/host_input.h"
#include "web/passwords.h"
#include "web/sessions.h"
#include "web/throttle.h"

namespace semaphore::web {
namespace {

TEST(Passwords, LengthRulesCountCharacters) {
  EXPECT_TRUE(password_problem("short"));
  EXPECT_TRUE(password_problem("123456789"));
  EXPECT_FALSE(password_problem("1234567890"));
  EXPECT_FALSE(password_problem("ééééééééééé"));
  EXPECT_TRUE(password_problem("éééé")) << "8 bytes but 4 characters";
  EXPECT_FALSE(password_problem(std::string(1024, 'a')));
  EXPECT_TRUE(password_problem(std::string(1025, 'a')));
}

TEST(Passwords, HashVerifyAndRehashWhenParametersChange) {
  const PasswordHasher cheap(PasswordCost::minimum());
  const auto hash = cheap.hash("correct horse battery");
  ASSERT_TRUE(hash);
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(cheap.verify(*hash, "correct horse battery"));
  EXPECT_FALSE(cheap.verify(*hash, "correct horse batterY"));
  EXPECT_FALSE(cheap.verify("", "x"));
  EXPECT_FALSE(cheap.verify("not a hash", "x"));
  EXPECT_FALSE(cheap.needs_rehash(*hash));
  const PasswordHasher stronger(PasswordCost{PasswordCost::minimum().ops + 1, PasswordCost::minimum().mem});
  EXPECT_TRUE(stronger.needs_rehash(*hash));
  EXPECT_TRUE(stronger.verify(*hash, "correct horse battery")) << "old hashes still verify";
  EXPECT_FALSE(cheap.verify_dummy("correct horse battery"));
}

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

TEST(HostInput, ValidatesEachField) {
  HostErrors errors;
  auto host =
      validate_host({" Example.COM ", "aws", "EC2", "front", true}, TargetPolicy::allow_private, errors);
  ASSERT_TRUE(host) << errors.first();
  EXPECT_EQ(host->hostname, "example.com");
  EXPECT_EQ(host->provider, Provider::aws);

  HostErrors bad;
  EXPECT_FALSE(validate_host({"bad host", "Oracle", std::string(101, 's'), "x", true},
                             TargetPolicy::allow_private, bad));
  EXPECT_FALSE(bad.hostname.empty());
  EXPECT_FALSE(bad.provider.empty());
  EXPECT_FALSE(bad.service.empty());
  EXPECT_TRUE(bad.label.empty());
}

TEST(HostInput, TargetPolicy) {
  for (const char* never : {"169.254.169.254", "0.0.0.0", "224.0.0.1", "255.255.255.255", "fe80::1", "::"}) {
    HostErrors errors;
    EXPECT_FALSE(validate_host({never, "", "", "", true}, TargetPolicy::allow_private, errors)) << never;
  }
  for (const char* local : {"127.0.0.1", "::1", "10.0.0.1", "192.168.1.1"}) {
    HostErrors errors;
    EXPECT_TRUE(validate_host({local, "", "", "", true}, TargetPolicy::allow_private, errors)) << local;
    HostErrors public_errors;
    EXPECT_FALSE(validate_host({local, "", "", "", true}, TargetPolicy::public_only, public_errors)) << local;
  }
  HostErrors errors;
  EXPECT_TRUE(validate_host({"8.8.8.8", "", "", "", true}, TargetPolicy::public_only, errors));
}

}  // namespace
}  // namespace semaphore::web

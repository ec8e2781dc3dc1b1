// API tokens (src/domain/api_tokens.h): the token's shape, its hash, the name and expiry rules, and making a
// token over a real SQLite store (only the hash is stored; duplicates and the per-user limit).
#include "domain/api_tokens.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>

#include "support/sqlite_store.h"
#include "support/temp_dir.h"

namespace semaphore::domain {
namespace {

TEST(ApiTokenText, IsPrefixedRandomAndRecognized) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string token = random_api_token();
    EXPECT_EQ(token.size(), kApiTokenChars);
    EXPECT_TRUE(token.starts_with("smp_")) << token;
    EXPECT_TRUE(looks_like_api_token(token)) << token;
    seen.insert(token);
  }
  EXPECT_EQ(seen.size(), 100u);
  const std::string good = random_api_token();
  EXPECT_FALSE(looks_like_api_token(""));
  EXPECT_FALSE(looks_like_api_token(good.substr(0, kApiTokenChars - 1)));
  EXPECT_FALSE(looks_like_api_token(good + "A"));
  EXPECT_FALSE(looks_like_api_token("xyz_" + good.substr(4)));
  EXPECT_FALSE(looks_like_api_token(good.substr(0, 10) + "+" + good.substr(11)));
  EXPECT_FALSE(looks_like_api_token(good.substr(0, 10) + "=" + good.substr(11)));
}

TEST(ApiTokenText, HashIsHexSha256) {
  // SHA-256("abc"), FIPS 180-2's example.
  EXPECT_EQ(hash_api_token("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string token = random_api_token();
  EXPECT_EQ(hash_api_token(token), hash_api_token(token));
  EXPECT_NE(hash_api_token(token), hash_api_token(random_api_token()));
}

TEST(ApiTokenRules, NamesArePrintableAsciiUpTo64) {
  EXPECT_FALSE(token_name_problem("ci"));
  EXPECT_FALSE(token_name_problem("Terraform (prod) #2"));
  EXPECT_FALSE(token_name_problem(std::string(64, 'x')));
  EXPECT_TRUE(token_name_problem(""));
  EXPECT_TRUE(token_name_problem(std::string(65, 'x')));
  EXPECT_TRUE(token_name_problem("tab\there"));
  EXPECT_TRUE(token_name_problem("line\nbreak"));
  EXPECT_TRUE(token_name_problem("del\x7f"));
  EXPECT_TRUE(token_name_problem("caf\xc3\xa9"));
}

TEST(ApiTokenRules, ExpiryChoicesAreTheFourOffered) {
  const auto never = parse_token_expiry_choice("never");
  ASSERT_TRUE(never.has_value());
  EXPECT_FALSE(never->has_value());
  for (const int days : {30, 90, 365}) {
    const auto choice = parse_token_expiry_choice(std::to_string(days));
    ASSERT_TRUE(choice.has_value() && choice->has_value()) << days;
    EXPECT_EQ(**choice, std::chrono::days(days));
  }
  EXPECT_FALSE(parse_token_expiry_choice("7"));
  EXPECT_FALSE(parse_token_expiry_choice(""));
}

class CreateApiTokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store = semaphore::testing::open_migrated_sqlite(dir, "tokens.db");
    user = store->create_user("a@example.com", "hash", true)->id;
  }
  testing::TempDir dir{"semaphore-domain-tokens"};
  std::unique_ptr<store::Store> store;
  store::Id user = 0;
};

TEST_F(CreateApiTokenTest, StoresOnlyTheHashWithTheTrimmedNameAndExpiry) {
  const EpochMs now = 1'700'000'000'000;
  auto made =
      create_api_token(*store, user, "  deploy  ", store::TokenScope::write, std::chrono::days(30), now);
  ASSERT_TRUE(made.ok()) << made.error().message;
  EXPECT_TRUE(looks_like_api_token(made->token));
  const auto listed = *store->list_tokens(user);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].name, "deploy");
  EXPECT_EQ(listed[0].scope, store::TokenScope::write);
  EXPECT_EQ(listed[0].token_hash, hash_api_token(made->token));
  EXPECT_EQ(listed[0].token_hash.size(), 64u);
  EXPECT_EQ(listed[0].token_hash.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(listed[0].token_hash.find(made->token.substr(4)), std::string::npos);
  EXPECT_EQ(listed[0].expires_at, std::optional<EpochMs>(now + 30LL * 86'400'000));
  EXPECT_EQ(made->record.id, listed[0].id);

  auto forever = create_api_token(*store, user, "forever", store::TokenScope::read, std::nullopt, now);
  ASSERT_TRUE(forever.ok());
  EXPECT_FALSE(forever->record.expires_at.has_value());
}

TEST_F(CreateApiTokenTest, RefusesBadNamesLifetimesDuplicatesAndTooMany) {
  const EpochMs now = now_epoch_ms();
  EXPECT_EQ(create_api_token(*store, user, "   ", store::TokenScope::read, std::nullopt, now).error().code,
            Errc::invalid_argument);
  EXPECT_EQ(create_api_token(*store, user, "x", store::TokenScope::read, std::chrono::milliseconds(0), now)
                .error()
                .code,
            Errc::invalid_argument);
  ASSERT_TRUE(create_api_token(*store, user, "one", store::TokenScope::read, std::nullopt, now));
  const auto again = create_api_token(*store, user, "one", store::TokenScope::read, std::nullopt, now);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::duplicate);
  EXPECT_NE(again.error().message.find("one"), std::string::npos);
  for (std::int64_t i = 1; i < kMaxTokensPerUser; ++i) {
    ASSERT_TRUE(
        create_api_token(*store, user, "t" + std::to_string(i), store::TokenScope::read, std::nullopt, now));
  }
  const auto over = create_api_token(*store, user, "over", store::TokenScope::read, std::nullopt, now);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, Errc::limit_exceeded);
  EXPECT_EQ(store->list_tokens(user)->size(), static_cast<std::size_t>(kMaxTokensPerUser));
}

}  // namespace
}  // namespace semaphore::domain

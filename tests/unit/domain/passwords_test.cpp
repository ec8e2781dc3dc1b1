// Password rules and argon2id hashing (src/domain/passwords.h).
#include "domain/passwords.h"

#include <gtest/gtest.h>

namespace semaphore::domain {
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

}  // namespace
}  // namespace semaphore::domain

#include "domain/target_choice.h"

#include <gtest/gtest.h>

namespace semaphore::domain {
namespace {

TEST(TargetChoice, AnOpenSignUpRefusesPrivateTargetsUnlessTheOperatorSaysOtherwise) {
  const TargetChoice open = choose_target_policy(std::nullopt, true);
  EXPECT_EQ(open.policy, TargetPolicy::public_only);
  EXPECT_NE(open.reason.find("sign-up is open"), std::string::npos) << open.reason;
  EXPECT_NE(open.reason.find("--targets private"), std::string::npos) << open.reason;

  const TargetChoice told = choose_target_policy(TargetPolicy::allow_private, true);
  EXPECT_EQ(told.policy, TargetPolicy::allow_private);
  EXPECT_NE(told.reason.find("--targets private"), std::string::npos) << told.reason;
}

TEST(TargetChoice, AClosedSignUpAllowsPrivateTargetsUnlessTheOperatorSaysOtherwise) {
  const TargetChoice closed = choose_target_policy(std::nullopt, false);
  EXPECT_EQ(closed.policy, TargetPolicy::allow_private);
  EXPECT_NE(closed.reason.find("sign-up is closed"), std::string::npos) << closed.reason;

  EXPECT_EQ(choose_target_policy(TargetPolicy::public_only, false).policy, TargetPolicy::public_only);
}

TEST(TargetChoice, AProcessThatCannotKnowTheSignUpSaysWhenToRefusePrivateTargets) {
  const TargetChoice unknown = choose_target_policy_without_signup(std::nullopt);
  EXPECT_EQ(unknown.policy, TargetPolicy::allow_private);
  EXPECT_NE(unknown.reason.find("--targets public"), std::string::npos) << unknown.reason;
  EXPECT_EQ(choose_target_policy_without_signup(TargetPolicy::public_only).policy, TargetPolicy::public_only);
}

}  // namespace
}  // namespace semaphore::domain

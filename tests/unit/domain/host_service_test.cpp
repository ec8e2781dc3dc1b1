// HostService (src/domain/host_service.h) over a real SQLite store: validation, the target policy, the
// per-user limit and duplicates, one outcome per input in input order. (That parallel adds cannot overrun
// the limit is checked on both back ends in tests/unit/store/host_limit_test.cpp.)
#include "domain/host_service.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "support/sqlite_store.h"
#include "support/temp_dir.h"

namespace semaphore::domain {
namespace {

class HostServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store = semaphore::testing::open_migrated_sqlite(dir, "hosts.db");
    auto created = store->create_user("a@example.com", "hash", true);
    ASSERT_TRUE(created) << created.error().message;
    user = created->id;
  }

  std::vector<HostOutcome> outcomes(const HostService& service, const std::vector<HostInput>& inputs) {
    auto result = service.add(user, inputs);
    EXPECT_TRUE(result) << result.error().message;
    std::vector<HostOutcome> codes;
    if (result) {
      for (const auto& addition : *result) codes.push_back(addition.outcome);
    }
    return codes;
  }

  testing::TempDir dir{"semaphore-domain-unit"};
  std::unique_ptr<store::Store> store;
  store::Id user = 0;
};

using enum HostOutcome;

TEST_F(HostServiceTest, AddsTheValidHostsInOrderAndSaysWhyEachOtherWasNot) {
  const HostService service(*store, HostRules{});
  const std::vector<HostInput> inputs = {{" Example.COM ", "aws", "  EC2 ", "front", true},
                                         {"bad host", "", "", "", true},
                                         {"EXAMPLE.com", "", "", "", true},
                                         {"db.example.com", "", "", "", false}};
  auto result = service.add(user, inputs);
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->size(), 4u);
  EXPECT_EQ((*result)[0].outcome, HostOutcome::added);
  EXPECT_GT((*result)[0].host.id, 0);
  EXPECT_EQ((*result)[0].host.user_id, user);
  EXPECT_EQ((*result)[0].host.hostname, "example.com");
  EXPECT_EQ((*result)[0].host.service, "EC2") << "cleaned like the web form's field";
  EXPECT_EQ((*result)[1].outcome, invalid);
  EXPECT_FALSE((*result)[1].errors.hostname.empty());
  EXPECT_EQ((*result)[2].outcome, duplicate) << "the same name, earlier in the same call";
  EXPECT_EQ((*result)[3].outcome, HostOutcome::added);
  EXPECT_FALSE((*result)[3].host.enabled);
  EXPECT_EQ(*store->count_hosts(user), 2);
}

TEST_F(HostServiceTest, TheLimitCountsTheHostsTheUserHasAndDuplicatesTakeNoRoom) {
  const HostService service(*store, HostRules{TargetPolicy::allow_private, 3});
  EXPECT_EQ(outcomes(service, {{"one.example", "", "", "", true}}), std::vector{added});
  EXPECT_EQ(outcomes(service, {{"one.example", "", "", "", true},
                               {"two.example", "", "", "", true},
                               {"three.example", "", "", "", true},
                               {"four.example", "", "", "", true}}),
            (std::vector{duplicate, added, added, over_limit}));
  // At the limit, the limit is what is reported, even for a name the user has.
  EXPECT_EQ(outcomes(service, {{"one.example", "", "", "", true}, {"bad host", "", "", "", true}}),
            (std::vector{over_limit, invalid}));
  EXPECT_EQ(*store->count_hosts(user), 3);
}

TEST_F(HostServiceTest, TheTargetPolicyAndTheTextRulesApply) {
  const HostService open(*store, HostRules{TargetPolicy::allow_private, 10});
  const HostService strict(*store, HostRules{TargetPolicy::public_only, 10});
  EXPECT_EQ(outcomes(strict, {{"10.0.0.1", "", "", "", true}}), std::vector{invalid});
  EXPECT_EQ(outcomes(open, {{"10.0.0.1", "", "", "", true}}), std::vector{added});
  EXPECT_EQ(outcomes(open, {{"169.254.169.254", "", "", "", true}}), std::vector{invalid});
  EXPECT_EQ(outcomes(open, {{"x.example", "", "", "a\x01label", true}}), std::vector{invalid});
  EXPECT_EQ(outcomes(open, {{"y.example", "IBM", "", "", true}}), std::vector{invalid});
}

TEST_F(HostServiceTest, AnUnknownUserIsAnErrorAndAddsNothing) {
  const HostService service(*store, HostRules{});
  auto result = service.add(user + 100, std::vector<HostInput>{{"x.example", "", "", "", true}});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Errc::not_found);
  EXPECT_EQ(store->list_enabled_hosts(store::kLocalLocationId)->size(), 0u);
}

}  // namespace
}  // namespace semaphore::domain

// domain/locations.h: names, labels, agent tokens, the rules of making, renaming and removing a location
// (over a real SQLite store), and the offline rule with a fixed clock.
#include "domain/locations.h"

#include <gtest/gtest.h>

#include <memory>

#include "domain/api_tokens.h"
#include "support/sqlite_store.h"
#include "support/temp_dir.h"

namespace semaphore::domain {
namespace {

TEST(LocationNames, AreTrimmedLowerCasedAndCheckedForTheirAlphabetAndLength) {
  EXPECT_EQ(normalize_location_name("  FRA-Hetzner ").value(), "fra-hetzner");
  EXPECT_EQ(normalize_location_name("a").value(), "a");
  EXPECT_EQ(normalize_location_name(std::string(32, 'x')).value(), std::string(32, 'x'));
  EXPECT_EQ(normalize_location_name(std::string(33, 'x')).error().code, Errc::invalid_argument);
  EXPECT_EQ(normalize_location_name("").error().code, Errc::invalid_argument);
  EXPECT_EQ(normalize_location_name("   ").error().code, Errc::invalid_argument);
  for (const char* bad : {"fra hetzner", "fra_1", "fra.1", "<script>", "münchen", "a/b"}) {
    EXPECT_EQ(normalize_location_name(bad).error().code, Errc::invalid_argument) << bad;
  }
}

TEST(LocationLabels, AreBoundedInCharactersAndHaveNoControlCharacters) {
  EXPECT_EQ(normalize_location_label("  Frankfurt (Hetzner) ").value(), "Frankfurt (Hetzner)");
  EXPECT_EQ(normalize_location_label("").value(), "");
  std::string hundred_umlauts;
  for (int i = 0; i < 100; ++i) hundred_umlauts += "ü";  // 200 bytes, 100 characters
  EXPECT_TRUE(normalize_location_label(hundred_umlauts).ok());
  EXPECT_EQ(normalize_location_label(hundred_umlauts + "u").error().code, Errc::invalid_argument);
  EXPECT_EQ(normalize_location_label("a\nb").error().code, Errc::invalid_argument);
  EXPECT_EQ(normalize_location_label("a\x7f").error().code, Errc::invalid_argument);
}

TEST(LocationTokens, AreSmlPrefixedSecretsToldApartFromApiTokens) {
  const std::string token = random_location_token();
  EXPECT_TRUE(token.starts_with("sml_"));
  EXPECT_EQ(token.size(), 47u);
  EXPECT_TRUE(looks_like_location_token(token));
  EXPECT_NE(token, random_location_token());
  EXPECT_FALSE(looks_like_location_token(random_api_token()));
  EXPECT_FALSE(looks_like_location_token("sml_short"));
  EXPECT_EQ(hash_location_token(token).size(), 64u);
  EXPECT_NE(hash_location_token(token), hash_location_token(random_location_token()));
}

store::Location seen(std::optional<EpochMs> last_seen, std::int64_t interval_ms) {
  store::Location location;
  location.last_seen_at = last_seen;
  location.interval_ms = interval_ms;
  return location;
}

TEST(LocationStatusRule, OfflineAfterThreeSilentIntervalsOrWhenNeverSeen) {
  constexpr EpochMs kNow = 1'700'000'000'000;
  EXPECT_EQ(location_status(seen(std::nullopt, 60'000), kNow), LocationStatus::offline);
  EXPECT_EQ(location_status(seen(kNow, 60'000), kNow), LocationStatus::online);
  EXPECT_EQ(location_status(seen(kNow - 179'999, 60'000), kNow), LocationStatus::online);
  EXPECT_EQ(location_status(seen(kNow - 180'000, 60'000), kNow), LocationStatus::offline);
  // Its own interval, not a fixed one: at 10 s, 30 s of silence is offline.
  EXPECT_EQ(location_status(seen(kNow - 29'999, 10'000), kNow), LocationStatus::online);
  EXPECT_EQ(location_status(seen(kNow - 30'000, 10'000), kNow), LocationStatus::offline);
  // Seen but no interval reported: 60 s is assumed.
  EXPECT_EQ(location_status(seen(kNow - 179'000, 0), kNow), LocationStatus::online);
  EXPECT_EQ(location_status(seen(kNow - 180'000, 0), kNow), LocationStatus::offline);
  EXPECT_STREQ(to_string(LocationStatus::online), "online");
  EXPECT_STREQ(to_string(LocationStatus::offline), "offline");
}

class LocationRulesTest : public ::testing::Test {
 protected:
  void SetUp() override { store = testing::open_migrated_sqlite(dir, "locations.db"); }
  testing::TempDir dir;
  std::unique_ptr<store::Store> store;
};

TEST_F(LocationRulesTest, CreateStoresOnlyTheHashOfTheTokenItReturns) {
  auto made = create_location(*store, " FRA ", " Frankfurt ", 1'700'000'000'000);
  ASSERT_TRUE(made.ok()) << made.error().message;
  EXPECT_TRUE(looks_like_location_token(made->token));
  EXPECT_EQ(made->location.name, "fra");
  EXPECT_EQ(made->location.label, "Frankfurt");
  EXPECT_EQ(made->location.created_at, 1'700'000'000'000);
  auto found = find_agent_location(*store, made->token);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->name, "fra");
  EXPECT_EQ(found->token_hash, std::optional<std::string>(hash_location_token(made->token)));
  EXPECT_STREQ(location_kind(*found), "agent");
  EXPECT_EQ(find_agent_location(*store, random_location_token()).error().code, Errc::not_found);
  EXPECT_EQ(find_agent_location(*store, "not-a-token").error().code, Errc::not_found);

  auto twice = create_location(*store, "fra", "", 0);
  EXPECT_EQ(twice.error().code, Errc::duplicate);
  EXPECT_EQ(twice.error().message, "There is a location named fra already.");
  EXPECT_EQ(create_location(*store, "fra 2", "", 0).error().code, Errc::invalid_argument);
  EXPECT_EQ(create_location(*store, "ams", std::string(101, 'x'), 0).error().code, Errc::invalid_argument);
}

TEST_F(LocationRulesTest, TheLocalServicesLocationCanBeRenamedButNotRemoved) {
  ASSERT_TRUE(rename_location(*store, "local", "Berlin-1").ok());
  EXPECT_EQ(store->find_location_by_id(kLocalLocationId)->name, "berlin-1");
  auto refused = remove_location(*store, "berlin-1");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::invalid_argument);
  EXPECT_NE(refused.error().message.find("cannot be removed"), std::string::npos);
  EXPECT_TRUE(store->find_location_by_id(kLocalLocationId).ok());
  EXPECT_STREQ(location_kind(*store->find_location_by_id(kLocalLocationId)), "local");

  auto agent = create_location(*store, "ams", "", 0);
  ASSERT_TRUE(agent.ok());
  ASSERT_TRUE(remove_location(*store, "AMS").ok());
  EXPECT_EQ(find_agent_location(*store, agent->token).error().code, Errc::not_found);  // revoked with it
  EXPECT_EQ(remove_location(*store, "ams").error().code, Errc::not_found);
  EXPECT_EQ(rename_location(*store, "nowhere", "x").error().code, Errc::not_found);
  EXPECT_EQ(rename_location(*store, "berlin-1", "bad name").error().code, Errc::invalid_argument);
  EXPECT_EQ(set_location_label(*store, "berlin-1", "a\tb").error().code, Errc::invalid_argument);
  ASSERT_TRUE(set_location_label(*store, "berlin-1", "Berlin office").ok());
  EXPECT_EQ(store->find_location("berlin-1")->label, "Berlin office");
}

}  // namespace
}  // namespace semaphore::domain

// LocationStore (src/store/location_store.h, migration 012): the locations table, on SQLite and on a real
// PostgreSQL.
#include <atomic>
#include <latch>
#include <thread>
#include <vector>

#include "store_fixture.h"

namespace semaphore::testing {
namespace {

using store::Location;
using store::LocationHeartbeat;

class LocationStoreTest : public StoreTest {
 protected:
  static Location agent(const std::string& name, const std::string& label = "") {
    Location made;
    made.name = name;
    made.label = label;
    made.token_hash = "hash-of-" + name;
    return made;
  }
};

TEST_P(LocationStoreTest, TheMigrationMakesLocalAsIdOneNeverSeen) {
  auto listed = store_->list_locations();
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  ASSERT_EQ(listed->size(), 1u);
  const Location& local = listed->front();
  EXPECT_EQ(local.id, 1);
  EXPECT_EQ(local.name, "local");
  EXPECT_FALSE(local.is_agent());
  EXPECT_GT(local.created_at, 0);
  EXPECT_FALSE(local.last_seen_at.has_value());
  EXPECT_EQ(local.rounds_on_time, 0);
  EXPECT_EQ(local.interval_ms, 0);
  EXPECT_EQ(store_->find_location_by_id(1)->name, "local");
}

TEST_P(LocationStoreTest, AddedLocationsAreFoundByNameAndTokenHashWithEveryField) {
  auto added = store_->add_location(agent("fra-hetzner", "Frankfurt (Hetzner)"));
  ASSERT_TRUE(added.ok()) << added.error().message;
  EXPECT_EQ(added->id, 2);  // after local: PostgreSQL's identity starts past the migration's row
  EXPECT_GT(added->created_at, 0);

  auto by_name = store_->find_location("fra-hetzner");
  ASSERT_TRUE(by_name.ok()) << by_name.error().message;
  EXPECT_EQ(by_name->id, added->id);
  EXPECT_EQ(by_name->label, "Frankfurt (Hetzner)");
  EXPECT_EQ(by_name->token_hash, std::optional<std::string>("hash-of-fra-hetzner"));
  EXPECT_TRUE(by_name->is_agent());
  EXPECT_FALSE(by_name->last_seen_at.has_value());

  auto by_token = store_->find_location_by_token("hash-of-fra-hetzner");
  ASSERT_TRUE(by_token.ok());
  EXPECT_EQ(by_token->name, "fra-hetzner");
  EXPECT_EQ(store_->find_location_by_token("no-such-hash").error().code, Errc::not_found);
  EXPECT_EQ(store_->find_location("nowhere").error().code, Errc::not_found);

  auto listed = store_->list_locations();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].name, "local");
  EXPECT_EQ((*listed)[1].name, "fra-hetzner");
}

TEST_P(LocationStoreTest, NamesAreUnique) {
  ASSERT_TRUE(store_->add_location(agent("fra")).ok());
  Location again = agent("fra");
  again.token_hash = "another-hash";
  EXPECT_EQ(store_->add_location(again).error().code, Errc::duplicate);
  Location local_again = agent("local");
  EXPECT_EQ(store_->add_location(local_again).error().code, Errc::duplicate);
  // The failed insert left nothing behind and the store still works (a PostgreSQL transaction not aborted).
  EXPECT_EQ(store_->list_locations()->size(), 2u);
}

TEST_P(LocationStoreTest, RenameSetLabelAndRemove) {
  ASSERT_TRUE(store_->add_location(agent("fra")).ok());
  ASSERT_TRUE(store_->add_location(agent("ams")).ok());

  EXPECT_EQ(store_->rename_location("fra", "ams").error().code, Errc::duplicate);
  EXPECT_EQ(store_->rename_location("nowhere", "x").error().code, Errc::not_found);
  ASSERT_TRUE(store_->rename_location("local", "home").ok());
  EXPECT_EQ(store_->find_location("home")->id, 1);
  EXPECT_EQ(store_->find_location("local").error().code, Errc::not_found);

  ASSERT_TRUE(store_->set_location_label("fra", "Frankfurt").ok());
  EXPECT_EQ(store_->find_location("fra")->label, "Frankfurt");
  EXPECT_EQ(store_->set_location_label("nowhere", "x").error().code, Errc::not_found);

  ASSERT_TRUE(store_->remove_location("fra").ok());
  EXPECT_EQ(store_->find_location_by_token("hash-of-fra").error().code, Errc::not_found);  // revoked
  EXPECT_EQ(store_->remove_location("fra").error().code, Errc::not_found);
  EXPECT_EQ(store_->list_locations()->size(), 2u);
}

TEST_P(LocationStoreTest, HeartbeatsAddTheirCountsAndSetTheRest) {
  LocationHeartbeat beat;
  beat.location_id = 1;
  beat.at = 1'700'000'000'000;
  beat.version = "1.2.3";
  beat.rounds_on_time = 3;
  beat.rounds_late = 1;
  beat.spool_backlog = 250;
  beat.interval_ms = 60'000;
  ASSERT_TRUE(store_->record_heartbeat(beat).ok());
  beat.at += 60'000;
  beat.version = "1.2.4";
  beat.rounds_on_time = 2;
  beat.rounds_late = 0;
  beat.spool_backlog = 0;
  beat.interval_ms = 30'000;
  ASSERT_TRUE(store_->record_heartbeat(beat).ok());

  auto local = store_->find_location_by_id(1);
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(local->last_seen_at, std::optional<EpochMs>(1'700'000'060'000));
  EXPECT_EQ(local->version, "1.2.4");
  EXPECT_EQ(local->rounds_on_time, 5);
  EXPECT_EQ(local->rounds_late, 1);
  EXPECT_EQ(local->spool_backlog, 0);
  EXPECT_EQ(local->interval_ms, 30'000);

  beat.location_id = 999;
  EXPECT_EQ(store_->record_heartbeat(beat).error().code, Errc::not_found);
}

TEST_P(LocationStoreTest, ConcurrentWorkersOfOneLocationLoseNoRounds) {
  // Several probe workers of one location report at once: every delta counts (no lost update).
  constexpr int kWorkers = 4, kBeats = 25;
  std::latch go(kWorkers);
  std::vector<std::thread> workers;
  std::atomic<int> failures{0};
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&, w] {
      go.arrive_and_wait();
      for (int i = 0; i < kBeats; ++i) {
        LocationHeartbeat beat;
        beat.location_id = 1;
        beat.at = 1'700'000'000'000 + i;
        beat.version = "w" + std::to_string(w);
        beat.rounds_on_time = 1;
        beat.rounds_late = i % 5 == 0 ? 1 : 0;
        beat.interval_ms = 1000;
        if (!store_->record_heartbeat(beat).ok()) ++failures;
      }
    });
  }
  for (auto& worker : workers) worker.join();
  EXPECT_EQ(failures.load(), 0);
  auto local = store_->find_location_by_id(1);
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(local->rounds_on_time, kWorkers * kBeats);
  EXPECT_EQ(local->rounds_late, kWorkers * 5);
}

TEST_P(LocationStoreTest, GoingOfflineAndBackIsRecordedOnceEachWhoeverMarksIt) {
  LocationHeartbeat beat;
  beat.location_id = 1;
  beat.at = 1'700'000'000'000;
  beat.interval_ms = 60'000;
  ASSERT_TRUE(store_->record_heartbeat(beat).ok());
  const EpochMs silent = beat.at + 180'000;
  EXPECT_TRUE(store_->mark_location_offline(1, silent).value());
  EXPECT_FALSE(store_->mark_location_offline(1, silent + 1).value());  // a second server, too late
  EXPECT_EQ(store_->find_location_by_id(1)->offline_since, std::optional<EpochMs>(silent));
  EXPECT_TRUE(store_->mark_location_online(1, silent + 60'000).value());
  EXPECT_FALSE(store_->mark_location_online(1, silent + 60'001).value());
  EXPECT_FALSE(store_->find_location_by_id(1)->offline_since.has_value());
  const auto events = store_->recent_location_events(100).value();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, "online");
  EXPECT_EQ(events[0].at, silent + 60'000);
  EXPECT_EQ(events[1].kind, "offline");
  EXPECT_EQ(events[1].location_name, "local");
  EXPECT_EQ(events[1].last_seen_at, std::optional<EpochMs>(beat.at));
  EXPECT_FALSE(store_->mark_location_offline(999, silent).value());  // no such location: nothing to mark
}

INSTANTIATE_TEST_SUITE_P(Backends, LocationStoreTest, ::testing::Values(DbKind::sqlite, DbKind::postgresql),
                         backend_name);

}  // namespace
}  // namespace semaphore::testing

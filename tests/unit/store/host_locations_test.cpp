// The locations switched off per host (issue 16, host_location_exclusions, migration 015), on SQLite and on
// a real PostgreSQL: set and read (per host and in bulk), scoped by user; the hosts a location pings
// (list_enabled_hosts) and the reads of one location's latest rounds leave them out, and their new rows are
// not stored; the rows go with their host and with their location; the host list's version moves.
#include <algorithm>
#include <vector>

#include "store_fixture.h"

namespace semaphore::testing {
namespace {

using store::Id;

class HostLocationsTest : public StoreTest {
 protected:
  Id add_location(const std::string& name) {
    store::Location location;
    location.name = name;
    auto added = store_->add_location(location);
    EXPECT_TRUE(added.ok()) << added.error().message;
    return added->id;
  }

  static std::vector<Id> ids_of(const std::vector<store::Host>& hosts) {
    std::vector<Id> ids;
    for (const store::Host& host : hosts) ids.push_back(host.id);
    return ids;
  }

  static store::PingResult round_at(Id host_id, Id location_id, EpochMs ts) {
    store::PingResult row;
    row.host_id = host_id;
    row.ts = ts;
    row.sent = 3;
    row.received = 3;
    row.min_ms = row.avg_ms = row.max_ms = row.median_ms = 1.0;
    row.stddev_ms = 0.0;
    row.location_id = location_id;
    return row;
  }
};

TEST_P(HostLocationsTest, SetAndReadPerHostAndForEveryHostOfTheUser) {
  const auto user = make_user("a@example.com");
  const auto a = make_host(user.id, "a.example"), b = make_host(user.id, "b.example");
  const Id fra = add_location("fra"), par = add_location("par");
  EXPECT_TRUE(store_->host_locations_off(user.id, a.id)->empty()) << "every location pings a new host";

  const std::vector<Id> off = {par, fra, par};  // any order, repeats ignored
  ASSERT_TRUE(store_->set_host_locations_off(user.id, a.id, off));
  EXPECT_EQ(*store_->host_locations_off(user.id, a.id), (std::vector<Id>{fra, par}));
  EXPECT_EQ(store_->find_host(user.id, a.id)->locations_off, (std::vector<Id>{fra, par}));
  EXPECT_TRUE(store_->find_host(user.id, b.id)->locations_off.empty());
  const std::vector<Id> b_off = {store::kLocalLocationId};
  ASSERT_TRUE(store_->set_host_locations_off(user.id, b.id, b_off));

  auto all = store_->user_locations_off(user.id);
  ASSERT_TRUE(all.ok()) << all.error().message;
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].host_id, a.id);
  EXPECT_EQ((*all)[0].location_id, fra);
  EXPECT_EQ((*all)[1].location_id, par);
  EXPECT_EQ((*all)[2].host_id, b.id);
  EXPECT_EQ((*all)[2].location_id, store::kLocalLocationId);
  // The listing's hosts carry theirs (one read for them all).
  const std::vector<Id> a_off = {fra, par};
  const auto listed = store_->list_hosts(user.id);
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  for (const store::Host& host : *listed) {
    EXPECT_EQ(host.locations_off, host.id == a.id ? a_off : b_off) << host.hostname;
  }
  store::HostQuery query;
  const auto statuses = store_->find_host_statuses(user.id, query);
  ASSERT_TRUE(statuses.ok()) << statuses.error().message;
  for (const store::HostStatus& status : *statuses) {
    EXPECT_EQ(status.host.locations_off, status.host.id == a.id ? a_off : b_off);
  }
  query.id = b.id;
  EXPECT_EQ(store_->find_host_statuses(user.id, query)->front().host.locations_off, b_off);

  // A new set replaces the old one; an empty one switches every location on again.
  const std::vector<Id> only_par = {par};
  ASSERT_TRUE(store_->set_host_locations_off(user.id, a.id, only_par));
  EXPECT_EQ(*store_->host_locations_off(user.id, a.id), only_par);
  ASSERT_TRUE(store_->set_host_locations_off(user.id, a.id, {}));
  EXPECT_TRUE(store_->host_locations_off(user.id, a.id)->empty());
  EXPECT_EQ(store_->user_locations_off(user.id)->size(), 1u);
}

TEST_P(HostLocationsTest, AnotherUsersHostAndAnUnknownLocationAreNotFoundAndChangeNothing) {
  const auto alice = make_user("alice@example.com"), bob = make_user("bob@example.com");
  const auto host = make_host(alice.id, "a.example");
  const Id fra = add_location("fra");
  const std::vector<Id> off = {fra};
  ASSERT_TRUE(store_->set_host_locations_off(alice.id, host.id, off));

  const std::vector<Id> none = {};
  EXPECT_EQ(store_->set_host_locations_off(bob.id, host.id, none).error().code, Errc::not_found);
  EXPECT_EQ(store_->host_locations_off(bob.id, host.id).error().code, Errc::not_found);
  EXPECT_TRUE(store_->user_locations_off(bob.id)->empty());
  const std::vector<Id> unknown = {store::kLocalLocationId, fra + 100};
  EXPECT_EQ(store_->set_host_locations_off(alice.id, host.id, unknown).error().code, Errc::not_found);
  EXPECT_EQ(store_->set_host_locations_off(alice.id, host.id + 100, none).error().code, Errc::not_found);
  EXPECT_EQ(*store_->host_locations_off(alice.id, host.id), off) << "a refused set changes nothing";
  // The store still works after the refusals (no PostgreSQL transaction left aborted).
  ASSERT_TRUE(store_->set_host_locations_off(alice.id, host.id, none));
}

TEST_P(HostLocationsTest, ALocationsHostsLeaveOutThoseSwitchedOffForItOnly) {
  const auto user = make_user("a@example.com");
  const auto a = make_host(user.id, "a.example"), b = make_host(user.id, "b.example"),
             c = make_host(user.id, "c.example", false);
  const Id fra = add_location("fra");
  const std::vector<Id> off = {fra};
  ASSERT_TRUE(store_->set_host_locations_off(user.id, a.id, off));
  ASSERT_TRUE(store_->set_host_locations_off(user.id, c.id, off));

  auto local = store_->list_enabled_hosts(store::kLocalLocationId);
  ASSERT_TRUE(local.ok()) << local.error().message;
  EXPECT_EQ(ids_of(*local), (std::vector<Id>{a.id, b.id}));
  auto at_fra = store_->list_enabled_hosts(fra);
  ASSERT_TRUE(at_fra.ok()) << at_fra.error().message;
  EXPECT_EQ(ids_of(*at_fra), (std::vector<Id>{b.id}));
}

TEST_P(HostLocationsTest, ASwitchedOffLocationsOldRoundsAreNotTheHostsLatest) {
  const auto user = make_user("a@example.com");
  const auto host = make_host(user.id, "a.example");
  const Id fra = add_location("fra");
  const EpochMs now = now_epoch_ms();
  ASSERT_TRUE(store_->insert_results(std::vector<store::PingResult>{
      round_at(host.id, store::kLocalLocationId, now), round_at(host.id, fra, now)}));
  const std::vector<Id> off = {fra};
  ASSERT_TRUE(store_->set_host_locations_off(user.id, host.id, off));

  store::HostQuery query;
  query.location_id = fra;
  auto at_fra = store_->find_host_statuses(user.id, query);
  ASSERT_TRUE(at_fra.ok()) << at_fra.error().message;
  ASSERT_EQ(at_fra->size(), 1u);
  EXPECT_FALSE(at_fra->front().latest.has_value()) << "fra's round is from before the switch";
  EXPECT_FALSE(store_->host_statuses(user.id, fra)->front().latest.has_value());
  EXPECT_TRUE(store_->host_statuses(user.id, store::kLocalLocationId)->front().latest.has_value());
  // The rows themselves stay (history), but the join of every location leaves fra's out.
  EXPECT_EQ(store_->latest_rounds(user.id)->size(), 2u);
  const auto hosts = store_->list_hosts(user.id);
  const auto rounds = store_->latest_rounds(user.id);
  ASSERT_TRUE(hosts.ok() && rounds.ok());
  const auto joined = store::join_rounds_by_location(*hosts, *rounds);
  ASSERT_EQ(joined.front().locations.size(), 1u);
  EXPECT_EQ(joined.front().locations.front().location_id, store::kLocalLocationId);

  // Switched on again: its rounds count again.
  ASSERT_TRUE(store_->set_host_locations_off(user.id, host.id, {}));
  EXPECT_TRUE(store_->find_host_statuses(user.id, query)->front().latest.has_value());
}

TEST_P(HostLocationsTest, RowsFromALocationSwitchedOffForTheHostAreNotStoredFromThatMoment) {
  // A round in flight (or an agent's spool replayed) when the user switched fra off: its rows arrive after
  // the switch and are left out, in the same insert that stores the other locations' and hosts' rows.
  const auto user = make_user("a@example.com");
  const auto a = make_host(user.id, "a.example"), b = make_host(user.id, "b.example");
  const Id fra = add_location("fra");
  const std::vector<Id> off = {fra};
  ASSERT_TRUE(store_->set_host_locations_off(user.id, a.id, off));
  const EpochMs now = now_epoch_ms();
  const std::vector<store::PingResult> batch = {round_at(a.id, fra, now), round_at(b.id, fra, now),
                                                round_at(a.id, store::kLocalLocationId, now)};
  auto inserted = store_->insert_results(batch);
  ASSERT_TRUE(inserted.ok()) << inserted.error().message;
  EXPECT_EQ(*inserted, 2) << "a's fra row is left out; b's fra row and a's local row are stored";

  // Switched on again, the same rows go in: only a's fra row was missing (the others are duplicates).
  ASSERT_TRUE(store_->set_host_locations_off(user.id, a.id, {}));
  auto again = store_->insert_results(batch);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(*again, 1);
}

TEST_P(HostLocationsTest, TheRowsGoWithTheirHostAndTheirLocationAndTheHostListVersionMoves) {
  const auto user = make_user("a@example.com");
  const auto a = make_host(user.id, "a.example"), b = make_host(user.id, "b.example");
  const Id fra = add_location("fra"), par = add_location("par");
  const auto before = *store_->host_list_version(user.id);
  const std::vector<Id> off = {fra, par};
  ASSERT_TRUE(store_->set_host_locations_off(user.id, a.id, off));
  ASSERT_TRUE(store_->set_host_locations_off(user.id, b.id, off));
  EXPECT_GT(*store_->host_list_version(user.id), before) << "the report keeps the host list under it";

  ASSERT_TRUE(store_->delete_host(user.id, a.id));
  EXPECT_EQ(store_->user_locations_off(user.id)->size(), 2u);
  ASSERT_TRUE(store_->remove_location("par"));  // no results: removable
  EXPECT_EQ(*store_->host_locations_off(user.id, b.id), (std::vector<Id>{fra}));
}

INSTANTIATE_TEST_SUITE_P(Backends, HostLocationsTest, ::testing::Values(DbKind::sqlite, DbKind::postgresql),
                         backend_name);

}  // namespace
}  // namespace semaphore::testing

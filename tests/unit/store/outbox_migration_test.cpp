// Migration 016 (issue 16) on a database with notifications, on SQLite and on a real PostgreSQL: the outbox
// row may refer to a location's event instead of a host's. Every outbox row stays as it was (id, channel,
// event, status, attempts, times, error: SQLite makes the table anew to drop a NOT NULL); a row must refer
// to exactly one event; and after the migration a location going offline notifies the admin's channel,
// behind the host's notification that was pending.
#include <algorithm>
#include <string>

#include "old_database_fixture.h"
#include "store_fixture.h"

namespace semaphore::testing {
namespace {

class Migration016Test : public OldDatabaseTest {
 protected:
  Migration016Test() : OldDatabaseTest("migration_016") {}

  std::string every_outbox_row() {
    return query(
        "SELECT id || ' ' || channel_id || ' ' || event_id || ' ' || user_id || ' ' || status || ' ' || "
        "attempts || ' ' || next_attempt_at || ' ' || created_at || ' ' || COALESCE(CAST(finished_at AS "
        "TEXT), '-') || ' ' || last_error FROM alert_outbox ORDER BY id");
  }
};

TEST_P(Migration016Test, KeepsEveryOutboxRowAndLetsALocationsEventBeNotified) {
  // No ids given: PostgreSQL's identities stay in step for the rows the store adds afterwards.
  const std::string data =
      "INSERT INTO hosts (user_id, hostname, provider, created_at) VALUES (1, 'a.example.com', 'AWS', 0);\n"
      "INSERT INTO alert_events (host_id, user_id, at, from_state, to_state, trigger, reason, quiet, sent, "
      "received) SELECT id, 1, 1000, 'up', 'down', 'all_lost', 'lost', 'no', 5, 0 FROM hosts;\n"
      "INSERT INTO alert_events (host_id, user_id, at, from_state, to_state, trigger, reason, quiet, sent, "
      "received) SELECT id, 1, 2000, 'down', 'up', 'recovered', 'back', 'no', 5, 5 FROM hosts;\n"
      "INSERT INTO alert_channels (user_id, name, kind, url, created_at, updated_at) VALUES (1, 'all', "
      "'webhook', 'http://127.0.0.1:9/hook', 0, 0);\n"
      "INSERT INTO alert_outbox (channel_id, event_id, user_id, status, attempts, next_attempt_at, "
      "created_at, finished_at, last_error) SELECT c.id, e.id, 1, 'delivered', 0, e.at, e.at, 1500, '' FROM "
      "alert_channels c, alert_events e WHERE e.at = 1000;\n"
      "INSERT INTO alert_outbox (channel_id, event_id, user_id, status, attempts, next_attempt_at, "
      "created_at, last_error) SELECT c.id, e.id, 1, 'pending', 2, 9000, e.at, 'HTTP 500' FROM "
      "alert_channels c, alert_events e WHERE e.at = 2000;\n";
  run_sql(schema_up_to(15) + data);
  const std::string before = every_outbox_row();
  ASSERT_EQ(std::count(before.begin(), before.end(), '\n'), 1) << before;

  auto opened = store::Store::open(url_);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  auto store = std::move(opened).value();
  ASSERT_EQ(*store->schema_version(), 15);
  auto migrated = store->migrate();
  ASSERT_TRUE(migrated.ok()) << migrated.error().message;
  EXPECT_EQ(every_outbox_row(), before);
  EXPECT_EQ(query("SELECT COUNT(*) FROM alert_outbox WHERE location_event_id IS NULL"), "2");

  // Neither event, or both: refused by the table itself.
  (void)query(
      "INSERT INTO alert_outbox (channel_id, user_id, next_attempt_at, created_at) SELECT id, 1, 0, 0 "
      "FROM alert_channels");
  (void)query("INSERT INTO location_events (location_id, at, kind) VALUES (1, 0, 'offline')");
  (void)query(
      "INSERT INTO alert_outbox (channel_id, event_id, location_event_id, user_id, next_attempt_at, "
      "created_at) SELECT c.id, e.id, l.id, 1, 0, 0 FROM alert_channels c, alert_events e, "
      "location_events l WHERE e.at = 2000");
  EXPECT_EQ(query("SELECT COUNT(*) FROM alert_outbox"), "2");

  // The admin's channel (user 1) is told when `local` goes offline, after the host's pending event.
  ASSERT_TRUE(store->mark_location_offline(store::kLocalLocationId, 10'000).value());
  store::ClaimRequest request;
  request.worker_id = "w1";
  request.now = 20'000;
  request.claim_until = 30'000;
  const auto claims = store->claim_channels(request);
  ASSERT_TRUE(claims.ok()) << claims.error().message;
  ASSERT_EQ(claims->size(), 1u);
  ASSERT_EQ(claims->front().deliveries.size(), 2u);
  EXPECT_EQ(claims->front().deliveries[0].event.to_state, "up");
  EXPECT_EQ(claims->front().deliveries[0].attempts, 2);
  ASSERT_TRUE(claims->front().deliveries[1].location.has_value());
  EXPECT_EQ(claims->front().deliveries[1].location->name, "local");
  EXPECT_EQ(claims->front().deliveries[1].event.to_state, "offline");
}

INSTANTIATE_TEST_SUITE_P(Backends, Migration016Test, ::testing::Values(DbKind::sqlite, DbKind::postgresql),
                         backend_name);

}  // namespace
}  // namespace semaphore::testing

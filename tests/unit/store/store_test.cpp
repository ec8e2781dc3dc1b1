// The Store contract (src/store/store.h), checked on SQLite and on a real PostgreSQL.
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <thread>

#include "store_fixture.h"

namespace semaphore::testing {
namespace {

using store::Host;
using store::PingResult;

TEST_P(StoreTest, MigrateIsIdempotentAndReachesTheLatestVersion) {
  EXPECT_EQ(*store_->schema_version(), store::Store::latest_schema_version(GetParam()));
  ASSERT_TRUE(store_->migrate().ok());
  ASSERT_TRUE(store_->migrate().ok());
  EXPECT_EQ(*store_->schema_version(), store::Store::latest_schema_version(GetParam()));
  EXPECT_TRUE(store_->check_schema().ok());
}

TEST_P(StoreTest, RefusesADatabaseNewerThanTheBinary) {
  // Pretend a newer semaphore migrated this database: a schema_version row above what this binary knows.
  // (The Store has no API to write it, on purpose, so the database's own client does.)
  const int too_new = store::Store::latest_schema_version(GetParam()) + 1;
  const std::string command = GetParam() == DbKind::sqlite
                                  ? "sqlite3 " + url_.location + " \"INSERT INTO schema_version VALUES (" +
                                        std::to_string(too_new) + ", 0)\""
                                  : "psql -q '" + url_.location +
                                        "' -c \"INSERT INTO schema_version VALUES (" +
                                        std::to_string(too_new) + ", 0)\"";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  auto migrated = store_->migrate();
  ASSERT_FALSE(migrated.ok());
  EXPECT_EQ(migrated.error().code, Errc::schema_too_new);
  EXPECT_NE(migrated.error().message.find("upgrade semaphore"), std::string::npos);
  EXPECT_EQ(store_->check_schema().error().code, Errc::schema_too_new);
}

TEST_P(StoreTest, FirstUserIsAdminAndEmailsAreUniqueIgnoringCase) {
  const auto first = make_user("Alice@Example.com");
  EXPECT_TRUE(first.is_admin);
  EXPECT_EQ(first.email, "alice@example.com");
  const auto second = make_user("bob@example.com");
  EXPECT_FALSE(second.is_admin);

  auto again = store_->create_user("ALICE@example.com", "x", true);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::duplicate);

  auto found = store_->find_user_by_email("alice@EXAMPLE.com");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->id, first.id);
  EXPECT_EQ(found->password_hash, "hash-of-Alice@Example.com");
  EXPECT_EQ(store_->find_user(second.id)->email, "bob@example.com");
  EXPECT_EQ(store_->find_user_by_email("nobody@example.com").error().code, Errc::not_found);
  EXPECT_EQ(store_->list_users()->size(), 2u);

  ASSERT_TRUE(store_->set_password_hash(second.id, "new-hash").ok());
  EXPECT_EQ(store_->find_user(second.id)->password_hash, "new-hash");
  EXPECT_EQ(store_->set_password_hash(9999, "x").error().code, Errc::not_found);
}

TEST_P(StoreTest, SessionsAreFoundTouchedAndDeleted) {
  const auto user = make_user("a@example.com");
  const auto other = make_user("b@example.com");
  store::Session session{"hash-1", user.id, "csrf-1", 1000, 1000, 5000};
  ASSERT_TRUE(store_->create_session(session).ok());
  ASSERT_TRUE(store_->create_session({"hash-2", user.id, "csrf-2", 1000, 1000, 5000}).ok());
  ASSERT_TRUE(store_->create_session({"hash-3", other.id, "csrf-3", 1000, 1000, 5000}).ok());

  auto found = store_->find_session("hash-1");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->user_id, user.id);
  EXPECT_EQ(found->csrf_token, "csrf-1");
  EXPECT_EQ(found->expires_at, 5000);

  ASSERT_TRUE(store_->touch_session("hash-1", 2000).ok());
  EXPECT_EQ(store_->find_session("hash-1")->last_seen_at, 2000);

  // "Sign out everywhere else" keeps the current session and the other user's.
  ASSERT_TRUE(store_->delete_user_sessions(user.id, "hash-1").ok());
  EXPECT_TRUE(store_->find_session("hash-1").ok());
  EXPECT_EQ(store_->find_session("hash-2").error().code, Errc::not_found);
  EXPECT_TRUE(store_->find_session("hash-3").ok());

  ASSERT_TRUE(store_->delete_session("hash-1").ok());
  EXPECT_EQ(store_->find_session("hash-1").error().code, Errc::not_found);

  // Expiry: absolute (expires_at) or idle (last_seen_at before the cutoff).
  ASSERT_TRUE(store_->create_session({"old-idle", user.id, "c", 1000, 1500, 99999}).ok());
  ASSERT_TRUE(store_->create_session({"fresh", user.id, "c", 1000, 3000, 99999}).ok());
  auto expired = store_->delete_expired_sessions(/*now=*/6000, /*idle_cutoff=*/2500, /*created_cutoff=*/0,
                                                 /*limit=*/100);
  ASSERT_TRUE(expired.ok());
  EXPECT_EQ(*expired, 2);
  EXPECT_FALSE(store_->find_session("old-idle").ok());
  EXPECT_FALSE(store_->find_session("hash-3").ok());  // expires_at 5000 <= now
  EXPECT_TRUE(store_->find_session("fresh").ok());
}

TEST_P(StoreTest, SigninFailuresAreCountedPerKeyAndCleared) {
  for (EpochMs at : {100, 200, 300})
    ASSERT_TRUE(store_->record_signin_failure("account:a@example.com", at).ok());
  ASSERT_TRUE(store_->record_signin_failure("client:127.0.0.1", 250).ok());
  auto since = store_->signin_failures_since("account:a@example.com", 150);
  ASSERT_TRUE(since.ok());
  EXPECT_EQ(*since, (std::vector<EpochMs>{200, 300}));
  ASSERT_TRUE(store_->clear_signin_failures("account:a@example.com").ok());
  EXPECT_TRUE(store_->signin_failures_since("account:a@example.com", 0)->empty());
  EXPECT_EQ(store_->signin_failures_since("client:127.0.0.1", 0)->size(), 1u);
}

TEST_P(StoreTest, OldSigninFailuresArePurgedInBatches) {
  for (EpochMs at : {100, 200, 300, 400})
    ASSERT_TRUE(store_->record_signin_failure("client:10.0.0.1", at).ok());
  ASSERT_TRUE(store_->record_signin_failure("account:b@example.com", 150).ok());
  // Older than 350: four rows (three of one key, one of another), two at most per call.
  auto first = store_->delete_signin_failures_before(350, 2);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(*first, 2);
  auto second = store_->delete_signin_failures_before(350, 2);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, 2);
  EXPECT_EQ(*store_->delete_signin_failures_before(350, 2), 0);
  EXPECT_EQ(*store_->signin_failures_since("client:10.0.0.1", 0), (std::vector<EpochMs>{400}));
  EXPECT_TRUE(store_->signin_failures_since("account:b@example.com", 0)->empty());
}

TEST_P(StoreTest, HostsAreUniquePerUserAndScopedByUser) {
  const auto alice = make_user("alice@example.com");
  const auto bob = make_user("bob@example.com");
  const auto host = make_host(alice.id, "db.example.com");
  EXPECT_GT(host.id, 0);
  EXPECT_GT(host.created_at, 0);

  Host duplicate = host;
  auto refused = store_->add_host(duplicate);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::duplicate);
  EXPECT_NE(refused.error().message.find("db.example.com"), std::string::npos);
  const auto bobs = make_host(bob.id, "db.example.com");  // another user may have the same name

  // Bob cannot see, edit or delete Alice's host: not_found, and nothing changes.
  EXPECT_EQ(store_->find_host(bob.id, host.id).error().code, Errc::not_found);
  Host edit = host;
  edit.user_id = bob.id;
  edit.label = "hijacked";
  EXPECT_EQ(store_->update_host(edit).error().code, Errc::not_found);
  EXPECT_EQ(store_->delete_host(bob.id, host.id).error().code, Errc::not_found);
  EXPECT_EQ(store_->find_host(alice.id, host.id)->label, "");

  edit = host;
  edit.label = "primary";
  edit.provider = Provider::gcp;
  edit.service = "Compute Engine";
  edit.enabled = false;
  ASSERT_TRUE(store_->update_host(edit).ok());
  const auto updated = *store_->find_host(alice.id, host.id);
  EXPECT_EQ(updated.label, "primary");
  EXPECT_EQ(updated.provider, Provider::gcp);
  EXPECT_EQ(updated.service, "Compute Engine");
  EXPECT_FALSE(updated.enabled);

  const auto second = make_host(alice.id, "web.example.com");
  Host rename = second;
  rename.hostname = "db.example.com";
  EXPECT_EQ(store_->update_host(rename).error().code, Errc::duplicate);

  const auto list = *store_->list_hosts(alice.id);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].provider, Provider::aws);  // ordered by provider: AWS before GCP
  EXPECT_EQ(*store_->count_hosts(alice.id), 2);
  EXPECT_EQ(*store_->count_hosts(bob.id), 1);

  const auto enabled = *store_->list_enabled_hosts(store::kLocalLocationId);
  ASSERT_EQ(enabled.size(), 2u);  // Alice's disabled host is not pinged
  EXPECT_EQ(enabled[0].id, bobs.id < second.id ? bobs.id : second.id);

  ASSERT_TRUE(store_->delete_host(alice.id, host.id).ok());
  EXPECT_EQ(store_->find_host(alice.id, host.id).error().code, Errc::not_found);
  EXPECT_TRUE(store_->find_host(bob.id, bobs.id).ok());
}

PingResult make_result(store::Id host_id, EpochMs ts, int received) {
  PingResult result;
  result.host_id = host_id;
  result.ts = ts;
  result.sent = 5;
  result.received = received;
  if (received > 0) {
    result.min_ms = 1.25;
    result.avg_ms = 2.5;
    result.max_ms = 4.75;
    result.median_ms = 2.0;
    result.stddev_ms = 0.125;
  } else {
    result.error = "timeout";
  }
  return result;
}

TEST_P(StoreTest, InsertResultsIsIdempotentAndKeepsNulls) {
  const auto user = make_user("a@example.com");
  const auto host = make_host(user.id, "a.example.com");
  const std::vector<PingResult> batch = {make_result(host.id, 1000, 5), make_result(host.id, 2000, 0),
                                         make_result(host.id, 3000, 3)};
  EXPECT_EQ(*store_->insert_results(batch), 3);
  EXPECT_EQ(*store_->insert_results(batch), 0);  // a replay inserts nothing and fails nothing

  const auto rows = *store_->results_between(user.id, host.id, store::kLocalLocationId, 0, 10000);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].ts, 1000);
  EXPECT_EQ(rows[0].received, 5);
  EXPECT_DOUBLE_EQ(*rows[0].min_ms, 1.25);
  EXPECT_DOUBLE_EQ(*rows[0].stddev_ms, 0.125);
  EXPECT_TRUE(rows[0].error.empty());
  EXPECT_FALSE(rows[1].min_ms.has_value());
  EXPECT_FALSE(rows[1].median_ms.has_value());
  EXPECT_EQ(rows[1].error, "timeout");
  EXPECT_EQ(rows[1].sent, 5);

  // Range is [from, to).
  EXPECT_EQ(store_->results_between(user.id, host.id, store::kLocalLocationId, 2000, 3000)->size(), 1u);
}

// Since migration 011 the error is a code (store/result_error.h): the five words round-trip, and text that is
// not one of them (here awkward for any encoding) is kept as an error, read back as "error".
TEST_P(StoreTest, LargeBatchesRoundTripAndAnUnknownErrorTextReadsAsError) {
  const char* kWords[] = {"unresolvable", "refused", "unreachable", "timeout", "send failed"};
  const auto user = make_user("a@example.com");
  const auto host = make_host(user.id, "a.example.com");
  std::vector<PingResult> batch;
  for (int round = 0; round < 3000; ++round) {
    PingResult result = make_result(host.id, 1000 + round, round % 3 == 0 ? 0 : 5);
    if (result.received > 0) result.min_ms = 0.1 + round * 1e-7;  // needs every digit to read back exactly
    if (result.received == 0) result.error = kWords[static_cast<std::size_t>(round / 3 % 5)];  // each word
    batch.push_back(result);
  }
  batch[3].error = R"(odd "text", {with} \ commas, NULL and ünïcode)";
  batch[3].received = 0;
  batch[3].min_ms.reset();
  EXPECT_EQ(*store_->insert_results(batch), 3000);
  EXPECT_EQ(*store_->insert_results(batch), 0);

  const auto rows = *store_->results_between(user.id, host.id, store::kLocalLocationId, 0, 100000);
  ASSERT_EQ(rows.size(), 3000u);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i].ts, batch[i].ts);
    EXPECT_EQ(rows[i].error, i == 3 ? "error" : batch[i].error) << i;
    if (GetParam() == DbKind::postgresql && batch[i].min_ms) {
      // PostgreSQL keeps RTTs as REAL (migration 009): every digit a float holds, which still tells each
      // round's value (1e-7 apart) from its neighbours'.
      ASSERT_TRUE(rows[i].min_ms) << i;
      EXPECT_NEAR(*rows[i].min_ms, *batch[i].min_ms, *batch[i].min_ms * 0x1p-24) << i;
    } else {
      EXPECT_EQ(rows[i].min_ms, batch[i].min_ms) << i;
    }
    EXPECT_EQ(rows[i].received, batch[i].received) << i;
  }
}

TEST_P(StoreTest, ResultsOfDeletedHostsAreDroppedNotFailed) {
  const auto user = make_user("a@example.com");
  const auto kept = make_host(user.id, "kept.example.com");
  const auto gone = make_host(user.id, "gone.example.com");
  ASSERT_TRUE(store_->delete_host(user.id, gone.id).ok());
  const std::vector<PingResult> batch = {make_result(kept.id, 1000, 5), make_result(gone.id, 1000, 5)};
  auto inserted = store_->insert_results(batch);
  ASSERT_TRUE(inserted.ok()) << inserted.error().message;
  EXPECT_EQ(*inserted, 1);
}

TEST_P(StoreTest, HostStatusesShowEachHostWithItsLatestRound) {
  const auto user = make_user("a@example.com");
  const auto other = make_user("b@example.com");
  const auto pinged = make_host(user.id, "pinged.example.com");
  const auto fresh = make_host(user.id, "fresh.example.com");
  const auto foreign = make_host(other.id, "foreign.example.com");
  ASSERT_TRUE(store_
                  ->insert_results(std::vector<PingResult>{make_result(pinged.id, 1000, 5),
                                                           make_result(pinged.id, 2000, 0),
                                                           make_result(foreign.id, 3000, 5)})
                  .ok());
  const auto statuses = *store_->host_statuses(user.id, store::kLocalLocationId);
  ASSERT_EQ(statuses.size(), 2u);
  for (const auto& status : statuses) {
    EXPECT_NE(status.host.id, foreign.id);
    if (status.host.id == pinged.id) {
      ASSERT_TRUE(status.latest.has_value());
      EXPECT_EQ(status.latest->ts, 2000);
      EXPECT_EQ(status.latest->error, "timeout");
    } else {
      EXPECT_EQ(status.host.id, fresh.id);
      EXPECT_FALSE(status.latest.has_value());
    }
  }
}

TEST_P(StoreTest, AllHostStatusesShowEveryUsersHostsForTheOperator) {
  // OperatorStore: not scoped by user (the /metrics per-host gauges), ordered by host id.
  const auto alice = make_user("a@example.com");
  const auto bob = make_user("b@example.com");
  const auto pinged = make_host(alice.id, "pinged.example.com");
  const auto fresh = make_host(bob.id, "fresh.example.com");
  const auto disabled = make_host(bob.id, "off.example.com", /*enabled=*/false);
  ASSERT_TRUE(store_
                  ->insert_results(std::vector<PingResult>{make_result(pinged.id, 1000, 5),
                                                           make_result(pinged.id, 2000, 0),
                                                           make_result(disabled.id, 500, 5)})
                  .ok());
  store::OperatorStore& operators = *store_;
  ASSERT_TRUE(operators.check_connection().ok());
  const auto statuses = operators.all_host_statuses(store::kLocalLocationId);
  ASSERT_TRUE(statuses.ok()) << statuses.error().message;
  ASSERT_EQ(statuses->size(), 3u);
  EXPECT_EQ((*statuses)[0].host.id, pinged.id);
  EXPECT_EQ((*statuses)[0].host.user_id, alice.id);
  ASSERT_TRUE((*statuses)[0].latest.has_value());
  EXPECT_EQ((*statuses)[0].latest->ts, 2000);
  EXPECT_EQ((*statuses)[1].host.id, fresh.id);
  EXPECT_FALSE((*statuses)[1].latest.has_value());
  EXPECT_EQ((*statuses)[2].host.id, disabled.id);
  EXPECT_FALSE((*statuses)[2].host.enabled);
  EXPECT_EQ((*statuses)[2].latest->ts, 500);
}

TEST_P(StoreTest, HostPagesAreInIdOrderAfterTheCursorWithTheFiltersThatAreSet) {
  const auto user = make_user("a@example.com");
  const auto other = make_user("b@example.com");
  std::vector<store::Id> ids;
  for (int i = 0; i < 5; ++i) {
    Host host{0,
              user.id,
              "h" + std::to_string(i) + ".example",
              i % 2 == 0 ? Provider::aws : Provider::gcp,
              i < 3 ? "EC2" : "",
              i == 4 ? "edge" : "",
              true,
              0,
              ProbeSpec{}};
    ids.push_back(store_->add_host(host)->id);
  }
  make_host(other.id, "foreign.example");
  ASSERT_TRUE(store_->insert_results(std::vector<PingResult>{make_result(ids[1], 1000, 5)}).ok());
  const auto ids_of = [&](const store::HostQuery& query) {
    std::vector<store::Id> found;
    const auto statuses = store_->find_host_statuses(user.id, query);
    EXPECT_TRUE(statuses.ok());
    if (!statuses) return found;
    for (const auto& status : *statuses) found.push_back(status.host.id);
    return found;
  };
  store::HostQuery query;
  EXPECT_EQ(ids_of(query), ids) << "every host, in id order; not the other user's";
  query.limit = 2;
  EXPECT_EQ(ids_of(query), (std::vector<store::Id>{ids[0], ids[1]}));
  query.after_id = ids[1];
  EXPECT_EQ(ids_of(query), (std::vector<store::Id>{ids[2], ids[3]}));
  query = {};
  query.provider = Provider::aws;
  EXPECT_EQ(ids_of(query), (std::vector<store::Id>{ids[0], ids[2], ids[4]}));
  query.service = "EC2";
  EXPECT_EQ(ids_of(query), (std::vector<store::Id>{ids[0], ids[2]}));
  query = {};
  query.label = "edge";
  EXPECT_EQ(ids_of(query), (std::vector<store::Id>{ids[4]}));
  query = {};
  query.id = ids[1];
  const auto one = store_->find_host_statuses(user.id, query);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 1u);
  ASSERT_TRUE(one->front().latest.has_value());
  EXPECT_EQ(one->front().latest->ts, 1000);
  EXPECT_TRUE(store_->find_host_statuses(other.id, query)->empty()) << "another user's host is not found";

  const auto results = store_->results_between(user.id, ids[1], store::kLocalLocationId, 0, 10000, 0);
  EXPECT_TRUE(results->empty()) << "limit 0";
  ASSERT_TRUE(store_
                  ->insert_results(
                      std::vector<PingResult>{make_result(ids[1], 2000, 5), make_result(ids[1], 3000, 5)})
                  .ok());
  const auto two = *store_->results_between(user.id, ids[1], store::kLocalLocationId, 0, 10000, 2);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[1].ts, 2000);
}

TEST_P(StoreTest, ResultsAndRollupsOfAnotherUsersHostAreNotFound) {
  const auto alice = make_user("alice@example.com");
  const auto bob = make_user("bob@example.com");
  const auto host = make_host(alice.id, "a.example.com");
  ASSERT_TRUE(store_->insert_results(std::vector<PingResult>{make_result(host.id, 1000, 5)}).ok());
  EXPECT_EQ(store_->results_between(bob.id, host.id, store::kLocalLocationId, 0, 10000).error().code,
            Errc::not_found);
  EXPECT_EQ(store_->rollups_between(bob.id, host.id, store::kLocalLocationId, 3600, 0, 10000).error().code,
            Errc::not_found);
  EXPECT_TRUE(store_->rollups_between(alice.id, host.id, store::kLocalLocationId, 3600, 0, 10000)->empty());
}

// The report's sparklines (issue 17): one read of a page of hosts' hourly rollups, scoped to the user.
TEST_P(StoreTest, RollupsOfHostsReadsAPageOfHostsInOneReadScopedToTheUser) {
  constexpr EpochMs kHour = 3'600'000;
  const auto alice = make_user("alice@example.com");
  const auto bob = make_user("bob@example.com");
  const auto a1 = make_host(alice.id, "a1.example.com");
  const auto a2 = make_host(alice.id, "a2.example.com");
  const auto a3 = make_host(alice.id, "a3.example.com");
  const auto b1 = make_host(bob.id, "b1.example.com");
  std::vector<PingResult> rows;
  for (const auto& host : {a1, a2, a3, b1}) {
    for (int hour = 0; hour < 4; ++hour) rows.push_back(make_result(host.id, hour * kHour + 1000, 5));
  }
  ASSERT_TRUE(store_->insert_results(rows).ok());
  ASSERT_TRUE(store_->refresh_rollups(3600, 0, 5 * kHour, 100).ok());

  const std::vector<store::Id> page = {a2.id, a1.id, b1.id, 999'999};
  const auto read = store_->rollups_of_hosts(alice.id, page, store::kLocalLocationId, 3600, kHour, 3 * kHour);
  ASSERT_TRUE(read.ok()) << read.error().message;
  std::vector<std::pair<store::Id, EpochMs>> got;
  for (const auto& rollup : *read) got.emplace_back(rollup.host_id, rollup.bucket_start);
  const std::vector<std::pair<store::Id, EpochMs>> want = {
      {a1.id, kHour}, {a1.id, 2 * kHour}, {a2.id, kHour}, {a2.id, 2 * kHour}};
  EXPECT_EQ(got, want) << "by host and time, within [from, to); bob's host and a missing id give nothing";
  EXPECT_EQ(read->front().rounds, 1);
  EXPECT_EQ(read->front().sent, 5);
  EXPECT_TRUE(store_
                  ->rollups_of_hosts(bob.id, std::vector<store::Id>{a1.id, a2.id}, store::kLocalLocationId,
                                     3600, 0, 5 * kHour)
                  ->empty())
      << "another user's hosts are not read";
  EXPECT_TRUE(store_
                  ->rollups_of_hosts(alice.id, std::vector<store::Id>{a1.id}, store::kLocalLocationId, 86400,
                                     0, 5 * kHour)
                  ->empty())
      << "only the period asked for";
  EXPECT_TRUE(
      store_
          ->rollups_of_hosts(alice.id, std::vector<store::Id>{}, store::kLocalLocationId, 3600, 0, 5 * kHour)
          ->empty());
  const std::vector<store::Id> too_many(store::HostStore::kMaxHostsPerRead + 1, a1.id);
  EXPECT_EQ(
      store_->rollups_of_hosts(alice.id, too_many, store::kLocalLocationId, 3600, 0, 5 * kHour).error().code,
      Errc::invalid_argument);
}

TEST_P(StoreTest, ManyThreadsCanWriteAtOnce) {
  const auto user = make_user("a@example.com");
  const auto host = make_host(user.id, "a.example.com");
  std::vector<std::thread> writers;
  std::atomic<int> failures{0};
  for (int thread = 0; thread < 6; ++thread) {
    writers.emplace_back([&, thread] {
      for (int round = 0; round < 20; ++round) {
        const std::vector<PingResult> batch = {make_result(host.id, thread * 1000 + round, 5)};
        if (!store_->insert_results(batch).ok()) ++failures;
      }
    });
  }
  for (auto& writer : writers) writer.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(store_->results_between(user.id, host.id, store::kLocalLocationId, 0, 100000)->size(), 120u);
}

TEST_P(StoreTest, DataVersionChangesWithEveryCommitOfAnyProcess) {
  const auto user = make_user("a@example.com");
  const auto first = store_->data_version();
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_TRUE(store_->host_statuses(user.id, store::kLocalLocationId).ok());
  // Reads change nothing (on PostgreSQL the cluster's other transactions may: the token may change anyway).
  if (GetParam() == DbKind::sqlite) {
    EXPECT_EQ(*store_->data_version(), *first);
  }

  const auto host = make_host(user.id, "a.example.com");
  const std::string after_host = *store_->data_version();
  EXPECT_NE(after_host, *first);
  ASSERT_TRUE(store_->insert_results(std::vector<PingResult>{make_result(host.id, 1000, 5)}).ok());
  const std::string after_results = *store_->data_version();
  EXPECT_NE(after_results, after_host);

  // Another process (another Store on the same database) writes: seen too.
  auto other = store::Store::open(url_);
  ASSERT_TRUE(other.ok()) << other.error().message;
  ASSERT_TRUE((*other)->insert_results(std::vector<PingResult>{make_result(host.id, 2000, 5)}).ok());
  EXPECT_NE(*store_->data_version(), after_results);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values(DbKind::sqlite, DbKind::postgresql),
                         backend_name);

// --- failures of the database itself ---

TEST(StoreOpen, NamesTheDatabaseAndTheReason) {
  auto missing_dir = store::Store::open(*parse_db_url("sqlite:/nonexistent-dir/x.db"));
  ASSERT_FALSE(missing_dir.ok());
  EXPECT_EQ(missing_dir.error().code, Errc::unavailable);
  EXPECT_NE(missing_dir.error().message.find("sqlite:/nonexistent-dir/x.db"), std::string::npos);

  const int closed_port = free_tcp_port();
  auto refused = store::Store::open(
      *parse_db_url("postgresql://user:secret@127.0.0.1:" + std::to_string(closed_port) + "/db"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::unavailable);
  EXPECT_EQ(refused.error().message.find("secret"), std::string::npos) << refused.error().message;
  EXPECT_NE(refused.error().message.find(std::to_string(closed_port)), std::string::npos);
}

TEST(StoreOutage, PostgresqlGoingAwayIsUnavailableAndRecoveredAfterRestart) {
  PostgresServer server;  // its own cluster: this test stops it
  auto opened = store::Store::open(*parse_db_url(server.create_database("outage")));
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  auto& db = **opened;
  ASSERT_TRUE(db.migrate().ok());
  auto user = db.create_user("a@example.com", "h", true);
  ASSERT_TRUE(user.ok());

  server.stop();
  auto during = db.list_users();
  ASSERT_FALSE(during.ok());
  EXPECT_EQ(during.error().code, Errc::unavailable);

  server.start();
  // Every pooled connection was broken by the restart; each is reopened on its next failure.
  bool recovered = false;
  for (int attempt = 0; attempt < 20 && !recovered; ++attempt) recovered = db.list_users().ok();
  EXPECT_TRUE(recovered);
  auto after = db.find_user_by_email("a@example.com");
  ASSERT_TRUE(after.ok()) << after.error().message;
}

}  // namespace
}  // namespace semaphore::testing

// Each host's latest round (issue 17, migration 010), on SQLite and on a real PostgreSQL: latest_results,
// kept by a trigger on ping_results, always holds each (host, method)'s newest row of ping_results —
// whatever order rounds arrive in (late replays, duplicates, one batch holding several rounds of a host),
// whoever writes them (the store, or plain SQL through the database's own client), after retention, and
// after migrating a database that already has rows.
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "old_database_fixture.h"
#include "store/host_store.h"
#include "store/postgresql/postgresql_dialect.h"
#include "store/result_error.h"
#include "store_fixture.h"
#include "support/process.h"

namespace semaphore::testing {
namespace {

using store::Host;
using store::PingResult;

PingResult round_row(store::Id host_id, EpochMs ts, ProbeKind method, int received) {
  PingResult result;
  result.host_id = host_id;
  result.ts = ts;
  result.method = method;
  result.sent = 5;
  result.received = received;
  if (received > 0) {
    // Figures that differ per row, so that a stale copy cannot pass for the newest one.
    const double base = static_cast<double>(ts % 100'000) / 1000.0 + (method == ProbeKind::tcp ? 50 : 0);
    result.min_ms = base;
    result.avg_ms = base + 0.5;
    result.max_ms = base + 1;
    result.median_ms = base + 0.25;
    result.stddev_ms = 0.125;
  } else {
    // One of the five words, which differs from row to row as the figures do.
    result.error = std::string(store::kErrorWords[1 + static_cast<std::size_t>(ts % 5)]);
  }
  return result;
}

// The newest row of `method` among the host's rows in ping_results, as the store reads its history.
std::optional<PingResult> newest_stored(store::Store& store, store::Id user_id, store::Id host_id,
                                        ProbeKind method) {
  std::optional<PingResult> newest;
  const auto history =
      store.results_between(user_id, host_id, store::kLocalLocationId, 0, 4'000'000'000'000LL);
  for (const PingResult& row : *history) {
    if (row.method == method && (!newest || row.ts > newest->ts)) newest = row;
  }
  return newest;
}

void expect_same_row(const std::optional<PingResult>& got, const std::optional<PingResult>& want,
                     const std::string& what) {
  ASSERT_EQ(got.has_value(), want.has_value()) << what;
  if (!want) return;
  EXPECT_EQ(got->ts, want->ts) << what;
  EXPECT_EQ(got->method, want->method) << what;
  EXPECT_EQ(got->received, want->received) << what;
  EXPECT_EQ(got->error, want->error) << what;
  EXPECT_EQ(got->median_ms.has_value(), want->median_ms.has_value()) << what;
  if (want->median_ms) {
    EXPECT_NEAR(*got->median_ms, *want->median_ms, 1e-4) << what;
  }
}

// Every host's status against its history: the latest of its main kind, and a both host's latest tcp row.
void expect_statuses_match_history(store::Store& store, store::Id user_id, const std::string& when) {
  const auto statuses = store.host_statuses(user_id, store::kLocalLocationId);
  ASSERT_TRUE(statuses.ok()) << statuses.error().message;
  for (const auto& status : *statuses) {
    const auto& host = status.host;
    const ProbeKind main_kind = host.probe.method == ProbeMethod::tcp ? ProbeKind::tcp : ProbeKind::icmp;
    expect_same_row(status.latest, newest_stored(store, user_id, host.id, main_kind),
                    when + ": " + host.hostname + " latest");
    expect_same_row(status.latest_tcp,
                    host.probe.method == ProbeMethod::both
                        ? newest_stored(store, user_id, host.id, ProbeKind::tcp)
                        : std::nullopt,
                    when + ": " + host.hostname + " latest tcp");
  }
}

TEST_P(StoreTest, TheLatestRoundIsEachHostsNewestRowInWhateverOrderRoundsArrive) {
  const auto user = make_user("a@example.com");
  std::vector<Host> hosts;
  for (int i = 0; i < 6; ++i) hosts.push_back(make_host(user.id, "h" + std::to_string(i) + ".example.com"));
  hosts[1].probe = ProbeSpec{ProbeMethod::tcp, 22};
  hosts[2].probe = ProbeSpec{ProbeMethod::both, 443};
  ASSERT_TRUE(store_->update_host(hosts[1]).ok());
  ASSERT_TRUE(store_->update_host(hosts[2]).ok());

  // 40 rounds of every host but the last (which never answers a round), both kinds, then shuffled into
  // batches of uneven size: a batch may hold several rounds of one host, and older rounds come after newer
  // ones (a spool replay after an outage). Some rows come twice (a replay after a timed-out commit).
  const EpochMs start = 1'790'000'000'000LL;
  std::vector<PingResult> rows;
  for (int round = 0; round < 40; ++round) {
    for (std::size_t h = 0; h + 1 < hosts.size(); ++h) {
      const EpochMs ts = start + round * 60'000 + static_cast<EpochMs>(h) * 7;
      rows.push_back(round_row(hosts[h].id, ts, ProbeKind::icmp, (round + static_cast<int>(h)) % 5));
      if (round % 2 == 0) rows.push_back(round_row(hosts[h].id, ts, ProbeKind::tcp, round % 3));
    }
  }
  std::mt19937 shuffle(17);
  std::shuffle(rows.begin(), rows.end(), shuffle);
  rows.insert(rows.end(), rows.begin(), rows.begin() + 25);
  expect_statuses_match_history(*store_, user.id, "before any round");
  std::size_t at = 0, batch = 1;
  while (at < rows.size()) {
    const std::size_t n = std::min(rows.size() - at, batch);
    ASSERT_TRUE(store_->insert_results(std::span(rows).subspan(at, n)).ok());
    at += n;
    batch = batch * 3 % 97 + 1;
    expect_statuses_match_history(*store_, user.id, "after " + std::to_string(at) + " rows");
  }
  // The reads that the API and the operator's listing use agree.
  store::HostQuery query;
  query.id = hosts[2].id;
  const auto found = *store_->find_host_statuses(user.id, query);
  ASSERT_EQ(found.size(), 1u);
  expect_same_row(found[0].latest_tcp, newest_stored(*store_, user.id, hosts[2].id, ProbeKind::tcp),
                  "find_host_statuses");
  const auto all = *store_->all_host_statuses(store::kLocalLocationId);
  EXPECT_EQ(all.size(), hosts.size());
  for (const auto& status : all) {
    if (status.host.id == hosts.back().id) {
      EXPECT_FALSE(status.latest);
    }
  }
}

TEST_P(StoreTest, RetentionForgetsALatestRoundWhoseRowItRemoved) {
  const auto user = make_user("a@example.com");
  const auto silent = make_host(user.id, "silent.example.com");  // no round since long ago
  const auto active = make_host(user.id, "active.example.com");
  const EpochMs now = 1'790'000'000'000LL, day = 86'400'000;
  ASSERT_TRUE(
      store_
          ->insert_results(std::vector<PingResult>{round_row(silent.id, now - 40 * day, ProbeKind::icmp, 5),
                                                   round_row(active.id, now - 40 * day, ProbeKind::icmp, 5),
                                                   round_row(active.id, now, ProbeKind::icmp, 3)})
          .ok());
  const auto pruned = store_->prune_results(now - 30 * day, 100);
  ASSERT_TRUE(pruned.ok()) << pruned.error().message;
  EXPECT_GE(*pruned, 1);
  expect_statuses_match_history(*store_, user.id, "after retention");
  const auto statuses = *store_->host_statuses(user.id, store::kLocalLocationId);
  for (const auto& status : statuses) {
    if (status.host.id == silent.id) {
      EXPECT_FALSE(status.latest);
    }
    if (status.host.id == active.id) {
      ASSERT_TRUE(status.latest);
      EXPECT_EQ(status.latest->ts, now);
    }
  }
  // A round after retention brings the silent host back.
  ASSERT_TRUE(
      store_->insert_results(std::vector<PingResult>{round_row(silent.id, now + 1, ProbeKind::icmp, 5)})
          .ok());
  expect_statuses_match_history(*store_, user.id, "after a new round");
}

TEST_P(StoreTest, LatestRoundsAreEachOfTheUsersHostsNewestRowsAndNoOtherUsers) {
  const auto alice = make_user("alice@example.com"), bob = make_user("bob@example.com");
  auto both = make_host(alice.id, "both.example.com");
  both.probe = ProbeSpec{ProbeMethod::both, 443};
  ASSERT_TRUE(store_->update_host(both).ok());
  const auto plain = make_host(alice.id, "plain.example.com");
  const auto theirs = make_host(bob.id, "theirs.example.com");
  const EpochMs t = 1'790'000'000'000LL;
  ASSERT_TRUE(
      store_
          ->insert_results(std::vector<PingResult>{
              round_row(plain.id, t + 60'000, ProbeKind::icmp, 5), round_row(plain.id, t, ProbeKind::icmp, 4),
              round_row(both.id, t, ProbeKind::icmp, 5), round_row(both.id, t, ProbeKind::tcp, 2),
              round_row(both.id, t - 60'000, ProbeKind::tcp, 5), round_row(theirs.id, t, ProbeKind::icmp, 5)})
          .ok());
  const auto rounds = store_->latest_rounds(alice.id);
  ASSERT_TRUE(rounds.ok()) << rounds.error().message;
  std::vector<std::pair<store::Id, ProbeKind>> keys;
  for (const PingResult& round : *rounds) {
    keys.emplace_back(round.host_id, round.method);
    expect_same_row(round, newest_stored(*store_, alice.id, round.host_id, round.method), "latest round");
  }
  std::vector<std::pair<store::Id, ProbeKind>> expected = {
      {both.id, ProbeKind::icmp}, {both.id, ProbeKind::tcp}, {plain.id, ProbeKind::icmp}};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(keys, expected);  // ordered by host and method; none of bob's
  EXPECT_EQ(store_->latest_rounds(bob.id)->size(), 1u);
}

// Migration 018 (issue 17): a /report miss merges the latest rows written since the data version it kept
// them under. On PostgreSQL those are exactly the rows whose transaction that version's snapshot did not see
// — including one in progress when the version was taken, committed later; SQLite says it cannot tell.
TEST_P(StoreTest, LatestRoundsWrittenSinceAVersionAreTheRowsItDidNotSee) {
  const auto alice = make_user("alice@example.com"), bob = make_user("bob@example.com");
  const auto a = make_host(alice.id, "a.example.com"), b = make_host(alice.id, "b.example.com");
  const auto theirs = make_host(bob.id, "theirs.example.com");
  const EpochMs t = 1'790'000'000'000LL;  // 03:33 UTC: the rows below share one day's partition
  ASSERT_TRUE(store_
                  ->insert_results(std::vector<PingResult>{round_row(a.id, t, ProbeKind::icmp, 5),
                                                           round_row(b.id, t, ProbeKind::icmp, 5),
                                                           round_row(theirs.id, t, ProbeKind::icmp, 5)})
                  .ok());
  const std::string version = store_->data_version().value();
  const auto nothing = store_->latest_rounds_written_since(alice.id, version);
  ASSERT_TRUE(nothing.ok()) << nothing.error().message;
  if (GetParam() == DbKind::sqlite) {
    EXPECT_FALSE(*nothing) << "SQLite cannot tell: the reader reads every latest row";
    return;
  }
  ASSERT_TRUE(*nothing);
  EXPECT_TRUE((*nothing)->empty()) << "nothing written since the version";

  // b's newer round and bob's are written; a's late old round replaces nothing.
  ASSERT_TRUE(
      store_
          ->insert_results(std::vector<PingResult>{round_row(b.id, t + 60'000, ProbeKind::icmp, 3),
                                                   round_row(theirs.id, t + 60'000, ProbeKind::icmp, 5),
                                                   round_row(a.id, t - 60'000, ProbeKind::icmp, 4)})
          .ok());
  const auto written = store_->latest_rounds_written_since(alice.id, version);
  ASSERT_TRUE(written.ok() && *written) << (written.ok() ? "" : written.error().message);
  ASSERT_EQ((*written)->size(), 1u) << "b's row only: a's copy was not rewritten, bob's is not alice's";
  expect_same_row((**written)[0], newest_stored(*store_, alice.id, b.id, ProbeKind::icmp), "b's newest");

  // A transaction that writes a's round is in progress when the next version is taken, and commits after.
  soci::session other(soci::postgresql, store::postgresql_conninfo(url_.location));
  soci::transaction open(other);
  const long long host = a.id, at = t + 120'000;
  other
      << "INSERT INTO ping_results (host_id, ts, method, sent, received, min_ms, avg_ms, max_ms, median_ms, "
         "stddev_ms, refused) VALUES (:h, :t, 0, 5, 5, 1.5, 2.5, 3.5, 2.25, 0.5, 0)",
      soci::use(host), soci::use(at);
  const std::string during = store_->data_version().value();
  open.commit();
  const auto after = store_->latest_rounds_written_since(alice.id, during);
  ASSERT_TRUE(after.ok() && *after) << (after.ok() ? "" : after.error().message);
  ASSERT_EQ((*after)->size(), 1u) << "a's row, which the version did not see; not b's, which it did";
  EXPECT_EQ((**after)[0].host_id, a.id);
  EXPECT_EQ((**after)[0].ts, at);
  EXPECT_EQ((**after)[0].median_ms, 2.25);
}

// Retention's removal of a latest row is not a write a merge can see: it moves the user's host list version,
// so a reader that kept the list reads every latest row again.
TEST_P(StoreTest, RetentionRemovingALatestRoundMovesItsUsersHostListVersion) {
  const auto alice = make_user("alice@example.com"), bob = make_user("bob@example.com");
  const auto silent = make_host(alice.id, "silent.example.com");
  const auto active = make_host(bob.id, "active.example.com");
  const EpochMs now = 1'790'000'000'000LL, day = 86'400'000;
  ASSERT_TRUE(
      store_
          ->insert_results(std::vector<PingResult>{round_row(silent.id, now - 40 * day, ProbeKind::icmp, 5),
                                                   round_row(active.id, now, ProbeKind::icmp, 5)})
          .ok());
  const std::int64_t alice_before = *store_->host_list_version(alice.id);
  const std::int64_t bob_before = *store_->host_list_version(bob.id);
  ASSERT_TRUE(store_->prune_results(now - 30 * day, 100).ok());
  EXPECT_TRUE(store_->latest_rounds(alice.id)->empty());
  EXPECT_NE(*store_->host_list_version(alice.id), alice_before) << "alice's latest round went";
  EXPECT_EQ(*store_->host_list_version(bob.id), bob_before) << "bob's stayed";
}

// The merge a /report miss does (store::place_rounds_by_location): statuses joined from some latest rows,
// given the rows written since (newer rows of the same keys, and keys not seen before), are the join of all
// the latest rows — every probe method, several locations, a location switched off for a host.
TEST(LatestRoundsMerge, StatusesGivenTheRowsWrittenSinceEqualTheJoinOfEveryLatestRow) {
  std::vector<Host> hosts;
  for (int i = 0; i < 40; ++i) {
    Host host;
    host.id = 100 + i;
    host.hostname = "h" + std::to_string(i) + ".example.com";
    host.probe.method = i % 3 == 0 ? ProbeMethod::icmp : i % 3 == 1 ? ProbeMethod::tcp : ProbeMethod::both;
    if (i % 7 == 0) host.locations_off = {3};
    hosts.push_back(host);
  }
  const auto describe = [](const std::vector<store::HostStatus>& statuses) {
    std::string text;
    for (const auto& status : statuses) {
      text += std::to_string(status.host.id) + ":";
      for (const auto& at : status.locations) {
        text += " " + std::to_string(at.location_id) + "=" +
                (at.latest ? std::to_string(at.latest->ts) : "-") + "/" +
                (at.latest_tcp ? std::to_string(at.latest_tcp->ts) : "-");
      }
      text += "\n";
    }
    return text;
  };
  std::mt19937 random(17);
  for (int trial = 0; trial < 50; ++trial) {
    // Each key's row as first read, and the rows written since: newer rows of some keys, and new keys.
    std::map<std::tuple<store::Id, store::Id, int>, PingResult> first, since;
    for (int n = 0; n < 80; ++n) {
      PingResult row = round_row(hosts[random() % hosts.size()].id, 1'000'000 + n, ProbeKind::icmp, 5);
      row.location_id = 1 + static_cast<store::Id>(random() % 3);
      row.method = random() % 2 ? ProbeKind::tcp : ProbeKind::icmp;
      const auto key = std::make_tuple(row.host_id, row.location_id, static_cast<int>(row.method));
      (n < 50 ? first : since)[key] = row;  // later rows have later times
    }
    std::vector<PingResult> first_rows, since_rows, all_rows;
    std::map<std::tuple<store::Id, store::Id, int>, PingResult> all = first;
    for (const auto& [key, row] : since) all[key] = row;
    for (const auto& [key, row] : first) first_rows.push_back(row);
    for (const auto& [key, row] : since) since_rows.push_back(row);
    for (const auto& [key, row] : all) all_rows.push_back(row);
    std::shuffle(since_rows.begin(), since_rows.end(), random);

    store::StatusPositions positions;
    std::vector<store::HostStatus> merged = store::join_rounds_by_location(hosts, first_rows, &positions);
    store::place_rounds_by_location(merged, positions, since_rows);
    ASSERT_EQ(describe(merged), describe(store::join_rounds_by_location(hosts, all_rows)))
        << "trial " << trial;
  }
}

// Migration 017 (PostgreSQL): each round rewrites every host's latest row, and the new version stays on its
// page (a heap-only update into the room fillfactor 50 leaves, the old one pruned by the next update), so the
// table a /report miss reads whole does not grow with the rounds it keeps up with. At the default fillfactor
// each rewrite of a full page went to another page and the table grew with every round (19 times its size
// after 20 rounds). SQLite rewrites a row in place in its b-tree: nothing to check there.
TEST_P(StoreTest, LatestResultsDoesNotGrowAsRoundsRewriteEachHostsRow) {
  if (GetParam() != DbKind::postgresql) GTEST_SKIP() << "PostgreSQL's pages (SQLite rewrites rows in place)";
  const auto user = make_user("alice@example.com");
  const auto psql = [&](const std::string& sql) {
    const auto result = run_command({"psql", "-qtA", "-v", "ON_ERROR_STOP=1", url_.location, "-c", sql});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return std::atoll(result.out.c_str());
  };
  constexpr int kHosts = 2000;
  psql("INSERT INTO hosts (user_id, hostname, provider, service, label, enabled, created_at) SELECT " +
       std::to_string(user.id) +
       ", 'h' || i || '.example.com', 'AWS', 'EC2', '', 1, 0 FROM generate_series(1, " +
       std::to_string(kHosts) + ") AS i");
  const auto hosts = store_->list_hosts(user.id);
  ASSERT_TRUE(hosts.ok() && hosts->size() == kHosts);
  // From now on: the migration made today's partition and the next days' (an hour back could be yesterday).
  const EpochMs start = now_epoch_ms();
  const auto write_round = [&](int round) {
    std::vector<PingResult> rows;
    for (const Host& host : *hosts)
      rows.push_back(round_row(host.id, start + round * 60'000, ProbeKind::icmp, 5));
    ASSERT_TRUE(store_->insert_results(rows).ok());  // one transaction, as a round of the ping service
  };
  write_round(0);
  const long long first = psql("SELECT pg_relation_size('latest_results')");
  for (int round = 1; round <= 20; ++round) write_round(round);
  const long long after = psql("SELECT pg_relation_size('latest_results')");
  // Measured: 368 to 392 kB (a few updates find no room before their page is pruned); at fillfactor 100,
  // 184 kB to 3.5 MB.
  EXPECT_LE(after, first + first / 4) << "latest_results grew from " << first << " to " << after << " bytes";
  EXPECT_EQ(psql("SELECT COUNT(*) FROM latest_results"), kHosts);
  expect_statuses_match_history(*store_, user.id, "after 21 rounds");
}

TEST_P(StoreTest, TheHostListVersionMovesWithEveryChangeToTheUsersOwnHostsOnly) {
  const auto alice = make_user("alice@example.com"), bob = make_user("bob@example.com");
  const auto version = [&](store::Id user) {
    const auto read = store_->host_list_version(user);
    EXPECT_TRUE(read.ok());
    return read.ok() ? *read : -1;
  };
  std::int64_t mine = version(alice.id);
  const std::int64_t bobs = version(bob.id);
  const auto expect_moved = [&](const char* what) {
    const std::int64_t now = version(alice.id);
    EXPECT_NE(now, mine) << what;
    mine = now;
  };
  auto host = make_host(alice.id, "a.example.com");
  expect_moved("after adding a host");
  host.label = "rack 7";
  ASSERT_TRUE(store_->update_host(host).ok());
  expect_moved("after changing a host");
  // Several hosts in one transaction (PostgreSQL's trigger moves the version once a transaction: migration
  // 019).
  std::vector<Host> batch(3);
  batch[0].hostname = "b.example.com";
  batch[1].hostname = "c.example.com";
  batch[2].hostname = "d.example.com";
  const auto added = store_->add_hosts(alice.id, batch, 100);
  ASSERT_TRUE(added.ok() && (*added)[0].ok() && (*added)[1].ok() && (*added)[2].ok());
  expect_moved("after adding hosts in a batch");
  host.label = "rack 8";
  ASSERT_TRUE(store_->update_host(host).ok());
  expect_moved("after changing a host in the next transaction");
  ASSERT_TRUE(store_->delete_host(alice.id, host.id).ok());
  expect_moved("after deleting a host");
  // Rounds are not the host list; another user's hosts are not this user's.
  ASSERT_TRUE(store_
                  ->insert_results(std::vector<PingResult>{
                      round_row((*added)[0]->id, 1'790'000'000'000LL, ProbeKind::icmp, 5)})
                  .ok());
  make_host(bob.id, "theirs.example.com");
  EXPECT_EQ(version(alice.id), mine);
  EXPECT_NE(version(bob.id), bobs);
}

// Migration 010 on a database that has rows (written at schema 9), and rows written afterwards with the
// database's own client rather than the store (a bulk load): the latest rounds are right in both cases.
class Migration010Test : public OldDatabaseTest {
 protected:
  Migration010Test() : OldDatabaseTest("migration_010") {}
};

TEST_P(Migration010Test, CopiesEveryHostsNewestRowAndKeepsUpWithPlainSqlInserts) {
  std::string data;
  const int kHosts = 5, kRounds = 30;
  const long long kStart = 1'790'000'000'000LL;
  for (int host = 1; host <= kHosts; ++host) {
    data += "INSERT INTO hosts (id, user_id, hostname, provider, created_at, probe_method) VALUES (" +
            std::to_string(host) + ", 1, 'h" + std::to_string(host) + ".example.com', 'AWS', 0, " +
            (host == 2 ? "'both'" : "'icmp'") + ");\n";
    if (host == kHosts) continue;  // a host without rounds
    for (int round = 0; round < kRounds; ++round) {
      // Rounds in a scrambled order, and host 2's tcp rows stop before its icmp rows do.
      const int r = (round * 7) % kRounds;
      const long long ts = kStart + r * 60'000LL + host;
      for (int method : {0, 1}) {
        if (method == 1 && (host != 2 || r > 20)) continue;
        data +=
            "INSERT INTO ping_results (host_id, ts, sent, received, min_ms, avg_ms, max_ms, median_ms, "
            "stddev_ms, error, method, refused) VALUES (" +
            std::to_string(host) + ", " + std::to_string(ts) + ", 5, 4, 1.5, 2.5, 3.5, " +
            std::to_string(2 + r * 0.125 + method) + ", 0.25, NULL, " + std::to_string(method) + ", 0);\n";
      }
    }
  }
  // PostgreSQL keeps rows in day partitions (009) that the store makes ahead; a client's insert needs them.
  const std::string partitions = GetParam() == DbKind::postgresql
                                     ? "SELECT semaphore_ensure_partitions('ping_results', 'day', " +
                                           std::to_string(kStart) + ", " +
                                           std::to_string(kStart + 100 * 60'000LL) + ");\n"
                                     : "";
  run_sql(schema_up_to(9) + partitions + data);
  auto opened = store::Store::open(url_);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  auto store = std::move(opened).value();
  ASSERT_EQ(*store->schema_version(), 9);
  auto migrated = store->migrate();
  ASSERT_TRUE(migrated.ok()) << migrated.error().message;
  EXPECT_EQ(*store->schema_version(), store::Store::latest_schema_version(GetParam()));
  // One copy per (host, method) with rows: hosts 1-4's icmp rows and host 2's tcp rows.
  EXPECT_EQ(query("SELECT COUNT(*) FROM latest_results"), "5");
  expect_statuses_match_history(*store, 1, "after migrating");
  const auto migrated_statuses = *store->host_statuses(1, store::kLocalLocationId);
  for (const auto& status : migrated_statuses) {
    if (status.host.id == 2) {
      ASSERT_TRUE(status.latest_tcp);
      EXPECT_EQ(status.latest_tcp->ts, kStart + 20 * 60'000LL + 2);
    }
  }

  // A bulk load through the client, one multi-row statement holding an older and a newer round of the same
  // host (the newer wins, whichever comes first in the statement). Since migration 011 a client writes the
  // error word as its code (4 * 4096: "timeout", store/result_error.h).
  run_sql(
      "INSERT INTO ping_results (host_id, ts, sent, received, min_ms, avg_ms, max_ms, median_ms, stddev_ms, "
      "method, refused) VALUES (1, " +
      std::to_string(kStart + 99 * 60'000LL) + ", 5, 0, NULL, NULL, NULL, NULL, NULL, 0, 16384), (1, " +
      std::to_string(kStart + 98 * 60'000LL) + ", 5, 5, 1, 1, 1, 1, 0, 0, 0), (5, " + std::to_string(kStart) +
      ", 5, 5, 1, 1, 1, 1, 0, 0, 0);\n");
  expect_statuses_match_history(*store, 1, "after a bulk load");
  const auto loaded_statuses = *store->host_statuses(1, store::kLocalLocationId);
  for (const auto& status : loaded_statuses) {
    if (status.host.id == 1) {
      ASSERT_TRUE(status.latest);
      EXPECT_EQ(status.latest->error, "timeout");
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, Migration010Test, ::testing::Values(DbKind::sqlite, DbKind::postgresql),
                         backend_name);

}  // namespace
}  // namespace semaphore::testing

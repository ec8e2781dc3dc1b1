// Several `semaphore probe` processes on one PostgreSQL, pinging simulated hosts: no host is pinged twice in
// a round (the workers' own per-round host counts add up to the host count), none is missed (a row per host
// per round), and the hosts of a worker killed with SIGKILL are covered again within two intervals; workers
// of two locations (`probe --location`) each cover every host (issue 16).
#include <signal.h>

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <sstream>
#include <tuple>

#include "monitor_test_env.h"
#include "support/postgres_server.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace semaphore::testing {
namespace {

using namespace std::chrono_literals;

constexpr int kHosts = 30;
constexpr EpochMs kIntervalMs = 2000;

class WorkersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string reason = simnet_skip_reason(); !reason.empty()) GTEST_SKIP() << reason;
    network_ = start_simnet(answering_hosts(kHosts));
    ASSERT_TRUE(network_);
    url_ = server_.create_database("workers");
    db_ = open_migrated(url_);
    ASSERT_TRUE(db_);
    auto user = db_->create_user("w@example.com", "x", true);
    ASSERT_TRUE(user);
    user_ = user->id;
    for (std::uint32_t i = 0; i < kHosts; ++i) {
      store::Host host;
      host.user_id = user_;
      host.hostname = simnet::v4_host(i).to_string();
      auto added = db_->add_host(host);
      ASSERT_TRUE(added);
      hosts_.push_back(added->id);
    }
  }

  std::unique_ptr<ChildProcess> start_worker(const std::string& name, const std::string& location = "") {
    std::vector<std::string> args{semaphore_binary(),
                                  "probe",
                                  "--db",
                                  url_,
                                  "--interval",
                                  "2s",
                                  "--worker-id",
                                  name,
                                  "--spool-dir",
                                  dir_.file("spool-" + name)};
    if (!location.empty()) {
      args.push_back("--location");
      args.push_back(location);
    }
    return std::make_unique<ChildProcess>(args, dir_.file(name + ".log"));
  }

  // (host, round ts, location) -> rows, over every location: ping_results read with psql, the location
  // unpacked from the stored method independently of the store (store/result_location.h).
  std::map<std::tuple<store::Id, EpochMs, store::Id>, int> rows_by_location() {
    std::map<std::tuple<store::Id, EpochMs, store::Id>, int> out;
    const auto listed = run_command(
        {"psql", "-At", "-F", " ", url_, "-c", "SELECT host_id, ts, method / 2 + 1 FROM ping_results"});
    std::istringstream in(listed.out);
    long long host = 0, ts = 0, location = 0;
    while (in >> host >> ts >> location) ++out[{host, ts, location}];
    return out;
  }

  // "round <ts>: <n> hosts" lines of a worker's log: ts -> n.
  static std::map<std::string, int> rounds_in(const std::string& log) {
    std::map<std::string, int> out;
    static const std::regex line(R"(round (\S+): (\d+) hosts)");
    for (auto it = std::sregex_iterator(log.begin(), log.end(), line); it != std::sregex_iterator(); ++it) {
      out[(*it)[1]] = std::stoi((*it)[2]);
    }
    return out;
  }

  // host -> the round ts it has rows for.
  std::map<store::Id, std::set<EpochMs>> rows() {
    std::map<store::Id, std::set<EpochMs>> out;
    for (store::Id id : hosts_) {
      auto found = db_->results_between(user_, id, store::kLocalLocationId, 0, now_epoch_ms() + 60000);
      EXPECT_TRUE(found) << found.error().message;
      if (!found) continue;
      for (const auto& row : *found) out[id].insert(row.ts);
    }
    return out;
  }

  // Every host has a row for every round in [from, to].
  void expect_every_host_every_round(EpochMs from, EpochMs to) {
    ASSERT_LE(from, to);
    const auto all = rows();
    for (store::Id id : hosts_) {
      for (EpochMs ts = from; ts <= to; ts += kIntervalMs) {
        EXPECT_EQ(all.count(id) ? all.at(id).count(ts) : 0u, 1u) << "host " << id << " missed round " << ts;
      }
    }
  }

  TempDir dir_;
  PostgresServer server_;
  std::unique_ptr<simnet::Network> network_;
  std::string url_;
  std::unique_ptr<store::Store> db_;
  store::Id user_ = 0;
  std::vector<store::Id> hosts_;
};

TEST_F(WorkersTest, TwoAndThreeWorkersShareWithoutOverlapOrGaps) {
  std::vector<std::unique_ptr<ChildProcess>> workers;
  for (const char* name : {"w1", "w2"}) workers.push_back(start_worker(name));
  std::this_thread::sleep_for(8s);
  workers.push_back(start_worker("w3"));
  std::this_thread::sleep_for(10s);
  const EpochMs last = (now_epoch_ms() / kIntervalMs - 1) * kIntervalMs;  // a round finished by every worker
  std::vector<std::map<std::string, int>> logs;
  for (auto& worker : workers) {
    EXPECT_EQ(worker->stop(SIGTERM), 0) << worker->log();
    logs.push_back(rounds_in(worker->log()));
  }
  // No host pinged twice: in every round, the workers' host counts add up to at most the hosts, and to all of
  // them in every round that every worker then alive finished.
  std::map<std::string, int> total;
  for (const auto& log : logs) {
    for (const auto& [ts, n] : log) total[ts] += n;
  }
  ASSERT_GE(total.size(), 7u);
  for (const auto& [ts, n] : total) EXPECT_LE(n, kHosts) << "round " << ts << ": a host pinged twice";
  // The shares were balanced by the end: each worker had hosts in its last rounds.
  for (std::size_t i = 0; i < logs.size(); ++i) {
    ASSERT_FALSE(logs[i].empty());
    EXPECT_GT(std::prev(logs[i].end(), 2)->second, 0) << "worker " << i + 1 << " never got hosts";
  }
  const auto all = rows();
  EpochMs first = std::numeric_limits<EpochMs>::max();
  for (const auto& [id, ts] : all) first = std::min(first, *ts.begin());
  expect_every_host_every_round(first, last);
}

TEST_F(WorkersTest, TwoLocationsEachStoreOneRowPerHostPerRound) {
  // Issue 16: a `local` worker and two workers of location `fra` (`probe --location fra`) on one database.
  // Leases are per location: local's worker pings every host alone, fra's two share every host between them,
  // and neither location's workers take the other's hosts; each location stores one row per host per round.
  auto fra = db_->add_location([] {
    store::Location location;
    location.name = "fra";
    return location;
  }());
  ASSERT_TRUE(fra) << fra.error().message;
  std::vector<std::unique_ptr<ChildProcess>> workers;
  workers.push_back(start_worker("local1"));
  workers.push_back(start_worker("fra1", "fra"));
  workers.push_back(start_worker("fra2", "fra"));
  // Until both of fra's workers hold hosts (shares settle within a few rounds), then a few rounds more.
  ASSERT_TRUE(eventually(
      [&] {
        for (std::size_t i : {1u, 2u}) {
          const auto log = rounds_in(workers[i]->log());
          if (log.empty() || log.rbegin()->second == 0) return false;
        }
        return true;
      },
      30s))
      << workers[1]->log() << workers[2]->log();
  const EpochMs settled = (now_epoch_ms() / kIntervalMs + 1) * kIntervalMs;
  std::this_thread::sleep_for(std::chrono::milliseconds(4 * kIntervalMs));
  const EpochMs last = (now_epoch_ms() / kIntervalMs - 1) * kIntervalMs;
  std::vector<std::map<std::string, int>> logs;
  for (auto& worker : workers) {
    EXPECT_EQ(worker->stop(SIGTERM), 0) << worker->log();
    logs.push_back(rounds_in(worker->log()));
  }
  EXPECT_NE(workers[1]->log().find("as location fra"), std::string::npos) << workers[1]->log();
  // local's worker had every host in each settled round; fra's two never more than every host together.
  std::map<std::string, int> fra_total;
  for (std::size_t i : {1u, 2u}) {
    for (const auto& [ts, n] : logs[i]) fra_total[ts] += n;
  }
  for (const auto& [ts, n] : fra_total)
    EXPECT_LE(n, kHosts) << "round " << ts << ": a host pinged twice by fra";
  ASSERT_GE(logs[0].size(), 3u);
  EXPECT_EQ(std::prev(logs[0].end(), 2)->second, kHosts) << workers[0]->log();

  const auto stored = rows_by_location();
  for (store::Id id : hosts_) {
    for (EpochMs ts = settled; ts <= last; ts += kIntervalMs) {
      for (store::Id location : {store::kLocalLocationId, fra->id}) {
        const auto found = stored.find({id, ts, location});
        EXPECT_EQ(found == stored.end() ? 0 : found->second, 1)
            << "host " << id << " round " << ts << " location " << location;
      }
    }
  }
  for (const auto& [key, n] : stored) {
    EXPECT_TRUE(std::get<2>(key) == store::kLocalLocationId || std::get<2>(key) == fra->id);
  }
  // The pages read local's rows only (phase 1): one a round, as before.
  expect_every_host_every_round(settled, last);
  // Each location's heartbeat row counts its own rounds.
  const auto listed = db_->list_locations();
  ASSERT_TRUE(listed);
  for (const store::Location& location : *listed) {
    EXPECT_GT(location.rounds_on_time + location.rounds_late, 0) << location.name;
  }
}

TEST_F(WorkersTest, KilledWorkersHostsAreTakenOverWithinTwoIntervals) {
  std::vector<std::unique_ptr<ChildProcess>> workers;
  for (const char* name : {"w1", "w2", "w3"}) workers.push_back(start_worker(name));
  // Until w2 holds hosts (shares settle within a few rounds).
  ASSERT_TRUE(eventually(
      [&] {
        const auto log = rounds_in(workers[1]->log());
        return !log.empty() && log.rbegin()->second > 0;
      },
      20s))
      << workers[1]->log();
  const EpochMs killed_at = now_epoch_ms();
  EXPECT_EQ(workers[1]->stop(SIGKILL), 128 + SIGKILL);
  std::this_thread::sleep_for(std::chrono::milliseconds(3 * kIntervalMs + 1500));
  const EpochMs last = (now_epoch_ms() / kIntervalMs - 1) * kIntervalMs;
  for (std::size_t i : {0u, 2u}) EXPECT_EQ(workers[i]->stop(SIGTERM), 0) << workers[i]->log();
  // Covered again from the second round boundary after the kill at the latest.
  const EpochMs covered_from = (killed_at / kIntervalMs + 2) * kIntervalMs;
  expect_every_host_every_round(covered_from, last);
}

}  // namespace
}  // namespace semaphore::testing

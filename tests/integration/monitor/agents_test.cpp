// Remote agents with the real binary (issue 16): `semaphore serve` on SQLite, and `semaphore agent` processes
// of two locations on this machine pinging simnet hosts, talking to the server over loopback.
//  - Each location stores one row per host per round, through a SIGKILL of one agent (which loses at most
//    the rounds it had not pushed yet) and a server stopped for longer than the agents' spool delay (after
//    which every round of every agent arrives, none twice).
//  - Loss that one location sees and the other does not (the simulator drops 40% of one agent's probes to
//    one host) leaves the host up (a quorum of two is both) and that location's own state degraded.
//  - An agent whose token was rotated is refused (401) and says so in its log once a minute, not at each of
//    its requests.
//  - HTTPS: with a self-signed certificate made here, an agent given it as --ca-file reports; one without
//    refuses the server and stores nothing.
#include <signal.h>

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <tuple>

#include "monitor_test_env.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "support/test_certificate.h"

namespace semaphore::testing {
namespace {

using namespace std::chrono_literals;

constexpr int kHosts = 20;
constexpr EpochMs kIntervalMs = 2000;

std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size())) ++n;
  return n;
}

class AgentsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string reason = simnet_skip_reason(); !reason.empty()) GTEST_SKIP() << reason;
    network_ = start_simnet(answering_hosts(kHosts));
    ASSERT_TRUE(network_);
    url_ = "sqlite:" + dir_.file("server.db");
    db_ = open_migrated(url_);
    ASSERT_TRUE(db_);
    hosts_ = add_simnet_hosts(*db_, "agents@example.com", kHosts);
    ASSERT_EQ(hosts_.size(), static_cast<std::size_t>(kHosts));
    port_ = free_tcp_port();
  }

  struct MadeLocation {
    store::Id id = 0;
    std::string token_file;
  };

  // `semaphore location add NAME`: its id, and its token in a file of its own (as an operator would keep it).
  MadeLocation make_location(const std::string& name) {
    const auto made = run_command({semaphore_binary(), "--db", url_, "location", "add", name});
    EXPECT_EQ(made.exit_code, 0) << made.err;
    const std::string path = dir_.file(name + ".token");
    std::ofstream(path) << made.out;
    auto found = db_->find_location(name);
    EXPECT_TRUE(found);
    return {found ? found->id : 0, path};
  }

  std::unique_ptr<ChildProcess> start_server(const std::string& log, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{semaphore_binary(),
                                  "--db",
                                  url_,
                                  "--listen",
                                  "127.0.0.1:" + std::to_string(port_),
                                  "serve",
                                  "--signup",
                                  "closed",
                                  "--targets",
                                  "private",
                                  "--agent-interval",
                                  "2s"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto server = std::make_unique<ChildProcess>(args, dir_.file(log));
    EXPECT_TRUE(eventually([&] { return server->log().find("web UI on") != std::string::npos; }, 20s))
        << server->log();
    return server;
  }

  std::unique_ptr<ChildProcess> start_agent(const std::string& name, const std::string& token_file,
                                            const std::string& scheme = "http",
                                            std::vector<std::string> extra = {}) {
    std::vector<std::string> args{
        semaphore_binary(), "agent",    "--server",    scheme + "://127.0.0.1:" + std::to_string(port_),
        "--token-file",     token_file, "--spool-dir", dir_.file("spool-" + name),
        "--worker-id",      name};
    args.insert(args.end(), extra.begin(), extra.end());
    return std::make_unique<ChildProcess>(args, dir_.file(name + ".log"));
  }

  // (host, round ts, location) -> rows, read with sqlite3; the location unpacked from the stored method
  // independently of the store (store/result_location.h).
  std::map<std::tuple<store::Id, EpochMs, store::Id>, int> stored_rows() {
    std::map<std::tuple<store::Id, EpochMs, store::Id>, int> out;
    const auto listed = run_command({"sqlite3", "-separator", " ", dir_.file("server.db"),
                                     "SELECT host_id, ts, method / 2 + 1 FROM ping_results"});
    std::istringstream in(listed.out);
    long long host = 0, ts = 0, location = 0;
    while (in >> host >> ts >> location) ++out[{host, ts, location}];
    return out;
  }

  // The rounds of `location` for which every host has exactly one row.
  std::set<EpochMs> complete_rounds(store::Id location) {
    std::map<EpochMs, int> hosts_per_round;
    for (const auto& [key, n] : stored_rows()) {
      if (std::get<2>(key) != location) continue;
      EXPECT_EQ(n, 1);
      ++hosts_per_round[std::get<1>(key)];
    }
    std::set<EpochMs> out;
    for (const auto& [ts, n] : hosts_per_round) {
      if (n == kHosts) out.insert(ts);
    }
    return out;
  }

  bool has_rows(store::Id location) {
    for (const auto& [key, n] : stored_rows()) {
      if (std::get<2>(key) == location) return true;
    }
    return false;
  }

  static EpochMs round_of(EpochMs t) { return t / kIntervalMs * kIntervalMs; }

  TempDir dir_;
  std::unique_ptr<simnet::Network> network_;
  std::string url_;
  std::unique_ptr<store::Store> db_;
  std::vector<store::Id> hosts_;
  int port_ = 0;
};

TEST_F(AgentsTest, TwoLocationsStoreEveryRoundThroughAKillAndAServerOutage) {
  const MadeLocation fra = make_location("fra");
  const MadeLocation nyc = make_location("nyc");
  auto server = start_server("server1.log");
  auto fra_agent = start_agent("fra", fra.token_file);
  auto nyc_agent = start_agent("nyc", nyc.token_file);
  ASSERT_TRUE(eventually([&] { return has_rows(fra.id) && has_rows(nyc.id); }, 30s))
      << fra_agent->log() << nyc_agent->log() << server->log();
  const EpochMs settled = round_of(now_epoch_ms()) + kIntervalMs;
  std::this_thread::sleep_for(std::chrono::milliseconds(3 * kIntervalMs));

  // SIGKILL in the middle of its work: what it had not pushed is lost, nothing else; it starts again from
  // the same spool directory.
  const EpochMs killed_at = now_epoch_ms();
  ASSERT_EQ(nyc_agent->stop(SIGKILL), 128 + SIGKILL);
  nyc_agent = start_agent("nyc", nyc.token_file);
  std::this_thread::sleep_for(std::chrono::milliseconds(3 * kIntervalMs));

  // The server stopped for longer than the agents hold rows in memory (--spool-after: 10 s): their rows go
  // to their spools, and are replayed when it is back.
  ASSERT_EQ(server->stop(SIGTERM), 0) << server->log();
  std::this_thread::sleep_for(14s);
  server = start_server("server2.log");
  for (auto* agent : {fra_agent.get(), nyc_agent.get()}) {
    EXPECT_TRUE(eventually([&] { return agent->log().find("replayed") != std::string::npos; }, 30s))
        << agent->log();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(3 * kIntervalMs));
  const EpochMs last = round_of(now_epoch_ms()) - 2 * kIntervalMs;  // a round both agents have pushed
  EXPECT_EQ(fra_agent->stop(SIGTERM), 0) << fra_agent->log();
  EXPECT_EQ(nyc_agent->stop(SIGTERM), 0) << nyc_agent->log();

  // fra: every round, the outage's included.
  const auto fra_rounds = complete_rounds(fra.id);
  for (EpochMs ts = settled; ts <= last; ts += kIntervalMs) {
    EXPECT_TRUE(fra_rounds.count(ts)) << "fra is missing round " << ts;
  }
  // nyc: every round but the ones in flight at the kill (the round being pinged and the one being pushed).
  const auto nyc_rounds = complete_rounds(nyc.id);
  int missing = 0;
  for (EpochMs ts = settled; ts <= last; ts += kIntervalMs) {
    if (nyc_rounds.count(ts)) continue;
    ++missing;
    EXPECT_GE(ts, round_of(killed_at) - kIntervalMs) << "nyc lost a round it had pushed before the kill";
    EXPECT_LE(ts, round_of(killed_at) + kIntervalMs) << "nyc lost a round after it started again";
  }
  EXPECT_LE(missing, 2);
  // Both reported their heartbeat: seen, with their version and rounds.
  for (const char* name : {"fra", "nyc"}) {
    auto location = db_->find_location(name);
    ASSERT_TRUE(location);
    EXPECT_TRUE(location->last_seen_at.has_value()) << name;
    EXPECT_FALSE(location->version.empty()) << name;
    EXPECT_GT(location->rounds_on_time, 3) << name;
  }
}

TEST_F(AgentsTest, LossSeenFromOneLocationOnlyLeavesTheHostUpAndThatLocationDegraded) {
  // Issue 16: two agents ping the same simulated hosts; the network loses 40% of one agent's probes to one
  // host (the simulator tells the agents apart by their echo identifiers), nothing of the other's. With two
  // locations a quorum is both: the host stays up, while that location's own state (its vote) is degraded.
  const MadeLocation fra = make_location("fra");
  const MadeLocation nyc = make_location("nyc");
  auto server = start_server("server.log");
  auto fra_agent = start_agent("fra", fra.token_file);
  ASSERT_TRUE(eventually([&] { return has_rows(fra.id); }, 30s)) << fra_agent->log() << server->log();
  const auto fra_ids = network_->identifiers_seen();
  ASSERT_EQ(fra_ids.size(), 1u);
  auto nyc_agent = start_agent("nyc", nyc.token_file);
  ASSERT_TRUE(eventually([&] { return network_->identifiers_seen().size() == 2; }, 30s)) << nyc_agent->log();
  std::uint16_t nyc_id = 0;
  for (const auto id : network_->identifiers_seen()) {
    if (id != fra_ids.front()) nyc_id = id;
  }
  network_->drop_for_identifier(nyc_id, {0}, 0.4);  // 2 of nyc's 5 probes a round to host 0

  auto user = db_->find_user_by_email("agents@example.com");
  ASSERT_TRUE(user.ok());
  const store::Id host = hosts_[0];
  const auto vote = [&](store::Id location) -> std::string {
    auto state = db_->host_alert_state(user->id, host, location);
    return state.ok() && *state ? (*state)->shown : "";
  };
  EXPECT_TRUE(eventually([&] { return vote(nyc.id) == "degraded"; }, 40s))
      << "nyc's vote: " << vote(nyc.id) << "\n"
      << nyc_agent->log();
  std::this_thread::sleep_for(std::chrono::milliseconds(2 * kIntervalMs));
  EXPECT_EQ(vote(fra.id), "up");
  auto shown = db_->host_quorum_state(user->id, host);
  ASSERT_TRUE(shown.ok() && *shown);
  EXPECT_EQ((*shown)->shown, "up") << "one location of two is no quorum";
  auto events = db_->host_events(user->id, host, 0, now_epoch_ms() + 60'000, 100);
  ASSERT_TRUE(events.ok());
  for (const auto& event : *events) EXPECT_EQ(event.to_state, "up") << event.reason;
  // Host 1 is not touched by the loss: nyc sees it up too.
  EXPECT_EQ(db_->host_alert_state(user->id, hosts_[1], nyc.id).value().value().shown, "up");

  EXPECT_EQ(fra_agent->stop(SIGTERM), 0) << fra_agent->log();
  EXPECT_EQ(nyc_agent->stop(SIGTERM), 0) << nyc_agent->log();
  EXPECT_EQ(server->stop(SIGTERM), 0);
}

TEST_F(AgentsTest, ARotatedTokenIsRefusedAndLoggedOnceAMinute) {
  const MadeLocation fra = make_location("fra");
  auto server = start_server("server.log");
  auto agent = start_agent("fra", fra.token_file);
  ASSERT_TRUE(eventually([&] { return has_rows(fra.id); }, 30s)) << agent->log() << server->log();
  const auto rotated = run_command({semaphore_binary(), "--db", url_, "location", "rotate-token", "fra"});
  ASSERT_EQ(rotated.exit_code, 0) << rotated.err;
  // Four rounds: each asks for the assignment, pushes its rows and its heartbeat, and is refused.
  std::this_thread::sleep_for(std::chrono::milliseconds(4 * kIntervalMs));
  EXPECT_EQ(agent->stop(SIGTERM), 0) << agent->log();
  const std::string log = agent->log();
  EXPECT_EQ(count_of(log, "refuses this agent's token"), 1u) << log;
  EXPECT_GE(count_of(server->log(), "/api/v1/agent/assignment 401"), 3u) << server->log();
  EXPECT_EQ(server->stop(SIGTERM), 0);
}

TEST_F(AgentsTest, OverHttpsOnlyAnAgentThatTrustsTheCertificateReports) {
  const MadeLocation fra = make_location("fra");
  const MadeLocation nyc = make_location("nyc");
  const std::string cert = dir_.file("server.crt"), key = dir_.file("server.key");
  make_certificate("semaphore-test", 1, cert, key);
  auto server = start_server("server.log", {"--tls-cert", cert, "--tls-key", key});
  auto trusting = start_agent("fra", fra.token_file, "https", {"--ca-file", cert});
  auto doubting = start_agent("nyc", nyc.token_file, "https");
  ASSERT_TRUE(eventually([&] { return has_rows(fra.id); }, 30s)) << trusting->log() << server->log();
  EXPECT_TRUE(eventually([&] { return doubting->log().find("certificate") != std::string::npos; }, 10s))
      << doubting->log();
  EXPECT_FALSE(has_rows(nyc.id));
  EXPECT_EQ(trusting->stop(SIGTERM), 0) << trusting->log();
  EXPECT_EQ(doubting->stop(SIGTERM), 0) << doubting->log();

  // Plain http to anything but loopback is refused before any request is made: the token would cross the
  // network in the clear.
  const auto refused = run_command({semaphore_binary(), "agent", "--server", "http://192.0.2.1:5000",
                                    "--token-file", fra.token_file, "--spool-dir", dir_.file("spool-x")});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("https"), std::string::npos) << refused.err;
}

}  // namespace
}  // namespace semaphore::testing

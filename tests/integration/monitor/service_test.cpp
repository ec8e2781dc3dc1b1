// The ping service end to end with the real engine: 1,000 simulated hosts (simnet) in 2 s rounds, hosts
// deleted and added while it runs, and database outages (PostgreSQL stopped, a SQLite file made immutable)
// during which probing goes on and after which every round's rows are present exactly once.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include <boost/json.hpp>

#include "alerts/curl_sender.h"
#include "alerts/dispatcher.h"
#include "alerts/round_evaluator.h"
#include "core/version.h"
#include "monitor/probe_service.h"
#include "monitor_test_env.h"
#include "support/http_receiver.h"
#include "support/postgres_server.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace semaphore::testing {
namespace {

using namespace std::chrono_literals;
using simnet::Behaviour;
using simnet::Mode;

constexpr auto kInterval = 2000ms;

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string reason = simnet_skip_reason(); !reason.empty()) GTEST_SKIP() << reason;
  }

  monitor::ServiceOptions options() {
    monitor::ServiceOptions o;
    o.interval = kInterval;
    o.probes = 5;
    o.spool_dir = dir_.file("spool");
    o.spool_after = 1s;
    o.maintenance_every = 1h;
    return o;
  }

  std::vector<store::Id> add_hosts(store::Store& db, store::Id user, std::size_t from, std::size_t to) {
    std::vector<store::Id> ids;
    for (std::size_t i = from; i < to; ++i) {
      store::Host host;
      host.user_id = user;
      host.hostname = simnet::v4_host(static_cast<std::uint32_t>(i)).to_string();
      auto added = db.add_host(host);
      EXPECT_TRUE(added) << added.error().message;
      ids.push_back(added->id);
    }
    return ids;
  }

  // Rows of each host, by ts.
  std::map<store::Id, std::map<EpochMs, store::PingResult>> rows_of(store::Store& db, store::Id user,
                                                                    const std::vector<store::Id>& hosts) {
    std::map<store::Id, std::map<EpochMs, store::PingResult>> out;
    for (store::Id id : hosts) {
      auto rows = db.results_between(user, id, store::kLocalLocationId, 0, now_epoch_ms() + 60000);
      if (!rows && rows.error().code == Errc::not_found) continue;  // a deleted host
      EXPECT_TRUE(rows) << rows.error().message;
      if (!rows) continue;
      for (auto& row : *rows) out[id][row.ts] = row;
    }
    return out;
  }

  // Runs the service until the database is back and the spool replayed, around `outage` (which takes the
  // database away and gives it back), then checks every host has one row for every round.
  void outage_test(store::Store& db, const std::function<void()>& down, const std::function<void()>& up) {
    auto network = start_simnet(answering_hosts(20));
    ASSERT_TRUE(network);
    const auto user = db.create_user("o@example.com", "x", true);
    ASSERT_TRUE(user);
    const auto hosts = add_hosts(db, user->id, 0, 20);

    auto service = monitor::ProbeService::create(db, options());
    ASSERT_TRUE(service) << service.error().message;
    (*service)->start();
    auto metric = [&](const char* name) { return (*service)->metrics().at(name); };
    // The deadlines only bound how long a broken service is waited for (rounds take 2 s each).
    ASSERT_TRUE(eventually([&] { return metric("results_written") >= 40; }, 60s));
    down();
    ASSERT_TRUE(eventually([&] { return metric("results_spooled") >= 40; }, 60s)) << "nothing spooled";
    std::this_thread::sleep_for(kInterval);  // one more round into the spool
    up();
    ASSERT_TRUE(eventually(
        [&] { return metric("results_replayed") >= metric("results_spooled") && metric("database_up") == 1; },
        120s))
        << "spool not replayed";
    (*service)->stop();
    const auto m = (*service)->metrics();
    EXPECT_EQ(m.at("results_dropped"), 0);
    EXPECT_GE(m.at("write_errors"), 1);

    const auto rows = rows_of(db, user->id, hosts);
    const double rounds = m.at("rounds");
    for (store::Id id : hosts) {
      const auto& mine = rows.at(id);
      std::string seen;
      for (const auto& [ts, row] : mine) seen += " " + std::to_string(ts);
      ASSERT_EQ(static_cast<double>(mine.size()), rounds) << "host " << id << ":" << seen;
      // No gap but the boundaries that overrun rounds skipped (and counted), should a busy machine make any.
      const auto boundaries = (mine.rbegin()->first - mine.begin()->first) / kInterval.count() + 1;
      EXPECT_EQ(static_cast<double>(boundaries), rounds + m.at("rounds_skipped")) << "a gap:" << seen;
      for (const auto& [ts, row] : mine) EXPECT_EQ(row.received, 5) << ts;
    }
    EXPECT_EQ(m.at("results_written"), rounds * static_cast<double>(hosts.size()));  // each row once
  }

  TempDir dir_;
};

TEST_F(ServiceTest, ThousandSimulatedHostsEveryRound) {
  // Host i: silent when i % 50 == 7, 40% loss when i % 50 == 13, else answers after 0.3 + (i % 40) * 0.25 ms.
  constexpr std::size_t kHosts = 1000;
  std::vector<simnet::HostEntry> table;
  auto delay_of = [](std::size_t i) { return 0.3 + static_cast<double>(i % 40) * 0.25; };
  for (std::size_t i = 0; i <= kHosts; ++i) {  // the last one is added to the database mid-run
    Behaviour b{delay_of(i), 0, Mode::normal};
    if (i % 50 == 7) b.mode = Mode::silent;
    if (i % 50 == 13) b.loss = 0.4;
    table.push_back({simnet::v4_host(static_cast<std::uint32_t>(i)), b});
  }
  auto network = start_simnet(table, /*record_delays=*/true);
  ASSERT_TRUE(network);
  TempDir db_dir;
  auto db = open_migrated("sqlite:" + db_dir.file("monitor.db"));
  ASSERT_TRUE(db);
  const auto user = db->create_user("a@example.com", "x", true);
  ASSERT_TRUE(user);
  auto hosts = add_hosts(*db, user->id, 0, kHosts);

  // The service's threads (the pinger's among them) start realtime (simnet::RealtimeScope): what is under
  // test is the service's accounting and the engine's timing method, not how a CPU hog beside it preempts its
  // send calls (p99 0.56 ms with stress-ng on the same single core, when it runs as a normal thread).
  std::optional<simnet::RealtimeScope> realtime(std::in_place);
  auto service = monitor::ProbeService::create(*db, options());
  ASSERT_TRUE(service) << service.error().message;
  (*service)->start();
  realtime.reset();
  auto rounds = [&] { return (*service)->metrics().at("rounds"); };
  // The deadlines only bound how long a broken service is waited for: rounds take 2 s each.
  ASSERT_TRUE(eventually([&] { return rounds() >= 2; }, 60s));
  // Mid-run: host 0 deleted, host 1000 added.
  ASSERT_TRUE(db->delete_host(user->id, hosts[0]));
  const EpochMs changed_at = now_epoch_ms();
  const auto added = add_hosts(*db, user->id, kHosts, kHosts + 1);
  ASSERT_TRUE(eventually([&] { return rounds() >= 5; }, 60s));
  (*service)->stop();
  const auto m = (*service)->metrics();
  EXPECT_EQ(m.at("results_dropped"), 0);
  EXPECT_EQ(m.at("results_spooled"), 0);

  hosts.push_back(added[0]);
  const auto rows = rows_of(*db, user->id, hosts);
  std::set<EpochMs> round_ts;
  for (const auto& [ts, row] : rows.at(hosts[1])) round_ts.insert(ts);
  EXPECT_EQ(static_cast<double>(round_ts.size()), m.at("rounds"));
  // Rounds start on interval boundaries, one after another; a round that overran (a machine too busy to
  // finish in time) skips the boundaries it missed, and says how many: every boundary is accounted for.
  for (EpochMs ts : round_ts) EXPECT_EQ(ts % kInterval.count(), 0) << ts;
  const auto boundaries = (*round_ts.rbegin() - *round_ts.begin()) / kInterval.count() + 1;  // whole rounds
  EXPECT_EQ(static_cast<double>(boundaries), m.at("rounds") + m.at("rounds_skipped"));
  EXPECT_TRUE(rows.find(hosts[0]) == rows.end() || rows.at(hosts[0]).rbegin()->first <= changed_at)
      << "the deleted host got a row after its deletion";
  for (EpochMs ts : round_ts) {
    if (ts > changed_at) {
      EXPECT_EQ(rows.at(added[0]).count(ts), 1u) << "the added host missed round " << ts;
    }
  }

  // The truth for a row's RTT figures is what the simulator really did in that round: the delays its
  // replies got, which on a busy machine include its own lateness (not the engine's error). Host i's
  // replies come in order, five a round (rows by ts: round k holds replies 5k .. 5k+4).
  // The engine's own error is small but not zero: a send call preempted mid-batch leaves some send times
  // estimated, off by up to half the pause. So the figures are held to the engine's accuracy goal as a
  // distribution (p99), over every row's min, median and max.
  int checked = 0;
  std::vector<double> errors;
  for (std::size_t i = 1; i < kHosts; ++i) {
    const auto& mine = rows.at(hosts[i]);
    ASSERT_EQ(mine.size(), round_ts.size()) << "host " << i << " missed a round";
    const std::vector<double> applied = network->applied_delays_ms(i);
    std::size_t round = 0;
    for (const auto& [ts, row] : mine) {
      ASSERT_EQ(row.sent, 5);
      if (i % 50 == 7) {
        EXPECT_EQ(row.received, 0);
        EXPECT_EQ(row.error, "timeout");
        EXPECT_FALSE(row.median_ms.has_value());
      } else if (i % 50 == 13) {
        EXPECT_EQ(row.received, 3) << "host " << i;  // exactly 2 of each 5 dropped
      } else {
        EXPECT_EQ(row.received, 5) << "host " << i;
        ASSERT_TRUE(row.median_ms.has_value());
        ASSERT_GE(applied.size(), 5 * (round + 1)) << "host " << i;
        std::vector<double> truth(applied.begin() + static_cast<long>(5 * round),
                                  applied.begin() + static_cast<long>(5 * round + 5));
        std::sort(truth.begin(), truth.end());
        EXPECT_GE(truth.front(), delay_of(i) - 1e-6) << "the simulator answered early";  // (ns rounding)
        errors.push_back(std::fabs(*row.min_ms - truth.front()));
        errors.push_back(std::fabs(*row.median_ms - truth[2]));
        errors.push_back(std::fabs(*row.max_ms - truth.back()));
        ++checked;
      }
      ++round;
    }
  }
  ASSERT_FALSE(errors.empty());
  std::sort(errors.begin(), errors.end());
  const double p99 = errors[errors.size() * 99 / 100];
  std::printf(
      "RTT figures against the simulator's truth, %zu figures: p50 %.3f ms, p99 %.3f ms, max %.3f ms\n",
      errors.size(), errors[errors.size() / 2], p99, errors.back());
  EXPECT_LE(p99, 0.3);
  EXPECT_GT(checked, 3000);
}

// Probe methods (issue 15) with the real engines: each round an icmp host gets an icmp row, a tcp host a tcp
// row (a closed port: every probe answered by a RST, refused), a both host one of each. A both host whose
// ICMP is dropped by a firewall but whose port is open gets an icmp row with everything lost and a tcp row
// answered.
// The heartbeat (issue 16, monitor/heartbeat.h): the service records itself in location 1's row at its start
// and after each round — last seen, its version, its interval and every round, on time or late.
TEST_F(ServiceTest, TheServiceRecordsItsHeartbeatInItsLocationEachRound) {
  auto network = start_simnet(answering_hosts(3));
  ASSERT_TRUE(network);
  TempDir db_dir;
  auto db = open_migrated("sqlite:" + db_dir.file("heartbeat.db"));
  ASSERT_TRUE(db);
  const auto user = db->create_user("h@example.com", "x", true);
  ASSERT_TRUE(user);
  add_hosts(*db, user->id, 0, 3);
  ASSERT_FALSE(db->find_location_by_id(1)->last_seen_at.has_value());

  const EpochMs started = now_epoch_ms();
  auto service = monitor::ProbeService::create(*db, options(), nullptr, nullptr, db.get());
  ASSERT_TRUE(service) << service.error().message;
  (*service)->start();
  auto local = [&] { return db->find_location_by_id(1).value(); };
  // Seen from the start, before a round has ended.
  ASSERT_TRUE(eventually([&] { return local().last_seen_at.has_value(); }, 10s));
  EXPECT_EQ(local().rounds_on_time + local().rounds_late, 0);
  // After rounds: each counted, written while the service runs (not only at stop).
  ASSERT_TRUE(eventually([&] { return local().rounds_on_time + local().rounds_late >= 2; }, 60s));
  const store::Location running = local();
  EXPECT_GE(*running.last_seen_at, started);
  EXPECT_LE(*running.last_seen_at, now_epoch_ms());
  EXPECT_EQ(running.version, kVersion);
  EXPECT_EQ(running.interval_ms, kInterval.count());
  EXPECT_EQ(running.spool_backlog, 0);
  (*service)->stop();

  const auto m = (*service)->metrics();
  const store::Location stopped = local();
  // Every round the service ran is in the row, once: late ones are the rounds that overran.
  EXPECT_EQ(static_cast<double>(stopped.rounds_on_time + stopped.rounds_late), m.at("rounds"));
  EXPECT_EQ(static_cast<double>(stopped.rounds_late), m.at("round_overruns"));
  EXPECT_GE(*stopped.last_seen_at, *running.last_seen_at);
}

// A heartbeat that cannot be written (here: its location is gone) is logged and never stops a round.
TEST_F(ServiceTest, AFailedHeartbeatNeverStopsTheRounds) {
  auto network = start_simnet(answering_hosts(1));
  ASSERT_TRUE(network);
  TempDir db_dir;
  auto db = open_migrated("sqlite:" + db_dir.file("no-location.db"));
  ASSERT_TRUE(db);
  const auto user = db->create_user("h@example.com", "x", true);
  ASSERT_TRUE(user);
  const auto hosts = add_hosts(*db, user->id, 0, 1);
  auto o = options();
  o.location_id = 999;  // no such row
  auto service = monitor::ProbeService::create(*db, o, nullptr, nullptr, db.get());
  ASSERT_TRUE(service) << service.error().message;
  (*service)->start();
  ASSERT_TRUE(eventually([&] { return (*service)->metrics().at("rounds") >= 2; }, 60s));
  (*service)->stop();
  // Its rows are keyed by that location too (issue 16), so they cannot be stored either: the writer keeps
  // them (spooled at the stop, for a replay once the location exists), drops none, and writes none elsewhere.
  const auto metrics = (*service)->metrics();
  EXPECT_GE(metrics.at("results_spooled"), 2);
  EXPECT_EQ(metrics.at("results_dropped"), 0);
  EXPECT_TRUE(rows_of(*db, user->id, hosts)[hosts[0]].empty());
  EXPECT_FALSE(db->find_location_by_id(1)->last_seen_at.has_value());  // nothing written elsewhere
}

TEST_F(ServiceTest, EachHostIsProbedByItsMethodAndGetsARowPerKind) {
  simnet::TcpPorts open_443, closed_22;
  open_443.open = {443};
  closed_22.closed = {22};
  const std::vector<simnet::HostEntry> table = {
      {simnet::v4_host(0), Behaviour{0.5, 0, Mode::icmp_dropped, 0, open_443}},
      {simnet::v4_host(1), Behaviour{0.5, 0, Mode::normal, 0, closed_22}},
      {simnet::v4_host(2), Behaviour{0.5, 0, Mode::normal}},
      {simnet::v4_host(3), Behaviour{0.5, 0, Mode::icmp_dropped}},  // and every port filtered
  };
  auto network = start_simnet(table);
  ASSERT_TRUE(network);
  TempDir db_dir;
  auto db = open_migrated("sqlite:" + db_dir.file("methods.db"));
  ASSERT_TRUE(db);
  const auto user = db->create_user("m@example.com", "x", true);
  ASSERT_TRUE(user);
  const ProbeSpec specs[] = {{ProbeMethod::both, 443}, {ProbeMethod::tcp, 22}, {}, {ProbeMethod::both, 8080}};
  std::vector<store::Id> hosts;
  for (std::uint32_t i = 0; i < 4; ++i) {
    store::Host host;
    host.user_id = user->id;
    host.hostname = simnet::v4_host(i).to_string();
    host.probe = specs[i];
    auto added = db->add_host(host);
    ASSERT_TRUE(added) << added.error().message;
    hosts.push_back(added->id);
  }

  auto service = monitor::ProbeService::create(*db, options());
  ASSERT_TRUE(service) << service.error().message;
  (*service)->start();
  ASSERT_TRUE(eventually([&] { return (*service)->metrics().at("rounds") >= 2; }, 60s));
  (*service)->stop();
  const auto m = (*service)->metrics();
  const double rounds = m.at("rounds");
  EXPECT_EQ(m.at("results_written"), rounds * 6);  // 2 + 1 + 1 + 2 rows a round
  EXPECT_EQ(m.at("tcp_probes_sent"), rounds * 3 * 5);
  EXPECT_EQ(m.at("tcp_probes_refused"), rounds * 5);
  EXPECT_EQ(m.at("tcp_probes_received"), rounds * 10);
  EXPECT_EQ(m.at("tcp_hosts"), 3);

  auto rows_by_kind = [&](store::Id host) {
    std::map<ProbeKind, std::vector<store::PingResult>> out;
    const auto rows = db->results_between(user->id, host, store::kLocalLocationId, 0, now_epoch_ms() + 60000);
    EXPECT_TRUE(rows);
    if (rows) {
      for (const auto& row : *rows) out[row.method].push_back(row);
    }
    return out;
  };
  const auto filtered = rows_by_kind(hosts[0]);
  ASSERT_EQ(filtered.at(ProbeKind::icmp).size(), rounds);
  ASSERT_EQ(filtered.at(ProbeKind::tcp).size(), rounds);
  for (const auto& row : filtered.at(ProbeKind::icmp)) {
    EXPECT_EQ(row.sent, 5);
    EXPECT_EQ(row.received, 0);
    EXPECT_EQ(row.error, "timeout");
  }
  for (const auto& row : filtered.at(ProbeKind::tcp)) {
    EXPECT_EQ(row.received, 5);
    EXPECT_EQ(row.refused, 0);
    ASSERT_TRUE(row.median_ms);
    EXPECT_GT(*row.median_ms, 0.4);
  }
  const auto closed = rows_by_kind(hosts[1]);
  EXPECT_EQ(closed.count(ProbeKind::icmp), 0u);
  ASSERT_EQ(closed.at(ProbeKind::tcp).size(), rounds);
  for (const auto& row : closed.at(ProbeKind::tcp)) {
    EXPECT_EQ(row.received, 5);
    EXPECT_EQ(row.refused, 5);  // the host is up, the port closed
    EXPECT_TRUE(row.error.empty());
  }
  const auto plain = rows_by_kind(hosts[2]);
  EXPECT_EQ(plain.count(ProbeKind::tcp), 0u);
  ASSERT_EQ(plain.at(ProbeKind::icmp).size(), rounds);
  EXPECT_EQ(plain.at(ProbeKind::icmp)[0].received, 5);
  const auto dark = rows_by_kind(hosts[3]);
  ASSERT_EQ(dark.at(ProbeKind::tcp).size(), rounds);
  EXPECT_EQ(dark.at(ProbeKind::tcp)[0].received, 0);
  EXPECT_EQ(dark.at(ProbeKind::icmp)[0].received, 0);
}

// The alerts as the service's writer produces them (issue 14): a host pointed at a silent address is down
// once after N = 3 rounds, with the figures of the round that made it so, and up once after M = 2 rounds
// when pointed back at an answering one; a host losing 40% of its probes is degraded. Each event that is to
// be sent reaches a webhook receiver on loopback exactly once, signed, through the real dispatcher and
// CurlSender.
TEST_F(ServiceTest, AHostThatGoesSilentIsDownOnceAndUpOnceWhenItAnswersAgain) {
  const std::vector<simnet::HostEntry> table = {
      {simnet::v4_host(0), Behaviour{0.5, 0, Mode::normal}},
      {simnet::v4_host(1), Behaviour{0.5, 0, Mode::silent}},
      {simnet::v4_host(2), Behaviour{0.5, 0.4, Mode::normal}},
  };
  auto network = start_simnet(table);
  ASSERT_TRUE(network);
  TempDir db_dir;
  auto db = open_migrated("sqlite:" + db_dir.file("alerts.db"));
  ASSERT_TRUE(db);
  const auto user = db->create_user("a@example.com", "x", true);
  ASSERT_TRUE(user);
  const auto hosts = add_hosts(*db, user->id, 0, 3);
  const store::Id answering = hosts[0], lossy = hosts[2];
  ASSERT_TRUE(db->delete_host(user->id, hosts[1]));  // the silent address is only where `answering` moves

  auto events_of = [&](store::Id host) {
    std::vector<std::string> out;
    auto events = db->host_events(user->id, host, 0, now_epoch_ms() + 60000, 100);
    EXPECT_TRUE(events) << events.error().message;
    if (!events) return out;
    for (const auto& e : *events) {
      out.push_back(e.from_state + ">" + e.to_state + " " + e.trigger +
                    (e.quiet == "no" ? "" : " " + e.quiet));
    }
    return out;
  };
  auto point_at = [&](std::uint32_t address) {
    auto host = db->find_host(user->id, answering);
    ASSERT_TRUE(host);
    host->hostname = simnet::v4_host(address).to_string();
    ASSERT_TRUE(db->update_host(*host));
  };

  HttpReceiver receiver;
  store::ChannelRecord channel;
  channel.user_id = user->id;
  channel.name = "ops";
  channel.kind = "webhook";
  channel.url = receiver.url("/semaphore");
  channel.secret = "a-webhook-secret";
  const auto added_channel = db->add_channel(channel, 20);
  ASSERT_TRUE(added_channel) << added_channel.error().message;
  alerts::CurlSenderOptions send_options;
  send_options.policy = TargetPolicy::allow_private;  // the receiver is on loopback
  alerts::CurlSender sender(send_options);
  alerts::DispatcherOptions dispatch;
  dispatch.poll = 200ms;
  dispatch.public_url = "http://semaphore.test";
  alerts::Dispatcher dispatcher(*db, sender, dispatch, "service-test");
  dispatcher.start();

  alerts::StoreRoundEvaluator evaluator;
  auto service = monitor::ProbeService::create(*db, options(), &evaluator);
  ASSERT_TRUE(service) << service.error().message;
  (*service)->start();
  auto rounds = [&] { return (*service)->metrics().at("rounds"); };
  // The deadlines only bound how long a broken service is waited for: rounds take 2 s each.
  ASSERT_TRUE(eventually([&] { return events_of(answering).size() == 1; }, 60s));
  point_at(1);
  ASSERT_TRUE(eventually([&] { return events_of(answering).size() == 2; }, 60s));
  const double down_seen = rounds();
  ASSERT_TRUE(eventually([&] { return rounds() >= down_seen + 2; }, 60s));  // still silent: no second event
  EXPECT_EQ(events_of(answering).size(), 2u);
  point_at(0);
  ASSERT_TRUE(eventually([&] { return events_of(answering).size() == 3; }, 60s));
  const double up_seen = rounds();
  ASSERT_TRUE(eventually([&] { return rounds() >= up_seen + 2; }, 60s));
  (*service)->stop();
  // Three events are to be sent (the first round's "up" is quiet): degraded, down, up.
  EXPECT_TRUE(receiver.wait_for(3, 30s));
  std::this_thread::sleep_for(2 * dispatch.poll);  // a fourth (a duplicate) would arrive within a poll
  dispatcher.stop();

  EXPECT_EQ(events_of(answering), (std::vector<std::string>{"unknown>up recovered first_round",
                                                            "up>down all_lost", "down>up recovered"}));
  EXPECT_EQ(events_of(lossy), (std::vector<std::string>{"unknown>degraded loss"}));
  const auto events = db->host_events(user->id, answering, 0, now_epoch_ms() + 60000, 100);
  ASSERT_TRUE(events && events->size() == 3);
  const auto& down = (*events)[1];
  EXPECT_EQ(down.sent, 5);
  EXPECT_EQ(down.received, 0);
  EXPECT_FALSE(down.median_ms.has_value());
  EXPECT_EQ(down.reason, "every probe lost for 3 rounds");
  // The down event is the third silent round's: that round's row is stored, and the two before it lost too.
  const auto rows = db->results_between(user->id, answering, store::kLocalLocationId,
                                        down.at - 2 * kInterval.count(), down.at + 1);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 3u);
  for (const auto& row : *rows) EXPECT_EQ(row.received, 0) << row.ts;
  const auto state = db->host_alert_state(user->id, answering, store::kLocalLocationId);
  ASSERT_TRUE(state && state->has_value());
  EXPECT_EQ((*state)->shown, "up");

  // The webhook: one signed POST per sent event, the answering host's in order, each with its event's id.
  const auto posts = receiver.received();
  ASSERT_EQ(posts.size(), 3u);
  std::map<std::int64_t, std::vector<std::string>> states_by_host;
  std::set<std::string> event_ids;  // a string: test notifications carry "test-..."
  for (const auto& post : posts) {
    EXPECT_EQ(post.method, "POST");
    EXPECT_EQ(post.target, "/semaphore");
    EXPECT_TRUE(webhook_signature_valid("a-webhook-secret", post.headers.at("x-semaphore-timestamp"),
                                        post.body, post.headers.at("x-semaphore-signature")))
        << post.body;
    const auto body = boost::json::parse(post.body).as_object();
    const std::int64_t host_id = body.at("host").as_object().at("id").to_number<std::int64_t>();
    states_by_host[host_id].push_back(std::string(body.at("state").as_string()));
    event_ids.insert(std::string(body.at("event_id").as_string()));
    EXPECT_EQ(std::string(body.at("report_url").as_string()),
              "http://semaphore.test/report/" + std::to_string(host_id));
  }
  EXPECT_EQ(states_by_host[answering], (std::vector<std::string>{"down", "up"}));
  EXPECT_EQ(states_by_host[lossy], (std::vector<std::string>{"degraded"}));
  EXPECT_EQ(event_ids.size(), 3u);
  EXPECT_TRUE(event_ids.count(std::to_string(down.id)));
}

TEST_F(ServiceTest, PostgresqlOutageLosesNothing) {
  PostgresServer server;
  auto db = open_migrated(server.create_database("outage"));
  ASSERT_TRUE(db);
  outage_test(
      *db, [&] { server.stop(); }, [&] { server.start(); });
}

TEST_F(ServiceTest, UnwritableSqliteFileLosesNothing) {
  TempDir db_dir;
  const std::string path = db_dir.file("monitor.db");
  auto db = open_migrated("sqlite:" + path);
  ASSERT_TRUE(db);
  // Root writes through file modes, so "unwritable" is the immutable attribute on the database and its WAL
  // (not on the shared-memory index, which SQLite maps: writes there would fault).
  auto chattr = [&](const char* flag) {
    for (const std::string& file : {path, path + "-wal"}) {
      const auto done = run_command({"chattr", flag, file});
      if (done.exit_code != 0) return done.err;
    }
    return std::string();
  };
  if (const auto failed = chattr("+i"); !failed.empty())
    GTEST_SKIP() << "chattr not possible here: " << failed;
  ASSERT_TRUE(chattr("-i").empty());
  outage_test(
      *db, [&] { ASSERT_TRUE(chattr("+i").empty()); }, [&] { ASSERT_TRUE(chattr("-i").empty()); });
  chattr("-i");
}

}  // namespace
}  // namespace semaphore::testing

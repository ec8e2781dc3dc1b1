// Alert delivery end to end with the real binary (issue 14): `semaphore run` pings simnet hosts, its writer
// records events and their outbox rows, its dispatcher sends them to a webhook receiver on loopback.
//  - A receiver that refuses connections for many rounds and then comes back receives every event, in
//    order, each once — also when the process was killed with SIGKILL while they waited: a `semaphore
//    serve` started afterwards on the same database sends them.
//  - Two probe workers and two dispatching `serve` processes on one PostgreSQL: each state change yields
//    one event and one delivery, never two.
#include <signal.h>

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "monitor_test_env.h"
#include "support/http_receiver.h"
#include "support/postgres_server.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace semaphore::testing {
namespace {

using namespace std::chrono_literals;

constexpr char kSecret[] = "delivery-test-secret";

struct Post {
  std::string event_id;
  std::int64_t host_id = 0;
  std::string state;
};

// The receiver's POSTs, each checked for its signature, in arrival order.
std::vector<Post> posts_of(const HttpReceiver& receiver) {
  std::vector<Post> out;
  for (const auto& request : receiver.received()) {
    EXPECT_EQ(request.method, "POST");
    EXPECT_TRUE(webhook_signature_valid(
        kSecret,
        request.headers.count("x-semaphore-timestamp") ? request.headers.at("x-semaphore-timestamp") : "",
        request.body,
        request.headers.count("x-semaphore-signature") ? request.headers.at("x-semaphore-signature") : ""))
        << request.body;
    const auto body = boost::json::parse(request.body).as_object();
    out.push_back({std::string(body.at("event_id").as_string()),
                   body.at("host").as_object().at("id").to_number<std::int64_t>(),
                   std::string(body.at("state").as_string())});
  }
  return out;
}

class AlertsDeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string reason = simnet_skip_reason(); !reason.empty()) GTEST_SKIP() << reason;
  }

  // Hosts 0..answering-1 answer; the next `silent` addresses are routed into the device and never answer.
  void start_network(std::uint32_t answering, std::uint32_t silent) {
    std::vector<simnet::HostEntry> table;
    for (std::uint32_t i = 0; i < answering + silent; ++i) {
      table.push_back(
          {simnet::v4_host(i), {1, 0, i < answering ? simnet::Mode::normal : simnet::Mode::silent}});
    }
    network_ = start_simnet(table);
    ASSERT_TRUE(network_);
  }

  void setup_user(std::uint32_t hosts) {
    auto user = db_->create_user("alerts@example.com", "x", true);
    ASSERT_TRUE(user);
    user_ = user->id;
    for (std::uint32_t i = 0; i < hosts; ++i) {
      store::Host host;
      host.user_id = user_;
      host.hostname = simnet::v4_host(i).to_string();
      auto added = db_->add_host(host);
      ASSERT_TRUE(added) << added.error().message;
      hosts_.push_back(added->id);
    }
    store::ChannelRecord channel;
    channel.user_id = user_;
    channel.name = "receiver";
    channel.kind = "webhook";
    channel.url = receiver_.url();
    channel.secret = kSecret;
    auto added = db_->add_channel(channel, 20);
    ASSERT_TRUE(added) << added.error().message;
    channel_ = added->id;
  }

  void point(store::Id host_id, std::uint32_t address) {
    auto host = db_->find_host(user_, host_id);
    ASSERT_TRUE(host);
    host->hostname = simnet::v4_host(address).to_string();
    ASSERT_TRUE(db_->update_host(*host));
  }

  // The host's events that are to be sent, oldest first, as "down" / "up" (with their ids).
  std::vector<store::AlertEventRecord> sent_events(store::Id host_id) {
    std::vector<store::AlertEventRecord> out;
    auto events = db_->host_events(user_, host_id, 0, now_epoch_ms() + 60'000, 1000);
    EXPECT_TRUE(events) << events.error().message;
    if (!events) return out;
    for (const auto& event : *events) {
      if (event.quiet == "no") out.push_back(event);
    }
    return out;
  }

  // `semaphore run` or `serve` on the test's database, retrying failed notifications quickly.
  std::vector<std::string> service_args(const std::string& command) {
    return {semaphore_binary(),
            command,
            "--db",
            url_,
            "--listen",
            "127.0.0.1:" + std::to_string(free_tcp_port()),
            "--signup",
            "closed",
            "--targets",
            "private",
            "--alert-retry-first",
            "300ms",
            "--alert-retry-max",
            "1s",
            "--public-url",
            "http://semaphore.test"};
  }

  TempDir dir_;
  HttpReceiver receiver_;
  std::unique_ptr<simnet::Network> network_;
  std::string url_;
  std::unique_ptr<store::Store> db_;
  store::Id user_ = 0, channel_ = 0;
  std::vector<store::Id> hosts_;
};

TEST_F(AlertsDeliveryTest, ARefusingReceiverAndAKilledProcessLoseNoEvent) {
  start_network(1, 1);
  url_ = "sqlite:" + dir_.file("alerts.db");
  db_ = open_migrated(url_);
  ASSERT_TRUE(db_);
  setup_user(1);
  const store::Id host = hosts_[0];
  receiver_.close();  // refused from the start

  auto args = service_args("run");
  for (const char* extra : {"--interval", "2s", "--spool-dir"}) args.push_back(extra);
  args.push_back(dir_.file("spool"));
  auto run = std::make_unique<ChildProcess>(args, dir_.file("run.log"));
  // down, up, down: three events to send while the receiver refuses every attempt. (The deadlines only
  // bound the wait for a broken service: a state change takes 3 rounds of 2 s.)
  for (const auto& step : {std::pair{1u, 1u}, std::pair{0u, 2u}, std::pair{1u, 3u}}) {
    point(host, step.first);
    const std::size_t count = step.second;  // events to send by then
    ASSERT_TRUE(eventually([&] { return sent_events(host).size() == count; }, 60s)) << run->log();
  }
  // The dispatcher has been trying: the channel shows the failure, and all three wait.
  ASSERT_TRUE(eventually(
      [&] {
        auto channel = db_->find_channel(user_, channel_);
        return channel && !channel->status.last_error.empty();
      },
      30s))
      << run->log();
  auto channel = db_->find_channel(user_, channel_);
  ASSERT_TRUE(channel);
  EXPECT_EQ(channel->status.pending, 3);
  EXPECT_TRUE(receiver_.received().empty());
  EXPECT_EQ(run->stop(SIGKILL), 128 + SIGKILL);

  // Back: the receiver listens again, and a process on the same database (here one that only serves, as a
  // replica would) sends what the killed one left.
  receiver_.reopen();
  ChildProcess serve(service_args("serve"), dir_.file("serve.log"));
  ASSERT_TRUE(receiver_.wait_for(3, 60s)) << serve.log();
  std::this_thread::sleep_for(2s);  // a duplicate would come within the dispatcher's poll
  EXPECT_EQ(serve.stop(SIGTERM), 0) << serve.log();

  const auto events = sent_events(host);
  ASSERT_EQ(events.size(), 3u);
  const auto posts = posts_of(receiver_);
  ASSERT_EQ(posts.size(), 3u);
  for (std::size_t i = 0; i < posts.size(); ++i) {
    EXPECT_EQ(posts[i].event_id, std::to_string(events[i].id));
    EXPECT_EQ(posts[i].state, events[i].to_state);
    EXPECT_EQ(posts[i].host_id, host);
  }
  EXPECT_EQ(posts[0].state, "down");
  EXPECT_EQ(posts[1].state, "up");
  EXPECT_EQ(posts[2].state, "down");
  channel = db_->find_channel(user_, channel_);
  ASSERT_TRUE(channel);
  EXPECT_EQ(channel->status.pending, 0);
  EXPECT_EQ(channel->status.last_error, "");
}

TEST_F(AlertsDeliveryTest, TwoWorkersAndTwoDispatchersOnPostgresqlSendEachEventOnce) {
  constexpr std::uint32_t kHosts = 12, kSilent = 4;
  start_network(kHosts, kSilent);
  PostgresServer server;
  url_ = server.create_database("alerts_delivery");
  db_ = open_migrated(url_);
  ASSERT_TRUE(db_);
  setup_user(kHosts);

  std::vector<std::unique_ptr<ChildProcess>> processes;
  for (const std::string name : {"w1", "w2"}) {
    processes.push_back(std::make_unique<ChildProcess>(
        std::vector<std::string>{semaphore_binary(), "probe", "--db", url_, "--interval", "2s", "--worker-id",
                                 name, "--spool-dir", dir_.file("spool-" + name), "--targets", "private"},
        dir_.file(name + ".log")));
  }
  for (const std::string name : {"d1", "d2"}) {
    processes.push_back(std::make_unique<ChildProcess>(service_args("serve"), dir_.file(name + ".log")));
  }
  auto logs = [&] {
    std::string text;
    for (auto& process : processes) text += process->log();
    return text;
  };
  // Every host's first round (quiet), then the first kSilent hosts go silent, then answer again.
  ASSERT_TRUE(eventually(
      [&] {
        for (store::Id host : hosts_) {
          auto state = db_->host_alert_state(user_, host, store::kLocalLocationId);
          if (!state || !state->has_value()) return false;
        }
        return true;
      },
      60s))
      << logs();
  for (std::uint32_t i = 0; i < kSilent; ++i) point(hosts_[i], kHosts + i);
  ASSERT_TRUE(receiver_.wait_for(kSilent, 60s)) << logs();
  for (std::uint32_t i = 0; i < kSilent; ++i) point(hosts_[i], i);
  ASSERT_TRUE(receiver_.wait_for(2 * kSilent, 60s)) << logs();
  std::this_thread::sleep_for(3s);  // a second delivery of anything would come within a poll or two
  for (auto& process : processes) EXPECT_EQ(process->stop(SIGTERM), 0) << process->log();

  const auto posts = posts_of(receiver_);
  EXPECT_EQ(posts.size(), 2 * kSilent);
  std::map<std::int64_t, std::vector<std::string>> states;
  std::set<std::string> ids;
  for (const auto& post : posts) {
    states[post.host_id].push_back(post.state);
    EXPECT_TRUE(ids.insert(post.event_id).second) << "event " << post.event_id << " delivered twice";
  }
  for (std::uint32_t i = 0; i < kHosts; ++i) {
    const auto events = sent_events(hosts_[i]);
    if (i < kSilent) {
      ASSERT_EQ(events.size(), 2u) << "host " << i;  // one down, one up: each change evaluated once
      EXPECT_EQ(events[0].to_state, "down");
      EXPECT_EQ(events[1].to_state, "up");
      EXPECT_EQ(states[hosts_[i]], (std::vector<std::string>{"down", "up"}));
    } else {
      EXPECT_TRUE(events.empty()) << "host " << i;
      EXPECT_EQ(states.count(hosts_[i]), 0u);
    }
  }
}

}  // namespace
}  // namespace semaphore::testing

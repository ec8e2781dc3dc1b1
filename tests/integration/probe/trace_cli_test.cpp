// `semaphore trace` as a user or a script runs it: the real binary against simnet's routers, its mtr-style
// report, its JSON and its exit codes.
#include <gtest/gtest.h>

#include <regex>

#include "probe_test_env.h"
#include "simnet/network.h"
#include "support/process.h"

namespace semaphore::testing {
namespace {

class TraceCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!private_netns_error().empty())
      GTEST_SKIP() << "no private network namespace: " << private_netns_error();
    if (const std::string reason = simnet::tun_unavailable_reason(); !reason.empty()) {
      GTEST_SKIP() << "no TUN device: " << reason;
    }
    std::vector<simnet::Hop> hops(3);
    for (std::uint32_t i = 0; i < 3; ++i) {
      hops[i].address = simnet::v4_router(300 + i);
      hops[i].delay_ms = 1;
    }
    hops[1].icmp_loss = 0.5;  // hop 2 answers every other probe
    auto network = simnet::Network::start(
        {}, {{reached_, {1, 0, simnet::Mode::normal}, 0}, {silent_, {1, 0, simnet::Mode::silent}, 0}},
        {hops});
    ASSERT_TRUE(network) << network.error().message;
    network_ = std::move(*network);
    ASSERT_TRUE(network_->check_route(reached_));
    ASSERT_TRUE(network_->check_route(silent_));
  }

  IpAddress reached_ = simnet::v4_host(300), silent_ = simnet::v4_host(301);
  std::unique_ptr<simnet::Network> network_;
};

TEST_F(TraceCli, MtrStyleReportPerHop) {
  const CommandResult r = run_command(
      {semaphore_binary(), "trace", "-c", "4", "-i", "20", "-t", "300", "-n", reached_.to_string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::string hop = "\\s+[0-9]+\\.[0-9]{2}";  // an RTT column
  const std::regex expected(
      "trace 10\\.250\\.1\\.45, 4 cycles, reached in 4 hops\n"
      " Hop  Address +Name +Loss% +Snt +Last +Avg +Best +Wrst +StDev\n"
      "   1  10\\.251\\.1\\.45 +- +0\\.0 +4(" +
      hop +
      "){5}\n"
      "   2  10\\.251\\.1\\.46 +- +50\\.0 +4(" +
      hop +
      "){5}\n"
      "   3  10\\.251\\.1\\.47 +- +0\\.0 +4(" +
      hop +
      "){5}\n"
      "   4  10\\.250\\.1\\.45 +- +0\\.0 +4(" +
      hop + "){5}\n\n");
  EXPECT_TRUE(std::regex_match(r.out, expected)) << r.out;
}

TEST_F(TraceCli, UnreachedHostExitsOneAndFoldsTheSilentHops) {
  const CommandResult r = run_command({semaphore_binary(), "trace", "-c", "2", "-i", "20", "-t", "200", "-n",
                                       "--max-hops", "8", silent_.to_string()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find("trace 10.250.1.46, 2 cycles, not reached\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("   3  10.251.1.47"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("   4  ???"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" ...  (hops 5-8: no answer)\n"), std::string::npos) << r.out;
}

TEST_F(TraceCli, JsonHasEveryHop) {
  const CommandResult r = run_command({semaphore_binary(), "trace", "--json", "-c", "2", "-i", "20", "-t",
                                       "300", "-n", reached_.to_string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"reached\":true"), std::string::npos) << r.out;
  for (const char* address : {"10.251.1.45", "10.251.1.46", "10.251.1.47"}) {
    EXPECT_NE(r.out.find(std::string("\"address\":\"") + address + "\""), std::string::npos) << r.out;
  }
  EXPECT_NE(r.out.find("\"destination\":true"), std::string::npos) << r.out;
}

TEST(TraceCliErrors, UsageAndUnresolvableExitTwo) {
  EXPECT_EQ(run_command({semaphore_binary(), "trace"}).exit_code, 2);
  EXPECT_EQ(run_command({semaphore_binary(), "trace", "--max-hops", "0", "127.0.0.1"}).exit_code, 2);
  const CommandResult r =
      run_command({semaphore_binary(), "trace", "-c", "1", "-t", "200", "nosuch.invalid"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("trace nosuch.invalid: unresolvable"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace semaphore::testing

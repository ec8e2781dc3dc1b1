// `semaphore ping` as a user or a script runs it: the real binary on loopback and on the simulated network,
// its output checked against fping 5.1's own (when fping is installed) and its exit codes.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "probe_test_env.h"
#include "simnet/network.h"
#include "support/process.h"

namespace semaphore::testing {
namespace {

// Digits stand for times that differ run to run: "0.042" and "1.30" both become "9.999"-like patterns.
std::string mask_times(const std::string& text) {
  return std::regex_replace(text, std::regex("[0-9]+\\.[0-9]+"), "T");
}

bool have_fping() {
  return run_command({"sh", "-c", "command -v fping"}).exit_code == 0;
}

TEST(PingCli, FpingModePrintsWhatFpingPrints) {
  if (!have_fping()) GTEST_SKIP() << "fping is not installed: nothing to compare with";
  const std::vector<std::string> args{"-C", "3", "-q", "-p", "20", "127.0.0.1", "::1", "nosuch.invalid"};
  std::vector<std::string> ours{semaphore_binary(), "ping"};
  ours.insert(ours.end(), args.begin(), args.end());
  std::vector<std::string> theirs{"fping"};
  theirs.insert(theirs.end(), args.begin(), args.end());
  const CommandResult a = run_command(ours), b = run_command(theirs);
  EXPECT_EQ(a.exit_code, 2);
  EXPECT_EQ(a.exit_code, b.exit_code);
  EXPECT_EQ(a.out, b.out);  // nothing on stdout with -q
  EXPECT_EQ(mask_times(a.err), mask_times(b.err)) << "ours:\n" << a.err << "fping:\n" << b.err;
  EXPECT_TRUE(std::regex_match(
      a.err, std::regex("127\\.0\\.0\\.1 : [0-9.]+ [0-9.]+ [0-9.]+\n::1       : [0-9.]+ [0-9.]+ [0-9.]+\n")))
      << a.err;
}

// Echo requests sent from this network namespace so far (Icmp OutEchos in /proc/net/snmp); -1 if unknown.
// The test binary runs in a namespace of its own, so these are exactly the ones its children sent.
long echo_requests_sent() {
  std::ifstream snmp("/proc/net/snmp");
  std::string header, values;
  while (std::getline(snmp, header) && std::getline(snmp, values)) {  // a line of names, a line of numbers
    if (header.rfind("Icmp:", 0) != 0) continue;
    std::istringstream names(header), numbers(values);
    std::string name, number;
    while (names >> name && numbers >> number) {
      if (name == "OutEchos") return std::stol(number);
    }
  }
  return -1;
}

TEST(PingCli, InterruptEndsTheRunEarlyAndStillPrintsTheResults) {
  if (!private_netns_error().empty()) {
    GTEST_SKIP() << "counts its echo requests in a private network namespace: " << private_netns_error();
  }
  const long before = echo_requests_sent();
  ASSERT_GE(before, 0) << "no Icmp OutEchos in /proc/net/snmp";
  const std::string log = "/tmp/semaphore-ping-interrupt-" + std::to_string(::getpid()) + ".log";
  ChildProcess ping({semaphore_binary(), "ping", "-c", "100", "-i", "200", "127.0.0.1"}, log);
  // Interrupt once a few probes are out (on a busy machine the start alone can take a while).
  for (int waited_ms = 0; echo_requests_sent() - before < 3 && waited_ms < 60'000; waited_ms += 20) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_GE(echo_requests_sent() - before, 3) << "no probes went out within a minute";
  // 100 probes 200 ms apart would take 20 s: exiting within 10 s of the interrupt is ending early.
  EXPECT_EQ(ping.stop(SIGINT, std::chrono::seconds(10)), 0);
  const long sent = echo_requests_sent() - before;
  const std::string out = ping.log();
  std::smatch counts;
  ASSERT_TRUE(std::regex_search(out, counts, std::regex("127\\.0\\.0\\.1 : ([0-9]+)/([0-9]+) received")))
      << out;
  // The summary accounts for every probe that left, and only those; loopback answers each at once, though
  // the reply to the very last one may still be in flight when the run stops.
  EXPECT_EQ(std::stol(counts[2]), sent) << out;
  EXPECT_LT(sent, 100);
  EXPECT_GE(std::stol(counts[1]), sent - 1) << out;
  EXPECT_LE(std::stol(counts[1]), sent) << out;
  ::unlink(log.c_str());
}

TEST(PingCli, FpingExitCodes) {
  EXPECT_EQ(run_command({semaphore_binary(), "ping", "-C", "1", "-q", "127.0.0.1"}).exit_code, 0);
  EXPECT_EQ(
      run_command({semaphore_binary(), "ping", "-C", "1", "-q", "nosuch.invalid", "127.0.0.1"}).exit_code, 2);
  EXPECT_EQ(run_command({semaphore_binary(), "ping", "-C", "1", "-q", "-4", "::1"}).exit_code, 2);
}

TEST(PingCli, UnansweredHostsPrintDashesAndExitOne) {
  if (!private_netns_error().empty())
    GTEST_SKIP() << "no private network namespace: " << private_netns_error();
  if (const std::string reason = simnet::tun_unavailable_reason(); !reason.empty()) GTEST_SKIP() << reason;
  const IpAddress silent = simnet::v4_host(0), answering = simnet::v6_host(0);
  auto network = simnet::Network::start(
      {}, {{silent, {1, 0, simnet::Mode::silent}}, {answering, {2, 0, simnet::Mode::normal}}});
  ASSERT_TRUE(network) << network.error().message;
  ASSERT_TRUE((*network)->check_route(silent));
  ASSERT_TRUE((*network)->check_route(answering));
  const CommandResult r = run_command({semaphore_binary(), "ping", "-C", "2", "-q", "-p", "20", "-t", "100",
                                       silent.to_string(), answering.to_string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(std::regex_match(
      r.err,
      std::regex("10\\.250\\.0\\.1   : - -\nfd00:5e4a::1 : (1\\.99|2\\.[0-9]{2}) (1\\.99|2\\.[0-9]{2})\n")))
      << r.err;
}

TEST(PingCli, TargetsFromStdinSkipCommentsAndBlankLines) {
  const CommandResult r = run_command({semaphore_binary(), "ping", "-C", "1", "-q", "-f", "-"},
                                      "# loopback\n\n127.0.0.1 first word only\n  ::1\n");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(std::regex_match(r.err, std::regex("127\\.0\\.0\\.1 : [0-9.]+\n::1       : [0-9.]+\n")))
      << r.err;
}

TEST(PingCli, TargetsFromCrlfLinesWithoutAFinalNewline) {
  const CommandResult r =
      run_command({semaphore_binary(), "ping", "-C", "1", "-q", "-f", "-"}, "127.0.0.1\r\n\t::1\t# v6");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(std::regex_match(r.err, std::regex("127\\.0\\.0\\.1 : [0-9.]+\n::1       : [0-9.]+\n")))
      << r.err;
}

TEST(PingCli, UnreadableTargetFileIsAnError) {
  const CommandResult r = run_command({semaphore_binary(), "ping", "-C", "1", "-q", "-f", "/"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("cannot read /"), std::string::npos) << r.err;
}

TEST(PingCli, ARunTooLargeToHoldIsAnErrorNotEmptyLines) {
  // 3 hosts x (2^31 - 1) probes: more than one run can number. It used to print three empty lines, exit 0.
  CommandResult r =
      run_command({semaphore_binary(), "ping", "-c", "2147483647", "127.0.0.1", "127.0.0.2", "127.0.0.3"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("3 hosts x 2147483647 probes is more than one run can hold"), std::string::npos)
      << r.err;
  r = run_command(
      {semaphore_binary(), "ping", "-C", "2147483647", "-q", "127.0.0.1", "127.0.0.2", "127.0.0.3"});
  EXPECT_EQ(r.exit_code, 3);  // fping's code for a bad argument
}

TEST(PingCli, NativeOutputAndJson) {
  CommandResult r =
      run_command({semaphore_binary(), "ping", "-c", "2", "-i", "20", "127.0.0.1", "nosuch.invalid"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("127.0.0.1 : 2/2 received, 0% loss, rtt min/avg/max/median/stddev = "),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("nosuch.invalid : unresolvable"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2 hosts: 1 reachable, 0 unreachable, 1 unresolvable; 2 probes sent, 2 received"),
            std::string::npos)
      << r.out;
  r = run_command({semaphore_binary(), "ping", "--json", "-c", "2", "-i", "20", "::1"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("\"host\":\"::1\",\"address\":\"::1\",\"error\":null"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"sent\":2,\"received\":2"), std::string::npos) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("\"rtts_ms\":\\[[0-9]+\\.[0-9]{6},[0-9]+\\.[0-9]{6}\\]")))
      << r.out;  // printf's %.6f
  // Two probes, each stamped by the kernel when it left: no send time was an estimate.
  EXPECT_NE(r.out.find("\"estimated_send_times\":0,"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"unverified_errors\":0}"), std::string::npos) << r.out;
}

TEST(PingCli, MissingPrivilegeNamesTheFix) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to drop to an unprivileged user";
  if (run_command({"sh", "-c", "command -v setpriv"}).exit_code != 0) GTEST_SKIP() << "no setpriv";
  // Our namespace allows ping sockets for every group; an unprivileged user is refused both in a fresh one.
  const CommandResult r =
      run_command({"unshare", "-n", "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                   semaphore_binary(), "ping", "-C", "1", "-q", "127.0.0.1"});
  if (r.exit_code == 127) GTEST_SKIP() << "cannot run the binary as nobody: " << r.err;
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("setcap cap_net_raw+ep"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("net.ipv4.ping_group_range"), std::string::npos) << r.err;
}

// A TCP socket on 127.0.0.1 and ::1 (dual-stack) at a port the kernel picks; listening when asked.
class DualStackPort {
 public:
  explicit DualStackPort(bool listening) {
    fd_ = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int off = 0;
    ::setsockopt(fd_, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    sockaddr_in6 address{};
    address.sin6_family = AF_INET6;
    address.sin6_addr = in6addr_any;  // only loopback exists in the test's network namespace
    socklen_t length = sizeof address;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), length) != 0) return;
    if (listening) ::listen(fd_, 64);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = std::to_string(ntohs(address.sin6_port));
  }
  ~DualStackPort() { ::close(fd_); }
  DualStackPort(const DualStackPort&) = delete;
  DualStackPort& operator=(const DualStackPort&) = delete;
  const std::string& port() const { return port_; }

 private:
  int fd_ = -1;
  std::string port_;
};

TEST(PingCli, TcpModeTimesConnectionsAndShowsRefusedPorts) {
  if (!private_netns_error().empty()) {
    GTEST_SKIP() << "listens on every address in a private network namespace: " << private_netns_error();
  }
  const DualStackPort open(true), closed(false);
  ASSERT_FALSE(open.port().empty());
  CommandResult r = run_command(
      {semaphore_binary(), "ping", "--tcp", open.port(), "-c", "3", "-i", "20", "127.0.0.1", "::1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* host : {"127.0.0.1", "::1"}) {
    EXPECT_TRUE(std::regex_search(
        r.out, std::regex(std::string("(^|\n)") + (host[0] == ':' ? "::1" : "127\\.0\\.0\\.1") +
                          " : 3/3 received, 0% loss, rtt min/avg/max/median/stddev = [0-9./]+ ms\n")))
        << r.out;  // no "refused": the port is open
  }
  EXPECT_NE(r.out.find("2 hosts: 2 reachable, 0 unreachable, 0 unresolvable; 6 probes sent, 6 received"),
            std::string::npos)
      << r.out;

  // A closed port: every probe is answered with a RST: refused, and the host counts as reachable.
  r = run_command(
      {semaphore_binary(), "ping", "--tcp", closed.port(), "-c", "2", "-i", "20", "--rtts", "127.0.0.1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::regex_search(
      r.out,
      std::regex(
          "127\\.0\\.0\\.1 : 2/2 received, 0% loss, rtt [^\n]* ms, 2 refused \\[[0-9.]+r [0-9.]+r\\]\n")))
      << r.out;

  r = run_command(
      {semaphore_binary(), "ping", "--tcp", closed.port(), "--json", "-c", "2", "-i", "20", "::1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"sent\":2,\"received\":2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"refused\":2,\"refused_probes\":[true,true]}"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"refused\":2,\"user_space_rtts\":2,\"open_sockets_peak\":1}"), std::string::npos)
      << r.out;

  // fping's output has no room for it; a port out of range is a usage error.
  EXPECT_EQ(run_command({semaphore_binary(), "ping", "--tcp", "22", "-C", "1", "127.0.0.1"}).exit_code, 3);
  EXPECT_EQ(run_command({semaphore_binary(), "ping", "--tcp", "0", "127.0.0.1"}).exit_code, 2);
  EXPECT_EQ(run_command({semaphore_binary(), "ping", "--tcp", "65536", "127.0.0.1"}).exit_code, 2);
}

}  // namespace
}  // namespace semaphore::testing

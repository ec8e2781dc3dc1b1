// The TCP connect engine (probe/tcp_engine.h) on loopback: an open port (a listener the test opens) answers
// with an RTT, a closed port answers with a RST (refused, the host up), and no socket is left behind.
#include <arpa/inet.h>
#include <dirent.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "probe/pinger.h"
#include "probe_test_env.h"

namespace semaphore::probe {
namespace {

using namespace std::chrono_literals;

// Descriptors this process holds now.
int open_descriptors() {
  int n = 0;
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') ++n;
  }
  ::closedir(dir);
  return n - 1;  // the directory's own descriptor
}

// A TCP socket of `family` bound to loopback on a port the kernel picks; listening when `listen` is set.
// Closed by the destructor.
class LoopbackPort {
 public:
  LoopbackPort(int family, bool listening) {
    fd_ = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_storage address{};
    socklen_t length = 0;
    if (family == AF_INET) {
      auto* in = reinterpret_cast<sockaddr_in*>(&address);
      in->sin_family = AF_INET;
      in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      length = sizeof *in;
    } else {
      auto* in6 = reinterpret_cast<sockaddr_in6*>(&address);
      in6->sin6_family = AF_INET6;
      in6->sin6_addr = in6addr_loopback;
      length = sizeof *in6;
    }
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), length) != 0) return;
    if (listening) ::listen(fd_, 4096);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(reinterpret_cast<sockaddr_in*>(&address)->sin_port);  // same offset for sin6_port
  }
  ~LoopbackPort() { ::close(fd_); }
  LoopbackPort(const LoopbackPort&) = delete;
  LoopbackPort& operator=(const LoopbackPort&) = delete;
  std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

// Sockets in TIME_WAIT in this network namespace (ss's summary); -1 if unknown.
long time_wait_sockets() {
  long total = 0;
  for (const char* file : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(file);
    if (!in) return -1;
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      // "  sl  local_address rem_address   st ...": st 06 is TIME_WAIT.
      std::istringstream fields(line);
      std::string sl, local, remote, state;
      fields >> sl >> local >> remote >> state;
      if (state == "06") ++total;
    }
  }
  return total;
}

PingOptions quick_tcp(int count) {
  PingOptions options;
  options.count = count;
  options.per_host_interval = 10ms;
  options.timeout = 500ms;
  return options;
}

std::unique_ptr<Pinger> open_tcp(std::uint16_t port, int max_open = 128) {
  auto pinger = Pinger::open_tcp(TcpOpenOptions{port, max_open, {}});
  EXPECT_TRUE(pinger) << pinger.error().message;
  return pinger ? std::move(*pinger) : nullptr;
}

TEST(TcpLoopback, AnOpenPortAnswersWithAnRttAndAClosedOneIsRefusedButUp) {
  const LoopbackPort open4(AF_INET, true), open6(AF_INET6, true);
  const LoopbackPort closed4(AF_INET, false), closed6(AF_INET6, false);
  ASSERT_NE(open4.port(), 0);
  ASSERT_NE(open6.port(), 0);
  const int before = open_descriptors();
  {
    auto pinger = open_tcp(open4.port());
    ASSERT_TRUE(pinger);
    EXPECT_EQ(pinger->socket_kind(), SocketKind::tcp);
    const std::vector<PingRequest> requests{{"127.0.0.1", {}, 0},
                                            {"::1", {}, open6.port()},
                                            {"127.0.0.1", {}, closed4.port()},
                                            {"::1", {}, closed6.port()}};
    const auto results = pinger->run(requests, quick_tcp(5), {});
    ASSERT_EQ(results.size(), 4u);
    for (std::size_t i = 0; i < results.size(); ++i) {
      const HostResult& r = results[i];
      const bool refused = i >= 2;
      SCOPED_TRACE(r.host + (refused ? " closed port" : " open port"));
      EXPECT_EQ(r.error, HostError::none) << r.error_detail;
      EXPECT_EQ(r.sent, 5);
      EXPECT_EQ(r.received, 5);  // a RST is an answer: the host is up
      EXPECT_EQ(r.refused, refused ? 5 : 0);
      ASSERT_EQ(r.rtts_ms.size(), 5u);
      ASSERT_EQ(r.refused_probes.size(), 5u);
      for (std::size_t k = 0; k < 5; ++k) {
        EXPECT_FALSE(std::isnan(r.rtts_ms[k]));
        EXPECT_GE(r.rtts_ms[k], 0);
        EXPECT_LT(r.rtts_ms[k], 50);
        EXPECT_EQ(r.refused_probes[k], refused);
      }
    }
    const EngineCounters c = pinger->counters();
    EXPECT_EQ(c.sent, 20u);
    EXPECT_EQ(c.received, 20u);
    EXPECT_EQ(c.refused, 10u);
    EXPECT_LE(c.open_sockets_peak, 4u);
  }
  // Every probe's socket, the pinger's epoll instance and its resolver's sockets: all closed.
  EXPECT_EQ(open_descriptors(), before);
}

TEST(TcpLoopback, NoSocketIsLeftOpenOrInTimeWaitAfterManyProbes) {
  if (!testing::private_netns_error().empty()) {
    GTEST_SKIP() << "counts TIME_WAIT sockets in a private network namespace: "
                 << testing::private_netns_error();
  }
  const LoopbackPort open4(AF_INET, true), closed4(AF_INET, false);
  auto pinger = open_tcp(open4.port(), 8);
  ASSERT_TRUE(pinger);
  const int before = open_descriptors();
  const long time_wait_before = time_wait_sockets();
  std::vector<PingRequest> requests;
  for (int i = 0; i < 200; ++i) {
    // The listener is on 127.0.0.1 only: the rest of 127/8 refuses every port.
    if (i % 2 == 0) {
      requests.push_back({"127.0.0.1", {}, open4.port()});
    } else {
      requests.push_back({"127.0.0." + std::to_string(2 + i % 100), {}, closed4.port()});
    }
  }
  PingOptions options = quick_tcp(3);
  options.per_host_interval = 1ms;
  options.rate = 20000;
  const auto results = pinger->run(requests, options, {});
  int received = 0, refused = 0;
  for (const auto& r : results) {
    received += r.received;
    refused += r.refused;
  }
  EXPECT_EQ(received, 600);
  EXPECT_EQ(refused, 300);
  EXPECT_LE(pinger->counters().open_sockets_peak, 8u);  // the cap
  EXPECT_EQ(open_descriptors(), before);
  // The abortive close: connected probes end with a RST, not a FIN handshake, so none waits in TIME_WAIT.
  EXPECT_EQ(time_wait_sockets(), time_wait_before);
}

TEST(TcpLoopback, StopClosesEverySocketInFlight) {
  // (Probes still waiting for an answer when a run stops: the simnet tests, with a filtered port.)
  const LoopbackPort open4(AF_INET, true);
  auto pinger = open_tcp(open4.port());
  ASSERT_TRUE(pinger);
  const int before = open_descriptors();
  std::stop_source stop;
  std::thread stopper([&] {
    std::this_thread::sleep_for(200ms);
    stop.request_stop();
  });
  PingOptions options = quick_tcp(100);
  options.per_host_interval = 50ms;
  options.timeout = 500ms;
  const auto started = std::chrono::steady_clock::now();
  const auto results = pinger->run(std::vector<PingRequest>{{"127.0.0.1", {}, 0}}, options, stop.get_token());
  stopper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_GT(results[0].sent, 0);
  EXPECT_LT(results[0].sent, 100);
  EXPECT_EQ(open_descriptors(), before);
}

TEST(TcpLoopback, NamesResolveAndPolicyRefusesWithoutConnecting) {
  auto pinger = open_tcp(9);
  ASSERT_TRUE(pinger);
  PingOptions options = quick_tcp(1);
  options.policy = TargetPolicy::allow_private;
  const auto results = pinger->run(
      std::vector<PingRequest>{{"localhost", {}, 0}, {"169.254.169.254", {}, 0}, {"nosuch.invalid", {}, 0}},
      options, {});
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].received, 1) << results[0].error_detail;  // port 9: nobody listens, a RST
  EXPECT_EQ(results[0].refused, 1);
  EXPECT_EQ(results[1].error, HostError::refused_address);
  EXPECT_EQ(results[1].sent, 0);
  EXPECT_EQ(results[2].error, HostError::unresolvable);
}

TEST(TcpLoopback, PortZeroIsRefusedAtOpen) {
  EXPECT_FALSE(Pinger::open_tcp(TcpOpenOptions{0, 128, {}}));
}

}  // namespace
}  // namespace semaphore::probe

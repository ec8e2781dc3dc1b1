// Name resolution through c-ares against a tiny DNS server of our own on 127.0.0.1: answers are used, their
// TTL is honoured by the cache, and a name that does not resolve is a per-host error.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <system_error>
#include <thread>

#include "probe/pinger.h"

namespace semaphore::probe {
namespace {

using namespace std::chrono_literals;

// Answers A queries for every name but "missing.test" with 127.0.0.9 and a 3-second TTL; NXDOMAIN for
// "missing.test"; no records for other types.
class FakeDns {
 public:
  FakeDns() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    // A constructor cannot ASSERT: a failed socket, bind or getsockname throws, which fails the test.
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      throw std::system_error(errno, std::generic_category(), "fake DNS server socket");
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::jthread([this](std::stop_token stop) { serve(stop); });
  }
  ~FakeDns() {
    thread_.request_stop();
    thread_.join();
    ::close(fd_);
  }
  std::string server() const { return "127.0.0.1:" + std::to_string(port_); }
  int a_queries() const { return a_queries_.load(); }

 private:
  void serve(std::stop_token stop) {
    std::uint8_t q[512];
    while (!stop.stop_requested()) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      sockaddr_in from{};
      socklen_t from_length = sizeof from;
      const ssize_t n = ::recvfrom(fd_, q, sizeof q, 0, reinterpret_cast<sockaddr*>(&from), &from_length);
      if (n < 17) continue;
      std::size_t end = 12;  // walk the question name
      std::string name;
      while (end < static_cast<std::size_t>(n) && q[end] != 0) {
        name.append(reinterpret_cast<const char*>(q + end + 1), q[end]);
        name += '.';
        end += q[end] + 1;
      }
      const std::size_t question_end = end + 5;
      const int type = (q[end + 1] << 8) | q[end + 2];
      std::vector<std::uint8_t> r(q, q + question_end);
      r[2] = 0x81;
      r[3] = 0x80;  // response, recursion desired + available, no error
      r[6] = r[7] = r[8] = r[9] = r[10] = r[11] = 0;
      if (name == "missing.test.") {
        r[3] = 0x83;  // NXDOMAIN
      } else if (type == 1) {
        ++a_queries_;
        r[7] = 1;
        const std::uint8_t answer[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 3, 0, 4, 127, 0, 0, 9};
        r.insert(r.end(), answer, answer + sizeof answer);
      }
      ::sendto(fd_, r.data(), r.size(), 0, reinterpret_cast<sockaddr*>(&from), from_length);
    }
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<int> a_queries_{0};
  std::jthread thread_;
};

TEST(Dns, AnswersAreCachedForTheirTtlAndMissingNamesAreErrors) {
  FakeDns dns;
  auto pinger = Pinger::open(OpenOptions{SocketKind::automatic, dns.server()});
  ASSERT_TRUE(pinger) << pinger.error().message;
  PingOptions options;
  options.count = 1;
  options.timeout = 500ms;
  options.family = FamilyPreference::v4_only;
  const std::vector<PingRequest> requests{{"answer.test", {}}, {"missing.test", {}}};

  auto results = (*pinger)->run(requests, options);
  ASSERT_TRUE(results[0].address) << results[0].error_detail;
  EXPECT_EQ(results[0].address->to_string(), "127.0.0.9");
  EXPECT_EQ(results[0].received, 1);
  EXPECT_EQ(results[1].error, HostError::unresolvable);
  EXPECT_EQ(results[1].sent, 0);
  EXPECT_EQ(dns.a_queries(), 1);

  results = (*pinger)->run(requests, options);  // within the TTL: from the cache
  EXPECT_EQ(results[0].received, 1);
  EXPECT_EQ(dns.a_queries(), 1);

  std::this_thread::sleep_for(3100ms);  // past the TTL: asked again
  results = (*pinger)->run(requests, options);
  EXPECT_EQ(results[0].received, 1);
  EXPECT_EQ(dns.a_queries(), 2);
}

TEST(Dns, ADeadServerIsAPerHostErrorInBoundedTime) {
  // A port nobody listens on: every try is refused or times out.
  auto pinger = Pinger::open(OpenOptions{SocketKind::automatic, "127.0.0.1:9"});
  ASSERT_TRUE(pinger) << pinger.error().message;
  PingOptions options;
  options.count = 1;
  const std::vector<PingRequest> requests{{"answer.test", {}}, {"127.0.0.1", {}}};
  const auto started = std::chrono::steady_clock::now();
  const auto results = (*pinger)->run(requests, options);
  // Two tries of 1.5 s (with c-ares's back-off, a few seconds), never a hang: 20 s leaves a busy machine
  // room.
  EXPECT_LT(std::chrono::steady_clock::now() - started, 20s);
  EXPECT_EQ(results[0].error, HostError::unresolvable);
  EXPECT_EQ(results[1].received, 1);
}

}  // namespace
}  // namespace semaphore::probe

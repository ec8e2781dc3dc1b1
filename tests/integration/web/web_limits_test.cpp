// The web server's limits over real sockets (issue 12): connection caps with a clear 503, the descriptor
// budget under a small open-file limit, the idle keep-alive, a Transfer-Encoding it cannot frame, sign-up
// pacing, and requests answered by handler threads so that slow work does not hold the I/O threads.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "integration/web/web_server.h"

namespace semaphore::testing {
namespace {

using namespace std::chrono_literals;

// A TCP connection to 127.0.0.1:port from `source` (any 127.0.0.0/8 address), closed when destroyed.
class RawConnection {
 public:
  RawConnection(int port, const std::string& source = "127.0.0.1") {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in from{};
    from.sin_family = AF_INET;
    ::inet_pton(AF_INET, source.c_str(), &from.sin_addr);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0) throw std::runtime_error("bind");
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) throw std::runtime_error("connect");
  }
  ~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawConnection(RawConnection&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;
  RawConnection& operator=(RawConnection&&) = delete;

  int fd() const { return fd_; }
  void send(const std::string& bytes) const {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("send");
      sent += static_cast<std::size_t>(n);
    }
  }
  // Everything the server sends until it closes the connection or `timeout` passes; `closed` says which.
  std::string read_until_closed(std::chrono::milliseconds timeout, bool& closed) const {
    std::string text;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    closed = false;
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left <= 0ms) return text;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return text;
      char buffer[4096];
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) {
        closed = true;
        return text;
      }
      text.append(buffer, static_cast<std::size_t>(n));
    }
  }
  // One response whose body length is given (reads until its end).
  std::string read_response(std::chrono::milliseconds timeout) const {
    std::string text;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto head_end = text.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        std::smatch length;
        const std::string head = text.substr(0, head_end);
        if (std::regex_search(head, length, std::regex("[Cc]ontent-[Ll]ength: *([0-9]+)")) &&
            text.size() >= head_end + 4 + std::stoul(length[1])) {
          return text;
        }
      }
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left <= 0ms || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) return text;
      char buffer[4096];
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) return text;
      text.append(buffer, static_cast<std::size_t>(n));
    }
  }

 private:
  int fd_ = -1;
};

int status_of(const std::string& response) {
  return response.rfind("HTTP/1.1 ", 0) == 0 ? std::stoi(response.substr(9, 3)) : 0;
}

const std::string kHealthz = "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n";

// A kept-alive connection the server has admitted (it answered on it). The server counts a closed
// connection until it has seen the close, so a place given back a moment ago may still look taken: retry.
RawConnection admitted_connection(int port, const std::string& source = "127.0.0.1") {
  for (int attempt = 0; attempt < 50; ++attempt) {
    RawConnection connection(port, source);
    connection.send(kHealthz);
    if (status_of(connection.read_response(20s)) == 200) return connection;
    std::this_thread::sleep_for(100ms);
  }
  throw std::runtime_error("no connection was admitted");
}

TEST(WebLimits, ConnectionsOverAnAddressesCapAnswer503AndOthersAreStillServed) {
  WebServer server({"--max-connections-per-address", "3", "--keep-alive", "120s"});
  std::vector<RawConnection> idle;
  for (int i = 0; i < 3; ++i) idle.push_back(admitted_connection(server.port()));
  RawConnection fourth(server.port());
  bool closed = false;
  const std::string refused = fourth.read_until_closed(20s, closed);
  EXPECT_EQ(status_of(refused), 503) << refused;
  EXPECT_NE(refused.find("Retry-After: 5"), std::string::npos) << refused;
  EXPECT_NE(refused.find("Your address has as many connections open"), std::string::npos) << refused;
  EXPECT_TRUE(closed);
  // Another address is not held back by this one's connections.
  RawConnection other(server.port(), "127.0.0.2");
  other.send(kHealthz);
  EXPECT_EQ(status_of(other.read_response(20s)), 200);
  // A connection that ends gives its place back.
  idle.pop_back();
  EXPECT_NO_THROW(admitted_connection(server.port()));
}

TEST(WebLimits, TheTotalCapIsLoweredToWhatTheOpenFileLimitAllows) {
  // A small open-file limit: the server keeps descriptors for the ping service and the database and caps
  // connections below it, so clients meet a 503, never an accept() failing with EMFILE.
  TempDir dir("semaphore-fd");
  const int port = free_tcp_port();
  ChildProcess server({"prlimit", "--nofile=300:300", "--", semaphore_binary(), "run", "--db",
                       "sqlite:" + dir.file("fd.db"), "--listen", "127.0.0.1:" + std::to_string(port),
                       "--spool-dir", dir.file("spool"), "--max-connections-per-address", "100000"},
                      dir.file("server.log"));
  ASSERT_TRUE(wait_for_tcp_port(port, 20s)) << server.log();
  std::smatch cap;
  const std::string log = server.log();
  ASSERT_TRUE(std::regex_search(log, cap, std::regex("at most ([0-9]+) connections"))) << log;
  const int max_connections = std::stoi(cap[1]);
  ASSERT_GT(max_connections, 0);
  ASSERT_LT(max_connections, 300) << "below the open-file limit";
  std::vector<RawConnection> held;
  // wait_for_tcp_port's probe may still be counted for a moment: fill up, then look at the next one.
  for (int i = 0; i < max_connections; ++i) held.emplace_back(port);
  held.front().send(kHealthz);
  ASSERT_EQ(status_of(held.front().read_response(20s)), 200);
  int refused = 0;
  for (int i = 0; i < 20; ++i) {
    RawConnection extra(port);
    bool closed = false;
    const std::string answer = extra.read_until_closed(20s, closed);
    if (status_of(answer) == 503 && answer.find("The server has as many connections") != std::string::npos) {
      ++refused;
    }
  }
  EXPECT_GE(refused, 19) << server.log();
  EXPECT_EQ(server.log().find("Too many open files"), std::string::npos) << server.log();
  held.clear();
  // The server frees a place when it reads a connection's end, which on a busy machine comes a moment after
  // the close: a new connection may still be refused meanwhile, for a while but not for good.
  int status = 0;
  for (const auto deadline = std::chrono::steady_clock::now() + 20s;
       status != 200 && std::chrono::steady_clock::now() < deadline;) {
    RawConnection after(port);
    after.send(kHealthz);
    status = status_of(after.read_response(20s));
    if (status != 200) std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(status, 200) << "serves again once connections close";
}

TEST(WebLimits, AnIdleKeepAliveConnectionIsClosedAfterTheKeepAliveTime) {
  WebServer server({"--keep-alive", "1s", "--read-timeout", "60s"});
  RawConnection connection(server.port());
  connection.send(kHealthz);
  ASSERT_EQ(status_of(connection.read_response(20s)), 200);
  bool closed = false;
  // Far below the 60 s read timeout: the idle wait is the keep-alive's.
  connection.read_until_closed(30s, closed);
  EXPECT_TRUE(closed);
}

TEST(WebLimits, ARequestBodyWithoutChunkedFramingAnswers400AndCloses) {
  WebServer server;
  RawConnection connection(server.port());
  connection.send("POST /signin HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\nwhatever");
  bool closed = false;
  const std::string answer = connection.read_until_closed(20s, closed);
  EXPECT_EQ(status_of(answer), 400) << answer;
  EXPECT_TRUE(closed);
}

TEST(WebLimits, SignUpsArePacedPerAddress) {
  WebServer server({"--signups-per-address", "2"});
  HttpClient first = server.client();
  EXPECT_EQ(sign_up(first, "one@example.com").status, 303);
  HttpClient second = server.client();
  EXPECT_EQ(sign_up(second, "two@example.com").status, 303);
  HttpClient third = server.client();
  const auto paced = sign_up(third, "three@example.com");
  EXPECT_EQ(paced.status, 429);
  EXPECT_FALSE(paced.header("retry-after").empty());
  // The account was not made.
  EXPECT_EQ(sign_in(third, "three@example.com", "correct horse 1").status, 400);
}

TEST(WebLimits, SlowRequestsDoNotHoldTheIoThread) {
  // One I/O thread. Three sign-ups each hash a password with argon2id (two at a time, the third waits); a
  // /healthz sent after them is answered by the fourth handler thread before the sign-ups are done. When
  // requests were answered on the I/O thread, it came last.
  WebServer server({"--web-threads", "1", "--handler-threads", "4", "--hash-threads", "2",
                    "--signups-per-address", "100"});
  std::vector<RawConnection> signups;
  for (int i = 0; i < 3; ++i) {
    HttpClient client = server.client();
    const std::string token = client.csrf_from("/signup");
    const std::string body = "csrf_token=" + url_encode(token) + "&email=slow" + std::to_string(i) +
                             "%40example.com&password=correct+horse+1";
    signups.emplace_back(server.port());
    signups.back().send(
        "POST /signup HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        "Cookie: semaphore_csrf=" +
        client.cookie("semaphore_csrf") + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
        body);
  }
  RawConnection health(server.port());
  health.send(kHealthz);
  // Whichever answers first: the order is what the test is about.
  std::vector<pollfd> fds;
  for (const auto& c : signups) fds.push_back({c.fd(), POLLIN, 0});
  fds.push_back({health.fd(), POLLIN, 0});
  std::vector<bool> answered(fds.size(), false);
  int signups_before_health = 0;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (!answered.back() && std::chrono::steady_clock::now() < deadline) {
    ASSERT_GE(::poll(fds.data(), fds.size(), 1000), 0);
    for (std::size_t i = 0; i + 1 < fds.size(); ++i) {
      if ((fds[i].revents & POLLIN) != 0 && !answered[i]) {
        answered[i] = true;
        ++signups_before_health;
        fds[i].events = 0;
      }
    }
    if ((fds.back().revents & POLLIN) != 0) answered.back() = true;
  }
  ASSERT_TRUE(answered.back()) << "/healthz was not answered";
  EXPECT_EQ(status_of(health.read_response(20s)), 200);
  EXPECT_LT(signups_before_health, 3) << "/healthz waited for every password hash";
  for (auto& c : signups) EXPECT_EQ(status_of(c.read_response(60s)), 303);
}

TEST(WebLimits, MetricsNeedTheTokenWhenOneIsSet) {
  WebServer server({"--metrics-token", "s3cret-scrape-token"});
  HttpClient client = server.client();
  const auto without = client.get("/metrics");
  EXPECT_EQ(without.status, 401);
  EXPECT_EQ(without.header("www-authenticate"), "Bearer");
  EXPECT_EQ(client.get("/metrics", {{"Authorization", "Bearer not-the-token"}}).status, 401);
  const auto with = client.get("/metrics", {{"Authorization", "Bearer s3cret-scrape-token"}});
  EXPECT_EQ(with.status, 200);
  EXPECT_NE(with.body.find("semaphore_http_requests_total"), std::string::npos);
}

}  // namespace
}  // namespace semaphore::testing

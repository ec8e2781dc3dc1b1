// The server's limits without sockets (issue 12): connection caps, the accept back-off, the descriptor
// budget, and the gate in front of password hashing.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "web/metrics.h"
#include "web/security/concurrency_gate.h"
#include "web/server/accept_backoff.h"
#include "web/server/connection_limiter.h"
#include "web/server/fd_budget.h"

namespace semaphore::web {
namespace {

using namespace std::chrono_literals;
using Verdict = ConnectionLimiter::Verdict;

TEST(ConnectionLimiter, CapsEachAddressAndTheTotalAndTicketsGiveTheirPlaceBack) {
  ConnectionLimiter limiter(3, 2);
  auto a1 = limiter.admit("192.0.2.1");
  auto a2 = limiter.admit("192.0.2.1");
  EXPECT_EQ(a1.verdict, Verdict::admitted);
  EXPECT_EQ(a2.verdict, Verdict::admitted);
  EXPECT_EQ(limiter.admit("192.0.2.1").verdict, Verdict::address_full);
  auto b1 = limiter.admit("2001:db8::/64");
  EXPECT_EQ(b1.verdict, Verdict::admitted);
  EXPECT_EQ(limiter.admit("198.51.100.7").verdict, Verdict::server_full);
  EXPECT_EQ(limiter.open(), 3u);
  {
    const ConnectionLimiter::Ticket gone = std::move(a1.ticket);  // the connection ends
  }
  EXPECT_EQ(limiter.open(), 2u);
  auto again = limiter.admit("192.0.2.1");
  EXPECT_EQ(again.verdict, Verdict::admitted) << "its place came back";
  // A trusted proxy's connections are held only to the total.
  EXPECT_EQ(limiter.admit("192.0.2.1", /*per_address_cap=*/false).verdict, Verdict::server_full);
  // A refused admission holds nothing.
  EXPECT_EQ(limiter.admit("203.0.113.9").verdict, Verdict::server_full);
  EXPECT_EQ(limiter.open(), 3u);
  ConnectionLimiter roomy(10, 1);
  auto p1 = roomy.admit("10.0.0.1", false);
  auto p2 = roomy.admit("10.0.0.1", false);
  EXPECT_EQ(p2.verdict, Verdict::admitted) << "past the per-address cap of 1";
  EXPECT_EQ(roomy.admit("10.0.0.1").verdict, Verdict::address_full)
      << "an untrusted peer is still held to it";
}

TEST(AcceptBackoff, WaitsLongerEachTimeUpToASecondAndLogsSparingly) {
  AcceptBackoff backoff;
  const auto t0 = AcceptBackoff::Clock::time_point{} + 1h;
  auto step = backoff.failed(t0);
  EXPECT_EQ(step.wait, 50ms);
  ASSERT_TRUE(step.log);
  EXPECT_EQ(*step.log, 0u);
  std::chrono::milliseconds last{};
  int lines = 0;
  for (int i = 1; i <= 20; ++i) {  // 20 more failures within the next 2 s: no line
    step = backoff.failed(t0 + i * 100ms);
    if (step.log) ++lines;
    last = step.wait;
  }
  EXPECT_EQ(lines, 0);
  EXPECT_EQ(last, 1000ms);
  step = backoff.failed(t0 + 10s);
  ASSERT_TRUE(step.log) << "one line per 10 s";
  EXPECT_EQ(*step.log, 20u) << "saying how many failures it did not log";
  backoff.succeeded();
  step = backoff.failed(t0 + 11s);
  EXPECT_EQ(step.wait, 50ms) << "a success ends the spell";
  EXPECT_FALSE(step.log) << "still at most one line per 10 s";
}

TEST(FdBudget, ConnectionsGetWhatIsLeftAfterTheReserve) {
  EXPECT_EQ(fd_budget_for(1024, 4096).max_connections, 1024 - 256);
  EXPECT_EQ(fd_budget_for(1024, 100).max_connections, 100);
  EXPECT_EQ(fd_budget_for(1'048'576, 4096).max_connections, 4096);
  const FdBudget small = fd_budget_for(300, 4096);  // a small limit: half of it is kept back
  EXPECT_EQ(small.reserved, 150u);
  EXPECT_EQ(small.max_connections, 150);
  EXPECT_EQ(fd_budget_for(1, 10).max_connections, 1);
}

TEST(ConcurrencyGate, LetsSomeWorkSomeWaitAndRefusesTheRestAtOnce) {
  ConcurrencyGate gate(1, 1);
  auto first = gate.enter();
  ASSERT_TRUE(first);
  std::promise<void> entered;
  std::thread waiter([&] {
    auto pass = gate.enter();  // waits for `first`
    EXPECT_TRUE(pass);
    entered.set_value();
  });
  const auto deadline = std::chrono::steady_clock::now() + 30s;  // bounds a wait for a broken gate only
  while (gate.waiting() < 1 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  ASSERT_EQ(gate.waiting(), 1u);
  EXPECT_FALSE(gate.enter()) << "one works, one waits: the next is refused at once";
  auto entered_future = entered.get_future();
  EXPECT_EQ(entered_future.wait_for(0s), std::future_status::timeout) << "the waiter still waits";
  first.reset();
  entered_future.wait();
  waiter.join();
  EXPECT_TRUE(gate.enter()) << "everyone left: the gate is open again";
}

Request metrics_request(std::string client, std::string authorization = "") {
  Request request;
  request.method = Method::get;
  request.target = request.path = "/metrics";
  request.client_address = std::move(client);
  if (!authorization.empty()) request.headers.emplace_back("authorization", std::move(authorization));
  return request;
}

TEST(MetricsAccess, WithoutATokenOnlyThisMachineWithOneOnlyWhoShowsIt) {
  EXPECT_EQ(metrics_refusal(metrics_request("127.0.0.1"), ""), std::nullopt);
  EXPECT_EQ(metrics_refusal(metrics_request("127.8.9.10"), ""), std::nullopt);
  EXPECT_EQ(metrics_refusal(metrics_request("::1"), ""), std::nullopt);
  const auto elsewhere = metrics_refusal(metrics_request("192.0.2.4"), "");
  ASSERT_TRUE(elsewhere);
  EXPECT_EQ(elsewhere->status, 403);
  EXPECT_EQ(metrics_refusal(metrics_request("2001:db8::1"), "")->status, 403);

  EXPECT_EQ(metrics_refusal(metrics_request("192.0.2.4", "Bearer tok-123"), "tok-123"), std::nullopt);
  EXPECT_EQ(metrics_refusal(metrics_request("127.0.0.1"), "tok-123")->status, 401)
      << "a token binds loopback too";
  EXPECT_EQ(metrics_refusal(metrics_request("192.0.2.4", "Bearer tok-124"), "tok-123")->status, 401);
  EXPECT_EQ(metrics_refusal(metrics_request("192.0.2.4", "Bearer tok-1234"), "tok-123")->status, 401);
}

}  // namespace
}  // namespace semaphore::web

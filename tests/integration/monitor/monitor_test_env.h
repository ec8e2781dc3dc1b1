#pragma once
// Shared by the ping service's integration tests (see monitor_test_main.cpp).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "simnet/network.h"
#include "store/store.h"

namespace semaphore::testing {

// Empty when the private network namespace was entered; else why not (simnet tests skip).
const std::string& monitor_netns_error();

// Why this binary's simnet tests cannot run here, for GTEST_SKIP; empty when they can.
inline std::string simnet_skip_reason() {
  if (!monitor_netns_error().empty()) return "no private network namespace: " + monitor_netns_error();
  if (std::string reason = simnet::tun_unavailable_reason(); !reason.empty())
    return "no TUN device: " + reason;
  return "";
}

// `count` simulated hosts, simnet::v4_host(0) on, each answering every probe after 1 ms.
inline std::vector<simnet::HostEntry> answering_hosts(std::uint32_t count) {
  std::vector<simnet::HostEntry> table;
  for (std::uint32_t i = 0; i < count; ++i)
    table.push_back({simnet::v4_host(i), {1, 0, simnet::Mode::normal}});
  return table;
}

// Polls `predicate` every 50 ms until it holds or `timeout` passes.
template <class Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!predicate()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

// Starts simnet with `table` and checks that every address in it routes into the TUN device (so no probe
// can go anywhere else). Returns nullptr (after a GTest failure) when it cannot. `record_delays`: keep the
// delay each reply really got (simnet::Network::applied_delays_ms), the truth to check RTTs against.
inline std::unique_ptr<simnet::Network> start_simnet(const std::vector<simnet::HostEntry>& table,
                                                     bool record_delays = false) {
  simnet::Options options;
  options.record_delays = record_delays;
  auto network = simnet::Network::start(options, table);
  EXPECT_TRUE(network) << network.error().message;
  if (!network) return nullptr;
  // The prefix is routed into the device as a whole: its first and last addresses bound every one between.
  for (const auto* entry : {&table.front(), &table.back()}) {
    auto routed = (*network)->check_route(entry->address);
    EXPECT_TRUE(routed) << routed.error().message;
    if (!routed) return nullptr;
  }
  return std::move(*network);
}

// A user `email` (an admin) owning simnet::v4_host(0) .. v4_host(count - 1), added in that order: their ids
// (fewer after a GTest failure).
inline std::vector<store::Id> add_simnet_hosts(store::Store& db, const std::string& email,
                                               std::uint32_t count) {
  std::vector<store::Id> ids;
  auto user = db.create_user(email, "x", true);
  EXPECT_TRUE(user) << (user ? "" : user.error().message);
  if (!user) return ids;
  for (std::uint32_t i = 0; i < count; ++i) {
    store::Host host;
    host.user_id = user->id;
    host.hostname = simnet::v4_host(i).to_string();
    auto added = db.add_host(host);
    EXPECT_TRUE(added) << (added ? "" : added.error().message);
    if (!added) return ids;
    ids.push_back(added->id);
  }
  return ids;
}

inline std::unique_ptr<store::Store> open_migrated(const std::string& url) {
  auto parsed = parse_db_url(url);
  EXPECT_TRUE(parsed);
  auto opened = store::Store::open(*parsed);
  EXPECT_TRUE(opened) << opened.error().message;
  if (!opened) return nullptr;
  auto migrated = (*opened)->migrate();
  EXPECT_TRUE(migrated) << migrated.error().message;
  return std::move(*opened);
}

}  // namespace semaphore::testing

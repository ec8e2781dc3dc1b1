// main() of the ping service's integration tests: enters a private network namespace before GoogleTest (or
// any thread) starts, so that simnet's TUN device and routes are ours alone and no probe leaves the machine.
// PostgreSQL servers and `semaphore probe` children started by the tests live in the same namespace.
#include <gtest/gtest.h>

#include <cstdio>

#include "monitor_test_env.h"
#include "simnet/network.h"

namespace semaphore::testing {
namespace {
std::string g_netns_error;
}
const std::string& monitor_netns_error() {
  return g_netns_error;
}
}  // namespace semaphore::testing

int main(int argc, char** argv) {
  if (auto entered = semaphore::simnet::enter_private_network_namespace(); !entered) {
    semaphore::testing::g_netns_error = entered.error().message;
    std::fprintf(stderr, "note: no private network namespace (%s): simulated-network tests will skip\n",
                 entered.error().message.c_str());
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

#pragma once
// Shared by the probe integration tests: every test binary runs in a network namespace of its own (see
// probe_test_main.cpp), so its TUN device, routes and packets never reach another test or the real network.
#include <string>

namespace semaphore::testing {

// Empty when the private network namespace was entered; else why not (tests that need it skip).
const std::string& private_netns_error();

}  // namespace semaphore::testing

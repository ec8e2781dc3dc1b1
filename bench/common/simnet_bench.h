#pragma once
// The simulated network as the pinger benchmarks set it up (bench/ping_vs_fping/README.md says why): the
// simulator's thread on a CPU of its own (the last one), the benchmark process beside it (it wakes often to
// read its children's memory and CPU, and must not preempt a pinger mid-send), the pingers on the other
// CPUs; and before anything is sent, the routes of a sample of the table checked to lead into the device.
#include <sched.h>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "simnet/network.h"

namespace semaphore::bench {

struct SimulatedNetwork {
  std::unique_ptr<simnet::Network> network;
  int fixture_cpu = -1;     // -1: one CPU, the simulator and the pingers share it
  cpu_set_t pinger_cpus{};  // for run_measured and the children under test
};

// Moves this process into a private network namespace (before any thread starts) and checks that a TUN
// device can be made there: empty when done, else why not (the benchmark then says so and skips).
std::string enter_simulated_network_namespace();

// Starts simnet over `table` with `options` (options.cpu is set to simnet::fixture_cpu() when `pin`), moves
// the calling thread onto the simulator's CPU, and checks the route of about `route_checks` entries spread
// over the table and of the last one. Call after simnet::enter_private_network_namespace().
Result<SimulatedNetwork> start_simulated_network(simnet::Options options,
                                                 std::vector<simnet::HostEntry> table, bool pin = true,
                                                 std::size_t route_checks = 50);

// Checks the routes of about `count` addresses spread over `table` and of its last entry.
Status check_routes(const simnet::Network& network, const std::vector<simnet::HostEntry>& table,
                    std::size_t count = 50);

}  // namespace semaphore::bench

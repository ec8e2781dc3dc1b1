#include "simnet_bench.h"

#include <algorithm>
#include <utility>

namespace semaphore::bench {

std::string enter_simulated_network_namespace() {
  if (auto entered = simnet::enter_private_network_namespace(); !entered) return entered.error().message;
  return simnet::tun_unavailable_reason();
}

Status check_routes(const simnet::Network& network, const std::vector<simnet::HostEntry>& table,
                    std::size_t count) {
  if (table.empty()) return {};
  const std::size_t step = std::max<std::size_t>(1, table.size() / std::max<std::size_t>(1, count));
  for (std::size_t i = 0; i < table.size(); i += step) {
    if (auto routed = network.check_route(table[i].address); !routed) return routed;
  }
  return network.check_route(table.back().address);
}

Result<SimulatedNetwork> start_simulated_network(simnet::Options options,
                                                 std::vector<simnet::HostEntry> table, bool pin,
                                                 std::size_t route_checks) {
  if (pin) options.cpu = simnet::fixture_cpu();
  // Sampled before the table moves into the simulator: the routes are checked against the same addresses.
  std::vector<simnet::HostEntry> sample;
  if (!table.empty()) {
    const std::size_t step = std::max<std::size_t>(1, table.size() / std::max<std::size_t>(1, route_checks));
    for (std::size_t i = 0; i < table.size(); i += step) sample.push_back(table[i]);
    sample.push_back(table.back());
  }
  auto network = simnet::Network::start(options, std::move(table));
  if (!network) return network.error();
  SimulatedNetwork out;
  out.network = std::move(*network);
  out.fixture_cpu = options.cpu;
  out.pinger_cpus = simnet::pinger_cpus(options.cpu);
  if (options.cpu >= 0) {
    cpu_set_t own;
    CPU_ZERO(&own);
    CPU_SET(options.cpu, &own);
    sched_setaffinity(0, sizeof own, &own);
  }
  if (auto routed = check_routes(*out.network, sample, sample.size()); !routed) return routed.error();
  return out;
}

}  // namespace semaphore::bench

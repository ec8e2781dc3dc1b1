// ProbeService::create: the real ICMP engine. Apart from service.cpp so that tests and benchmarks that bring
// their own engine (create_with) do not link it.
#include "monitor/probe_service.h"
#include "probe/pinger.h"

namespace semaphore::monitor {

Result<std::unique_ptr<ProbeService>> ProbeService::create(store::MonitorStore& store,
                                                           const ServiceOptions& options,
                                                           store::RoundEvaluator* evaluator) {
  auto pinger = probe::Pinger::open();
  if (!pinger) return pinger.error();
  return create_with(store, options, std::move(*pinger), evaluator);
}

}  // namespace semaphore::monitor

// ProbeService::create: the real ICMP engine. Apart from service.cpp so that tests and benchmarks that bring
// their own engine (create_with) do not link it.
#include <spdlog/spdlog.h>
#include "monitor/probe_service.h"

#include "core/text.h"
#include "probe/pinger.h"
#include "probe/tracer.h"

namespace semaphore::monitor {

Result<std::unique_ptr<ProbeService>> ProbeService::create(store::MonitorStore& store,
                                                           const ServiceOptions& options,
                                                           store::RoundEvaluator* evaluator,
                                                           store::PathStore* paths,
                                                           store::LocationStore* locations) {
  auto pinger = probe::Pinger::open();
  if (!pinger) return pinger.error();
  std::unique_ptr<probe::Tracer> tracer;
  if (paths && options.path_interval.count() > 0) {
    auto opened = probe::Tracer::open(probe::OpenOptions{});
    if (opened) {
      tracer = std::move(*opened);
    } else {
      spdlog::warn("paths are off: the traceroute engine cannot open ({})", log_safe(opened.error().message));
    }
  }
  return create_with(store, options, std::move(*pinger), evaluator, paths, std::move(tracer), locations);
}

}  // namespace semaphore::monitor

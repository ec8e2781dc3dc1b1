#include "agent/agent_runner.h"

#include <sys/stat.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>

#include "agent/assignment_source.h"
#include "agent/http_sink.h"
#include "agent/throttled_log.h"
#include "domain/locations.h"
#include "monitor/probe_service.h"
#include "monitor/result_writer.h"
#include "monitor/round_scheduler.h"
#include "probe/pinger.h"

namespace semaphore::agent {
namespace {

monitor::ServiceOptions service_options(const AgentOptions& options, const domain::AgentSettings& settings,
                                        const std::string& location) {
  monitor::ServiceOptions service;
  service.interval = settings.interval;
  service.probes = settings.probes;
  service.timeout = settings.timeout;
  service.probe_spacing = settings.probe_spacing;
  service.target_policy = settings.targets;
  service.rate = options.rate;
  service.spool_dir = options.spool_dir;
  service.spool_max_bytes = options.spool_max_bytes;
  service.batch_size = options.batch_size;
  service.tcp_max_sockets = options.tcp_max_sockets;
  service.worker_id = options.worker_id;
  service.path_interval = std::chrono::milliseconds(0);  // paths are measured by database-connected workers
  service.location_name = location;
  service.results_destination = "server";
  return service;
}

}  // namespace

Status run_agent(const AgentOptions& options, std::stop_token stop) {
  if (auto checked = check_server_url(options.client.server); !checked) return checked;
  if (!domain::looks_like_location_token(options.client.token)) {
    return make_error(
        Errc::invalid_argument,
        "the agent token must be the one `semaphore location add` printed (sml_ and 43 characters)");
  }
  if (::mkdir(options.spool_dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return make_error(Errc::unavailable,
                      "cannot create the spool directory " + options.spool_dir + ": " + std::strerror(errno));
  }
  ThrottledLog refusals;
  AssignmentSource source(options.client, options.spool_dir + "/assignment.json", refusals);
  std::mutex mutex;
  std::condition_variable_any changed_cv;
  bool changed = false;
  source.on_settings_changed([&] {
    {
      std::lock_guard lock(mutex);
      changed = true;
    }
    changed_cv.notify_all();
  });

  // The first assignment: the server's, or the one kept on disk when the server does not answer.
  spdlog::info("agent: asking {} for this location's hosts", options.client.server);
  bool cache_tried = false;
  std::chrono::milliseconds backoff{1000};
  for (;;) {
    const auto fetched = source.fetch();
    if (source.current() && !source.refused()) break;
    if (fetched == AssignmentSource::Fetch::failed && !cache_tried) {
      cache_tried = true;
      if (source.load_cache()) break;
    }
    std::unique_lock lock(mutex);
    (void)changed_cv.wait_for(lock, stop, backoff, [] { return false; });
    if (stop.stop_requested()) return {};
    backoff = std::min<std::chrono::milliseconds>(backoff * 2, std::chrono::seconds(30));
  }

  for (;;) {
    const domain::AgentSettings settings = source.current()->settings;
    auto pinger = probe::Pinger::open();
    if (!pinger) return pinger.error();
    monitor::ProbeService::RemoteParts parts;
    parts.pinger = std::move(*pinger);
    parts.source = source.round_source();
    parts.sink = std::make_unique<HttpResultSink>(options.client, refusals);
    parts.record_heartbeat = http_heartbeat(options.client, refusals);
    auto service = monitor::ProbeService::create_remote(
        service_options(options, settings, source.current()->location), std::move(parts));
    if (!service) return service.error();
    (*service)->start();
    {
      std::unique_lock lock(mutex);
      changed_cv.wait(lock, stop, [&] { return changed; });
      changed = false;
    }
    (*service)->stop();
    if (stop.stop_requested()) return {};
    spdlog::info("agent: the server's settings changed; the ping service starts again with them");
  }
}

}  // namespace semaphore::agent

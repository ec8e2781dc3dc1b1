#include "web/location_watch.h"

#include <spdlog/spdlog.h>

#include "core/text.h"
#include "domain/locations.h"

namespace semaphore::web {

std::vector<store::LocationEvent> LocationWatch::check(EpochMs now) {
  std::vector<store::LocationEvent> recorded;
  auto listed = locations_.list_locations();
  if (!listed) {
    spdlog::warn("location watch: locations not read: {}", log_safe(listed.error().message));
    return recorded;
  }
  for (const store::Location& location : *listed) {
    if (!location.last_seen_at) continue;  // never reported: nothing to lose yet
    const bool offline = domain::location_status(location, now) == domain::LocationStatus::offline;
    if (offline == location.offline_since.has_value()) continue;  // as recorded
    auto marked = offline ? locations_.mark_location_offline(location.id, now)
                          : locations_.mark_location_online(location.id, now);
    if (!marked) {
      spdlog::warn("location watch: {} not marked {}: {}", location.name, offline ? "offline" : "online",
                   log_safe(marked.error().message));
      return recorded;
    }
    if (!*marked) continue;  // another server recorded it first
    const auto silent_s = (now - *location.last_seen_at) / 1000;
    if (offline) {
      spdlog::warn(
          "location {} is offline: last heard from {} s ago (its interval is {} s); its votes on "
          "hosts no longer count",
          location.name, silent_s, location.interval_ms / 1000);
    } else {
      spdlog::info("location {} is back online", location.name);
    }
    recorded.push_back(store::LocationEvent{0, location.id, location.name, now,
                                            offline ? "offline" : "online", location.last_seen_at});
  }
  return recorded;
}

void LocationWatch::start() {
  thread_.start([this](std::stop_token stop) {
    while (!stop.stop_requested()) {
      check(now_epoch_ms());
      StoppableThread::Lock lock(thread_.mutex());
      thread_.wait_for(lock, stop, every_, [] { return false; });
    }
  });
}

}  // namespace semaphore::web

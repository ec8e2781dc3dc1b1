#pragma once
// Location watch (issue 16): a location that goes silent raises one event of its own — not one per host,
// whose states do not change because of it (alerts/quorum.h drops a silent location's votes) — and one
// more when it is back. Each pass lists the locations, judges each as /locations does
// (domain::location_status: silent for 3 of its intervals is offline) and records each change through the
// store's conditional marks, so that of several servers watching, exactly one records it and logs it. A
// location never heard from is not "going" offline: it raises nothing until it has reported once.
//
// Runs on a worker thread of its own in every process that serves the web UI (`serve`, `run`), never on an
// Asio I/O thread: a pass is database work.
#include <chrono>
#include <vector>

#include "core/clock.h"
#include "core/stoppable_thread.h"
#include "store/location_store.h"

namespace semaphore::web {

class LocationWatch {
 public:
  explicit LocationWatch(store::LocationStore& locations,
                         std::chrono::seconds every = std::chrono::seconds(30))
      : locations_(locations), every_(every) {}
  ~LocationWatch() { stop(); }
  LocationWatch(const LocationWatch&) = delete;
  LocationWatch& operator=(const LocationWatch&) = delete;

  // One pass as of `now`, on the caller's thread: the changes this call recorded (each also logged). Store
  // errors end the pass (logged once per pass); the next one retries.
  std::vector<store::LocationEvent> check(EpochMs now);

  // A pass now, then one every `every`, on the worker thread, until stop().
  void start();
  void stop() { thread_.stop(); }

 private:
  store::LocationStore& locations_;
  std::chrono::seconds every_;
  StoppableThread thread_;
};

}  // namespace semaphore::web

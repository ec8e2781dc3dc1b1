#pragma once
// The background thread of a component that is started and stopped (the round scheduler, the result
// writer, maintenance), with the mutex and condition variable that guard the state it shares with its
// owner. Each of them had written the same start/stop/notify/join code, a `stopping_` flag included; here it
// is once, on std::jthread: stop() fires the body's std::stop_token, and a wait_for()/wait_until() given
// that token returns at once, so no flag and no notify are needed to end a wait.
//
// stop() does not interrupt the body: it asks, then joins. What the body does with the request (finish the
// round in flight, drain a queue) stays the component's choice.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <thread>
#include <utility>

namespace semaphore {

class StoppableThread {
 public:
  using Lock = std::unique_lock<std::mutex>;

  StoppableThread() = default;
  ~StoppableThread() { stop(); }
  StoppableThread(const StoppableThread&) = delete;
  StoppableThread& operator=(const StoppableThread&) = delete;

  // Runs body(std::stop_token) on a new thread. False, and nothing started, while a thread runs already.
  template <class Body>
  bool start(Body&& body) {
    std::lock_guard control(control_);
    if (thread_.joinable()) return false;
    thread_ = std::jthread(std::forward<Body>(body));
    return true;
  }

  // Asks the body to return (its stop_token fires, which ends its waits) and waits until it has. False
  // when no thread was running. Must not be called from the body.
  bool stop() {
    std::lock_guard control(control_);
    if (!thread_.joinable()) return false;
    thread_.request_stop();
    thread_.join();
    return true;
  }

  bool running() const {
    std::lock_guard control(control_);
    return thread_.joinable();
  }

  // The mutex that guards the owner's shared state: lock it around that state and for the waits below.
  std::mutex& mutex() const { return mutex_; }
  void notify_one() { wake_.notify_one(); }
  void notify_all() { wake_.notify_all(); }

  // Waits until ready() holds (checked at each notify), the deadline passes or `stop` fires, whichever comes
  // first. Returns ready(); the caller checks stop.stop_requested() to tell a stop from a timeout.
  template <class Clock, class Duration, class Ready>
  bool wait_until(Lock& lock, std::stop_token stop, const std::chrono::time_point<Clock, Duration>& deadline,
                  Ready ready) {
    return wake_.wait_until(lock, std::move(stop), deadline, std::move(ready));
  }
  template <class Rep, class Period, class Ready>
  bool wait_for(Lock& lock, std::stop_token stop, const std::chrono::duration<Rep, Period>& timeout,
                Ready ready) {
    return wake_.wait_for(lock, std::move(stop), timeout, std::move(ready));
  }

 private:
  // control_ serializes start() and stop() (held across the join, which mutex_ must not be: the body needs
  // it to finish).
  mutable std::mutex control_;
  mutable std::mutex mutex_;
  std::condition_variable_any wake_;
  std::jthread thread_;
};

}  // namespace semaphore

#pragma once
// InterruptWatch: for the one-shot probe commands (`semaphore ping`, `semaphore trace`).
#include <pthread.h>
#include <signal.h>

#include <stop_token>
#include <thread>

namespace semaphore::cli {

// Ctrl-C or SIGTERM ends the run early (results so far are still printed, as fping does). Signals are
// blocked here and taken by a watcher thread, because std::stop_source is not async-signal-safe. The
// watcher sleeps in sigwait; at the end it is woken with kWake, so exiting costs no polling tick.
class InterruptWatch {
 public:
  static constexpr int kWake = SIGUSR1;

  explicit InterruptWatch(std::stop_source& source) {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, kWake);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
    thread_ = std::thread([this, &source] {
      int signal = 0;
      if (sigwait(&set_, &signal) == 0 && signal != kWake) source.request_stop();
    });
  }
  ~InterruptWatch() {
    pthread_kill(thread_.native_handle(), kWake);  // harmless when the watcher has already returned
    thread_.join();
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  InterruptWatch(const InterruptWatch&) = delete;
  InterruptWatch& operator=(const InterruptWatch&) = delete;

 private:
  sigset_t set_{}, old_{};
  std::thread thread_;
};

}  // namespace semaphore::cli

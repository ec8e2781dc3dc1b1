#pragma once
// A warning said at most once a minute (issue 16: an agent whose token is refused says so in its log once a
// minute, not at every request of its three threads). Thread-safe; shared by the agent's clients.
#include <spdlog/spdlog.h>

#include <chrono>
#include <mutex>
#include <string>

namespace semaphore::agent {

class ThrottledLog {
 public:
  explicit ThrottledLog(std::chrono::steady_clock::duration every = std::chrono::minutes(1))
      : every_(every) {}

  // Logs `message` as a warning unless one was logged less than `every` ago; returns whether it did.
  bool warn(const std::string& message) {
    const auto now = std::chrono::steady_clock::now();
    {
      std::lock_guard lock(mutex_);
      if (said_ && now - last_ < every_) return false;
      said_ = true;
      last_ = now;
    }
    spdlog::warn("{}", message);
    return true;
  }

 private:
  std::chrono::steady_clock::duration every_;
  std::mutex mutex_;
  bool said_ = false;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace semaphore::agent

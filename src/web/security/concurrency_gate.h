#pragma once
// A bounded number of expensive operations at once, with a bounded wait (issue 12). Password hashing is the
// case: argon2id takes a fifth of a second and 64 MiB, so sign-ups and sign-ins run through a gate that
// lets `max_active` of them work, `max_waiting` more queue, and refuses the rest at once — the page answers
// 503 with Retry-After, and the handler threads stay free for every other page.
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <utility>

namespace semaphore::web {

class ConcurrencyGate {
 public:
  // Held while the operation runs; lets the next waiter in when destroyed.
  class Pass {
   public:
    Pass(Pass&& other) noexcept : gate_(std::exchange(other.gate_, nullptr)) {}
    Pass& operator=(Pass&&) = delete;
    Pass(const Pass&) = delete;
    Pass& operator=(const Pass&) = delete;
    ~Pass() {
      if (gate_ != nullptr) gate_->leave();
    }

   private:
    friend class ConcurrencyGate;
    explicit Pass(ConcurrencyGate* gate) : gate_(gate) {}
    ConcurrencyGate* gate_;
  };

  ConcurrencyGate(std::size_t max_active, std::size_t max_waiting)
      : max_active_(max_active < 1 ? 1 : max_active), max_waiting_(max_waiting) {}

  // A pass once one of the active places is free; nullopt at once when `max_waiting` callers wait already.
  std::optional<Pass> enter() {
    std::unique_lock lock(mutex_);
    if (active_ >= max_active_) {
      if (waiting_ >= max_waiting_) return std::nullopt;
      ++waiting_;
      freed_.wait(lock, [this] { return active_ < max_active_; });
      --waiting_;
    }
    ++active_;
    return Pass(this);
  }

  // Callers waiting in enter() now (for tests to know when a caller is queued).
  std::size_t waiting() {
    const std::lock_guard lock(mutex_);
    return waiting_;
  }

 private:
  void leave() {
    {
      const std::lock_guard lock(mutex_);
      --active_;
    }
    freed_.notify_one();
  }

  const std::size_t max_active_;
  const std::size_t max_waiting_;
  std::mutex mutex_;
  std::condition_variable freed_;
  std::size_t active_ = 0;
  std::size_t waiting_ = 0;
};

}  // namespace semaphore::web

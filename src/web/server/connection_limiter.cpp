#include "web/server/connection_limiter.h"

#include <utility>

namespace semaphore::web {

ConnectionLimiter::Ticket::Ticket(Ticket&& other) noexcept
    : limiter_(std::exchange(other.limiter_, nullptr)), key_(std::move(other.key_)) {}

ConnectionLimiter::Ticket& ConnectionLimiter::Ticket::operator=(Ticket&& other) noexcept {
  if (this != &other) {
    release();
    limiter_ = std::exchange(other.limiter_, nullptr);
    key_ = std::move(other.key_);
  }
  return *this;
}

ConnectionLimiter::Ticket::~Ticket() {
  release();
}

void ConnectionLimiter::Ticket::release() {
  if (limiter_ != nullptr) std::exchange(limiter_, nullptr)->release(key_);
}

ConnectionLimiter::Admission ConnectionLimiter::admit(const std::string& address_key, bool per_address_cap) {
  const std::lock_guard lock(mutex_);
  if (open_ >= max_total_) return {Verdict::server_full, Ticket()};
  std::size_t& mine = per_address_[address_key];
  if (per_address_cap && mine >= max_per_address_) return {Verdict::address_full, Ticket()};
  ++mine;
  ++open_;
  return {Verdict::admitted, Ticket(this, address_key)};
}

std::size_t ConnectionLimiter::open() const {
  const std::lock_guard lock(mutex_);
  return open_;
}

void ConnectionLimiter::release(const std::string& key) {
  const std::lock_guard lock(mutex_);
  --open_;
  const auto it = per_address_.find(key);
  if (it != per_address_.end() && --it->second == 0) per_address_.erase(it);
}

}  // namespace semaphore::web

#include "web/security/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace semaphore::web {

RateLimiter::RateLimiter(double rate, double burst, std::size_t max_keys)
    : rate_(std::max(rate, 0.0) / 1000.0),
      burst_(std::max(1.0, burst)),
      max_keys_(std::max<std::size_t>(1, max_keys)) {}

RateLimiter::Bucket& RateLimiter::bucket(const std::string& key, std::int64_t now_ms) {
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) {
      std::erase_if(buckets_, [&](const auto& entry) {
        const Bucket& old = entry.second;
        return old.tokens + static_cast<double>(std::max<std::int64_t>(0, now_ms - old.at_ms)) * rate_ >=
               burst_;
      });
      if (buckets_.size() >= max_keys_) buckets_.clear();
    }
    it = buckets_.emplace(key, Bucket{burst_, now_ms}).first;
  }
  Bucket& found = it->second;
  if (now_ms > found.at_ms) {
    found.tokens = std::min(burst_, found.tokens + static_cast<double>(now_ms - found.at_ms) * rate_);
    found.at_ms = now_ms;
  }
  return found;
}

std::optional<std::chrono::milliseconds> RateLimiter::wait_for(const Bucket& bucket) const {
  if (bucket.tokens >= 1.0) return std::nullopt;
  if (rate_ <= 0) return std::chrono::milliseconds(std::chrono::hours(24));
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil((1.0 - bucket.tokens) / rate_)));
}

std::optional<std::chrono::milliseconds> RateLimiter::take(const std::string& key, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  Bucket& found = bucket(key, now_ms);
  if (auto wait = wait_for(found)) return wait;
  found.tokens -= 1.0;
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> RateLimiter::wait(const std::string& key, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  if (!buckets_.contains(key)) return std::nullopt;  // a new bucket would be full: no need to make one
  return wait_for(bucket(key, now_ms));
}

std::size_t RateLimiter::keys() const {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

std::string retry_after_seconds(std::chrono::milliseconds wait) {
  return std::to_string(std::max<std::int64_t>(1, (wait.count() + 999) / 1000));
}

}  // namespace semaphore::web

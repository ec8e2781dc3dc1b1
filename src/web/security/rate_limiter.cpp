#include "web/security/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

namespace semaphore::web {

RateLimiter::RateLimiter(double rate, double burst, std::size_t max_keys)
    : rate_(std::max(rate, 0.0) / 1000.0),
      burst_(std::max(1.0, burst)),
      max_keys_(std::max<std::size_t>(1, max_keys)) {}

double RateLimiter::tokens_at(const Bucket& bucket, std::int64_t now_ms) const {
  return std::min(
      burst_, bucket.tokens + static_cast<double>(std::max<std::int64_t>(0, now_ms - bucket.at_ms)) * rate_);
}

void RateLimiter::make_room(std::int64_t now_ms) {
  // Buckets that have filled up again hold nothing a new bucket would not.
  std::erase_if(buckets_, [&](const auto& entry) { return tokens_at(entry.second, now_ms) >= burst_; });
  if (buckets_.size() < max_keys_) return;
  // Every bucket is still drawn down: someone is spending tokens under many keys at once. Keep the half that
  // is drawn down the most, so that whoever fills the table cannot reset the buckets that hold them back
  // (clearing them all would hand every key a full burst again).
  std::vector<std::pair<double, const std::string*>> by_tokens;
  by_tokens.reserve(buckets_.size());
  for (const auto& [key, bucket] : buckets_) by_tokens.emplace_back(tokens_at(bucket, now_ms), &key);
  const auto keep = by_tokens.begin() + static_cast<std::ptrdiff_t>(max_keys_ / 2);
  std::nth_element(by_tokens.begin(), keep, by_tokens.end());
  std::vector<std::string> evicted;
  evicted.reserve(static_cast<std::size_t>(by_tokens.end() - keep));
  for (auto it = keep; it != by_tokens.end(); ++it) evicted.push_back(*it->second);
  for (const auto& key : evicted) buckets_.erase(key);
}

RateLimiter::Bucket& RateLimiter::bucket(const std::string& key, std::int64_t now_ms) {
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) make_room(now_ms);
    it = buckets_.emplace(key, Bucket{burst_, now_ms}).first;
  }
  Bucket& found = it->second;
  if (now_ms > found.at_ms) {
    found.tokens = tokens_at(found, now_ms);
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

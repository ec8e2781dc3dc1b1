#pragma once
// A token bucket per key, in this process's memory: `rate` tokens a second, at most `burst` saved up, each
// key's bucket starting full. Used for API tokens (requests per token) and for failed bearer attempts (per
// client address), where a database write per request is what the limit is there to avoid. Replicas count
// each on their own.
//
// Bounded: at most `max_keys` buckets. When that is reached, the buckets that have filled up again are
// dropped (they hold nothing a new bucket would not); if none has, the half with the most tokens left is,
// so that the keys being held back stay held back however many new keys someone brings.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace semaphore::web {

class RateLimiter {
 public:
  RateLimiter(double rate, double burst, std::size_t max_keys = 10'000);

  // Takes one token from `key`'s bucket at `now_ms` (any monotonic-enough milliseconds): nullopt when it
  // had one, else how long until it will (the caller answers 429 with Retry-After), taking nothing.
  std::optional<std::chrono::milliseconds> take(const std::string& key, std::int64_t now_ms);
  // The same wait, without taking a token: may `key` go on?
  std::optional<std::chrono::milliseconds> wait(const std::string& key, std::int64_t now_ms);

  std::size_t keys() const;

 private:
  struct Bucket {
    double tokens = 0;
    std::int64_t at_ms = 0;
  };
  Bucket& bucket(const std::string& key, std::int64_t now_ms);  // refilled to now_ms; mutex held
  double tokens_at(const Bucket& bucket, std::int64_t now_ms) const;
  void make_room(std::int64_t now_ms);  // mutex held
  std::optional<std::chrono::milliseconds> wait_for(const Bucket& bucket) const;

  double rate_;  // tokens per millisecond
  double burst_;
  std::size_t max_keys_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

// Retry-After's value for `wait`: whole seconds, rounded up, at least 1.
std::string retry_after_seconds(std::chrono::milliseconds wait);

}  // namespace semaphore::web

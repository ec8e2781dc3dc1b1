#pragma once
// TokenBucket: paces sends at `rate` per second with a small burst, so a round's probes leave as an even
// stream rather than one burst at second zero (a burst overflows socket buffers and queues replies behind
// each other, which shows up as false RTT).
#include <algorithm>
#include <cstdint>

namespace semaphore::probe {

class TokenBucket {
 public:
  // `rate` tokens per second, at most `burst` saved up. The bucket starts full.
  TokenBucket(double rate, double burst, std::int64_t now_ns)
      : ns_per_token_(rate > 0 ? 1e9 / rate : 0),
        burst_(std::max(1.0, burst)),
        tokens_(burst_),
        last_ns_(now_ns) {}

  // Whole tokens available at `now_ns`.
  std::int64_t available(std::int64_t now_ns) {
    refill(now_ns);
    return static_cast<std::int64_t>(tokens_);
  }

  void take(std::int64_t n) { tokens_ -= static_cast<double>(n); }

  // When `n` tokens (at most the burst) will be there (now when they are): the time to send a backlog as
  // one batch.
  std::int64_t ready_ns(std::int64_t now_ns, double n) {
    refill(now_ns);
    const double wanted = std::min(n, burst_);
    if (tokens_ >= wanted || ns_per_token_ == 0) return now_ns;
    return now_ns + static_cast<std::int64_t>((wanted - tokens_) * ns_per_token_) + 1;
  }

  // When the next whole token will be there (now when one is).
  std::int64_t next_token_ns(std::int64_t now_ns) {
    refill(now_ns);
    if (tokens_ >= 1 || ns_per_token_ == 0) return now_ns;
    return now_ns + static_cast<std::int64_t>((1 - tokens_) * ns_per_token_) + 1;
  }

 private:
  void refill(std::int64_t now_ns) {
    if (ns_per_token_ == 0) {
      tokens_ = burst_;  // unlimited rate
    } else if (now_ns > last_ns_) {
      tokens_ = std::min(burst_, tokens_ + static_cast<double>(now_ns - last_ns_) / ns_per_token_);
    }
    last_ns_ = std::max(last_ns_, now_ns);
  }

  double ns_per_token_;
  double burst_;
  double tokens_;
  std::int64_t last_ns_;
};

}  // namespace semaphore::probe

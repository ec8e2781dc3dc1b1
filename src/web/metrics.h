#pragma once
// Counters of the web server, and the /metrics page in the Prometheus text format (with the ping service's
// counters when it runs in the same process).
#include <array>
#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "web/http_types.h"

namespace semaphore::web {

class RequestMetrics {
 public:
  void record(int status, std::chrono::microseconds duration);
  // The Prometheus exposition: semaphore_http_* series, then each of `extra` as semaphore_<name>.
  std::string prometheus(const std::map<std::string, double>& extra) const;

  static constexpr std::array<double, 9> kBucketsS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2.0};

 private:
  std::array<std::atomic<long long>, 5> by_class_{};  // 1xx..5xx
  std::array<std::atomic<long long>, kBucketsS.size()> buckets_{};
  std::atomic<long long> count_{0};
  std::atomic<long long> sum_us_{0};
};

// /metrics says how busy the server is and how many users and hosts it holds: with a token (--metrics-token)
// only to a scraper that shows it (Authorization: Bearer), without one only to clients on this machine.
// nullopt when the request may have the metrics; else the answer (401 or 403).
std::optional<Response> metrics_refusal(const Request& request, const std::string& token);

}  // namespace semaphore::web

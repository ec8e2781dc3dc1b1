#pragma once
// Counters of the web server for /metrics: requests by route pattern and status code, and a latency
// histogram by route pattern. The route is the pattern that matched ("/report/{id}"), never the path asked
// for, so the series stay as many as the routes (one label value, "unmatched", for every path no route
// matches). The hot path is lock-free: a fixed array of atomics per (route, status code), sized once at
// start-up when the routes are known.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/prometheus_text.h"
#include "store/records.h"
#include "web/http_types.h"
#include "web/router.h"

namespace semaphore::web {

class RequestMetrics {
 public:
  // What record() takes besides a router index.
  static constexpr int kUnmatched = -1;  // no route matched the path (404, 405)
  static constexpr int kStatic = -2;     // /static/{file}
  static constexpr int kNotRouted = -3;  // answered by the server before routing (400, 408, 413, 503)

  RequestMetrics();
  // Makes one slot per distinct pattern of `router` (a pattern's methods share it). Call once, before the
  // first request.
  void set_routes(const Router& router);

  // `route`: the router's index, or one of the constants above. Lock-free.
  void record(int route, int status, std::chrono::microseconds duration);

  // semaphore_http_requests_total{route,code} and semaphore_http_request_duration_seconds{route}: the series
  // of slots that saw a request.
  void write_prometheus(PrometheusText& out) const;

 private:
  std::size_t slot_of(int route) const;

  std::vector<std::string> slot_labels_;                  // the route label of each slot
  std::vector<std::size_t> slot_of_route_;                // router index -> slot
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // [slot][code slot]
  std::deque<AtomicHistogram> latency_;                   // [slot]
};

// /metrics says how busy the server is and how many users and hosts it holds: with a token (--metrics-token)
// only to a scraper that shows it (Authorization: Bearer), without one only to clients on this machine.
// nullopt when the request may have the metrics; else the answer (401 or 403).
std::optional<Response> metrics_refusal(const Request& request, const std::string& token);

// The process's own series (Prometheus' standard names): start time, CPU seconds, resident memory, open file
// descriptors, read from /proc/self; plus semaphore_build_info{version}.
void write_process_metrics(PrometheusText& out);

// --metrics-hosts: per host (labels host_id, hostname, provider, service) the last round's median RTT, its
// loss ratio, the state as the report shows it (0 up, 1 unknown, 2 degraded, 3 down) and when the last round
// started. Series grow with the hosts: off by default.
void write_host_metrics(PrometheusText& out, const std::vector<store::HostStatus>& hosts, EpochMs now,
                        std::chrono::seconds stale_after);

}  // namespace semaphore::web

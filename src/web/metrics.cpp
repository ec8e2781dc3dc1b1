#include "web/metrics.h"

#include <sodium.h>

#include <cctype>
#include <cstdio>

namespace semaphore::web {
namespace {

std::string metric_name(const std::string& name) {
  std::string out = "semaphore_";
  for (char c : name) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out;
}

}  // namespace

void RequestMetrics::record(int status, std::chrono::microseconds duration) {
  const int klass = status / 100;
  if (klass >= 1 && klass <= 5)
    by_class_[static_cast<std::size_t>(klass - 1)].fetch_add(1, std::memory_order_relaxed);
  const double seconds = static_cast<double>(duration.count()) / 1e6;
  for (std::size_t i = 0; i < kBucketsS.size(); ++i) {
    if (seconds <= kBucketsS[i]) buckets_[i].fetch_add(1, std::memory_order_relaxed);
  }
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_us_.fetch_add(duration.count(), std::memory_order_relaxed);
}

std::string RequestMetrics::prometheus(const std::map<std::string, double>& extra) const {
  std::string out;
  out += "# HELP semaphore_http_requests_total HTTP requests answered, by status class.\n";
  out += "# TYPE semaphore_http_requests_total counter\n";
  for (std::size_t i = 0; i < by_class_.size(); ++i) {
    out += "semaphore_http_requests_total{code=\"" + std::to_string(i + 1) + "xx\"} " +
           std::to_string(by_class_[i].load(std::memory_order_relaxed)) + "\n";
  }
  out += "# HELP semaphore_http_request_duration_seconds Time to answer a request.\n";
  out += "# TYPE semaphore_http_request_duration_seconds histogram\n";
  char line[160];
  for (std::size_t i = 0; i < kBucketsS.size(); ++i) {
    std::snprintf(line, sizeof line, "semaphore_http_request_duration_seconds_bucket{le=\"%g\"} %lld\n",
                  kBucketsS[i], buckets_[i].load(std::memory_order_relaxed));
    out += line;
  }
  const long long count = count_.load(std::memory_order_relaxed);
  std::snprintf(line, sizeof line, "semaphore_http_request_duration_seconds_bucket{le=\"+Inf\"} %lld\n",
                count);
  out += line;
  std::snprintf(line, sizeof line, "semaphore_http_request_duration_seconds_sum %.6f\n",
                static_cast<double>(sum_us_.load(std::memory_order_relaxed)) / 1e6);
  out += line;
  out += "semaphore_http_request_duration_seconds_count " + std::to_string(count) + "\n";
  for (const auto& [name, value] : extra) {
    const std::string metric = metric_name(name);
    std::snprintf(line, sizeof line, "%.17g", value);
    out.append("# TYPE ")
        .append(metric)
        .append(" gauge\n")
        .append(metric)
        .append(" ")
        .append(line)
        .append("\n");
  }
  return out;
}

// /metrics says how busy the server is and how many users and hosts it holds: with --metrics-token only to
// a scraper that shows the token (Authorization: Bearer), without one only to this machine.
std::optional<Response> metrics_refusal(const Request& request, const std::string& token) {
  if (!token.empty()) {
    const std::string_view given = request.header("authorization");
    const std::string expected = "Bearer " + token;
    if (given.size() == expected.size() &&
        sodium_memcmp(given.data(), expected.data(), expected.size()) == 0) {
      return std::nullopt;
    }
    Response response = text_response(401, "The metrics need the token: Authorization: Bearer <token>.\n");
    response.add_header("WWW-Authenticate", "Bearer");
    return response;
  }
  const std::string& client = request.client_address;
  if (client.rfind("127.", 0) == 0 || client == "::1") return std::nullopt;
  return text_response(403, "Start Semaphore with --metrics-token to scrape the metrics from elsewhere.\n");
}

}  // namespace semaphore::web

#include "web/metrics.h"

#include <sodium.h>
#include <sys/resource.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/provider.h"
#include "core/version.h"
#include "web/view/host_state.h"

namespace semaphore::web {
namespace {

// The status codes the app and the server answer with; any other counts as code="other".
constexpr std::array<int, 34> kCodes = {200, 201, 202, 204, 206, 301, 302, 303, 304, 307, 308, 400,
                                        401, 403, 404, 405, 406, 408, 409, 410, 411, 412, 413, 414,
                                        415, 416, 422, 429, 431, 500, 501, 502, 503, 504};
constexpr std::size_t kCodeSlots = kCodes.size() + 1;  // the last: other

// status -> code slot, for every status 0..599.
constexpr std::array<std::uint8_t, 600> kCodeSlot = [] {
  std::array<std::uint8_t, 600> slots{};
  for (auto& slot : slots) slot = static_cast<std::uint8_t>(kCodes.size());
  for (std::size_t i = 0; i < kCodes.size(); ++i)
    slots[static_cast<std::size_t>(kCodes[i])] = static_cast<std::uint8_t>(i);
  return slots;
}();

// The slots every app has, before its routes: the constants' order (-1, -2, -3 -> 0, 1, 2).
constexpr std::array<const char*, 3> kPseudoLabels = {"unmatched", "/static/{file}", "not_routed"};

}  // namespace

RequestMetrics::RequestMetrics() {
  set_routes(Router{});
}

void RequestMetrics::set_routes(const Router& router) {
  slot_labels_.assign(kPseudoLabels.begin(), kPseudoLabels.end());
  slot_of_route_.clear();
  for (std::size_t route = 0; route < router.size(); ++route) {
    const std::string& pattern = router.pattern(route);
    std::size_t slot = 0;
    while (slot < slot_labels_.size() && slot_labels_[slot] != pattern) ++slot;
    if (slot == slot_labels_.size()) slot_labels_.push_back(pattern);
    slot_of_route_.push_back(slot);
  }
  counts_ = std::make_unique<std::atomic<std::uint64_t>[]>(slot_labels_.size() * kCodeSlots);
  latency_.clear();
  for (std::size_t i = 0; i < slot_labels_.size(); ++i) latency_.emplace_back(kLatencySecondsBuckets);
}

std::size_t RequestMetrics::slot_of(int route) const {
  if (route >= 0 && static_cast<std::size_t>(route) < slot_of_route_.size())
    return slot_of_route_[static_cast<std::size_t>(route)];
  if (route == kStatic) return 1;
  if (route == kNotRouted) return 2;
  return 0;
}

void RequestMetrics::record(int route, int status, std::chrono::microseconds duration) {
  const std::size_t slot = slot_of(route);
  const std::size_t code = status >= 0 && status < static_cast<int>(kCodeSlot.size())
                               ? kCodeSlot[static_cast<std::size_t>(status)]
                               : kCodes.size();
  counts_[slot * kCodeSlots + code].fetch_add(1, std::memory_order_relaxed);
  latency_[slot].observe(static_cast<double>(duration.count()) / 1e6);
}

void RequestMetrics::write_prometheus(PrometheusText& out) const {
  out.family("semaphore_http_requests_total", MetricType::counter,
             "HTTP requests answered, by route pattern and status code.");
  for (std::size_t slot = 0; slot < slot_labels_.size(); ++slot) {
    for (std::size_t code = 0; code < kCodeSlots; ++code) {
      const std::uint64_t n = counts_[slot * kCodeSlots + code].load(std::memory_order_relaxed);
      if (n == 0) continue;
      const std::string code_text = code < kCodes.size() ? std::to_string(kCodes[code]) : "other";
      out.sample(static_cast<double>(n), {{"route", slot_labels_[slot]}, {"code", code_text}});
    }
  }
  out.family("semaphore_http_request_duration_seconds", MetricType::histogram,
             "Time the app took to answer a request, by route pattern.");
  for (std::size_t slot = 0; slot < slot_labels_.size(); ++slot) {
    const HistogramSnapshot snapshot = latency_[slot].snapshot();
    if (snapshot.count() == 0) continue;
    out.histogram(snapshot, {{"route", slot_labels_[slot]}});
  }
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

void write_process_metrics(PrometheusText& out) {
  out.family("semaphore_build_info", MetricType::gauge, "Always 1; the version of the running binary.");
  out.sample(1, {{"version", kVersion}});

  // /proc/self/stat: the fields after the command name (which may hold spaces) in parentheses.
  std::ifstream stat_file("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
  const auto close = stat.rfind(')');
  if (close != std::string::npos) {
    std::istringstream fields(stat.substr(close + 2));
    std::vector<std::string> field;  // field[0] is the state (the stat file's 3rd field)
    for (std::string f; fields >> f;) field.push_back(f);
    const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
    const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
    if (field.size() > 21 && ticks > 0) {
      const double cpu = (std::stod(field[11]) + std::stod(field[12])) / ticks;  // utime + stime
      out.counter("process_cpu_seconds_total", "User and system CPU time the process used.", cpu);
      // starttime counts ticks since boot; /proc/stat's btime is the boot in Unix seconds.
      std::ifstream boot_file("/proc/stat");
      for (std::string line; std::getline(boot_file, line);) {
        if (line.rfind("btime ", 0) != 0) continue;
        const double boot = std::stod(line.substr(6));
        out.gauge("process_start_time_seconds", "When the process started, in seconds since the Unix epoch.",
                  boot + std::stod(field[19]) / ticks);
        break;
      }
      out.gauge("process_resident_memory_bytes", "Resident memory of the process.",
                std::stod(field[21]) * page);
    }
  }
  std::error_code error;
  double open_fds = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", error), end; !error && it != end;
       it.increment(error)) {
    ++open_fds;
  }
  out.gauge("process_open_fds", "Open file descriptors (connections, database, sockets, spool).", open_fds);
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    out.gauge("process_max_fds", "The open-file limit.", static_cast<double>(limit.rlim_cur));
  }
}

void write_host_metrics(PrometheusText& out, const std::vector<store::HostStatus>& hosts, EpochMs now,
                        std::chrono::seconds stale_after) {
  struct HostLabels {
    std::string id;
    std::string_view provider;
  };
  std::vector<HostLabels> labels;
  labels.reserve(hosts.size());
  for (const auto& status : hosts)
    labels.push_back({std::to_string(status.host.id), to_string(status.host.provider)});
  // Each family's samples together, as the format requires: one pass over the hosts per family.
  auto each = [&](auto&& write) {
    for (std::size_t i = 0; i < hosts.size(); ++i) {
      const store::Host& host = hosts[i].host;
      write(hosts[i], MetricLabels{{"host_id", labels[i].id},
                                   {"hostname", host.hostname},
                                   {"provider", labels[i].provider},
                                   {"service", host.service}});
    }
  };
  out.family("semaphore_host_rtt_median_seconds", MetricType::gauge,
             "The median round-trip time of the host's last round (hosts with a reply in it).");
  each([&](const store::HostStatus& status, MetricLabels l) {
    if (status.latest && status.latest->median_ms) out.sample(*status.latest->median_ms / 1000, l);
  });
  out.family("semaphore_host_loss_ratio", MetricType::gauge,
             "The share of the last round's probes that got no reply, 0 to 1.");
  each([&](const store::HostStatus& status, MetricLabels l) {
    if (!status.latest) return;
    if (const auto loss = loss_of(status.latest->sent, status.latest->received)) out.sample(*loss, l);
  });
  out.family("semaphore_host_state", MetricType::gauge,
             "The host's state as the report shows it: 0 up, 1 unknown, 2 degraded, 3 down.");
  each([&](const store::HostStatus& status, MetricLabels l) {
    out.sample(severity(judge_host(status, now, stale_after).state), l);
  });
  out.family("semaphore_host_last_round_timestamp_seconds", MetricType::gauge,
             "When the host's last round started, in seconds since the Unix epoch.");
  each([&](const store::HostStatus& status, MetricLabels l) {
    if (status.latest) out.sample(static_cast<double>(status.latest->ts) / 1000, l);
  });
}

}  // namespace semaphore::web

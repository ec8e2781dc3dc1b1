#include "cli/ping_output.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace semaphore::cli {
namespace {

std::string format(const char* spec, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, spec, value);
  return buffer;
}

std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + '"';
}

std::string json_number(double value) {
  return std::isfinite(value) ? format("%.6f", value) : "null";
}

bool resolved(const probe::HostResult& r) {
  return r.error != probe::HostError::unresolvable;
}

// Calls f(result) for every host in order, with one HostResult reused for all of them.
template <class F>
void for_each_host(const probe::CompactResults& results, F&& f) {
  probe::HostResult r;
  for (std::size_t i = 0; i < results.size(); ++i) {
    results.get(i, r);
    f(r);
  }
}

}  // namespace

std::string fping_time(double ms) {
  if (ms < 0.0) return format("%.2g", ms);
  if (ms < 1.0) return format("%.3f", ms);
  if (ms < 10.0) return format("%.2f", ms);
  if (ms < 100.0) return format("%.1f", ms);
  if (ms < 1000000.0) return format("%.0f", ms);
  return format("%.3e", ms);
}

void fping_summary(std::FILE* file, const probe::CompactResults& results) {
  std::size_t width = 0;
  for_each_host(results, [&](const probe::HostResult& r) {
    if (resolved(r)) width = std::max(width, r.host.size());
  });
  std::string out;
  for_each_host(results, [&](const probe::HostResult& r) {
    if (!resolved(r)) return;
    out += r.host;
    out.append(width - r.host.size(), ' ');
    out += " :";
    for (const double rtt : r.rtts_ms) out += std::isnan(rtt) ? " -" : " " + fping_time(rtt);
    out += '\n';
    std::fputs(out.c_str(), file);
    out.clear();
  });
}

void fping_replies(std::FILE* file, const probe::CompactResults& results, int packet_bytes) {
  std::size_t width = 0;
  for_each_host(results, [&](const probe::HostResult& r) {
    if (resolved(r)) width = std::max(width, r.host.size());
  });
  for_each_host(results, [&](const probe::HostResult& r) {
    double sum = 0;
    int received = 0;
    for (std::size_t i = 0; i < r.rtts_ms.size(); ++i) {
      if (std::isnan(r.rtts_ms[i])) continue;
      sum += r.rtts_ms[i];
      ++received;
      const int loss = static_cast<int>((i + 1 - static_cast<std::size_t>(received)) * 100 / (i + 1));
      char line[512];
      std::snprintf(line, sizeof line, "%-*s : [%zu], %d bytes, %s ms (%s avg, %d%% loss)\n",
                    static_cast<int>(width), r.host.c_str(), i, packet_bytes,
                    fping_time(r.rtts_ms[i]).c_str(), fping_time(sum / received).c_str(), loss);
      std::fputs(line, file);
    }
  });
}

int fping_exit_code(const probe::CompactResults& results) {
  bool unreachable = false, unresolved = false;
  for_each_host(results, [&](const probe::HostResult& r) {
    if (!resolved(r)) unresolved = true;
    if (r.received == 0) unreachable = true;
  });
  return unresolved ? 2 : unreachable ? 1 : 0;
}

void native_report(std::FILE* file, const probe::CompactResults& results, bool all_rtts, double seconds) {
  std::string out;
  int reachable = 0, unreachable = 0, unresolvable = 0;
  long sent = 0, received = 0;
  for_each_host(results, [&](const probe::HostResult& r) {
    sent += r.sent;
    received += r.received;
    out += r.host;
    if (r.address && r.address->to_string() != r.host) out += " (" + r.address->to_string() + ")";
    out += " : ";
    if (r.error == probe::HostError::unresolvable) {
      ++unresolvable;
    } else if (r.received > 0) {
      ++reachable;
    } else {
      ++unreachable;
    }
    if (r.sent > 0) {
      const double loss = 100.0 * (r.sent - r.received) / r.sent;
      out += std::to_string(r.received) + "/" + std::to_string(r.sent) + " received, " +
             format("%.0f", loss) + "% loss";
      if (auto s = r.summary()) {
        out += format(", rtt min/avg/max/median/stddev = %.3f", s->min_ms) + format("/%.3f", s->avg_ms) +
               format("/%.3f", s->max_ms) + format("/%.3f", s->median_ms) + format("/%.3f ms", s->stddev_ms);
      }
      if (r.duplicates > 0) out += ", " + std::to_string(r.duplicates) + " duplicates";
      if (r.late > 0) out += ", " + std::to_string(r.late) + " late";
    }
    if (r.error != probe::HostError::none) {
      out += std::string(r.sent > 0 ? ", " : "") + probe::to_string(r.error);
      if (!r.error_detail.empty()) out += " (" + r.error_detail + ")";
    }
    if (all_rtts && !r.rtts_ms.empty()) {
      out += " [";
      for (std::size_t i = 0; i < r.rtts_ms.size(); ++i) {
        out += (i ? " " : "") + (std::isnan(r.rtts_ms[i]) ? std::string("-") : format("%.3f", r.rtts_ms[i]));
      }
      out += "]";
    }
    out += '\n';
    std::fputs(out.c_str(), file);
    out.clear();
  });
  const double loss = sent > 0 ? 100.0 * static_cast<double>(sent - received) / static_cast<double>(sent) : 0;
  out += std::to_string(results.size()) + " hosts: " + std::to_string(reachable) + " reachable, " +
         std::to_string(unreachable) + " unreachable, " + std::to_string(unresolvable) + " unresolvable; " +
         std::to_string(sent) + " probes sent, " + std::to_string(received) + " received (" +
         format("%.1f", loss) + "% loss) in " + format("%.2f", seconds) + " s\n";
  std::fputs(out.c_str(), file);
}

void json_report(std::FILE* file, const probe::CompactResults& results, const probe::EngineCounters& c,
                 double seconds) {
  std::string out = "{\"hosts\":[";
  long sent = 0, received = 0;
  probe::HostResult r;
  for (std::size_t i = 0; i < results.size(); ++i) {
    results.get(i, r);
    sent += r.sent;
    received += r.received;
    out += i ? ",\n{" : "\n{";
    out += "\"host\":" + json_string(r.host);
    out += ",\"address\":" + (r.address ? json_string(r.address->to_string()) : std::string("null"));
    out += ",\"error\":" +
           (r.error == probe::HostError::none ? std::string("null") : json_string(probe::to_string(r.error)));
    out += ",\"error_detail\":" + json_string(r.error_detail);
    out += ",\"sent\":" + std::to_string(r.sent) + ",\"received\":" + std::to_string(r.received);
    const auto s = r.summary();
    const double nan = std::nan("");
    out += ",\"min_ms\":" + json_number(s ? s->min_ms : nan) +
           ",\"avg_ms\":" + json_number(s ? s->avg_ms : nan) +
           ",\"max_ms\":" + json_number(s ? s->max_ms : nan) +
           ",\"median_ms\":" + json_number(s ? s->median_ms : nan) +
           ",\"stddev_ms\":" + json_number(s ? s->stddev_ms : nan);
    out += ",\"rtts_ms\":[";
    for (std::size_t k = 0; k < r.rtts_ms.size(); ++k) out += (k ? "," : "") + json_number(r.rtts_ms[k]);
    out += "],\"late\":" + std::to_string(r.late) + ",\"duplicates\":" + std::to_string(r.duplicates) +
           ",\"icmp_errors\":" + std::to_string(r.icmp_errors) + "}";
    std::fputs(out.c_str(), file);
    out.clear();
  }
  out += "\n],\"summary\":{\"hosts\":" + std::to_string(results.size()) +
         ",\"sent\":" + std::to_string(sent) + ",\"received\":" + std::to_string(received) +
         ",\"seconds\":" + format("%.3f", seconds) + "},";
  out += "\"engine\":{\"sent\":" + std::to_string(c.sent) + ",\"received\":" + std::to_string(c.received) +
         ",\"late\":" + std::to_string(c.late) + ",\"duplicates\":" + std::to_string(c.duplicates) +
         ",\"malformed\":" + std::to_string(c.malformed) + ",\"foreign\":" + std::to_string(c.foreign) +
         ",\"icmp_errors\":" + std::to_string(c.icmp_errors) +
         ",\"send_errors\":" + std::to_string(c.send_errors) +
         ",\"receive_drops\":" + std::to_string(c.receive_drops) +
         ",\"dns_failures\":" + std::to_string(c.dns_failures) + "}}\n";
  std::fputs(out.c_str(), file);
}

}  // namespace semaphore::cli

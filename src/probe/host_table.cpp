#include "probe/host_table.h"

#include "core/rtt_stats.h"

namespace semaphore::probe {

void HostTable::reset(std::size_t hosts, std::uint32_t probes_per_host, bool tcp) {
  count = probes_per_host;
  // assign() on a fresh vector allocates exactly: no growth slack in a 100,000-host run.
  addresses.assign(hosts, IpAddress{});
  states.assign(hosts, HostState{});
  rtts_us.assign(hosts * probes_per_host, kUnsent);
  refused.assign(tcp ? hosts * probes_per_host : 0, false);
  details.clear();
  run_detail.clear();
}

void HostTable::fill(std::uint32_t host, std::string_view name, HostResult& out) const {
  const HostState& s = states[host];
  out.host.assign(name);
  out.address.reset();
  if (s.has_address) out.address = addresses[host];
  out.sent = out.received = out.icmp_errors = out.send_errors = out.refused = 0;
  out.refused_probes.clear();
  out.late = s.late;
  out.duplicates = s.duplicates;
  out.rtts_ms.clear();
  const std::size_t first = std::size_t{host} * count;
  for (std::size_t k = first; k < first + count; ++k) {
    const std::uint32_t v = rtts_us[k];
    if (v == kUnsent) continue;
    if (v == kSendFailed) {
      ++out.send_errors;
      continue;
    }
    ++out.sent;
    if (v == kIcmpError) ++out.icmp_errors;
    if (v >= kIcmpError) {
      out.rtts_ms.push_back(kNoReply);
    } else {
      ++out.received;
      out.rtts_ms.push_back(static_cast<double>(v) / 1000.0);
    }
    if (!refused.empty()) {
      out.refused_probes.push_back(refused[k]);
      if (refused[k]) ++out.refused;
    }
  }
  const auto detail = details.find(host);
  out.error_detail = detail != details.end() ? detail->second : run_detail;
  out.error = static_cast<HostError>(s.error);
  if (out.error != HostError::none) return;
  if (out.received > 0) {
    out.error_detail.clear();
  } else if (out.icmp_errors > 0) {
    out.error = HostError::unreachable;
  } else if (out.sent > 0) {
    out.error = HostError::timeout;
    out.error_detail.clear();
  } else if (out.send_errors > 0) {
    out.error = HostError::send_failed;
  }
}

}  // namespace semaphore::probe

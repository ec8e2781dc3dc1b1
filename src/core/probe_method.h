#pragma once
// How a host is probed (issue 15): by ICMP echo (the default), by TCP connect to a port (for hosts whose
// firewall drops ping: cloud security groups, load balancers), or both each round. A result row records the
// one method it measured (ProbeKind); a `both` host gets two rows per round, one of each kind.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace semaphore {

enum class ProbeMethod { icmp, tcp, both };

// What one result row measured. Stored as a small integer (ping_results.method, ping_rollups.method): the
// values are part of the schema and never change.
enum class ProbeKind : std::uint8_t { icmp = 0, tcp = 1 };

inline constexpr std::uint16_t kDefaultTcpPort = 443;

std::string_view to_string(ProbeMethod method);                        // "icmp", "tcp", "both"
std::string_view to_string(ProbeKind kind);                            // "icmp", "tcp"
std::optional<ProbeMethod> parse_probe_method(std::string_view text);  // exact lower-case names
std::optional<ProbeKind> probe_kind_from_int(int stored);              // 0, 1; else nullopt
inline int to_int(ProbeKind kind) {
  return static_cast<int>(kind);
}

inline bool probes_icmp(ProbeMethod method) {
  return method != ProbeMethod::tcp;
}
inline bool probes_tcp(ProbeMethod method) {
  return method != ProbeMethod::icmp;
}

// A host's method with its port, as written in the import format, the CLI and the API's `probe` field:
// "icmp", "tcp" (port 443), "tcp:22", "both", "both:8443". The port is 1-65535; an icmp spec carries none.
struct ProbeSpec {
  ProbeMethod method = ProbeMethod::icmp;
  std::uint16_t tcp_port = kDefaultTcpPort;  // meaningful when method is tcp or both

  bool operator==(const ProbeSpec&) const = default;
};

// Parses a spec (surrounding blanks trimmed, the method's name case-insensitive). On failure: nullopt and
// `error` says why in a sentence fit for a form ("The port must be a number from 1 to 65535.").
std::optional<ProbeSpec> parse_probe_spec(std::string_view text, std::string& error);

// "icmp", "tcp:443", "both:22": always with the port when TCP is involved, so that it reads back unchanged.
std::string format_probe_spec(const ProbeSpec& spec);

}  // namespace semaphore

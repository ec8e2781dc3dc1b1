#include "core/probe_method.h"

#include <charconv>

#include "core/ascii.h"

namespace semaphore {

std::string_view to_string(ProbeMethod method) {
  switch (method) {
    case ProbeMethod::icmp:
      return "icmp";
    case ProbeMethod::tcp:
      return "tcp";
    case ProbeMethod::both:
      return "both";
  }
  return "icmp";
}

std::string_view to_string(ProbeKind kind) {
  return kind == ProbeKind::tcp ? "tcp" : "icmp";
}

std::optional<ProbeMethod> parse_probe_method(std::string_view text) {
  if (text == "icmp") return ProbeMethod::icmp;
  if (text == "tcp") return ProbeMethod::tcp;
  if (text == "both") return ProbeMethod::both;
  return std::nullopt;
}

std::optional<ProbeKind> probe_kind_from_int(int stored) {
  if (stored == 0) return ProbeKind::icmp;
  if (stored == 1) return ProbeKind::tcp;
  return std::nullopt;
}

std::optional<ProbeSpec> parse_probe_spec(std::string_view text, std::string& error) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  const auto colon = text.find(':');
  const std::string name = lower_ascii(text.substr(0, colon));
  const auto method = parse_probe_method(name);
  if (!method) {
    error = "The probe method must be icmp, tcp, tcp:PORT, both or both:PORT.";
    return std::nullopt;
  }
  ProbeSpec spec{*method, kDefaultTcpPort};
  if (colon == std::string_view::npos) return spec;
  if (*method == ProbeMethod::icmp) {
    error = "An icmp probe takes no port.";
    return std::nullopt;
  }
  const std::string_view port_text = text.substr(colon + 1);
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() || port < 1 ||
      port > 65535) {
    error = "The port must be a number from 1 to 65535.";
    return std::nullopt;
  }
  spec.tcp_port = static_cast<std::uint16_t>(port);
  return spec;
}

std::string format_probe_spec(const ProbeSpec& spec) {
  if (spec.method == ProbeMethod::icmp) return "icmp";
  return std::string(to_string(spec.method)) + ":" + std::to_string(spec.tcp_port);
}

}  // namespace semaphore

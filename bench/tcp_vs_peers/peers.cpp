#include "peers.h"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <fstream>
#include <sstream>

namespace semaphore::bench {
namespace {

// The value after `key` in `text` up to the next space or quote ("" when absent).
std::string_view field(std::string_view text, std::string_view key) {
  const std::size_t at = text.find(key);
  if (at == std::string_view::npos) return {};
  const std::size_t from = at + key.size();
  const std::size_t end = text.find_first_of(" \"\n", from);
  return text.substr(from, end == std::string_view::npos ? std::string_view::npos : end - from);
}

template <class T>
bool number(std::string_view text, T& out) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size();
}

// The 32-bit words of /proc/net/tcp's addresses are printed as the host-order value of network-order bytes.
bool hex_address(std::string_view hex, IpAddress& out) {
  if (hex.size() != 8 && hex.size() != 32) return false;
  out.family = hex.size() == 8 ? AddressFamily::v4 : AddressFamily::v6;
  for (std::size_t word = 0; word < hex.size() / 8; ++word) {
    std::uint32_t value = 0;
    const auto [end, error] = std::from_chars(hex.data() + 8 * word, hex.data() + 8 * word + 8, value, 16);
    if (error != std::errc()) return false;
    for (int b = 0; b < 4; ++b) out.bytes[4 * word + static_cast<std::size_t>(b)] = (value >> (8 * b)) & 0xff;
  }
  return true;
}

void count_sockets(const char* path, const std::vector<Prefix>& prefixes, SocketCount& count) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);  // the header
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string slot, local, remote, state;
    if (!(words >> slot >> local >> remote >> state)) continue;
    IpAddress address;
    if (!hex_address(std::string_view(remote).substr(0, remote.find(':')), address)) continue;
    if (std::none_of(prefixes.begin(), prefixes.end(), [&](const Prefix& p) { return p.contains(address); }))
      continue;
    ++count.total;
    if (state == "06") ++count.time_wait;
  }
}

}  // namespace

TcpReports parse_semaphore_tcp(const std::string& json,
                               std::unordered_map<std::string, std::uint64_t>& engine) {
  TcpReports reports;
  boost::system::error_code error;
  const boost::json::value root = boost::json::parse(json, error);
  if (error || !root.is_object()) return reports;
  for (const auto& host : root.at("hosts").as_array()) {
    const auto& h = host.as_object();
    TcpReport& r = reports[std::string(h.at("host").as_string())];
    r.sent = h.at("sent").to_number<std::uint32_t>();
    r.received = h.at("received").to_number<std::uint32_t>();
    if (const auto* refused = h.if_contains("refused")) r.refused = refused->to_number<std::uint32_t>();
    for (const auto& rtt : h.at("rtts_ms").as_array())
      r.rtts_ms.push_back(rtt.is_null() ? -1 : rtt.to_number<double>());
    if (const auto* probes = h.if_contains("refused_probes")) {
      for (const auto& p : probes->as_array()) r.refused_probes.push_back(p.as_bool());
    }
  }
  if (const auto* counters = root.as_object().if_contains("engine");
      counters != nullptr && counters->is_object()) {
    for (const auto& [key, value] : counters->as_object()) {
      if (value.is_number()) engine[std::string(key)] = value.to_number<std::uint64_t>();
    }
  }
  return reports;
}

TcpReport parse_hping3(const std::string& text, std::uint32_t count) {
  TcpReport r;
  r.rtts_ms.assign(count, -1);
  r.refused_probes.assign(count, false);
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    const std::string_view l(line);
    if (l.rfind("len=", 0) == 0) {
      std::uint32_t seq = 0;
      double rtt = 0;
      if (!number(field(l, "seq="), seq) || !number(field(l, "rtt="), rtt) || seq >= count) continue;
      if (r.rtts_ms[seq] >= 0) continue;  // a duplicate
      r.rtts_ms[seq] = rtt;
      r.refused_probes[seq] = field(l, "flags=").find('R') != std::string_view::npos;
    } else if (const std::size_t at = l.find(" packets transmitted, "); at != std::string_view::npos) {
      number(l.substr(0, at), r.sent);
      const std::string_view rest = l.substr(at + 22);
      number(rest.substr(0, rest.find(' ')), r.received);
    }
  }
  r.refused = static_cast<std::uint32_t>(std::count(r.refused_probes.begin(), r.refused_probes.end(), true));
  return r;
}

TcpReports parse_nmap_xml(const std::string& xml) {
  TcpReports reports;
  const std::string_view text(xml);
  for (std::size_t at = text.find("<host"); at != std::string_view::npos; at = text.find("<host", at + 1)) {
    if (text.substr(at, 6) != "<host>" && text.substr(at, 6) != "<host ") continue;  // not <hosthint>
    const std::size_t end = text.find("</host>", at);
    if (end == std::string_view::npos) break;
    const std::string_view host = text.substr(at, end - at);
    if (field(host, "state=\"") != "up") continue;
    TcpReport& r = reports[std::string(field(host, "addr=\""))];
    r.received = 1;
    r.refused = field(host, "reason=\"") == "reset" ? 1 : 0;
    double srtt_us = -1;
    number(field(host, "srtt=\""), srtt_us);
    r.rtts_ms.push_back(srtt_us >= 0 ? srtt_us / 1000 : -1);
    r.refused_probes.push_back(r.refused == 1);
  }
  return reports;
}

bool Prefix::contains(const IpAddress& a) const {
  if (bits < 0 || a.family != address.family) return false;
  for (int bit = 0; bit < bits; ++bit) {
    const auto byte = static_cast<std::size_t>(bit / 8);
    const int mask = 0x80 >> (bit % 8);
    if ((a.bytes[byte] & mask) != (address.bytes[byte] & mask)) return false;
  }
  return true;
}

Prefix parse_prefix(std::string_view text) {
  Prefix p;
  p.bits = -1;
  const std::size_t slash = text.find('/');
  const auto address = IpAddress::parse(text.substr(0, slash));
  int bits = 0;
  if (!address || slash == std::string_view::npos || !number(text.substr(slash + 1), bits)) return p;
  p.address = *address;
  p.bits = bits;
  return p;
}

SocketCount tcp_sockets_toward(const std::vector<Prefix>& prefixes) {
  SocketCount count;
  count_sockets("/proc/net/tcp", prefixes, count);
  count_sockets("/proc/net/tcp6", prefixes, count);
  return count;
}

}  // namespace semaphore::bench

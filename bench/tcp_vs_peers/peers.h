#pragma once
// What the TCP pingers reported, read from their output: `semaphore ping --tcp --json`, hping3's reply and
// statistics lines, nmap's XML. And the TCP sockets this network namespace still holds toward a prefix
// (/proc/net/tcp and tcp6), to show that no run leaves one behind.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/ip_address.h"

namespace semaphore::bench {

// One host as a tool reported it.
struct TcpReport {
  std::uint32_t sent = 0;       // probes the tool says it sent (nmap does not say: 0)
  std::uint32_t received = 0;   // answered probes, SYN-ACKs and RSTs
  std::uint32_t refused = 0;    // of them, RSTs
  std::vector<double> rtts_ms;  // per probe in send order, negative when lost (nmap: one, its srtt)
  std::vector<bool> refused_probes;
};
using TcpReports = std::unordered_map<std::string, TcpReport>;

// `semaphore ping --tcp --json`; `engine` gets its "engine" counters by name.
TcpReports parse_semaphore_tcp(const std::string& json,
                               std::unordered_map<std::string, std::uint64_t>& engine);

// One `hping3 -S -p PORT -c N` process's stdout: "len=44 ip=A ... flags=SA seq=K ... rtt=1.2 ms" per reply
// (flags RA: a RST) and "N packets transmitted, M packets received". `count` sizes rtts_ms.
TcpReport parse_hping3(const std::string& text, std::uint32_t count);

// `nmap -sn -PS... -oX -`: each host reported up, with its smoothed RTT (srtt, µs: after one answered
// probe, that probe's RTT) and whether it answered with a RST (reason="reset").
TcpReports parse_nmap_xml(const std::string& xml);

struct Prefix {
  IpAddress address;
  int bits = 0;
  bool contains(const IpAddress& a) const;
};
// "10.250.0.0/15"; nullopt-like {bits = -1} when it does not parse.
Prefix parse_prefix(std::string_view text);

struct SocketCount {
  std::size_t total = 0, time_wait = 0;
};
// TCP sockets of this network namespace (/proc/net/tcp and tcp6) whose remote address is in a prefix.
SocketCount tcp_sockets_toward(const std::vector<Prefix>& prefixes);

}  // namespace semaphore::bench

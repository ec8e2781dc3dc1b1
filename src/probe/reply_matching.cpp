// Matching ICMP answers to probes (reply_matching.h).
#include "probe/reply_matching.h"

#include <algorithm>
#include <string>

namespace semaphore::probe {
namespace {

std::string describe_icmp_error(AddressFamily family, std::uint8_t type, std::uint8_t code,
                                const IpAddress& reporter) {
  const bool ttl = family == AddressFamily::v4 ? type == 11 : type == 3;
  std::string text = ttl ? "time exceeded" : "destination unreachable";
  text +=
      " (type " + std::to_string(type) + " code " + std::to_string(code) + ") from " + reporter.to_string();
  return text;
}

}  // namespace

void match_reply(const MatchScope& scope, const IcmpMessage& message, const Incoming& packet) {
  EngineCounters& counters = *scope.counters;
  HostTable& table = *scope.table;
  if (message.identifier != scope.identifier) {  // another pinger's reply (raw sockets see them all)
    ++counters.foreign;
    return;
  }
  if (!message.payload) {  // ours by identifier, but the data is cut short or rewritten
    ++counters.malformed;
    return;
  }
  const EchoPayload& payload = *message.payload;
  const std::uint32_t host = payload.serial / scope.probes_per_host;
  if (host >= table.size() || payload.cookie != scope.cookies->of(payload.serial)) {
    ++counters.foreign;
    return;
  }
  HostState& state = table.states[host];
  if (!state.has_address || !(table.addresses[host] == packet.source.unmapped())) {  // someone else
    ++counters.foreign;
    return;
  }
  const SequenceMap::Entry entry = scope.sequences->lookup(message.sequence);
  if (entry.serial != payload.serial) {  // the number has been reused since: a very late reply
    saturating_increment(state.late);
    ++counters.late;
    return;
  }
  if (payload.send_ns != entry.sent_ns) {
    ++counters.foreign;
    return;
  }
  // The kernel's transmit time when we have it (exact, or interpolated between two stamps of the same send
  // call); else our estimate from around the call.
  const std::int64_t rtt_ns = packet.rx_ns - (entry.tx_ns != 0 ? entry.tx_ns : entry.sent_ns);
  if (rtt_ns > scope.timeout_ns) {
    saturating_increment(state.late);
    ++counters.late;
    return;
  }
  std::uint32_t& slot = table.rtts_us[payload.serial];
  if (slot == kPending || slot == kIcmpError) {  // an error before it (real or not) does not stop a reply
    // Microseconds, rounded: the timeout bounds the RTT, far below kMaxRttUs (71 minutes).
    const std::int64_t us = (std::max<std::int64_t>(0, rtt_ns) + 500) / 1000;
    slot = static_cast<std::uint32_t>(std::min<std::int64_t>(us, kMaxRttUs));
    ++counters.received;
    if (!entry.kernel_time) ++counters.estimated_send_times;
    --*scope.outstanding;
  } else if (slot < kIcmpError) {  // an RTT: answered already
    saturating_increment(state.duplicates);
    ++counters.duplicates;
  } else {
    ++counters.foreign;
  }
}

void match_error(const MatchScope& scope, const IcmpMessage& message, const IpAddress& destination,
                 const IpAddress& reporter) {
  EngineCounters& counters = *scope.counters;
  HostTable& table = *scope.table;
  if (message.identifier != scope.identifier) {  // about another pinger's packet
    ++counters.foreign;
    return;
  }
  // Ours by identifier; from here on, anything that does not prove which probe it is about is unverified.
  // An error quoting only the first 8 bytes of the request (old routers) shows no payload: it cannot be
  // told from a forged one, so the probe is left to its timeout.
  const auto unverified = [&] { ++counters.unverified_errors; };
  if (!message.payload) return unverified();
  const EchoPayload& payload = *message.payload;
  const std::uint32_t host = payload.serial / scope.probes_per_host;
  if (host >= table.size() || payload.cookie != scope.cookies->of(payload.serial)) return unverified();
  if (!table.states[host].has_address || !(table.addresses[host] == destination.unmapped())) {
    return unverified();
  }
  const SequenceMap::Entry entry = scope.sequences->lookup(message.sequence);
  if (entry.serial != payload.serial || payload.send_ns != entry.sent_ns) return unverified();
  std::uint32_t& slot = table.rtts_us[payload.serial];
  if (slot != kPending) return;  // answered already, or an error for it was counted
  // Marked, not ended: the probe stays outstanding, and a valid reply before its timeout replaces this.
  slot = kIcmpError;
  ++counters.icmp_errors;
  table.details[host] = describe_icmp_error(scope.family, message.type, message.code, reporter);
}

}  // namespace semaphore::probe

#include "probe/trace_matching.h"

namespace semaphore::probe {
namespace {

TraceMatch verdict(TraceVerdict v) {
  TraceMatch match;
  match.verdict = v;
  return match;
}

// The host a serial belongs to, or UINT32_MAX when it is beyond the run.
std::uint32_t host_of(const TraceMatchScope& scope, std::uint32_t serial) {
  if (scope.per_host == 0) return UINT32_MAX;
  const std::uint32_t host = serial / scope.per_host;
  return host < scope.hosts ? host : UINT32_MAX;
}

std::int64_t rtt_of(const SequenceMap::Entry& entry, std::int64_t rx_ns) {
  return rx_ns - (entry.tx_ns != 0 ? entry.tx_ns : entry.sent_ns);
}

}  // namespace

TraceMatch match_trace_reply(const TraceMatchScope& scope, const IcmpMessage& message,
                             const IpAddress& source, std::int64_t rx_ns) {
  if (message.identifier != scope.identifier || !message.payload) return verdict(TraceVerdict::foreign);
  const EchoPayload& payload = *message.payload;
  const std::uint32_t host = host_of(scope, payload.serial);
  if (host == UINT32_MAX || payload.cookie != scope.cookies->of(payload.serial)) {
    return verdict(TraceVerdict::foreign);
  }
  const IpAddress* address = scope.address_of(host);
  if (address == nullptr || !(*address == source.unmapped())) return verdict(TraceVerdict::foreign);
  const SequenceMap::Entry entry = scope.sequences->lookup(message.sequence);
  if (entry.serial != payload.serial || payload.send_ns != entry.sent_ns) return verdict(TraceVerdict::late);
  TraceMatch match;
  match.verdict = TraceVerdict::matched;
  match.serial = payload.serial;
  match.from = source.unmapped();
  match.rtt_ns = rtt_of(entry, rx_ns);
  match.destination = true;
  return match;
}

TraceMatch match_trace_error(const TraceMatchScope& scope, const IcmpMessage& message,
                             const IpAddress& destination, const IpAddress& reporter, std::int64_t rx_ns) {
  if (message.identifier != scope.identifier) return verdict(TraceVerdict::foreign);
  const SequenceMap::Entry entry = scope.sequences->lookup(message.sequence);
  TraceMatch match;
  match.from = reporter.unmapped();
  match.rtt_ns = rtt_of(entry, rx_ns);
  if (!message.payload) {
    // A short quote: only the identifier and sequence to go by.
    if (entry.serial == SequenceMap::kNoProbe) return verdict(TraceVerdict::unverified);
    const std::uint32_t host = host_of(scope, entry.serial);
    const IpAddress* address = host == UINT32_MAX ? nullptr : scope.address_of(host);
    if (address == nullptr || !(*address == destination.unmapped()) || !scope.pending(entry.serial) ||
        match.rtt_ns > scope.timeout_ns || match.rtt_ns < 0) {
      return verdict(TraceVerdict::unverified);
    }
    match.verdict = TraceVerdict::matched;
    match.serial = entry.serial;
    match.short_quote = true;
    return match;
  }
  const EchoPayload& payload = *message.payload;
  const std::uint32_t host = host_of(scope, payload.serial);
  const IpAddress* address = host == UINT32_MAX ? nullptr : scope.address_of(host);
  if (address == nullptr || payload.cookie != scope.cookies->of(payload.serial) ||
      !(*address == destination.unmapped()) || entry.serial != payload.serial ||
      payload.send_ns != entry.sent_ns) {
    return verdict(TraceVerdict::unverified);
  }
  // An unreachable from the destination itself is its answer (a host that refuses echo at that TTL); from
  // elsewhere, as a time exceeded: the hop's. Either way not "reached": only an echo reply says that.
  match.verdict = TraceVerdict::matched;
  match.serial = payload.serial;
  return match;
}

}  // namespace semaphore::probe

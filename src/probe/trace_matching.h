#pragma once
// Matching an answer to a trace probe (TraceEngine), apart from the sockets that read it: the engine calls
// these for every echo reply and ICMP error it parses, and a fuzzer (fuzz/trace_matching_fuzz.cpp) feeds
// them packets of its own against a run it made up. The rules (trace_engine.h says why):
//  - an echo reply is the destination's answer only when the identifier, the probe's own cookie
//    (probe_cookie.h), the sequence still bound to that serial, the send time and the source the probe went
//    to all agree;
//  - a time exceeded or unreachable is a hop's answer when the request it quotes passes the same checks
//    (the quoted destination in place of the source);
//  - one that quotes only RFC 792's minimum (no payload) is matched weakly: to the probe bound to that
//    sequence, when it went to the quoted destination, is still unanswered, and the answer is within the
//    timeout. It never marks a destination reached.
// What these decide is only which probe an answer is for; whether the probe takes it (not answered before,
// within the timeout) is the engine's.
#include <cstdint>
#include <functional>

#include "core/ip_address.h"
#include "probe/icmp_packet.h"
#include "probe/probe_cookie.h"
#include "probe/sequence_map.h"

namespace semaphore::probe {

// What matching one family's answers in one trace run reads.
struct TraceMatchScope {
  std::uint16_t identifier = 0;  // the echo identifier of our socket of this family
  std::uint32_t per_host = 0;    // serials per host (cycles * max_hops); 0: nothing was sent
  std::uint32_t hosts = 0;       // hosts in the run: a serial's host is serial / per_host
  std::int64_t timeout_ns = 0;
  const ProbeCookies* cookies = nullptr;
  const SequenceMap* sequences = nullptr;  // this family's
  // The address host `host` (< hosts) was sent to, or nullptr when it has none (not resolved).
  std::function<const IpAddress*(std::uint32_t host)> address_of;
  // Whether probe `serial` was sent and nothing has answered it yet.
  std::function<bool(std::uint32_t serial)> pending;
};

enum class TraceVerdict {
  matched,     // the answer is for `serial`
  foreign,     // not our identifier, or a reply that fails a check: someone else's
  late,        // a reply whose sequence has been bound to another probe since, or whose send time differs
  unverified,  // an error naming our identifier that fails a check: never matched (forged or stale)
};

struct TraceMatch {
  TraceVerdict verdict = TraceVerdict::foreign;
  std::uint32_t serial = 0;
  IpAddress from;            // who answered: the destination, or the reporting router
  std::int64_t rtt_ns = 0;   // receive time - the probe's transmit stamp (its send time without one)
  bool destination = false;  // an echo reply: the destination itself
  bool short_quote = false;  // matched weakly, on a short quote
};

// An echo reply from `source` received at `rx_ns`.
TraceMatch match_trace_reply(const TraceMatchScope& scope, const IcmpMessage& message,
                             const IpAddress& source, std::int64_t rx_ns);

// An ICMP error from `reporter` about a request to `destination`, received at `rx_ns`.
TraceMatch match_trace_error(const TraceMatchScope& scope, const IcmpMessage& message,
                             const IpAddress& destination, const IpAddress& reporter, std::int64_t rx_ns);

}  // namespace semaphore::probe

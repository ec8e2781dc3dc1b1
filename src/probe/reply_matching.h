#pragma once
// Matching an ICMP answer to the probe it answers, apart from the sockets that read it: the engine's
// receive side (engine_receive.cpp) calls these for every echo reply and ICMP error it parses, and a fuzzer
// (fuzz/reply_matching_fuzz.cpp) feeds them packets of its own against a run it made up.
//
// A reply counts only when every check passes: our identifier, a probe serial within the run, that probe's
// own cookie (probe_cookie.h), the source the probe went to, the sequence still bound to that serial, and
// the send time we recorded. An ICMP error must pass the same checks on the request it quotes (so one that
// quotes too little to show them is never matched), and it only marks a probe that no reply has answered;
// a valid reply that comes after it still counts. Anything else is counted (malformed, foreign, late,
// duplicate, unverified errors) and never matched.
#include <cstdint>

#include "core/ip_address.h"
#include "probe/host_table.h"
#include "probe/icmp_packet.h"
#include "probe/icmp_socket.h"
#include "probe/pinger.h"
#include "probe/probe_cookie.h"
#include "probe/sequence_map.h"

namespace semaphore::probe {

// What matching one family's answers in one run reads and writes.
struct MatchScope {
  AddressFamily family = AddressFamily::v4;
  std::uint16_t identifier = 0;       // the echo identifier of our socket of this family
  std::uint32_t probes_per_host = 1;  // a probe's serial is host * probes_per_host + its number
  std::int64_t timeout_ns = 0;        // a reply later than this after its send is late
  const ProbeCookies* cookies = nullptr;
  const SequenceMap* sequences = nullptr;  // this family's
  HostTable* table = nullptr;              // each probe's slot: pending, an RTT, or an ICMP error
  EngineCounters* counters = nullptr;
  std::uint64_t* outstanding = nullptr;  // probes sent and not yet answered by a reply
};

// An echo reply received at packet.rx_ns from packet.source: the RTT into its probe's slot when it passes
// every check (an earlier ICMP error for the probe is replaced); otherwise counted as foreign, malformed,
// late or duplicate.
void match_reply(const MatchScope& scope, const IcmpMessage& message, const Incoming& packet);

// An ICMP error from `reporter` about a request to `destination`: marks the quoted probe's slot (and the
// host's detail) when the quote passes the same checks and no reply or error has answered the probe yet;
// otherwise counted as foreign or unverified.
void match_error(const MatchScope& scope, const IcmpMessage& message, const IpAddress& destination,
                 const IpAddress& reporter);

}  // namespace semaphore::probe

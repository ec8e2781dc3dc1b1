#pragma once
// The path engine's public face (issue 15), used by `semaphore trace` and by the ping service's path
// measurements (src/paths). CONTRACT (keep these names and meanings; fields may be added): a Tracer sends
// TTL-limited probes to many hosts at once, all hops of each in flight together, from one event loop on
// the calling thread, and matches each time-exceeded (or the destination's own) answer to the probe that
// caused it as exactly as the ping engine matches echo replies (identifier, sequence, cookie, send time).
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <vector>

#include "core/ip_address.h"
#include "core/result.h"
#include "core/target.h"
#include "probe/pinger.h"

namespace semaphore::probe {

struct TraceOptions {
  int max_hops = 30;  // TTLs 1..max_hops; hops past the destination are not probed once it has answered
  int cycles = 10;    // probes per hop (mtr's --report-cycles)
  std::chrono::microseconds cycle_interval{std::chrono::seconds(1)};  // between one host's cycles
  std::chrono::microseconds timeout{std::chrono::seconds(2)};         // how long a probe waits
  double rate = 1000;                                                 // global cap, probes per second
  FamilyPreference family = FamilyPreference::any;
  std::optional<TargetPolicy> policy;  // as PingOptions::policy: checked on every resolved address
  bool resolve_names = true;           // reverse DNS of every hop address (PTR), bounded by the timeout
};

// One TTL of one host's path.
struct TraceHop {
  int ttl = 0;
  // The address that answered most often at this TTL; empty when none did ("???" in mtr).
  std::optional<IpAddress> address;
  std::vector<IpAddress> other_addresses;  // others that answered at this TTL (load-balanced paths)
  std::string name;                        // the address's reverse name; empty when none or not resolved
  int sent = 0;
  int received = 0;
  std::vector<double> rtts_ms;  // one per probe sent at this TTL, in cycle order; NaN where none came back
  bool is_destination = false;  // the answer came from the destination itself (echo reply, port closed, ...)
  // Of `received`, answers matched by a quote too short to carry our payload (RFC 792's 8 bytes, which real
  // routers send): identifier, sequence, destination and timing fit an unanswered probe, the cookie is
  // unseen. Added for issue 15's engine (trace_engine.h says what such an answer may and may not mean).
  int short_quotes = 0;

  double loss() const { return sent > 0 ? 1.0 - static_cast<double>(received) / sent : 0.0; }
};

struct TraceResult {
  std::string host;
  std::optional<IpAddress> address;   // the destination, when the name resolved
  HostError error = HostError::none;  // unresolvable, refused_address, send_failed; none when probes went out
  std::string error_detail;
  // TTL 1 up to the destination's TTL (when it answered) or up to the last TTL that answered plus the
  // silent ones probed after it, at most max_hops entries.
  std::vector<TraceHop> hops;
  bool reached = false;  // the destination answered at some TTL
};

// Cumulative since open(). Added for issue 15's engine: what the tests and `semaphore trace -v` read.
struct TraceCounters {
  std::uint64_t sent = 0;
  std::uint64_t replies = 0;       // echo replies matched (the destination's answers)
  std::uint64_t hop_answers = 0;   // time exceeded / unreachable matched, verified by the quoted payload
  std::uint64_t short_quotes = 0;  // time exceeded matched on a short quote (see TraceHop::short_quotes)
  // Errors that name our identifier but fail a check (cookie, sequence, serial, send time, destination):
  // never matched. Forged or stale.
  std::uint64_t unverified = 0;
  std::uint64_t foreign = 0, late = 0, duplicates = 0, malformed = 0, send_errors = 0;
};

class Tracer {
 public:
  virtual ~Tracer() = default;

  // Opens the sockets it needs (ICMP raw or datagram sockets, as Pinger::open does; see OpenOptions). The
  // error names the fix when no ICMP socket is allowed.
  static Result<std::unique_ptr<Tracer>> open(const OpenOptions& options);

  // Traces every request (PingRequest::host; start_offset spreads them) and blocks until every probe is
  // answered or timed out. One TraceResult per request, in order. A stop request ends the run early.
  virtual std::vector<TraceResult> run(std::span<const PingRequest> requests, const TraceOptions& options,
                                       std::stop_token stop = {}) = 0;

  // Added for issue 15's engine (defaults for test doubles).
  virtual TraceCounters counters() const { return {}; }
  virtual SocketKind socket_kind() const { return SocketKind::automatic; }
};

}  // namespace semaphore::probe

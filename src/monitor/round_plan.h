#pragma once
// The arithmetic of a round, kept apart from threads and sockets so it can be tested on its own:
// when rounds start, where each host's probes fall inside the interval, and how a HostResult becomes a row.
//
// Rounds are aligned to wall-clock multiples of the interval (a 60 s round starts at hh:mm:00 UTC) and the
// round's start is the rows' ts. Aligned rounds are what makes several workers agree: a host pinged twice in
// one round by two workers (during a lease takeover) lands on the same (host_id, ts) key and is stored once.
//
// Each host gets a stable pseudo-random phase inside the round (a hash of its id, not a random draw), so its
// rows are evenly spaced round after round, the load is spread over the interval instead of a burst at second
// zero, and every worker computes the same phase for a host.
#include <chrono>
#include <cstdint>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "probe/pinger.h"
#include "store/store.h"

namespace semaphore::monitor {

struct RoundTiming {
  std::chrono::milliseconds interval{60000};
  int probes = 5;
  std::chrono::milliseconds spacing{1000};  // between one host's probes
  std::chrono::milliseconds timeout{1000};  // a probe's wait for its reply
  std::chrono::milliseconds window{0};      // phases fall in [0, window)

  // The time one host needs from its first probe to its last probe's timeout.
  std::chrono::milliseconds host_span() const { return spacing * (probes - 1) + timeout; }
};

// Derives spacing and timeout when given as 0 (auto: spacing min(1 s, interval / (3 probes)), timeout
// min(1 s, interval / 5)) and the phase window: what is left of the interval after one host's span and a
// margin of a tenth of the interval (at most 2 s) for the engine's own latency. Errc::invalid_argument when
// one host's probes cannot fit in the interval.
Result<RoundTiming> derive_timing(std::chrono::milliseconds interval, int probes,
                                  std::chrono::milliseconds spacing, std::chrono::milliseconds timeout);

// The host's phase in [0, window): a hash of its id, the same in every round and every worker.
std::chrono::milliseconds host_phase(store::Id host_id, std::chrono::milliseconds window);

// The start of the round that contains `now`.
EpochMs round_floor(EpochMs now, std::chrono::milliseconds interval);

// One ping_results row: statistics over the replies that came back (HostResult::summary(): lost probes are
// not samples), loss exact from sent/received, and an error word whenever nothing came back: the engine's
// probe::to_string(HostError), the same word `semaphore ping` prints. The row records the kind of probe
// (`kind`); a TCP row's `refused` counts the answers that were a RST (among `received`).
store::PingResult to_row(store::Id host_id, EpochMs round_ts, const probe::HostResult& result,
                         ProbeKind kind = ProbeKind::icmp);

}  // namespace semaphore::monitor

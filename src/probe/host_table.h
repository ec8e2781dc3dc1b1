#pragma once
// HostTable: the per-host state of one run in flat arrays (struct of arrays), about 40 bytes per host plus
// 4 per probe, instead of a HostResult (144 bytes, and a heap block for its RTTs) per host. The engine
// works on it during a run; run() turns it into HostResults at the end, run_compact() hands it out as is.
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/ip_address.h"
#include "probe/pinger.h"

namespace semaphore::probe {

// One RTT slot per probe, in microseconds; the top values are the slot's state while it has no RTT.
inline constexpr std::uint32_t kUnsent = std::numeric_limits<std::uint32_t>::max();
inline constexpr std::uint32_t kPending = kUnsent - 1;     // sent, no answer yet
inline constexpr std::uint32_t kSendFailed = kUnsent - 2;  // the kernel refused it (not counted as sent)
inline constexpr std::uint32_t kIcmpError = kUnsent - 3;   // answered by an ICMP error
inline constexpr std::uint32_t kMaxRttUs = kUnsent - 4;

struct HostState {
  std::uint32_t attempts = 0;              // probes sent or refused by the kernel so far
  std::uint16_t late = 0, duplicates = 0;  // saturate at 65,535
  std::uint8_t error = 0;                  // a HostError set before sending (DNS, policy, socket)
  bool has_address = false;
};

struct HostTable {
  std::uint32_t count = 0;  // probes per host
  std::vector<IpAddress> addresses;
  std::vector<HostState> states;
  std::vector<std::uint32_t> rtts_us;  // host h's probe k at h * count + k (that is, at its serial)
  // TCP runs: one bit per probe, set where its answer was a RST (port closed). Empty in ICMP runs.
  std::vector<bool> refused;
  // error_detail of the few hosts that have one (DNS errors, ICMP errors, send errors).
  std::unordered_map<std::uint32_t, std::string> details;
  // The detail of every host without one of its own: set when the whole run failed (too large to run).
  std::string run_detail;

  // `tcp`: keep a refused bit per probe.
  void reset(std::size_t hosts, std::uint32_t probes_per_host, bool tcp = false);
  std::size_t size() const { return states.size(); }
  // Host `host`'s result as the contract has it: RTTs of probes that went out, in order, NaN when lost.
  void fill(std::uint32_t host, std::string_view name, HostResult& out) const;
};

inline void saturating_increment(std::uint16_t& counter) {
  if (counter != std::numeric_limits<std::uint16_t>::max()) ++counter;
}

}  // namespace semaphore::probe

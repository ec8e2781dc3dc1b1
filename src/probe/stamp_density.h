#pragma once
// StampDensity: how many packets of each send call ask the kernel for a transmit stamp.
//
// Every stamp costs the kernel an skb and us a read from the error queue: about 1.7 µs per probe in the
// benchmark, a fifth of the engine's CPU. While this thread has its CPU to itself, the packets of one
// sendmmsg call leave back to back, so stamping one in kStampEvery (IcmpSocket) and interpolating between
// stamps is exact within microseconds. A preemption in the middle of a call breaks that: it puts a pause
// of milliseconds somewhere between two stamps, and the packets between them cannot be placed (SequenceMap
// counts such stalled spans and leaves those packets estimates, within half the pause). So every packet is
// stamped for the first kWarmUpPackets of the pinger's life (a short run is stamped whole) and for
// kDenseForNs after a long pause (SequenceMap::kLongPauseNs: a preemption): contention, once seen, tends to
// last. Short pauses (an interrupt, a virtual CPU's exit: up to ~150 µs, once or twice a second on this
// machine) cost the packets of their span at most half of themselves and say nothing about what follows;
// when they switched on dense stamping too, two thirds of a benchmark round's packets were stamped, at about
// 1 µs of kernel work each. The warm-up is a count, not a time: half a second (as it was) is 5,000 probes
// at 10,000/s.
#include <cstdint>

namespace semaphore::probe {

class StampDensity {
 public:
  static constexpr std::uint64_t kWarmUpPackets = 1024;
  static constexpr std::int64_t kDenseForNs = 2'000'000'000;

  // The stamp interval for the next send call, of `packets` packets: 1 (every packet) or IcmpSocket's
  // kStampEvery. `long_pauses`: SequenceMap's running count, summed over the sockets.
  int next(std::int64_t now_ns, std::uint64_t long_pauses, int packets);

 private:
  std::uint64_t sent_ = 0;  // packets of earlier calls
  std::uint64_t pauses_ = 0;
  std::int64_t dense_until_ns_ = 0;
};

}  // namespace semaphore::probe

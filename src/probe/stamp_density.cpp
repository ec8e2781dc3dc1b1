#include "probe/stamp_density.h"

#include "probe/icmp_socket.h"

namespace semaphore::probe {

int StampDensity::next(std::int64_t now_ns, std::uint64_t long_pauses, int packets) {
  const bool warming_up = sent_ < kWarmUpPackets;
  sent_ += static_cast<std::uint64_t>(packets);
  if (long_pauses != pauses_) dense_until_ns_ = now_ns + kDenseForNs;
  pauses_ = long_pauses;
  return warming_up || now_ns < dense_until_ns_ ? 1 : kStampEvery;
}

}  // namespace semaphore::probe

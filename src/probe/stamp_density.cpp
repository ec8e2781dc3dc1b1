#include "probe/stamp_density.h"

#include "probe/icmp_socket.h"

namespace semaphore::probe {

int StampDensity::next(std::int64_t now_ns, std::uint64_t stalled_spans) {
  if (!started_) {
    started_ = true;
    dense_until_ns_ = now_ns + kWarmUpNs;
  }
  if (stalled_spans != stalls_) dense_until_ns_ = now_ns + kDenseForNs;
  stalls_ = stalled_spans;
  return now_ns < dense_until_ns_ ? 1 : kStampEvery;
}

}  // namespace semaphore::probe

#include "probe/sequence_map.h"

#include <algorithm>

namespace semaphore::probe {

SequenceMap::SequenceMap(std::int64_t hold_ns) : entries_(kSize), hold_ns_(hold_ns) {}

std::optional<std::uint16_t> SequenceMap::acquire(std::uint32_t serial, std::int64_t now_ns) {
  Entry& entry = entries_[next_];
  if (entry.serial != kNoProbe && now_ns - entry.sent_ns < hold_ns_) return std::nullopt;
  entry.serial = serial;
  entry.sent_ns = now_ns;
  entry.tx_ns = 0;
  entry.stamp_gap = 0;
  entry.kernel_time = false;
  return next_++;  // wraps at 65,536 by the type
}

std::int64_t SequenceMap::next_free_ns() const {
  const Entry& entry = entries_[next_];
  return entry.serial == kNoProbe ? 0 : entry.sent_ns + hold_ns_;
}

void SequenceMap::set_kernel_time(std::uint16_t sequence, std::int64_t tx_ns) {
  Entry& stamped = entries_[sequence];
  stamped.tx_ns = tx_ns;
  stamped.kernel_time = true;
  const std::uint16_t gap = stamped.stamp_gap;
  if (gap == 0) return;
  const auto first = static_cast<std::uint16_t>(sequence - gap);
  const Entry& previous = entries_[first];
  if (previous.serial == kNoProbe || !previous.kernel_time) return;  // its stamp never came: estimates stay
  const std::int64_t span = tx_ns - previous.tx_ns;
  if (span - gap * pace_ns_ > kStallNs) {
    // A pause somewhere between the two stamps, where is unknown: each packet between gets the middle of
    // its two bounds (sent at pace right after the first stamp, or right before the second), so its error
    // is at most half the pause, and it stays an estimate.
    ++stalled_spans_;
    for (std::uint16_t k = 1; k < gap; ++k) {
      Entry& between = entries_[static_cast<std::uint16_t>(first + k)];
      if (between.serial == kNoProbe || between.kernel_time) continue;
      between.tx_ns = (previous.tx_ns + k * pace_ns_ + tx_ns - (gap - k) * pace_ns_) / 2;
    }
    return;
  }
  // The kernel sends the packets of one call back to back, each taking about as long as the next, so the
  // times between two stamps are close to a straight line (error: a few µs, against ~0.3 ms for the
  // call-wide estimate when a batch is long).
  pace_ns_ += (std::max<std::int64_t>(span, 0) / gap - pace_ns_) / 16;
  for (std::uint16_t k = 1; k < gap; ++k) {
    Entry& between = entries_[static_cast<std::uint16_t>(first + k)];
    if (between.serial == kNoProbe || between.kernel_time) continue;
    between.tx_ns = previous.tx_ns + span * k / gap;
    between.kernel_time = true;
  }
}

void SequenceMap::reset(std::int64_t hold_ns) {
  for (Entry& entry : entries_) entry = Entry{};
  hold_ns_ = hold_ns;
  next_ = 0;
}

}  // namespace semaphore::probe

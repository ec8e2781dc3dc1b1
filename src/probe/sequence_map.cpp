#include "probe/sequence_map.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

namespace semaphore::probe {

void SequenceMap::FreeSlots::operator()(Slot* slots) const {
  std::free(slots);
}

SequenceMap::SequenceMap(std::int64_t hold_ns)
    : slots_(static_cast<Slot*>(std::calloc(kSize, sizeof(Slot)))), hold_ns_(hold_ns) {
  if (!slots_) throw std::bad_alloc();
}

std::optional<std::uint16_t> SequenceMap::acquire(std::uint32_t serial, std::int64_t now_ns) {
  Slot& slot = slots_[next_];
  if (slot.serial_plus_one != 0 && now_ns - slot.sent_ns < hold_ns_) return std::nullopt;
  slot = Slot{now_ns, 0, serial + 1, 0, false};
  used_ = std::max<std::size_t>(used_, std::size_t{next_} + 1);
  return next_++;  // wraps at 65,536 by the type
}

std::int64_t SequenceMap::next_free_ns() const {
  const Slot& slot = slots_[next_];
  return slot.serial_plus_one == 0 ? 0 : slot.sent_ns + hold_ns_;
}

void SequenceMap::set_kernel_time(std::uint16_t sequence, std::int64_t tx_ns) {
  Slot& stamped = slots_[sequence];
  stamped.tx_ns = tx_ns;
  stamped.kernel_time = true;
  const std::uint16_t gap = stamped.stamp_gap;
  if (gap < 2) return;  // no packet between this stamp and the previous: nothing to place
  const auto first = static_cast<std::uint16_t>(sequence - gap);
  const Slot& previous = slots_[first];
  if (previous.serial_plus_one == 0 || !previous.kernel_time) return;  // its stamp never came: estimates stay
  const std::int64_t span = tx_ns - previous.tx_ns;
  // The kernel sends the packets of one call back to back, each taking about as long as the next, so the
  // times between two stamps are close to a straight line (error: a few µs, against ~0.3 ms for the
  // call-wide estimate when a batch is long). Unless the span holds a pause, somewhere, where is unknown:
  // then each packet between gets the middle of its two bounds (sent at pace right after the first stamp,
  // or right before the second), so its error is at most half the pause, and it stays an estimate.
  const std::int64_t pause = span - gap * pace_ns_;
  const bool stalled = pause > kStallNs;
  if (stalled) {
    ++stalled_spans_;
    if (pause >= kLongPauseNs) ++long_pauses_;
  } else {
    pace_ns_ += (std::max<std::int64_t>(span, 0) / gap - pace_ns_) / 16;
  }
  for (std::uint16_t k = 1; k < gap; ++k) {
    Slot& between = slots_[static_cast<std::uint16_t>(first + k)];
    if (between.serial_plus_one == 0 || between.kernel_time) continue;
    between.tx_ns = stalled ? (previous.tx_ns + k * pace_ns_ + tx_ns - (gap - k) * pace_ns_) / 2
                            : previous.tx_ns + span * k / gap;
    between.kernel_time = !stalled;
  }
}

void SequenceMap::reset(std::int64_t hold_ns) {
  std::memset(static_cast<void*>(slots_.get()), 0, used_ * sizeof(Slot));
  used_ = 0;
  hold_ns_ = hold_ns;
  next_ = 0;
}

}  // namespace semaphore::probe

#include "probe/sequence_map.h"

namespace semaphore::probe {

SequenceMap::SequenceMap(std::int64_t hold_ns) : entries_(kSize), hold_ns_(hold_ns) {}

std::optional<std::uint16_t> SequenceMap::acquire(std::uint32_t serial, std::int64_t now_ns) {
  Entry& entry = entries_[next_];
  if (entry.serial != kNoProbe && now_ns - entry.sent_ns < hold_ns_) return std::nullopt;
  entry.serial = serial;
  entry.sent_ns = now_ns;
  entry.tx_ns = 0;
  return next_++;  // wraps at 65,536 by the type
}

std::int64_t SequenceMap::next_free_ns() const {
  const Entry& entry = entries_[next_];
  return entry.serial == kNoProbe ? 0 : entry.sent_ns + hold_ns_;
}

void SequenceMap::reset(std::int64_t hold_ns) {
  for (Entry& entry : entries_) entry = Entry{};
  hold_ns_ = hold_ns;
  next_ = 0;
}

}  // namespace semaphore::probe

#pragma once
// SequenceMap: which probe an ICMP sequence number currently stands for.
//
// Why not "sequence = probe number": the ICMP sequence is 16 bits, so a run of more than 65,536 probes
// would wrap and a late reply to probe N could be taken for probe N + 65,536. Why not a map keyed by probe:
// it allocates per probe. Instead the 65,536 numbers are handed out in a ring, and a number is reused only
// once its previous probe is older than `hold` (the reply timeout plus a window in which late replies are
// still recognised as late). Sends happen in time order, so the next number in the ring is always the
// oldest binding: if it is still held, every number is, and the sender waits (`next_free_ns`). The ring
// caps the send rate at 65,536 / hold, not the length of a run. The payload's serial and cookie are checked
// on every match, so a reply that outlived its binding is still never matched to a newer probe.
//
// Fixed size (65,536 entries of 24 bytes, allocated once): no allocation while pinging.
#include <cstdint>
#include <optional>
#include <vector>

namespace semaphore::probe {

class SequenceMap {
 public:
  static constexpr std::uint32_t kNoProbe = 0xffffffff;
  static constexpr std::size_t kSize = 65536;

  struct Entry {
    std::int64_t sent_ns = 0;         // our clock just before the send call (also in the payload)
    std::int64_t tx_ns = 0;           // the kernel's transmit timestamp, 0 until it is read
    std::uint32_t serial = kNoProbe;  // the probe bound to this sequence number, kNoProbe when free
  };

  explicit SequenceMap(std::int64_t hold_ns);

  // Binds the next sequence number to probe `serial`, sent at `now_ns`. nullopt when that number is still
  // held by a probe younger than `hold` (then nothing is bound; retry at next_free_ns()).
  std::optional<std::uint16_t> acquire(std::uint32_t serial, std::int64_t now_ns);

  // When acquire() will next succeed (now or in the past when it would succeed already).
  std::int64_t next_free_ns() const;

  // The binding of `sequence` (serial kNoProbe when it never was bound).
  const Entry& lookup(std::uint16_t sequence) const { return entries_[sequence]; }

  // Records the kernel's transmit time of probe `serial`, if `sequence` is still bound to it.
  void set_transmit_time(std::uint16_t sequence, std::uint32_t serial, std::int64_t tx_ns) {
    if (entries_[sequence].serial == serial) entries_[sequence].tx_ns = tx_ns;
  }
  // The same by a transmit-stamp id (IcmpSocket::stamp_id): the sequence and the serial's low 16 bits. A
  // number is rebound only after `hold` (about a second) while stamps come back within milliseconds, so
  // the pair names one probe; an id that names none (a stale or foreign stamp) changes nothing.
  void set_transmit_time_by_id(std::uint32_t id, std::int64_t tx_ns) {
    Entry& entry = entries_[id & 0xffff];
    if (entry.serial != kNoProbe && (entry.serial & 0xffff) == (id >> 16)) entry.tx_ns = tx_ns;
  }

  // Starts over: every number free, the ring at 0. For reuse across runs without reallocating.
  void reset(std::int64_t hold_ns);

 private:
  std::vector<Entry> entries_;
  std::int64_t hold_ns_;
  std::uint16_t next_ = 0;
};

}  // namespace semaphore::probe

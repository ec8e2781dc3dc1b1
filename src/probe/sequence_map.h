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
// Fixed size (65,536 entries of 24 bytes, allocated once, zero pages until used): no allocation while
// pinging.
#include <cstdint>
#include <memory>
#include <optional>

namespace semaphore::probe {

class SequenceMap {
 public:
  static constexpr std::uint32_t kNoProbe = 0xffffffff;
  static constexpr std::size_t kSize = 65536;
  // A span between two stamps longer than its packets' pace by more than this had a pause in it.
  static constexpr std::int64_t kStallNs = 50'000;
  // A pause this long is a preemption (another thread had the CPU), not an interrupt or a virtual CPU's
  // brief exit (tens of µs, up to about 150 measured here, once or twice a second at random).
  static constexpr std::int64_t kLongPauseNs = 500'000;

  struct Entry {
    std::int64_t sent_ns = 0;  // our clock just before the send call (also in the payload)
    // When the packet left: first our estimate (interpolated over its sendmmsg call), then the kernel's
    // transmit stamp, or a time interpolated between the stamps of its neighbours (see record_send).
    std::int64_t tx_ns = 0;
    std::uint32_t serial = kNoProbe;  // the probe bound to this sequence number, kNoProbe when free
    std::uint16_t stamp_gap = 0;  // stamped packets: sequences back to the previous stamped one, 0 if none
    bool kernel_time = false;     // tx_ns comes from kernel stamps
  };

  explicit SequenceMap(std::int64_t hold_ns);

  // Binds the next sequence number to probe `serial`, sent at `now_ns`. nullopt when that number is still
  // held by a probe younger than `hold` (then nothing is bound; retry at next_free_ns()).
  std::optional<std::uint16_t> acquire(std::uint32_t serial, std::int64_t now_ns);

  // When acquire() will next succeed (now or in the past when it would succeed already).
  std::int64_t next_free_ns() const;

  // The binding of `sequence` (serial kNoProbe when it never was bound).
  Entry lookup(std::uint16_t sequence) const {
    const Slot& slot = slots_[sequence];
    return Entry{slot.sent_ns, slot.tx_ns, slot.serial_plus_one - 1, slot.stamp_gap, slot.kernel_time};
  }

  // Records when probe `serial` went out, as estimated around the send call. Only some packets of a
  // sendmmsg call ask for a kernel transmit stamp (each stamp costs the kernel an skb and us a read); a
  // stamped packet names in `stamp_gap` the previous stamped packet of the same call (0: none), and when
  // both stamps have come, the packets between them get times interpolated between the two. Sequence
  // numbers of one call are consecutive, so "previous" is plain subtraction.
  void record_send(std::uint16_t sequence, std::uint32_t serial, std::int64_t tx_ns,
                   std::uint16_t stamp_gap) {
    Slot& slot = slots_[sequence];
    if (slot.serial_plus_one != serial + 1) return;
    slot.tx_ns = tx_ns;
    slot.stamp_gap = stamp_gap;
  }
  // Records the kernel's transmit time of probe `serial`, if `sequence` is still bound to it.
  void set_transmit_time(std::uint16_t sequence, std::uint32_t serial, std::int64_t tx_ns) {
    if (slots_[sequence].serial_plus_one == serial + 1) set_kernel_time(sequence, tx_ns);
  }
  // The same by a transmit-stamp id (IcmpSocket::stamp_id): the sequence and the serial's low 16 bits. A
  // number is rebound only after `hold` (about a second) while stamps come back within milliseconds, so
  // the pair names one probe; an id that names none (a stale or foreign stamp) changes nothing.
  void set_transmit_time_by_id(std::uint32_t id, std::int64_t tx_ns) {
    const auto sequence = static_cast<std::uint16_t>(id & 0xffff);
    const std::uint32_t bound = slots_[sequence].serial_plus_one;
    if (bound != 0 && ((bound - 1) & 0xffff) == (id >> 16)) set_kernel_time(sequence, tx_ns);
  }

  // Spans between two stamps that took far longer than their packets take (a pause: preemption, a long
  // interrupt), since the map was made. The packets between such stamps keep estimates (kernel_time false).
  std::uint64_t stalled_spans() const { return stalled_spans_; }
  // Those whose pause lasted kLongPauseNs or more.
  std::uint64_t long_pauses() const { return long_pauses_; }

  // Starts over: every number free, the ring at 0. For reuse across runs without reallocating.
  void reset(std::int64_t hold_ns);

 private:
  // An Entry as stored: the serial plus one, so that all-zero memory is a free slot and the table costs no
  // page until a run reaches it (calloc'd; reset() clears only what was used). A process that pings a
  // few hosts touches a few pages, not 3 MB (measured: 3.3 ms of a 4.3 ms `semaphore ping -c 1`).
  struct Slot {
    std::int64_t sent_ns;
    std::int64_t tx_ns;
    std::uint32_t serial_plus_one;  // 0: free
    std::uint16_t stamp_gap;
    bool kernel_time;
  };
  struct FreeSlots {
    void operator()(Slot* slots) const;
  };

  void set_kernel_time(std::uint16_t sequence, std::int64_t tx_ns);

  std::unique_ptr<Slot[], FreeSlots> slots_;
  std::size_t used_ = 0;  // slots [0, used_) may be bound (all of them once the ring has wrapped)
  std::int64_t hold_ns_;
  std::int64_t pace_ns_ = 5'000;  // how long one packet of a call takes the kernel: an average of clean spans
  std::uint64_t stalled_spans_ = 0;
  std::uint64_t long_pauses_ = 0;
  std::uint16_t next_ = 0;
};

}  // namespace semaphore::probe

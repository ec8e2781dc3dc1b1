#pragma once
// IcmpPinger: the Pinger behind Pinger::open(). One event loop on the calling thread: it resolves names
// (c-ares), paces probes from a heap of due times through a token bucket, batches them per socket with
// sendmmsg, and every tick (1 to 12 ms, or sooner when a send is due) drains both sockets with recvmmsg
// until EAGAIN, and a large run's reply rings (ReplyRing: echo replies with no system call each). RTT =
// kernel receive timestamp - kernel transmit timestamp, both CLOCK_REALTIME.
//
// Why ticks instead of waking on every readable socket: replies carry the kernel's receive time, so reading
// them up to a millisecond later costs no accuracy, and reading them in batches divides the syscall cost
// per reply by the batch size.
//
// Memory: per host, a HostTable row (about 40 bytes) and one heap entry (8 bytes); per probe, a 4-byte RTT
// slot; all sized once when the run starts. run() builds its HostResults from the table at the end.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "probe/icmp_socket.h"
#include "probe/pinger.h"
#include "probe/reply_matching.h"
#include "probe/reply_ring.h"
#include "probe/resolver.h"
#include "probe/sequence_map.h"
#include "probe/stamp_density.h"

namespace semaphore::probe {

class IcmpPinger final : public Pinger {
 public:
  IcmpPinger(std::unique_ptr<IcmpSocket> v4, std::unique_ptr<IcmpSocket> v6, std::string v6_error,
             std::unique_ptr<Resolver> resolver);

  std::vector<HostResult> run(std::span<const PingRequest> requests, const PingOptions& options,
                              std::stop_token stop) override;
  std::unique_ptr<CompactResults> run_compact(const HostList& hosts, const PingOptions& options,
                                              std::stop_token stop) override;
  EngineCounters counters() const override;
  SocketKind socket_kind() const override { return v4_ ? v4_->kind() : v6_->kind(); }

 private:
  // A host's next send time in 8 bytes, since the heap holds one per host: microseconds since the run's
  // start in the high 40 bits (12.7 days), the host in the low 24 (a run has at most 2^24 hosts). Keys
  // order by time, then host.
  struct Due {
    static constexpr int kHostBits = 24;
    static constexpr std::uint32_t kMaxHosts = 1u << kHostBits;
    std::uint64_t key;

    static Due at(std::int64_t due_ns, std::int64_t start_ns, std::uint32_t host) {
      const std::int64_t us = due_ns > start_ns ? (due_ns - start_ns) / 1000 : 0;
      const std::uint64_t capped = std::min<std::uint64_t>(static_cast<std::uint64_t>(us), (1ull << 40) - 1);
      return Due{capped << kHostBits | host};
    }
    std::int64_t due_ns(std::int64_t start_ns) const {
      return start_ns + static_cast<std::int64_t>(key >> kHostBits) * 1000;
    }
    std::uint32_t host() const { return static_cast<std::uint32_t>(key & (kMaxHosts - 1)); }
  };
  struct Run;  // the state of one run() call, in engine_run.h

  void execute(Run& run, std::stop_token stop);
  void start_resolution(Run& run, std::int64_t now_ns);
  void take_answers(Run& run, std::int64_t now_ns);
  void accept_address(Run& run, std::uint32_t host, const IpAddress& address, std::int64_t now_ns);
  void send_due(Run& run, std::int64_t now_ns);
  void flush(Run& run, int family_index, std::int64_t now_ns);
  void plan_rings(std::size_t bytes, std::uint64_t probes, PingOptions::ReplyRing use);
  void open_ring(int family_index);
  void close_rings();
  void receive_all(Run& run);
  void handle_packet(Run& run, int family_index, const Incoming& packet);
  // What reply_matching.h's functions need of this run and this family's socket.
  MatchScope match_scope(Run& run, int family_index);
  std::int64_t wake_time(Run& run, std::int64_t now_ns);
  void fail(Run& run, std::uint32_t host, HostError error, std::string detail);

  std::unique_ptr<IcmpSocket> v4_, v6_;  // either may be null when its family is unavailable
  // Raw sockets, during a large run: echo replies come through these rings (null: through the socket).
  std::unique_ptr<ReplyRing> rings_[2];
  std::uint32_t retired_ring_drops_ = 0;  // of the rings of earlier runs
  std::size_t ring_bytes_ = 0;            // this run's ring size, 0: no rings (plan_rings)
  bool ring_tried_[2] = {true, true};     // open_ring() was called for the family in this run
  std::string v6_error_;
  std::unique_ptr<Resolver> resolver_;
  SequenceMap sequences_[2];  // per socket: [0] IPv4, [1] IPv6
  StampDensity stamp_density_;
  std::vector<Due> heap_;  // kept between runs so that a service's rounds do not reallocate
  EngineCounters counters_;
};

}  // namespace semaphore::probe

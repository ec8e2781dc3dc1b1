#pragma once
// The state of one IcmpPinger::run() call, shared by engine.cpp (scheduling, sending) and
// engine_receive.cpp (matching replies). Internal to the probe module.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <span>
#include <string_view>
#include <vector>

#include "probe/engine.h"
#include "probe/host_table.h"
#include "probe/local_broadcasts.h"
#include "probe/probe_cookie.h"
#include "probe/token_bucket.h"

namespace semaphore::probe {

// Where a run's hosts come from: run()'s PingRequests or run_compact()'s HostList.
struct HostInput {
  virtual ~HostInput() = default;
  virtual std::size_t size() const = 0;
  virtual std::string_view name(std::uint32_t host) const = 0;
  virtual std::int64_t offset_ns(std::uint32_t host) const = 0;
};

// The two inputs, and run_compact()'s results read from the run's host table: shared by the ICMP and TCP
// engines.
class RequestInput final : public HostInput {
 public:
  explicit RequestInput(std::span<const PingRequest> requests) : requests_(requests) {}
  std::size_t size() const override { return requests_.size(); }
  std::string_view name(std::uint32_t host) const override { return requests_[host].host; }
  std::int64_t offset_ns(std::uint32_t host) const override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(requests_[host].start_offset).count();
  }

 private:
  std::span<const PingRequest> requests_;
};

class ListInput final : public HostInput {
 public:
  explicit ListInput(const HostList& hosts) : hosts_(hosts) {}
  std::size_t size() const override { return hosts_.size(); }
  std::string_view name(std::uint32_t host) const override { return hosts_.name(host); }
  std::int64_t offset_ns(std::uint32_t) const override { return 0; }

 private:
  const HostList& hosts_;
};

class TableResults final : public CompactResults {
 public:
  TableResults(const HostList& hosts, HostTable table) : hosts_(hosts), table_(std::move(table)) {}
  std::size_t size() const override { return hosts_.size(); }
  void get(std::size_t i, HostResult& out) const override {
    table_.fill(static_cast<std::uint32_t>(i), hosts_.name(i), out);
  }

 private:
  const HostList& hosts_;
  HostTable table_;
};

// How often the loop wakes while it sends: long enough that each wake sends (and reads) a batch of up to
// kBatchSize probes, short enough that pacing stays smooth. Replies carry kernel timestamps, so reading them
// a few milliseconds late costs no accuracy. While only waiting for replies, the loop wakes every
// kIdleTickNs. Up to 12 ms and 128 per batch (was 5 ms and 64): half the syscalls per probe (0.063 vs
// 0.135 at 10,000/s) and about 10% less CPU per probe in the benchmark, same RTT error.
constexpr std::int64_t kMinTickNs = 1'000'000, kMaxTickNs = 12'000'000, kIdleTickNs = 20'000'000;

inline std::int64_t send_tick_ns(double rate) {
  if (rate <= 0) return kMinTickNs;
  return std::clamp(static_cast<std::int64_t>(kBatchSize * 1e9 / rate), kMinTickNs, kMaxTickNs);
}

struct IcmpPinger::Run {
  Run(const HostInput& h, HostTable& t, const PingOptions& o, std::int64_t now)
      : hosts(h),
        table(t),
        options(o),
        start_ns(now),
        tick_ns(send_tick_ns(o.rate)),
        bucket(o.rate > 0 ? o.rate : 1e12,
               // Room for four ticks: a wake-up that comes late (a busy machine) catches up instead of
               // losing the time, yet no burst exceeds a few batches.
               std::clamp(4 * o.rate * static_cast<double>(tick_ns) / 1e9, 1.0, 4.0 * kBatchSize), now) {}

  const HostInput& hosts;
  HostTable& table;
  const PingOptions& options;
  std::vector<std::uint32_t> dns_queue;
  std::size_t dns_next = 0;
  std::int64_t start_ns;
  std::int64_t tick_ns;
  std::int64_t timeout_ns = 0, interval_ns = 0;
  std::uint32_t count = 0;
  ProbeCookies cookies;        // each probe's cookie, under this run's own key
  LocalBroadcasts broadcasts;  // read at the start of a run with a target policy: never pinged
  TokenBucket bucket;
  int batch[2] = {0, 0};
  std::int64_t last_send_ns = 0;
  std::int64_t blocked_until_ns = 0;  // the sequence ring is full until then
  // Probes sent and not answered by a reply. An ICMP error does not end a probe: a valid reply that comes
  // after it still counts (an error is only what is left when no reply comes).
  std::uint64_t outstanding = 0;
};

}  // namespace semaphore::probe

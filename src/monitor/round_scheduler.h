#pragma once
// The round loop: at every interval boundary, asks the HostSource for this round's hosts (so hosts added,
// edited, disabled or deleted take effect by the next round), pings them with each host at its stable phase,
// and delivers one row per host per probe kind: icmp and both hosts through the ICMP engine, tcp and both
// hosts through the TCP engine (Pinger::open_tcp, each request with the host's port). The two runs go at
// once, the TCP one on a thread of its own for the round's length, with the same phases, probes, spacing
// and timeout, and --rate shared between them in proportion to their probes. A round that does not finish
// inside its interval is logged and counted (round_overruns, rounds_skipped) and the next round starts at the
// next boundary: rounds are never silently stretched, and a row's ts always names a real boundary.
#include <chrono>
#include <functional>
#include <optional>
#include <stop_token>
#include <vector>

#include "core/stoppable_thread.h"
#include "core/target.h"
#include "monitor/metrics.h"
#include "monitor/round_plan.h"
#include "probe/pinger.h"
#include "store/store.h"

namespace semaphore::monitor {

// Which hosts this worker pings in a round. Sources: every enabled host (one worker), or the hosts this
// worker holds leases on (several workers on PostgreSQL; host_source.h).
class HostSource {
 public:
  virtual ~HostSource() = default;
  // The hosts to ping in the round starting at `round_ts`. On failure the scheduler keeps the previous
  // round's list: probing goes on through a database outage.
  virtual Result<std::vector<store::Host>> hosts_for_round(EpochMs round_ts) = 0;
  // Hosts the source got after hosts_for_round returned, to ping in the same round (leases: the batches
  // claimed in the background while the round runs). Returns what arrived since the last call, waiting
  // until something did, the source has nothing more to give this round, or `until`; sets `done` when
  // nothing more will come this round. The default: nothing ever comes.
  virtual std::vector<store::Host> more_hosts(std::chrono::steady_clock::time_point /*until*/, bool& done) {
    done = true;
    return {};
  }
  // After the round's pings (leases: give back surplus hosts now, so others pick them up next round).
  virtual void round_done(EpochMs /*round_ts*/) {}
  // On stop (leases: release them all so other workers take over at once).
  virtual void close() {}
};

struct SchedulerOptions {
  RoundTiming timing;
  double rate = 10000;
  std::optional<TargetPolicy> policy;
  // Called on the scheduler's thread with each list of hosts the source gave (the path measurements trace
  // this worker's hosts: monitor/path_scheduler.h). Must not block.
  std::function<void(const std::vector<store::Host>&)> on_hosts;
  // Called on the scheduler's thread after each round of the loop, with whether it ended inside its interval
  // (false: it overran; the heartbeat counts rounds on time and late: monitor/heartbeat.h). Must not block.
  std::function<void(EpochMs round_ts, bool on_time)> on_round_end;
};

class RoundScheduler {
 public:
  using Deliver = std::function<void(std::vector<store::PingResult>)>;

  // `tcp_pinger` measures the hosts whose method is tcp or both; without one, their TCP rows say "send
  // failed" (no engine to send with).
  RoundScheduler(HostSource& source, probe::Pinger& pinger, probe::Pinger* tcp_pinger, Deliver deliver,
                 Metrics& metrics, SchedulerOptions options);
  ~RoundScheduler();  // stop()s
  RoundScheduler(const RoundScheduler&) = delete;
  RoundScheduler& operator=(const RoundScheduler&) = delete;

  // Starts the loop on its own thread: the first round at the current boundary when it began less than a
  // margin ago, else at the next one.
  void start();
  // Lets the round in flight finish and deliver its rows, then ends the loop. Returns when it has.
  void stop();

  // One round, on the caller's thread (the loop calls it; tests call it directly). Returns the time the
  // pinging took.
  std::chrono::milliseconds run_round(EpochMs round_ts);

 private:
  struct Tally;
  void loop(std::stop_token stop);
  // Pings hosts_[which[i]] at offsets[i] from now (both engines at once), adding their rows and counts.
  void ping(const std::vector<std::size_t>& which, const std::vector<std::chrono::milliseconds>& offsets,
            EpochMs round_ts, Tally& tally);

  HostSource& source_;
  probe::Pinger& pinger_;
  probe::Pinger* tcp_pinger_;
  Deliver deliver_;
  Metrics& metrics_;
  SchedulerOptions options_;
  std::vector<store::Host> hosts_;  // the last list the source gave

  StoppableThread thread_;
};

}  // namespace semaphore::monitor

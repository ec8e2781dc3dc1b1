#pragma once
// Path measurements (issue 15), on a thread of their own beside the rounds:
//  - on a slow schedule: every host of this worker (the round scheduler's latest list) once per `interval`
//    (--path-interval, 30 min), each at a stable phase inside the interval (a hash of its id), so the traces
//    are spread over the interval rather than all at once; at most `batch` hosts per trace run;
//  - at once when a host changes state: the result writer's transaction reports its events through
//    PathTriggeringEvaluator, which calls request(); the request waits in a bounded queue (`queue_capacity`;
//    beyond it requests are dropped and counted) and is served before the schedule. request() only takes a
//    mutex for a push: it never blocks the writer.
// Each trace's path is compared with the host's previous one (paths/path_change.h: a change is recorded with
// the previous path's id), judged against its last good path when a state change asked for it
// (paths/verdict.h), stored (store/path_store.h), and attached to the state change's events (same host,
// same round). Traces run at `trace.rate` probes a second (50 by default), far below the rounds' --rate.
#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/stoppable_thread.h"
#include "monitor/metrics.h"
#include "paths/path.h"
#include "probe/tracer.h"
#include "store/path_store.h"
#include "store/records.h"
#include "store/round_evaluator.h"

namespace semaphore::monitor {

struct PathOptions {
  std::chrono::milliseconds interval{std::chrono::minutes(30)};  // --path-interval; 0: no paths at all
  std::size_t batch = 20;                                        // hosts per trace run (state changes first)
  std::size_t queue_capacity = 1000;                             // state-change requests waiting
  probe::TraceOptions trace = default_trace();

  static probe::TraceOptions default_trace() {
    probe::TraceOptions t;
    t.cycles = 10;
    t.max_hops = 30;
    t.rate = 50;
    return t;
  }
};

struct PathTarget {
  store::Id host_id = 0;
  std::string hostname;
  bool operator==(const PathTarget&) const = default;
};

// Which hosts are due for a scheduled trace: each at `phase(host)` past every multiple of the interval.
// Pure (no clock, no thread): the scheduler calls it, tests drive it with their own times.
class PathPlan {
 public:
  explicit PathPlan(std::chrono::milliseconds interval) : interval_ms_(interval.count()) {}

  // The host's offset inside each interval: stable, spread evenly by a hash of the id.
  EpochMs phase(store::Id host_id) const;
  // Replaces the host list: a host seen for the first time is due at its next phase after `now` (so a restart
  // does not trace everything at once); hosts no longer listed are forgotten.
  void set_hosts(const std::vector<PathTarget>& hosts, EpochMs now);
  // Up to `most` hosts due at `now`, the longest overdue first; each is next due one interval later.
  std::vector<PathTarget> take_due(EpochMs now, std::size_t most);
  // The host's name, when it is listed.
  std::optional<std::string> hostname(store::Id host_id) const;
  std::size_t size() const { return hosts_.size(); }

 private:
  struct Entry {
    std::string hostname;
    EpochMs due = 0;
  };
  // The host's first phase after `now`.
  EpochMs next_slot(store::Id host_id, EpochMs now) const;

  EpochMs interval_ms_;
  std::map<store::Id, Entry> hosts_;
};

// The trace as Semaphore keeps it: per hop the summary of its RTTs (core/rtt_stats.h).
paths::Path path_from_trace(const probe::TraceResult& trace);

class PathScheduler {
 public:
  PathScheduler(store::PathStore& store, probe::Tracer& tracer, Metrics& metrics, PathOptions options);
  ~PathScheduler();  // stop()s
  PathScheduler(const PathScheduler&) = delete;
  PathScheduler& operator=(const PathScheduler&) = delete;

  void start();
  // Ends the trace in flight early (its paths are not stored) and the thread.
  void stop();

  // This worker's hosts (the round scheduler calls it with every round's list).
  void set_hosts(const std::vector<store::Host>& hosts);
  // A trace of `host_id` at once, for its state change in the round at `event_at`; true when that round's
  // events will get the path (their notifications wait for it). False (and counted) when the queue is full; a
  // host already waiting is not queued twice (true only for the same round: the waiting trace is attached to
  // its own round's events). Never waits for anything but the mutex.
  bool request(store::Id host_id, EpochMs event_at);

  // One pass as of `now` on the caller's thread (the loop calls it; tests call it directly): queued requests
  // first, then scheduled hosts that are due, at most `batch` hosts, traced together and stored. Returns the
  // number of paths stored.
  std::size_t run_once(EpochMs now, std::stop_token stop = {});

  std::size_t queued() const;

 private:
  struct Request {
    store::Id host_id = 0;
    EpochMs event_at = 0;
  };
  void loop(std::stop_token stop);
  bool store_path(const PathTarget& target, std::optional<EpochMs> event_at, const probe::TraceResult& trace,
                  EpochMs now);

  store::PathStore& store_;
  probe::Tracer& tracer_;
  Metrics& metrics_;
  PathOptions options_;
  // Guarded by thread_.mutex().
  PathPlan plan_;
  std::deque<Request> queue_;
  StoppableThread thread_;
};

// The alerts' evaluator with one thing added: a host whose rounds produced a state change (an event other
// than its first round's) gets a path trace at once (PathScheduler::request). Runs inside the writer's
// transaction like the evaluator it wraps: the request is a bounded push, nothing more.
class PathTriggeringEvaluator : public store::RoundEvaluator {
 public:
  PathTriggeringEvaluator(store::RoundEvaluator& inner, PathScheduler& paths)
      : inner_(inner), paths_(paths) {}
  bool needs_baseline(const store::HostAlertContext& context) const override {
    return inner_.needs_baseline(context);
  }
  store::HostAlertOutcome evaluate(const store::HostAlertContext& context,
                                   std::span<const store::RoundToEvaluate> rounds) override;

 private:
  store::RoundEvaluator& inner_;
  PathScheduler& paths_;
};

}  // namespace semaphore::monitor

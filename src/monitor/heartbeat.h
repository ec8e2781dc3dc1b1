#pragma once
// The ping service's heartbeat (issue 16): once per round it records itself in its location's row
// (store::LocationStore::record_heartbeat, or the agent's POST; `local`, id 1, unless told otherwise): when
// it was last seen, its version, its rounds on time and late since its last report, its spool's backlog and
// its interval, which /locations and `semaphore location list` show (a location silent for 3 intervals is
// offline).
//
// The round scheduler only counts (round_ended: a mutex and a notify, never the database); the write happens
// on the heartbeat's own thread, so a slow or stopped database never delays a round. A failed write keeps
// its counts for the next one (none is lost or counted twice by this worker) and is logged once until a write
// succeeds again.
//
// Several workers of one location (PostgreSQL, `semaphore probe` with leases) all write the same row: each
// adds its own deltas (`rounds_on_time = rounds_on_time + ?`), so the counts are the location's
// worker-rounds; last_seen_at, version, spool_backlog and interval_ms are the last writer's.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "core/result.h"
#include "core/stoppable_thread.h"
#include "store/location_store.h"

namespace semaphore::monitor {

// Where a heartbeat goes: the store's LocationStore::record_heartbeat for a database-connected service, a
// POST to the server for an agent (src/agent). Called on the heartbeat's thread; may block.
using HeartbeatRecorder = std::function<Status(const store::LocationHeartbeat&)>;

struct HeartbeatOptions {
  store::Id location_id = 1;
  std::string location_name = "local";  // for the log
  std::string version;
  std::chrono::milliseconds interval{std::chrono::seconds(60)};
};

class Heartbeat {
 public:
  // `spool_backlog` is asked on the heartbeat's thread before each write: the rows waiting in the spool.
  Heartbeat(HeartbeatRecorder record, HeartbeatOptions options, std::function<std::int64_t()> spool_backlog);
  ~Heartbeat();  // stop()s
  Heartbeat(const Heartbeat&) = delete;
  Heartbeat& operator=(const Heartbeat&) = delete;

  // Writes once at start (the service is up, no round yet), then after each round.
  void start();
  // Writes what is pending one last time, then ends the thread.
  void stop();

  // After a round, on the scheduler's thread: counts it and wakes the writer. Never blocks on the database.
  void round_ended(bool on_time);

  // Writes what is pending now, on the caller's thread (the thread's body; tests).
  Status write_now();

 private:
  void loop(std::stop_token stop);

  HeartbeatRecorder record_;
  HeartbeatOptions options_;
  std::function<std::int64_t()> spool_backlog_;
  // Guarded by thread_.mutex(): counts not yet written, and whether a round ended since the last write.
  std::int64_t on_time_ = 0;
  std::int64_t late_ = 0;
  bool due_ = false;
  bool failing_ = false;  // the last write failed (logged once)
  StoppableThread thread_;
};

}  // namespace semaphore::monitor

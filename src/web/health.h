#pragma once
// /healthz and /readyz, and the database check that /readyz and /metrics (semaphore_database_up) share.
//
// /healthz says the process answers (200 "ok"; no database, no lock). /readyz says whether this process
// should get traffic: the database answers a cheap query and, when the ping service runs in the same process
// (`semaphore run`), its last round finished on time; else 503 with a JSON reason. `semaphore serve` has no
// rounds of its own to judge: a web replica stays ready while probe workers elsewhere lag, because taking
// every replica out of a load balancer for a stopped worker would hide the UI that shows it (alert on the
// worker's freshness instead: semaphore_host_last_round_timestamp_seconds with --metrics-hosts).
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "core/clock.h"
#include "core/stoppable_thread.h"
#include "store/operator_store.h"
#include "web/http_types.h"

namespace semaphore::web {

// Is the database answering? A query to a database that stopped answering (a PostgreSQL server frozen with
// its connections open: libpq has no client-side query timeout) could hold a handler thread forever, so the
// query runs on a thread of its own and a caller waits for it at most `wait`. One query at a time, and its
// outcome is reused for `fresh`: load balancers polling every second cost at most one query a second.
class DatabaseCheck {
 public:
  struct Options {
    std::chrono::milliseconds fresh{1000};
    std::chrono::milliseconds wait{2000};
  };
  enum class Outcome { up, down, no_answer };

  explicit DatabaseCheck(store::OperatorStore& store) : DatabaseCheck(store, Options{}) {}
  DatabaseCheck(store::OperatorStore& store, Options options) : store_(store), options_(options) {}
  // Stops the checker thread (after the query in flight, if any).
  ~DatabaseCheck() { thread_.stop(); }
  DatabaseCheck(const DatabaseCheck&) = delete;
  DatabaseCheck& operator=(const DatabaseCheck&) = delete;

  // The outcome of a query at most `fresh` old; no_answer when none came within `wait`. Thread-safe.
  Outcome check();
  std::chrono::milliseconds wait() const { return options_.wait; }

 private:
  void loop(std::stop_token stop);

  store::OperatorStore& store_;
  Options options_;
  StoppableThread thread_;
  std::once_flag started_;
  // Guarded by thread_.mutex():
  std::uint64_t requested_ = 0;  // checks asked for
  std::uint64_t completed_ = 0;  // the number of the last one answered
  Outcome last_ = Outcome::no_answer;
  std::chrono::steady_clock::time_point last_at_{};
};

// Where the in-process ping service's rounds are (`semaphore run`).
struct RoundProgress {
  EpochMs started_at = 0;      // when the service started; 0 while it does not run
  EpochMs last_round_end = 0;  // when its last round finished; 0 before the first
  std::chrono::milliseconds interval{0};
};

// How long after the last round (or the start) the next must have finished: two intervals (the first round
// waits for the next boundary, then takes up to one) and 10 s of slack.
std::chrono::milliseconds round_deadline(std::chrono::milliseconds interval);

// /readyz: 200 {"status":"ready",...} or 503 {"status":"not_ready","reason":...}. `rounds` is empty when no
// ping service runs in this process (then "rounds":"not_checked").
Response readiness(DatabaseCheck& database, const std::function<RoundProgress()>& rounds, EpochMs now);

}  // namespace semaphore::web

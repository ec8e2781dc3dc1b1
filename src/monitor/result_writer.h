#pragma once
// The result writer (DESIGN.md §5): rounds hand their rows to push(); one writer thread inserts them in
// batches, one transaction per batch. While the database fails, the writer backs off and retries; once the
// outage is older than `spool_after` (or the queue is half full) it appends batches to the spool instead
// (fsync per batch) and keeps trying the database at the back-off pace. When the database answers again it
// replays the spool, oldest file first; inserts are idempotent on (host_id, ts, method, location), so a
// replay that is interrupted and repeated never duplicates a row.
//
// Why a queue and a thread and not an insert at the end of each round: a slow or absent database must never
// delay the next round's pings, and a round's rows must survive a database that is down for hours.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <span>
#include <stop_token>
#include <vector>

#include "core/result.h"
#include "core/stoppable_thread.h"
#include "monitor/metrics.h"
#include "monitor/spool.h"
#include "store/monitor_store.h"

namespace semaphore::monitor {

// Where rows go: the store in production, a fake in unit tests.
class ResultSink {
 public:
  virtual ~ResultSink() = default;
  // Inserts the batch in one transaction, idempotently; returns the rows actually inserted. Errc::
  // invalid_argument says the batch can never be taken (the writer drops it, counts it in results_dropped
  // and logs why); any other error is retried, then spooled.
  virtual Result<std::int64_t> insert(std::span<const store::PingResult> rows) = 0;
  // A cheap round trip: is the database answering again? (So that an outage is probed without touching the
  // spool, which would otherwise be cut into one small file per retry.)
  virtual Status check() = 0;
};

// With an evaluator (the alerts, wired by src/cli), every batch is evaluated in its own transaction
// (MonitorStore::insert_results_evaluated): replays from the spool included, so a round that reaches the
// database late is evaluated then, once.
class StoreSink : public ResultSink {
 public:
  explicit StoreSink(store::MonitorStore& store, store::RoundEvaluator* evaluator = nullptr)
      : store_(store), evaluator_(evaluator) {}
  Result<std::int64_t> insert(std::span<const store::PingResult> rows) override {
    if (evaluator_ != nullptr) return store_.insert_results_evaluated(rows, *evaluator_);
    return store_.insert_results(rows);
  }
  Status check() override { return store_.check_connection(); }

 private:
  store::MonitorStore& store_;
  store::RoundEvaluator* evaluator_;
};

struct WriterOptions {
  std::size_t batch_size = 1000;
  std::size_t queue_capacity = 200000;
  std::chrono::milliseconds spool_after{std::chrono::seconds(10)};
  std::chrono::milliseconds backoff_initial{100};
  std::chrono::milliseconds backoff_max{std::chrono::seconds(5)};
  // Called on the writer thread after spooled rows went back into the database, with the oldest ts among
  // them (maintenance recomputes the rollups from there).
  std::function<void(EpochMs oldest_ts)> on_replayed;
  // The service's location (issue 16): push() stamps it on every row, so that the rows, the spool and a
  // replay carry it (a spooled row keeps the location it was measured from).
  store::Id location_id = store::kLocalLocationId;
  // Where the rows go, as the log names it: "database" (run, probe) or "server" (an agent).
  std::string destination = "database";
};

class ResultWriter {
 public:
  ResultWriter(ResultSink& sink, Spool& spool, Metrics& metrics, WriterOptions options);
  ~ResultWriter();  // stop()s
  ResultWriter(const ResultWriter&) = delete;
  ResultWriter& operator=(const ResultWriter&) = delete;

  void start();

  // Queues rows for writing. Never waits for the database: when the queue is full the rows go straight to the
  // spool, and they are counted as dropped (and logged) only when the spool cannot take them either.
  void push(std::vector<store::PingResult> rows);

  // Writes every queued row (spooling what the database does not take), then ends the thread. Spool files not
  // yet replayed stay on disk for the next start.
  void stop();

  // True when nothing is queued or held and, if the database is up, the spool is empty (tests wait for this).
  bool idle() const;
  bool database_healthy() const { return healthy_.load(); }

 private:
  using Clock = std::chrono::steady_clock;

  void run(std::stop_token stop);
  // Tries the database with `batch` when it is healthy or a retry is due; true when the rows are written.
  bool try_insert(std::span<const store::PingResult> batch, bool replay);
  void spool_or_drop(std::span<const store::PingResult> batch);
  void replay_one_file();
  void note_failure(const Error& error);
  bool retry_due() const { return healthy_ || Clock::now() >= next_retry_; }
  bool spooling() const;

  ResultSink& sink_;
  Spool& spool_;
  Metrics& metrics_;
  WriterOptions options_;

  // Guarded by thread_.mutex().
  std::deque<store::PingResult> queue_;
  bool busy_ = false;  // the writer holds rows it took from the queue
  StoppableThread thread_;

  // Writer-thread state (healthy_ is also read by others).
  std::atomic<bool> healthy_{true};
  std::atomic<bool> spool_pending_{false};
  Clock::time_point unhealthy_since_{};
  Clock::time_point next_retry_{};
  std::chrono::milliseconds backoff_{0};
};

}  // namespace semaphore::monitor

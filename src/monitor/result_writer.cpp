#include "monitor/result_writer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>

#include "core/text.h"

namespace semaphore::monitor {

ResultWriter::ResultWriter(ResultSink& sink, Spool& spool, Metrics& metrics, WriterOptions options)
    : sink_(sink), spool_(spool), metrics_(metrics), options_(std::move(options)) {
  options_.batch_size = std::max<std::size_t>(1, options_.batch_size);
  options_.queue_capacity = std::max(options_.queue_capacity, options_.batch_size);
}

ResultWriter::~ResultWriter() {
  stop();
}

void ResultWriter::start() {
  if (thread_.running()) return;
  spool_pending_ = !spool_.empty();
  metrics_.spool_bytes = spool_.bytes();
  thread_.start([this](std::stop_token stop) { run(std::move(stop)); });
}

void ResultWriter::stop() {
  // run() drains the queue once asked to stop, so every row pushed before stop() is written or spooled.
  if (!thread_.stop()) return;
  spool_.seal();
}

void ResultWriter::push(std::vector<store::PingResult> rows) {
  if (rows.empty()) return;
  for (store::PingResult& row : rows) row.location_id = options_.location_id;
  metrics_.results_queued += rows.size();
  std::size_t taken = 0;
  {
    std::lock_guard lock(thread_.mutex());
    taken = std::min(rows.size(), options_.queue_capacity - std::min(options_.queue_capacity, queue_.size()));
    queue_.insert(queue_.end(), std::make_move_iterator(rows.begin()),
                  std::make_move_iterator(rows.begin() + static_cast<std::ptrdiff_t>(taken)));
    metrics_.queue_depth = static_cast<std::int64_t>(queue_.size());
  }
  thread_.notify_one();
  // The queue is full (the writer is stuck on a slow database): the rest goes to disk from here.
  std::span<const store::PingResult> rest(rows.data() + taken, rows.size() - taken);
  for (std::size_t at = 0; at < rest.size(); at += options_.batch_size) {
    const auto chunk = rest.subspan(at, std::min(options_.batch_size, rest.size() - at));
    if (auto spooled = spool_.append(chunk); spooled) {
      metrics_.results_spooled += chunk.size();
      spool_pending_ = true;
    } else {
      metrics_.results_dropped += chunk.size();
      spdlog::error("writer: queue full and spool failed ({}): {} results dropped",
                    log_safe(spooled.error().message), chunk.size());
    }
  }
  metrics_.spool_bytes = spool_.bytes();
}

bool ResultWriter::idle() const {
  std::lock_guard lock(thread_.mutex());
  return queue_.empty() && !busy_ && (!healthy_ || !spool_pending_);
}

bool ResultWriter::spooling() const {
  if (healthy_) return false;
  if (Clock::now() - unhealthy_since_ >= options_.spool_after) return true;
  std::lock_guard lock(thread_.mutex());
  return queue_.size() >= options_.queue_capacity / 2;
}

void ResultWriter::note_failure(const Error& error) {
  ++metrics_.write_errors;
  const auto now = Clock::now();
  if (healthy_) {
    healthy_ = false;
    metrics_.database_up = 0;
    unhealthy_since_ = now;
    backoff_ = options_.backoff_initial;
    spdlog::warn("writer: {} write failed ({}); retrying with back-off, spooling after {} ms",
                 options_.destination, log_safe(error.message), options_.spool_after.count());
  } else {
    backoff_ = std::min(backoff_ * 2, options_.backoff_max);
    spdlog::debug("writer: {} still failing: {}", options_.destination, log_safe(error.message));
  }
  next_retry_ = now + backoff_;
}

bool ResultWriter::try_insert(std::span<const store::PingResult> batch, bool replay) {
  if (!retry_due()) return false;
  const auto started = Clock::now();
  auto inserted = sink_.insert(batch);
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
  if (!inserted) {
    if (inserted.error().code == Errc::invalid_argument) {
      // A batch the sink can never take (ResultSink's contract): retrying it would hold up every later one.
      metrics_.results_dropped += batch.size();
      if (replay) metrics_.results_replayed += batch.size();  // out of the spool all the same
      spdlog::error("writer: {} results dropped, refused for good: {}", batch.size(),
                    log_safe(inserted.error().message));
      return true;
    }
    note_failure(inserted.error());
    return false;
  }
  metrics_.observe_write_latency(ms);
  ++metrics_.write_batches;
  metrics_.results_written += static_cast<std::uint64_t>(*inserted);
  if (replay) metrics_.results_replayed += batch.size();
  if (!healthy_) {
    spdlog::info("writer: {} is back after {} s", options_.destination,
                 std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - unhealthy_since_).count());
    healthy_ = true;
    metrics_.database_up = 1;
  }
  return true;
}

void ResultWriter::spool_or_drop(std::span<const store::PingResult> batch) {
  if (auto spooled = spool_.append(batch); spooled) {
    metrics_.results_spooled += batch.size();
    spool_pending_ = true;
  } else {
    metrics_.results_dropped += batch.size();
    spdlog::error("writer: spool failed ({}): {} results dropped", log_safe(spooled.error().message),
                  batch.size());
  }
  metrics_.spool_bytes = spool_.bytes();
}

void ResultWriter::replay_one_file() {
  if (!healthy_) {
    if (auto answered = sink_.check(); !answered) {
      note_failure(answered.error());
      return;
    }
  }
  // The file being appended to must be closed before it can be replayed.
  spool_.seal();
  auto file = spool_.take_oldest();
  if (!file) {
    spool_pending_ = false;
    return;
  }
  if (file->torn())
    spdlog::warn("writer: spool file {} has a damaged tail (a crash mid-write); skipped it", file->path());
  std::size_t rows = 0;
  EpochMs oldest = std::numeric_limits<EpochMs>::max();
  for (const auto& batch : file->batches()) {
    if (!try_insert(batch, true)) return;  // the file stays and is replayed (again, idempotently) later
    rows += batch.size();
    for (const auto& row : batch) oldest = std::min(oldest, row.ts);
  }
  if (auto removed = spool_.remove(*file); !removed)
    spdlog::error("writer: {}", log_safe(removed.error().message));
  metrics_.spool_bytes = spool_.bytes();
  spdlog::info("writer: replayed {} spooled results from {}", rows, file->path());
  if (rows > 0 && options_.on_replayed) options_.on_replayed(oldest);
}

void ResultWriter::run(std::stop_token stop) {
  std::vector<store::PingResult> batch;
  for (;;) {
    bool stopping = false;
    {
      StoppableThread::Lock lock(thread_.mutex());
      if (batch.empty()) {
        busy_ = false;
        // Healthy: wake for new rows or a spool to replay. Failing: wake for the retry, or for new rows that
        // may have to be spooled.
        const auto deadline =
            !healthy_ && spool_pending_ ? next_retry_ : Clock::now() + std::chrono::seconds(1);
        thread_.wait_until(lock, stop, deadline,
                           [&] { return !queue_.empty() || (spool_pending_ && healthy_); });
        const std::size_t n = std::min(options_.batch_size, queue_.size());
        batch.assign(std::make_move_iterator(queue_.begin()),
                     std::make_move_iterator(queue_.begin() + static_cast<std::ptrdiff_t>(n)));
        queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
        metrics_.queue_depth = static_cast<std::int64_t>(queue_.size());
        busy_ = !batch.empty();
      } else {
        // Holding rows the database refused: wait for the retry (or the outage to turn into spooling).
        const auto spool_at = unhealthy_since_ + options_.spool_after;
        thread_.wait_until(lock, stop, std::min(next_retry_, spool_at), [] { return false; });
      }
      stopping = stop.stop_requested();
    }

    if (!batch.empty()) {
      if (try_insert(batch, false)) {
        batch.clear();
      } else if (stopping || spooling()) {
        spool_or_drop(batch);
        batch.clear();
      }
      continue;
    }
    if (stopping) {
      std::lock_guard lock(thread_.mutex());
      if (queue_.empty()) break;
      continue;
    }
    if (spool_pending_ && retry_due()) replay_one_file();
  }
}

}  // namespace semaphore::monitor

#include "monitor/heartbeat.h"

#include <spdlog/spdlog.h>

#include <utility>

#include "core/text.h"

namespace semaphore::monitor {

Heartbeat::Heartbeat(HeartbeatRecorder record, HeartbeatOptions options,
                     std::function<std::int64_t()> spool_backlog)
    : record_(std::move(record)), options_(std::move(options)), spool_backlog_(std::move(spool_backlog)) {}

Heartbeat::~Heartbeat() {
  stop();
}

void Heartbeat::start() {
  {
    StoppableThread::Lock lock(thread_.mutex());
    due_ = true;  // say so at once: a location is seen from its service's start, not its first round's end
  }
  thread_.start([this](std::stop_token stop) { loop(std::move(stop)); });
}

void Heartbeat::stop() {
  if (thread_.stop()) (void)write_now();
}

void Heartbeat::round_ended(bool on_time) {
  {
    StoppableThread::Lock lock(thread_.mutex());
    ++(on_time ? on_time_ : late_);
    due_ = true;
  }
  thread_.notify_one();
}

Status Heartbeat::write_now() {
  store::LocationHeartbeat beat;
  {
    StoppableThread::Lock lock(thread_.mutex());
    beat.rounds_on_time = on_time_;
    beat.rounds_late = late_;
    due_ = false;
  }
  beat.location_id = options_.location_id;
  beat.at = now_epoch_ms();
  beat.version = options_.version;
  beat.interval_ms = options_.interval.count();
  beat.spool_backlog = spool_backlog_ ? std::max<std::int64_t>(0, spool_backlog_()) : 0;
  Status written = record_(beat);
  StoppableThread::Lock lock(thread_.mutex());
  if (written) {
    // Only what was written is taken off: rounds that ended during the write stay for the next one.
    on_time_ -= beat.rounds_on_time;
    late_ -= beat.rounds_late;
    if (failing_) spdlog::info("heartbeat of location {}: written again", options_.location_name);
    failing_ = false;
  } else if (!failing_) {
    failing_ = true;
    spdlog::warn(
        "heartbeat of location {} not written ({}); rounds go on, and it is retried after each round",
        options_.location_name, log_safe(written.error().message));
  }
  return written;
}

void Heartbeat::loop(std::stop_token stop) {
  for (;;) {
    {
      StoppableThread::Lock lock(thread_.mutex());
      thread_.wait_for(lock, stop, options_.interval, [this] { return due_; });
      if (stop.stop_requested()) return;
      if (!due_) continue;  // no round ended within an interval: nothing new to say
    }
    (void)write_now();
  }
}

}  // namespace semaphore::monitor

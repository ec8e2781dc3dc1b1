#pragma once
// "Last seen" times written on a thread of their own, so that a request never waits for a write it does not
// need: sessions' last_seen_at (SessionManager) and API tokens' last_used_at (ApiAuth), each due at most once
// a minute per session or token. On SQLite such a write waits for the one write lock — while the ping
// service's round, a spool replay or a held lock has it, up to the busy timeout (10 s) — and every request
// due a touch would wait with it (the soak saw 12-17 s pages during an outage).
//
// Touches are asked for with the request's time and kept one per key (the latest time wins), at most
// kMaxPending keys at once: beyond, a touch is dropped and the key's next request asks again. A failed write
// drops the rest of its batch and pauses touches for kPauseMs of request time (each would fail the same
// way); the session or token then simply counts as seen a little earlier than it was.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "core/clock.h"
#include "core/result.h"
#include "core/text.h"

namespace semaphore::web {

template <typename Key>
class DeferredTouches {
 public:
  static constexpr std::size_t kMaxPending = 10'000;
  static constexpr EpochMs kPauseMs = 30'000;
  using Write = std::function<Status(const Key&, EpochMs)>;

  // `what` names the times in the log ("sessions' last-seen times").
  DeferredTouches(std::string what, Write write)
      : what_(std::move(what)), write_(std::move(write)), thread_([this] { run(); }) {}
  // Stops the thread after the write in flight; touches not yet written are dropped.
  ~DeferredTouches() {
    {
      const std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  DeferredTouches(const DeferredTouches&) = delete;
  DeferredTouches& operator=(const DeferredTouches&) = delete;

  // Asks for `key`'s time to become `now`. Never waits for the database.
  void touch(const Key& key, EpochMs now) {
    {
      const std::lock_guard lock(mutex_);
      if (now < paused_until_ || stopping_) return;
      auto found = pending_.find(key);
      if (found == pending_.end()) {
        if (pending_.size() >= kMaxPending) return;
        pending_.emplace(key, now);
      } else {
        found->second = std::max(found->second, now);
      }
    }
    wake_.notify_one();
  }

  // The latest time asked for and not yet written (pending or being written), or 0: the time as it will
  // stand once written, for judging before the write lands.
  EpochMs unwritten(const Key& key) {
    const std::lock_guard lock(mutex_);
    EpochMs latest = 0;
    for (const auto* map : {&pending_, &writing_batch_}) {
      if (const auto found = map->find(key); found != map->end()) latest = std::max(latest, found->second);
    }
    return latest;
  }

  // Waits until every touch asked for so far has been written or has failed (tests; a clean stop).
  void flush() {
    std::unique_lock lock(mutex_);
    drained_.wait(lock, [this] { return stopping_ || (pending_.empty() && !writing_); });
  }

 private:
  void run() {
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
      if (stopping_) break;
      writing_batch_.swap(pending_);
      writing_ = true;
      lock.unlock();
      // Only this thread changes writing_batch_'s contents; others read it under the mutex.
      for (const auto& [key, at] : writing_batch_) {
        const Status written = write_(key, at);
        if (written) continue;
        spdlog::warn("{} not written for {} s: {}", what_, kPauseMs / 1000,
                     log_safe(written.error().message));
        lock.lock();
        paused_until_ = std::max(paused_until_, at + kPauseMs);
        lock.unlock();
        break;
      }
      lock.lock();
      writing_batch_.clear();
      writing_ = false;
      if (pending_.empty()) drained_.notify_all();
    }
    writing_ = false;
    drained_.notify_all();
  }

  const std::string what_;
  const Write write_;
  std::mutex mutex_;
  std::condition_variable wake_;     // a touch was asked for, or stopping
  std::condition_variable drained_;  // nothing pending and nothing being written
  std::map<Key, EpochMs> pending_;
  std::map<Key, EpochMs> writing_batch_;  // taken from pending_, being written
  bool writing_ = false;
  bool stopping_ = false;
  EpochMs paused_until_ = 0;  // request time before which touches are dropped (after a failed write)
  std::thread thread_;        // last: started once everything above is made
};

}  // namespace semaphore::web

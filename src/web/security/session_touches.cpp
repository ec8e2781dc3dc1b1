#include "web/security/session_touches.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include "core/text.h"

namespace semaphore::web {

SessionTouches::SessionTouches(store::AccountStore& store) : store_(store), thread_([this] { run(); }) {}

SessionTouches::~SessionTouches() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void SessionTouches::touch(const std::string& token_hash, EpochMs now) {
  {
    const std::lock_guard lock(mutex_);
    if (now < paused_until_ || stopping_) return;
    auto found = pending_.find(token_hash);
    if (found == pending_.end()) {
      if (pending_.size() >= kMaxPending) return;
      pending_.emplace(token_hash, now);
    } else {
      found->second = std::max(found->second, now);
    }
  }
  wake_.notify_one();
}

EpochMs SessionTouches::unwritten(const std::string& token_hash) {
  const std::lock_guard lock(mutex_);
  EpochMs latest = 0;
  for (const auto* map : {&pending_, &writing_batch_}) {
    if (const auto found = map->find(token_hash); found != map->end())
      latest = std::max(latest, found->second);
  }
  return latest;
}

void SessionTouches::flush() {
  std::unique_lock lock(mutex_);
  drained_.wait(lock, [this] { return stopping_ || (pending_.empty() && !writing_); });
}

void SessionTouches::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
    if (stopping_) break;
    writing_batch_.swap(pending_);
    writing_ = true;
    lock.unlock();
    // Only this thread changes writing_batch_'s contents; others read it under the mutex.
    for (const auto& [token_hash, at] : writing_batch_) {
      const Status written = store_.touch_session(token_hash, at);
      if (written) continue;
      // The rest would fail the same way (an outage, a held write lock): drop them and pause.
      spdlog::warn("sessions: last-seen times not written for {} s: {}", kPauseMs / 1000,
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

}  // namespace semaphore::web

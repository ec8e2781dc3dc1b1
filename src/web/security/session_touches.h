#pragma once
// Sessions' last-seen times, written on a thread of their own, so that a signed-in request never waits for a
// write it does not need. On SQLite a touch is a write: while the ping service's round, a spool replay or a
// held lock has the database's one write lock, it would wait up to the busy timeout (10 s), and every page
// of every user due a touch would wait with it (the soak saw 12-17 s pages during an outage).
//
// Touches are asked for with the request's time and kept one per session (the latest time wins), at most
// kMaxPending sessions at once: beyond, a touch is dropped and the session's next request asks again. A
// failed write pauses touches for kPauseMs of request time (each would fail the same way); a session then
// simply counts as seen a little earlier than it was, which only matters against a 12-hour idle limit.
#include <condition_variable>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "core/clock.h"
#include "store/account_store.h"

namespace semaphore::web {

class SessionTouches {
 public:
  static constexpr std::size_t kMaxPending = 10'000;
  static constexpr EpochMs kPauseMs = 30'000;

  explicit SessionTouches(store::AccountStore& store);
  // Stops the thread after the write in flight; touches not yet written are dropped.
  ~SessionTouches();
  SessionTouches(const SessionTouches&) = delete;
  SessionTouches& operator=(const SessionTouches&) = delete;

  // Asks for the session `token_hash`'s last_seen_at to become `now`. Never waits for the database.
  void touch(const std::string& token_hash, EpochMs now);
  // The latest time a touch not yet written asked for (pending or being written), or 0: the session's
  // last-seen time as it will stand, for judging its idle limit before the write lands.
  EpochMs unwritten(const std::string& token_hash);
  // Waits until every touch asked for so far has been written or has failed (tests; a clean stop).
  void flush();

 private:
  void run();

  store::AccountStore& store_;
  std::mutex mutex_;
  std::condition_variable wake_;     // a touch was asked for, or stopping
  std::condition_variable drained_;  // nothing pending and nothing being written
  std::map<std::string, EpochMs> pending_;
  std::map<std::string, EpochMs> writing_batch_;  // taken from pending_, being written
  bool writing_ = false;
  bool stopping_ = false;
  EpochMs paused_until_ = 0;  // request time before which touches are dropped (after a failed write)
  std::thread thread_;
};

}  // namespace semaphore::web

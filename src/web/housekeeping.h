#pragma once
// Housekeeping of the account tables: sessions that have ended, sign-in failures older than the throttle's
// window and API tokens that expired more than `expired_tokens_kept` ago are deleted, or they would pile up
// forever (a session is deleted when its cookie comes back expired, but most never come back; a failure
// record only when its key is tried again; a token only when its user revokes it). Expired tokens are kept
// a while so that /account can show them as expired (and the user sees why a script stopped working).
//
// Runs on a worker thread of its own in every process that serves the web UI (`serve`, `run`), never on an
// Asio I/O thread: a pass is database work. Each pass deletes in bounded batches, so no one statement holds
// SQLite's write lock (or PostgreSQL's row locks) for long, and stops early when asked to. With several
// replicas each purges: the deletes are idempotent, so they only share the work.
#include <chrono>
#include <cstdint>
#include <stop_token>

#include "core/clock.h"
#include "core/stoppable_thread.h"
#include "store/account_store.h"
#include "store/token_store.h"
#include "web/security/sessions.h"

namespace semaphore::web {

struct HousekeepingOptions {
  SessionRules sessions;  // what "ended" means: --session-idle, --session-max
  std::chrono::seconds every{std::chrono::minutes(10)};
  std::chrono::seconds expired_tokens_kept{std::chrono::hours(24 * 30)};  // then the row goes
  std::int64_t batch_rows = 500;                                          // rows per DELETE
  int max_batches_per_pass = 200;                                         // the rest waits for the next pass
};

class Housekeeping {
 public:
  Housekeeping(store::AccountStore& accounts, store::TokenStore& tokens, HousekeepingOptions options)
      : accounts_(accounts), tokens_(tokens), options_(options) {}
  ~Housekeeping() { stop(); }
  Housekeeping(const Housekeeping&) = delete;
  Housekeeping& operator=(const Housekeeping&) = delete;

  struct Purged {
    std::int64_t sessions = 0;
    std::int64_t signin_failures = 0;
    std::int64_t tokens = 0;
  };

  // One pass as of `now`, on the caller's thread. Store errors end the pass (logged); the next one retries.
  Purged purge(EpochMs now, std::stop_token stop = {});

  // A pass now, then one every `every`, on the worker thread, until stop().
  void start();
  void stop() { thread_.stop(); }

 private:
  store::AccountStore& accounts_;
  store::TokenStore& tokens_;
  HousekeepingOptions options_;
  StoppableThread thread_;
};

}  // namespace semaphore::web

#pragma once
// Sessions (DESIGN.md §6): a 256-bit random token in a cookie; the database keeps only its SHA-256, so a
// leaked database copy signs nobody in. Each session has its own CSRF token for forms. Sessions end after
// `idle` without a request and `max` after sign-in, whichever comes first; a new token at every sign-in.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"
#include "store/account_store.h"
#include "web/cache/versioned_cache.h"
#include "web/security/deferred_touches.h"

namespace semaphore::web {

// 32 random bytes as unpadded base64url (43 characters): what goes into cookies and forms.
std::string random_token();
// True for text shaped like random_token()'s output; other cookie values are ignored without a lookup.
bool looks_like_token(std::string_view text);
// Lower-case hex SHA-256 of `token`: the session's key in the store.
std::string hash_token(std::string_view token);
// Constant-time comparison; false when either is empty.
bool tokens_equal(std::string_view a, std::string_view b);

struct SessionRules {
  std::chrono::seconds idle{std::chrono::hours(12)};
  std::chrono::seconds max{std::chrono::hours(24 * 7)};
  // last_seen_at is written at most this often, to spare the database a write per request.
  std::chrono::seconds touch_every{std::chrono::seconds(60)};

  bool expired(const store::Session& session, EpochMs now) const;
  bool needs_touch(const store::Session& session, EpochMs now) const;
};

class SessionManager {
 public:
  SessionManager(store::AccountStore& store, SessionRules rules)
      : store_(store),
        rules_(rules),
        touches_("sessions' last-seen times",
                 [&store](const std::string& key, EpochMs at) { return store.touch_session(key, at); }) {}

  struct Started {
    std::string token;  // for the cookie
    store::Session session;
  };
  // A new session for `user_id` with fresh token and CSRF token.
  Result<Started> start(store::Id user_id, EpochMs now);
  // The live session the cookie's token names: nullopt when unknown or expired (an expired one is deleted).
  // A session due a touch (`rules().touch_every`) is touched in the background (DeferredTouches): the request
  // never waits for that write, and the session it gets back is already seen `now`.
  // Errc::unavailable passes through so that the caller can answer 503 rather than sign the user out.
  // `data_version` (the store's data_version(), read first; "" for none) lets an unchanged session row be
  // reused without a query; the rules are applied to it just the same.
  Result<std::optional<store::Session>> resume(std::string_view token, EpochMs now,
                                               const std::string& data_version = "");
  Status end(std::string_view token);

  const SessionRules& rules() const { return rules_; }
  // Waits until the touches asked for so far are written (or failed).
  void flush_touches() { touches_.flush(); }

  // After a failed touch (the database refused the write: an outage, a held write lock), touches pause this
  // long (DeferredTouches::kPauseMs): each would fail the same way; a session simply counts as seen a little
  // earlier than it was.
  static constexpr EpochMs kTouchPauseMs = DeferredTouches<std::string>::kPauseMs;

 private:
  store::AccountStore& store_;
  SessionRules rules_;
  VersionedCache<store::Session> rows_;   // by token hash
  DeferredTouches<std::string> touches_;  // by token hash; last: its thread stops first
};

}  // namespace semaphore::web

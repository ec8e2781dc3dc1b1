#pragma once
// AccountStore: users, their sessions and the sign-in failure records. Used by the web UI (sign-up, sign-in,
// the account page, web/security/sessions.h, web/security/throttle.h) and by the CLI (`semaphore user ...`,
// and finding the user a `semaphore host ...` command names).
//
// Rules every implementation keeps:
//  - Emails are stored lower-cased; lookups by email are case-insensitive.
//  - Methods never throw. Database failures are Errc::unavailable (retrying may help); unique-key clashes are
//    Errc::duplicate; missing rows Errc::not_found.
//  - Safe to call from many threads at once (a connection pool inside).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/records.h"

namespace semaphore::store {

class AccountStore {
 public:
  virtual ~AccountStore() = default;

  // --- users ---
  // The first user ever created becomes admin when `first_user_is_admin`. Errc::duplicate for a known email.
  virtual Result<User> create_user(const std::string& email, const std::string& password_hash,
                                   bool first_user_is_admin) = 0;
  virtual Result<User> find_user_by_email(const std::string& email) = 0;
  virtual Result<User> find_user(Id user_id) = 0;
  virtual Result<std::vector<User>> list_users() = 0;
  virtual Status set_password_hash(Id user_id, const std::string& password_hash) = 0;
  // The user's own host limit (empty: the server's --max-hosts-per-user). Lowering it below the hosts the
  // user holds removes none of them; it only stops new ones.
  virtual Status set_user_max_hosts(Id user_id, std::optional<std::int64_t> max_hosts) = 0;

  // --- sessions ---
  virtual Status create_session(const Session& session) = 0;
  virtual Result<Session> find_session(const std::string& token_hash) = 0;
  virtual Status touch_session(const std::string& token_hash, EpochMs last_seen_at) = 0;
  virtual Status delete_session(const std::string& token_hash) = 0;
  // Every session of the user except `keep_token_hash` (empty: all of them).
  virtual Status delete_user_sessions(Id user_id, const std::string& keep_token_hash) = 0;
  // At most `limit` sessions that have ended: expires_at <= now, last seen before `idle_cutoff`, or created
  // before `created_cutoff` (--session-max may have been shortened since). Returns how many were deleted; the
  // caller repeats while a batch comes back full, so no one statement holds the table for long.
  virtual Result<std::int64_t> delete_expired_sessions(EpochMs now, EpochMs idle_cutoff,
                                                       EpochMs created_cutoff, std::int64_t limit) = 0;

  // --- sign-in throttling: failures by key ("account:<email>", "client:<address>"), shared by replicas ---
  virtual Status record_signin_failure(const std::string& key, EpochMs at) = 0;
  virtual Result<std::vector<EpochMs>> signin_failures_since(const std::string& key, EpochMs since) = 0;
  virtual Status clear_signin_failures(const std::string& key) = 0;
  // At most about `limit` failure records (of any key) older than `before`; returns how many were deleted.
  virtual Result<std::int64_t> delete_signin_failures_before(EpochMs before, std::int64_t limit) = 0;
};

}  // namespace semaphore::store

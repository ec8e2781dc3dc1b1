#pragma once
// An AccountStore over the tests' real one that can fail like a database in an outage: sessions_test (the
// touches) and app_test (a page whose session cannot be checked).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "store/account_store.h"

namespace semaphore::web {

// The real store, whose session touches (writes) and session and user lookups (reads) can be made to fail
// as in an outage (a held write lock would make each write wait out the 10 s busy timeout first; a stopped
// PostgreSQL fails the reads too); counts the touches that reach it.
class FlakyAccountStore : public store::AccountStore {
 public:
  explicit FlakyAccountStore(store::AccountStore& real) : real_(real) {}
  std::atomic<bool> failing = false;
  std::atomic<int> touches = 0;
  // While set, a touch waits until it is cleared: a write lock held elsewhere.
  std::atomic<bool> blocked = false;
  // While set, finding a session or a user fails as a database that does not answer.
  std::atomic<bool> lookups_fail = false;

  Status touch_session(const std::string& token_hash, EpochMs last_seen_at) override {
    ++touches;
    while (blocked) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (failing) return make_error(Errc::unavailable, "database is locked");
    return real_.touch_session(token_hash, last_seen_at);
  }
  Result<store::User> create_user(const std::string& email, const std::string& hash, bool admin) override {
    return real_.create_user(email, hash, admin);
  }
  Result<store::User> find_user_by_email(const std::string& email) override {
    return real_.find_user_by_email(email);
  }
  Result<store::User> find_user(store::Id id) override {
    if (lookups_fail) return make_error(Errc::unavailable, "connection refused");
    return real_.find_user(id);
  }
  Result<std::vector<store::User>> list_users() override { return real_.list_users(); }
  Status set_password_hash(store::Id id, const std::string& hash) override {
    return real_.set_password_hash(id, hash);
  }
  Status set_user_max_hosts(store::Id id, std::optional<std::int64_t> max_hosts) override {
    return real_.set_user_max_hosts(id, max_hosts);
  }
  Status create_session(const store::Session& session) override { return real_.create_session(session); }
  Result<store::Session> find_session(const std::string& hash) override {
    if (lookups_fail) return make_error(Errc::unavailable, "connection refused");
    return real_.find_session(hash);
  }
  Status delete_session(const std::string& hash) override { return real_.delete_session(hash); }
  Status delete_user_sessions(store::Id id, const std::string& keep) override {
    return real_.delete_user_sessions(id, keep);
  }
  Result<std::int64_t> delete_expired_sessions(EpochMs now, EpochMs idle, EpochMs created,
                                               std::int64_t limit) override {
    return real_.delete_expired_sessions(now, idle, created, limit);
  }
  Status record_signin_failure(const std::string& key, EpochMs at) override {
    return real_.record_signin_failure(key, at);
  }
  Result<std::vector<EpochMs>> signin_failures_since(const std::string& key, EpochMs since) override {
    return real_.signin_failures_since(key, since);
  }
  Status clear_signin_failures(const std::string& key) override { return real_.clear_signin_failures(key); }
  Result<std::int64_t> delete_signin_failures_before(EpochMs before, std::int64_t limit) override {
    return real_.delete_signin_failures_before(before, limit);
  }

 private:
  store::AccountStore& real_;
};

}  // namespace semaphore::web

#pragma once
// Sign-in throttling, shared by every replica through the store's failure records:
//  - per account ("account:<email>"): from the 5th failure within an hour, each further try waits
//    30 s * 2^(failures - 5) after the last failure, at most 15 minutes;
//  - per client address ("client:<address>"): 100 failures within an hour block that address until the
//    oldest of them is an hour old.
// A throttled try is refused before its password is checked, so it reveals nothing and costs no argon2.
// Sign-ups are counted per client address ("signup:<address>"): at most N attempts an hour (--signups-per-
// address), so nobody can make accounts (or argon2 hashes) by the thousand.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "store/account_store.h"

namespace semaphore::web {

// "Please wait 3 minutes and try again." for a throttled form: the wait in whole minutes, rounded up.
std::string wait_and_retry(std::chrono::seconds wait);

class SigninThrottle {
 public:
  explicit SigninThrottle(store::AccountStore& store) : store_(store) {}

  static constexpr int kAccountFreeFailures = 5;
  // The longest window any rule looks back over: older failure records count for nothing.
  static constexpr EpochMs kWindowMs = 3'600'000;
  static constexpr int kClientFailuresPerHour = 100;

  // The delay the account owes after `failures` recent failures, the last one at `last_failure`.
  static std::chrono::seconds account_delay(int failures);

  // nullopt when a sign-in may be tried now; else how long to wait. Store errors fail open (logged).
  std::optional<std::chrono::seconds> check(std::string_view email, std::string_view client, EpochMs now);
  void record_failure(std::string_view email, std::string_view client, EpochMs now);
  void record_success(std::string_view email);

  // nullopt when `client` may try another sign-up now (fewer than `per_hour` in the past hour); else how
  // long until the oldest of them is an hour old. Store errors fail open (logged).
  std::optional<std::chrono::seconds> signup_wait(std::string_view client, int per_hour, EpochMs now);
  void record_signup(std::string_view client, EpochMs now);

 private:
  store::AccountStore& store_;
};

}  // namespace semaphore::web

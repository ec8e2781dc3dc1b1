#include "web/security/throttle.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/text.h"
#include "web/security/client_address.h"

namespace semaphore::web {
namespace {

constexpr EpochMs kHourMs = SigninThrottle::kWindowMs;

std::string account_key(std::string_view email) {
  return "account:" + std::string(email);
}
// An IPv6 client counts as its /64 (client_address.h): else one user would have 2^64 addresses to try from.
std::string client_key(std::string_view client) {
  return "client:" + throttle_address(client);
}
std::string signup_key(std::string_view client) {
  return "signup:" + throttle_address(client);
}

}  // namespace

std::string wait_and_retry(std::chrono::seconds wait) {
  const auto minutes = (wait.count() + 59) / 60;
  return "Please wait " + std::to_string(minutes) + (minutes == 1 ? " minute" : " minutes") +
         " and try again.";
}

std::chrono::seconds SigninThrottle::account_delay(int failures) {
  if (failures < kAccountFreeFailures) return std::chrono::seconds(0);
  const int doublings = std::min(failures - kAccountFreeFailures, 10);
  return std::min(std::chrono::seconds(30LL << doublings), std::chrono::seconds(15 * 60));
}

std::optional<std::chrono::seconds> SigninThrottle::check(std::string_view email, std::string_view client,
                                                          EpochMs now) {
  EpochMs wait_until = 0;
  if (auto account = store_.signin_failures_since(account_key(email), now - kHourMs)) {
    const auto failures = static_cast<int>(account->size());
    if (failures >= kAccountFreeFailures) {
      const EpochMs last = *std::max_element(account->begin(), account->end());
      wait_until = std::max(wait_until, last + account_delay(failures).count() * 1000);
    }
  } else {
    spdlog::warn("sign-in throttle: {}", log_safe(account.error().message));
  }
  if (auto from_client = store_.signin_failures_since(client_key(client), now - kHourMs)) {
    if (static_cast<int>(from_client->size()) >= kClientFailuresPerHour) {
      const EpochMs oldest = *std::min_element(from_client->begin(), from_client->end());
      wait_until = std::max(wait_until, oldest + kHourMs);
    }
  } else {
    spdlog::warn("sign-in throttle: {}", log_safe(from_client.error().message));
  }
  if (wait_until <= now) return std::nullopt;
  return std::chrono::seconds((wait_until - now + 999) / 1000);
}

void SigninThrottle::record_failure(std::string_view email, std::string_view client, EpochMs now) {
  if (auto s = store_.record_signin_failure(account_key(email), now); !s)
    spdlog::warn("{}", log_safe(s.error().message));
  if (auto s = store_.record_signin_failure(client_key(client), now); !s)
    spdlog::warn("{}", log_safe(s.error().message));
}

void SigninThrottle::record_success(std::string_view email) {
  if (auto s = store_.clear_signin_failures(account_key(email)); !s)
    spdlog::warn("{}", log_safe(s.error().message));
}

std::optional<std::chrono::seconds> SigninThrottle::signup_wait(std::string_view client, int per_hour,
                                                                EpochMs now) {
  auto attempts = store_.signin_failures_since(signup_key(client), now - kHourMs);
  if (!attempts) {
    spdlog::warn("sign-up throttle: {}", attempts.error().message);
    return std::nullopt;
  }
  if (static_cast<int>(attempts->size()) < per_hour) return std::nullopt;
  const EpochMs oldest = *std::min_element(attempts->begin(), attempts->end());
  const EpochMs wait_until = oldest + kHourMs;
  return std::chrono::seconds(std::max<EpochMs>(1, (wait_until - now + 999) / 1000));
}

void SigninThrottle::record_signup(std::string_view client, EpochMs now) {
  if (auto s = store_.record_signin_failure(signup_key(client), now); !s)
    spdlog::warn("{}", s.error().message);
}

}  // namespace semaphore::web

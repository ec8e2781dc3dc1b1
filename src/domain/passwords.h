#pragma once
// Passwords: argon2id through libsodium's crypto_pwhash_str, whose output names its own parameters, so a
// hash made with older (cheaper) parameters is recognized and replaced at the next successful sign-in.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace semaphore::domain {

struct PasswordCost {
  unsigned long long ops = 0;
  std::size_t mem = 0;
  static PasswordCost interactive();  // libsodium's INTERACTIVE limits (64 MiB): the default
  static PasswordCost minimum();      // the cheapest argon2id libsodium allows: for unit tests only
};

inline constexpr std::size_t kMinPasswordChars = 10;
inline constexpr std::size_t kMaxPasswordChars = 1024;

// Why `password` is not acceptable ("at least 10 characters"), or nullopt. Characters are UTF-8 code points.
std::optional<std::string> password_problem(std::string_view password);

class PasswordHasher {
 public:
  explicit PasswordHasher(PasswordCost cost = PasswordCost::interactive());

  // The encoded hash ("$argon2id$v=19$m=...") or Errc::internal when libsodium runs out of memory.
  Result<std::string> hash(std::string_view password) const;
  // True when `password` matches `encoded`. Constant time in the password (libsodium).
  bool verify(std::string_view encoded, std::string_view password) const;
  // True when `encoded` was made with other parameters than this hasher's (or is not argon2id).
  bool needs_rehash(std::string_view encoded) const;
  // Verifies against a hash of a random password made at start-up: spends the time a real check takes, so an
  // unknown email cannot be told from a wrong password by the answer's delay. Always false.
  bool verify_dummy(std::string_view password) const;

 private:
  PasswordCost cost_;
  std::string dummy_hash_;
};

}  // namespace semaphore::domain

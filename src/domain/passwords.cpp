#include "domain/passwords.h"

#include <sodium.h>

#include <stdexcept>

#include "core/text.h"

namespace semaphore::domain {

PasswordCost PasswordCost::interactive() {
  return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
}

PasswordCost PasswordCost::minimum() {
  return {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};
}

std::optional<std::string> password_problem(std::string_view password) {
  const std::size_t chars = utf8_length(password);
  if (chars < kMinPasswordChars) return "Use at least 10 characters.";
  if (chars > kMaxPasswordChars || password.size() > 4 * kMaxPasswordChars) {
    return "Use at most 1,024 characters.";
  }
  return std::nullopt;
}

PasswordHasher::PasswordHasher(PasswordCost cost) : cost_(cost) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialize");
  char random_password[33];
  randombytes_buf(random_password, sizeof random_password);
  auto dummy = hash(std::string_view(random_password, sizeof random_password));
  if (!dummy) throw std::runtime_error("argon2id failed: " + dummy.error().message);
  dummy_hash_ = std::move(*dummy);
}

Result<std::string> PasswordHasher::hash(std::string_view password) const {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), cost_.ops, cost_.mem) != 0) {
    return make_error(Errc::internal, "out of memory while hashing a password");
  }
  return std::string(out);
}

bool PasswordHasher::verify(std::string_view encoded, std::string_view password) const {
  if (encoded.empty() || encoded.size() >= crypto_pwhash_STRBYTES) return false;
  const std::string terminated(encoded);  // libsodium wants a NUL-terminated string
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

bool PasswordHasher::needs_rehash(std::string_view encoded) const {
  const std::string terminated(encoded);
  return crypto_pwhash_str_needs_rehash(terminated.c_str(), cost_.ops, cost_.mem) != 0;
}

bool PasswordHasher::verify_dummy(std::string_view password) const {
  (void)verify(dummy_hash_, password);
  return false;
}

}  // namespace semaphore::domain

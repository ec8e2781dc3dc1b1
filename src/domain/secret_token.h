#pragma once
// The secrets Semaphore hands out — session cookies and API tokens: 32 random bytes (libsodium) as unpadded
// base64url, and the SHA-256 (hex) under which the database keeps them; the secret itself is never stored, so
// a copy of the database signs no one in.
#include <string>
#include <string_view>

namespace semaphore::domain {

inline constexpr std::size_t kSecretChars = 43;  // 32 bytes in base64url without padding

std::string random_secret();
// True for text shaped like random_secret()'s output (43 base64url characters): other values are turned
// away without a database lookup.
bool looks_like_secret(std::string_view text);
std::string secret_hash(std::string_view secret);

}  // namespace semaphore::domain

#pragma once
// API tokens (issue 13): what a token looks like, the rules for its name, scope and lifetime, and making one
// for a user. Shared by the account page (web/pages/account_page.cpp), the CLI (`semaphore token ...`) and
// bearer authentication (web/security/api_auth.h).
//
// A token is "smp_" and 32 random bytes (libsodium) as unpadded base64url: 47 characters, 256 bits of
// secret. It is shown once, when made; the store keeps only its hex SHA-256, so a copy of the database
// authenticates nobody, and a lookup by hash needs no constant-time comparison of secrets.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"
#include "store/token_store.h"

namespace semaphore::domain {

inline constexpr std::string_view kApiTokenPrefix = "smp_";
inline constexpr std::size_t kApiTokenChars = 47;  // the prefix and 43 base64url characters
inline constexpr std::size_t kMaxTokenNameChars = 64;
inline constexpr std::int64_t kMaxTokensPerUser = 50;

// A new random token's text.
std::string random_api_token();
// True for text shaped like random_api_token()'s output: anything else is refused without a lookup.
bool looks_like_api_token(std::string_view text);
// Lower-case hex SHA-256 of `token`: its key in the store.
std::string hash_api_token(std::string_view token);

// Why `name` (already trimmed) cannot name a token ("1 to 64 characters"), or nullopt. Names are printable
// ASCII: letters, digits, spaces and punctuation.
std::optional<std::string> token_name_problem(std::string_view name);

// The lifetimes the account page offers: "never", "30", "90", "365" (days). nullopt for anything else;
// a value of nullopt inside for "never".
std::optional<std::optional<std::chrono::days>> parse_token_expiry_choice(std::string_view choice);

struct NewApiToken {
  std::string token;       // the text: show it once, store it nowhere
  store::ApiToken record;  // as stored
};

// Makes a token for `user_id` named `name` (trimmed, then checked) with `scope`, expiring `lifetime` after
// `now` (nullopt: never). Errc::invalid_argument for a bad name or a lifetime that is not positive (the
// message says why), Errc::duplicate for a name the user has, Errc::limit_exceeded past kMaxTokensPerUser,
// else the store's errors.
Result<NewApiToken> create_api_token(store::TokenStore& tokens, store::Id user_id, std::string_view name,
                                     store::TokenScope scope,
                                     std::optional<std::chrono::milliseconds> lifetime, EpochMs now);

}  // namespace semaphore::domain

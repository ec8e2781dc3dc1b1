#include "domain/api_tokens.h"

#include "core/text.h"
#include "domain/secret_token.h"

namespace semaphore::domain {

std::string random_api_token() {
  return std::string(kApiTokenPrefix) + random_secret();
}

bool looks_like_api_token(std::string_view text) {
  return text.starts_with(kApiTokenPrefix) && looks_like_secret(text.substr(kApiTokenPrefix.size()));
}

std::string hash_api_token(std::string_view token) {
  return secret_hash(token);
}

std::optional<std::string> token_name_problem(std::string_view name) {
  if (name.empty()) return "Give the token a name.";
  if (name.size() > kMaxTokenNameChars) return "A name has at most 64 characters.";
  for (const char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7e) return "A name has only letters, digits, spaces and punctuation (ASCII).";
  }
  return std::nullopt;
}

std::optional<std::optional<std::chrono::days>> parse_token_expiry_choice(std::string_view choice) {
  if (choice == "never") return std::optional<std::chrono::days>();
  if (choice == "30") return std::optional<std::chrono::days>(30);
  if (choice == "90") return std::optional<std::chrono::days>(90);
  if (choice == "365") return std::optional<std::chrono::days>(365);
  return std::nullopt;
}

Result<NewApiToken> create_api_token(store::TokenStore& tokens, store::Id user_id, std::string_view name,
                                     store::TokenScope scope,
                                     std::optional<std::chrono::milliseconds> lifetime, EpochMs now) {
  const std::string_view trimmed = trim(name);
  if (auto problem = token_name_problem(trimmed)) return make_error(Errc::invalid_argument, *problem);
  if (lifetime && lifetime->count() <= 0) {
    return make_error(Errc::invalid_argument, "A token's lifetime must be longer than zero.");
  }
  NewApiToken made;
  made.token = random_api_token();
  store::ApiToken record;
  record.user_id = user_id;
  record.name = std::string(trimmed);
  record.token_hash = hash_api_token(made.token);
  record.scope = scope;
  record.created_at = now;
  if (lifetime) record.expires_at = now + lifetime->count();
  auto stored = tokens.create_token(record, kMaxTokensPerUser);
  if (!stored) {
    if (stored.error().code == Errc::duplicate) {
      return make_error(Errc::duplicate, "You have a token named " + record.name + " already.");
    }
    if (stored.error().code == Errc::limit_exceeded) {
      return make_error(Errc::limit_exceeded, "You have " + std::to_string(kMaxTokensPerUser) +
                                                  " tokens, the most there may be: revoke one first.");
    }
    return stored.error();
  }
  made.record = std::move(*stored);
  return made;
}

}  // namespace semaphore::domain

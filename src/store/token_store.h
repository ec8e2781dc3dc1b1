#pragma once
// TokenStore: users' API tokens (table api_tokens). Used by the web app (bearer authentication,
// web/security/api_auth.h; the token list of /account) and by the CLI (`semaphore token ...`), both through
// domain/api_tokens.h for anything that makes a token.
//
// Rules every implementation keeps:
//  - A token is found by the hex SHA-256 of its text; the text itself is never stored or returned.
//  - Everything a user names (list, revoke) is scoped by the user's id: another user's token is not_found.
//  - Methods never throw. Database failures are Errc::unavailable; a name the user has already is
//    Errc::duplicate; missing rows (or another user's) Errc::not_found; the per-user limit
//    Errc::limit_exceeded.
//  - Safe to call from many threads at once (a connection pool inside).
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/records.h"

namespace semaphore::store {

class TokenStore {
 public:
  virtual ~TokenStore() = default;

  // Stores `token` (its id is ignored; a created_at of 0 becomes now) and returns it as stored.
  // The user's count is checked inside the insert's transaction, so two calls cannot both pass the limit:
  // Errc::limit_exceeded when the user has `max_per_user` tokens already; Errc::duplicate for a name the
  // user has; Errc::not_found when there is no such user.
  virtual Result<ApiToken> create_token(const ApiToken& token, std::int64_t max_per_user) = 0;
  // The user's tokens (expired ones too), oldest first.
  virtual Result<std::vector<ApiToken>> list_tokens(Id user_id) = 0;
  // The token whose hash is `token_hash` (expired or not: the caller judges), or Errc::not_found.
  virtual Result<ApiToken> find_token(const std::string& token_hash) = 0;
  // Deletes the user's token named `name` / with id `token_id`; Errc::not_found when the user has none.
  virtual Status revoke_token(Id user_id, const std::string& name) = 0;
  virtual Status revoke_token_by_id(Id user_id, Id token_id) = 0;
  // Sets last_used_at (the caller writes it at most about once a minute per token).
  virtual Status touch_token(Id token_id, EpochMs last_used_at) = 0;
  // At most `limit` tokens (of any user) whose expires_at is before `before`; returns how many were deleted.
  // Housekeeping (web/housekeeping.h) calls it with a cut-off well in the past, so that /account still
  // shows a token as expired for a while, and repeats while a batch comes back full.
  virtual Result<std::int64_t> delete_tokens_expired_before(EpochMs before, std::int64_t limit) = 0;
};

}  // namespace semaphore::store
